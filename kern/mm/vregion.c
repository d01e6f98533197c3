/* Region bookkeeping (see vregion.h). Pure: also built into the host tests. */
#include "mm/vregion.h"

#include <stdbool.h>

void vr_init(struct vr_map *m, uint64_t lo, uint64_t hi,
             Retcode (*alloc)(void *ctx, size_t size, void **out), void (*free)(void *ctx, void *p),
             void *ctx)
{
    m->head = NULL;
    m->lo = lo;
    m->hi = hi;
    m->next_id = 1;
    m->alloc = alloc;
    m->free = free;
    m->ctx = ctx;
}

void vr_free_record(struct vr_map *m, struct vregion *r)
{
    m->free(m->ctx, r);
}

static Retcode new_record(struct vr_map *m, struct vregion **out)
{
    void *p = NULL;
    Retcode rc = m->alloc(m->ctx, sizeof **out, &p);
    if (rc == rcOk && p == NULL)
        rc = rcOutOfMemory;
    *out = p;
    return rc;
}

void vr_clear(struct vr_map *m)
{
    while (m->head) {
        struct vregion *r = m->head;
        m->head = r->next;
        vr_free_record(m, r);
    }
}

static bool range_ok(const struct vr_map *m, uint64_t va, uint64_t size)
{
    return size > 0 && va >= m->lo && va < m->hi && size <= m->hi - va;
}

static Retcode check_prot(uint32_t prot)
{
    if (prot & ~BASTION_VMM_PROT_MASK)
        return rcInvalidArgument;
    if ((prot & BASTION_VMM_WRITE) && (prot & BASTION_VMM_EXECUTE))
        return rcWxViolation;
    return rcOk;
}

/* True if [va, va + size) overlaps no region. */
static bool range_free(const struct vr_map *m, uint64_t va, uint64_t size)
{
    for (const struct vregion *r = m->head; r; r = r->next)
        if (r->base < va + size && va < r->base + r->size)
            return false;
    return true;
}

Retcode vr_reserve(struct vr_map *m, uint64_t hint, uint64_t size, uint32_t prot, uint64_t *out)
{
    Retcode rc = check_prot(prot);
    if (rc != rcOk)
        return rc;
    if (size == 0 || size > m->hi - m->lo)
        return rcInvalidArgument;
    size = (size + VR_PAGE - 1) & ~(VR_PAGE - 1);
    uint64_t base;
    if (hint) {
        if (hint & (VR_PAGE - 1))
            return rcAlignment;
        if (!range_ok(m, hint, size))
            return rcInvalidArgument;
        if (!range_free(m, hint, size))
            return rcAlreadyExists;
        base = hint;
    } else {
        /* First fit: the gaps between sorted regions. */
        base = m->lo;
        const struct vregion *r = m->head;
        for (;; r = r->next) {
            uint64_t gap_end = r ? r->base : m->hi;
            if (gap_end >= base && gap_end - base >= size)
                break;
            if (!r)
                return rcOutOfMemory;
            base = r->base + r->size;
        }
    }
    struct vregion *n;
    rc = new_record(m, &n);
    if (rc != rcOk)
        return rc;
    n->base = base;
    n->size = size;
    n->alloc_id = m->next_id++;
    n->state = VR_RESERVED;
    n->prot = prot;
    n->flags = (prot & BASTION_VMM_WRITE) ? VR_WAS_WRITABLE : 0;
    n->owner = NULL;
    struct vregion **pp = &m->head;
    while (*pp && (*pp)->base < base)
        pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
    *out = base;
    return rcOk;
}

/* Splits the region containing addr so that a region starts at addr (if addr lies inside
 * one). The alloc callback's code if no record could be had. */
static Retcode split_at(struct vr_map *m, uint64_t addr)
{
    for (struct vregion *r = m->head; r; r = r->next) {
        if (addr <= r->base || addr >= r->base + r->size)
            continue;
        struct vregion *n;
        Retcode rc = new_record(m, &n);
        if (rc != rcOk)
            return rc;
        *n = *r;
        n->base = addr;
        n->size = r->base + r->size - addr;
        r->size = addr - r->base;
        r->next = n;
        return rcOk;
    }
    return rcOk;
}

/* True if [va, va + size) is completely covered by regions. */
static bool covered(const struct vr_map *m, uint64_t va, uint64_t size)
{
    uint64_t pos = va, end = va + size;
    for (const struct vregion *r = m->head; r && pos < end; r = r->next) {
        if (r->base + r->size <= pos)
            continue;
        if (r->base > pos)
            return false;
        pos = r->base + r->size;
    }
    return pos >= end;
}

/* Merges neighbours of the same reservation with the same state and protection. */
static void merge(struct vr_map *m)
{
    for (struct vregion *r = m->head; r && r->next;) {
        struct vregion *n = r->next;
        if (n->base == r->base + r->size && n->alloc_id == r->alloc_id && n->state == r->state &&
            n->prot == r->prot && n->flags == r->flags) {
            r->size += n->size;
            r->next = n->next;
            vr_free_record(m, n);
        } else {
            r = n;
        }
    }
}

/* rcNotSupported if [va, va + size) touches a shared region (when whole_ok: only if it covers
 * one partly, then rcInvalidArgument). */
static Retcode shared_check(const struct vr_map *m, uint64_t va, uint64_t size, bool whole_ok)
{
    for (const struct vregion *r = m->head; r; r = r->next) {
        if (r->state != VR_SHARED || r->base >= va + size || va >= r->base + r->size)
            continue;
        if (!whole_ok)
            return rcNotSupported;
        if (r->base < va || r->base + r->size > va + size)
            return rcInvalidArgument;
    }
    return rcOk;
}

static Retcode prepare(struct vr_map *m, uint64_t va, uint64_t size)
{
    if ((va | size) & (VR_PAGE - 1))
        return rcAlignment;
    if (!range_ok(m, va, size))
        return rcInvalidArgument;
    if (!covered(m, va, size))
        return rcNotFound;
    Retcode rc = split_at(m, va);
    if (rc == rcOk)
        rc = split_at(m, va + size);
    if (rc != rcOk)
        merge(m);
    return rc;
}

Retcode vr_check_range(const struct vr_map *m, uint64_t va, uint64_t size)
{
    Retcode rc = range_ok(m, va, size) ? shared_check(m, va, size, false) : rcOk;
    if (rc != rcOk)
        return rc;
    if ((va | size) & (VR_PAGE - 1))
        return rcAlignment;
    if (!range_ok(m, va, size))
        return rcInvalidArgument;
    return covered(m, va, size) ? rcOk : rcNotFound;
}

Retcode vr_set_state(struct vr_map *m, uint64_t va, uint64_t size, enum vr_state state,
                     uint64_t *changed)
{
    if (state != VR_RESERVED && state != VR_COMMITTED)
        return rcInvalidArgument;
    Retcode rc = range_ok(m, va, size) ? shared_check(m, va, size, false) : rcOk;
    if (rc == rcOk)
        rc = prepare(m, va, size);
    if (rc != rcOk)
        return rc;
    uint64_t n = 0;
    for (struct vregion *r = m->head; r; r = r->next)
        if (r->base >= va && r->base < va + size && r->state != state) {
            n += r->size / VR_PAGE;
            r->state = state;
        }
    merge(m);
    if (changed)
        *changed = n;
    return rcOk;
}

/* The regions overlapping [va, va + size) allow prot: none sealed (rcAccessDenied), none ever
 * writable if prot is executable (rcWxViolation). Checked before any split, so a refused
 * protect leaves the map as it was. */
static Retcode protect_allowed(const struct vr_map *m, uint64_t va, uint64_t size, uint32_t prot)
{
    for (const struct vregion *r = m->head; r; r = r->next) {
        if (r->base + r->size <= va || r->base >= va + size)
            continue;
        if (r->flags & VR_SEALED)
            return rcAccessDenied;
        if ((prot & BASTION_VMM_EXECUTE) && (r->flags & VR_WAS_WRITABLE))
            return rcWxViolation;
        if ((prot & BASTION_VMM_WRITE) && (r->flags & VR_IMAGE_PAGES))
            return rcImageReadOnly;
    }
    return rcOk;
}

Retcode vr_protect(struct vr_map *m, uint64_t va, uint64_t size, uint32_t prot)
{
    Retcode rc = check_prot(prot);
    if (rc != rcOk)
        return rc;
    rc = range_ok(m, va, size) ? shared_check(m, va, size, false) : rcOk;
    if (rc == rcOk && range_ok(m, va, size) && ((va | size) & (VR_PAGE - 1)) == 0 &&
        covered(m, va, size))
        rc = protect_allowed(m, va, size, prot);
    if (rc == rcOk)
        rc = prepare(m, va, size);
    if (rc != rcOk)
        return rc;
    for (struct vregion *r = m->head; r; r = r->next)
        if (r->base >= va && r->base < va + size) {
            r->prot = prot;
            if (prot & BASTION_VMM_WRITE)
                r->flags |= VR_WAS_WRITABLE;
        }
    merge(m);
    return rcOk;
}

Retcode vr_seal(struct vr_map *m, uint64_t va, uint64_t size)
{
    Retcode rc = prepare(m, va, size);
    if (rc != rcOk)
        return rc;
    for (struct vregion *r = m->head; r; r = r->next)
        if (r->base >= va && r->base < va + size)
            r->flags |= VR_SEALED;
    merge(m);
    return rcOk;
}

Retcode vr_release(struct vr_map *m, uint64_t va, uint64_t size, uint64_t *committed_pages,
                   struct vregion **shared)
{
    Retcode rc = range_ok(m, va, size) ? shared_check(m, va, size, shared != NULL) : rcOk;
    if (rc == rcOk)
        rc = prepare(m, va, size);
    if (rc != rcOk)
        return rc;
    uint64_t n = 0;
    for (struct vregion **pp = &m->head; *pp;) {
        struct vregion *r = *pp;
        if (r->base >= va && r->base < va + size) {
            if (r->state == VR_COMMITTED)
                n += r->size / VR_PAGE;
            *pp = r->next;
            if (r->state == VR_SHARED) {
                r->next = *shared;
                *shared = r;
            } else {
                vr_free_record(m, r);
            }
        } else {
            pp = &r->next;
        }
    }
    merge(m);
    if (committed_pages)
        *committed_pages = n;
    return rcOk;
}

Retcode vr_mark_image(struct vr_map *m, uint64_t va, uint64_t size)
{
    for (struct vregion *r = m->head; r; r = r->next)
        if (va >= r->base && size <= r->size && va - r->base <= r->size - size) {
            if (r->state != VR_COMMITTED || size == 0)
                return rcNotFound;
            r->flags |= VR_IMAGE_PAGES;
            return rcOk;
        }
    return rcNotFound;
}

Retcode vr_make_shared(struct vr_map *m, uint64_t va, uint64_t size, void *owner)
{
    if (owner == NULL)
        return rcInvalidArgument;
    for (struct vregion *r = m->head; r; r = r->next)
        if (r->base == va && r->size == size && r->state == VR_RESERVED && r->owner == NULL) {
            r->state = VR_SHARED;
            r->owner = owner;
            return rcOk;
        }
    return rcNotFound;
}

uint64_t vr_pages_in_state(const struct vr_map *m, uint64_t va, uint64_t size, enum vr_state state)
{
    uint64_t n = 0, end = va + size;
    for (const struct vregion *r = m->head; r; r = r->next) {
        if (r->state != state)
            continue;
        uint64_t lo = r->base > va ? r->base : va;
        uint64_t hi = r->base + r->size < end ? r->base + r->size : end;
        if (hi > lo)
            n += (hi - lo + VR_PAGE - 1) / VR_PAGE;
    }
    return n;
}

const struct vregion *vr_find(const struct vr_map *m, uint64_t va)
{
    for (const struct vregion *r = m->head; r; r = r->next)
        if (va >= r->base && va - r->base < r->size)
            return r;
    return NULL;
}

unsigned vr_count(const struct vr_map *m)
{
    unsigned n = 0;
    for (const struct vregion *r = m->head; r; r = r->next)
        n++;
    return n;
}
