/*
 * kl.core.VMM: the calling process's virtual memory (Allocate Commit Decommit Protect Free
 * Query) and MDL buffers (MdlCreate MdlGetSize MdlMap; mm/mdl.h).
 *
 * MDL handles: MdlCreate gives HR_BASIC | HR_MEMORY_MAP | HR_READ, plus HR_WRITE when the
 * buffer may be written. MdlMap needs HR_MEMORY_MAP and, for the protection asked, HR_READ /
 * HR_WRITE (rcAccessDenied), and the protection must lie within the buffer's own (also
 * rcAccessDenied). MdlGetSize needs HR_READ (reading the buffer's state). A mapping is a
 * region like any other for Query (committed, the mapping's protection) and Free (whole only);
 * Commit, Decommit and Protect refuse it (rcNotSupported). Protect keeps W^X over time
 * (mm/vregion.h): EXECUTE on memory that was ever writable, or any change to the image, is
 * refused.
 *
 * MdlClone: a new buffer over a page range of the handle's (mm/mdl.h); needs HR_MEMORY_MAP,
 * and the clone's handle gets no right the origin's lacks (its rights are the origin handle's,
 * limited to the MDL rights), so a read-only holder can only make read-only clones.
 *
 * MdlCreateFromVm: turns a whole region the caller made with Allocate and committed into an MDL
 * buffer mapped in its place (see the function).
 */
#include <bastion/rights.h>
#include <bastion/vmm.h>

#include "klcore/klcore.h"
#include "lib/random.h"
#include "mm/aspace.h"
#include "mm/mdl.h"
#include "mm/paging.h"
#include "mm/usercopy.h"
#include "obj/handle.h"
#include "proc/loader.h"
#include "proc/process.h"

static struct aspace *as_of(void *ctx)
{
    return ((struct core_ctx *)ctx)->proc->as;
}

/* Where Allocate(addr 0) places regions: above the image window, below the stacks. */
#define VMM_HEAP_LO LOADER_IMAGE_HI
#define VMM_HEAP_SPAN (1ull << 40) /* 1 TiB */

/* Commit, Decommit and Protect act on regions that Allocate made: every page of [va, va + size)
 * must lie in one (rcNotFound otherwise), so a stray address never creates memory. */
static Retcode in_regions(struct aspace *as, uint64_t va, uint64_t size)
{
    uint64_t end = va + size;
    if (size == 0 || end < va)
        return rcInvalidArgument;
    for (uint64_t a = va; a < end;) {
        struct aspace_info ai;
        Retcode r = aspace_query(as, a, &ai);
        if (r != rcOk)
            return r == rcInvalidArgument ? r : rcNotFound;
        if (ai.state == VR_FREE)
            return rcNotFound;
        uint64_t next = ai.base + ai.size;
        if (next <= a)
            return rcInvalidArgument;
        a = next;
    }
    return rcOk;
}

Retcode core_reserve_anywhere(struct aspace *as, uint64_t size, uint32_t prot, uint64_t *base)
{
    /* A random free place in the heap window (ASLR), not the lowest free address, so that
     * small integers never become valid pointers and no two regions sit at predictable
     * distances. A few tries, then the lowest free range. */
    Retcode r = rcAlreadyExists;
    for (int i = 0; i < 8 && r == rcAlreadyExists; i++) {
        uint64_t hint = VMM_HEAP_LO + (random_u64() % (VMM_HEAP_SPAN / 4096u)) * 4096u;
        r = aspace_reserve(as, hint, size, prot, base);
    }
    if (r == rcAlreadyExists || r == rcInvalidArgument)
        r = aspace_reserve(as, 0, size, prot, base);
    return r;
}

static Retcode Allocate(void *ctx, kl_core_Types_VirtAddr addr, kl_core_Types_Size size,
                        uint32_t flags, kl_core_Types_VirtAddr *va, kl_core_Types_Retcode *rc)
{
    *va = 0;
    if (flags & ~(BASTION_VMM_PROT_MASK | BASTION_VMM_COMMIT)) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    struct aspace *as = as_of(ctx);
    uint64_t base = 0;
    Retcode r = rcAlreadyExists;
    if (addr == 0) {
        /* "Anywhere": a random free place (ASLR). */
        r = core_reserve_anywhere(as, size, flags & BASTION_VMM_PROT_MASK, &base);
    } else {
        r = aspace_reserve(as, addr, size, flags & BASTION_VMM_PROT_MASK, &base);
    }
    if (r == rcOk && (flags & BASTION_VMM_COMMIT)) {
        r = aspace_commit(as, base, (size + 4095u) & ~4095ull);
        if (r != rcOk)
            (void)aspace_free(as, base, size);
    }
    if (r == rcOk)
        *va = base;
    *rc = r;
    return rcOk;
}

static Retcode Commit(void *ctx, kl_core_Types_VirtAddr va, kl_core_Types_Size size, uint32_t flags,
                      kl_core_Types_Retcode *rc)
{
    Retcode r = flags != 0 ? rcInvalidArgument : in_regions(as_of(ctx), va, size);
    *rc = r != rcOk ? r : aspace_commit(as_of(ctx), va, size);
    return rcOk;
}

static Retcode Decommit(void *ctx, kl_core_Types_VirtAddr va, kl_core_Types_Size size,
                        kl_core_Types_Retcode *rc)
{
    Retcode r = in_regions(as_of(ctx), va, size);
    *rc = r != rcOk ? r : aspace_decommit(as_of(ctx), va, size);
    return rcOk;
}

static Retcode Protect(void *ctx, kl_core_Types_VirtAddr va, kl_core_Types_Size size,
                       uint32_t flags, kl_core_Types_Retcode *rc)
{
    Retcode r =
        (flags & ~BASTION_VMM_PROT_MASK) ? rcInvalidArgument : in_regions(as_of(ctx), va, size);
    *rc = r != rcOk ? r : aspace_protect(as_of(ctx), va, size, flags);
    return rcOk;
}

static Retcode Free(void *ctx, kl_core_Types_VirtAddr va, kl_core_Types_Size size,
                    kl_core_Types_Retcode *rc)
{
    *rc = aspace_free(as_of(ctx), va, size);
    return rcOk;
}

static Retcode Query(void *ctx, kl_core_Types_VirtAddr va, struct idl_seq *info,
                     kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct aspace_info ai;
    Retcode r = aspace_query(c->proc->as, va, &ai);
    info->data = NULL;
    info->count = 0;
    info->arena = NULL;
    if (r == rcOk && ai.state != VR_FREE) {
        struct kl_core_VMM_VmPageInfo *pi = c->scratch;
        pi->base = ai.base;
        pi->size = ai.size;
        pi->state = ai.state == VR_COMMITTED || ai.state == VR_SHARED ? kl_core_VMM_VmPageCommitted
                                                                      : kl_core_VMM_VmPageReserved;
        pi->flags = ai.prot;
        info->data = pi;
        info->count = 1;
    }
    *rc = r == rcNotFound ? rcOk : r; /* a free address: rcOk with an empty info */
    return rcOk;
}

static Retcode MdlCreate(void *ctx, kl_core_Types_Size size, uint32_t prot, idl_handle_t *handle,
                         kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    struct mdl *m = NULL;
    Retcode r = mdl_create(size, prot, &c->proc->kmem, &c->proc->ram, &m);
    if (r == rcOk) {
        r = core_install(c, m, mdl_handle_rights(prot), &handle->handle, &handle->rights);
        kobj_unref(&m->obj); /* the handle holds its own; on failure this frees the buffer */
    }
    *rc = r;
    return rcOk;
}

static Retcode MdlGetSize(void *ctx, idl_handle_t handle, kl_core_Types_Size *size,
                          kl_core_Types_Retcode *rc)
{
    struct mdl *m = NULL;
    *size = 0;
    *rc = core_get(ctx, handle.handle, KOBJ_MEMORY, HR_READ, (void **)&m);
    if (*rc == rcOk) {
        *size = mdl_size(m);
        kobj_unref(&m->obj);
    }
    return rcOk;
}

static Retcode MdlMap(void *ctx, idl_handle_t handle, kl_core_Types_Size offset,
                      kl_core_Types_Size length, kl_core_Types_VirtAddr hint, uint32_t prot,
                      kl_core_Types_VirtAddr *address, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *address = 0;
    Retcode r = rcOk;
    if (prot == 0 || (prot & ~BASTION_VMM_PROT_MASK) || length == 0)
        r = rcInvalidArgument;
    else if (prot & BASTION_VMM_EXECUTE)
        r = rcWxViolation; /* MDL memory is never executable (mm/mdl.h) */
    else if ((offset | length | hint) & 4095u)
        r = rcAlignment;
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    uint32_t need = HR_MEMORY_MAP | ((prot & BASTION_VMM_READ) ? HR_READ : 0) |
                    ((prot & BASTION_VMM_WRITE) ? HR_WRITE : 0);
    struct mdl *m = NULL;
    r = core_get(c, handle.handle, KOBJ_MEMORY, need, (void **)&m);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    if (prot & ~m->prot)
        r = rcAccessDenied;
    else if (offset > mdl_size(m) || length > mdl_size(m) - offset)
        r = rcOutOfRange;
    struct aspace *as = as_of(ctx);
    uint64_t base = 0;
    if (r == rcOk)
        r = hint == 0 ? core_reserve_anywhere(as, length, prot, &base)
                      : aspace_reserve(as, hint, length, prot, &base);
    if (r == rcOk) {
        /* The reference core_get took becomes the mapping's on success. */
        r = aspace_map_shared(as, base, m->frames + offset / 4096u, length / 4096u, prot, &m->obj);
        if (r != rcOk)
            (void)aspace_free(as, base, length);
    }
    if (r == rcOk)
        *address = base;
    else
        kobj_unref(&m->obj);
    *rc = r;
    return rcOk;
}

/*
 * MdlCreateFromVm(va, size, flags): [va, va + size) must be exactly one committed region of the
 * caller (as Allocate with COMMIT, or Allocate then Commit, made it: rcNotFound for a free
 * address, rcInvalidArgument for a range that is not one whole committed region, rcAlignment);
 * flags is the buffer's protection (READ and/or WRITE, within the region's: rcAccessDenied;
 * EXECUTE: rcWxViolation). The kernel makes a buffer of that size, copies the region's contents
 * into it, frees the region and maps the buffer at va in its place with protection flags: to
 * the caller the memory reads the same, and it is now a buffer it can map elsewhere, clone and
 * send. The frames are new, not the region's: a process's private frames never become shared
 * ones, and the region's pages go back to its RAM account when it is freed, so the call needs
 * size bytes of RAM quota headroom while it runs (rcQuotaExceeded). The copy is not atomic
 * against the caller's other threads: what they write to the region during the call may be
 * lost. A region that cannot be freed is refused and left as it was; should
 * mapping the buffer fail after the region was freed (another thread of the caller took the
 * range meanwhile), the range stays as that thread left it and the buffer goes with its handle.
 */
static Retcode MdlCreateFromVm(void *ctx, kl_core_Types_VirtAddr va, kl_core_Types_Size size,
                               uint32_t flags, idl_handle_t *handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct aspace *as = as_of(ctx);
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    Retcode r = rcOk;
    struct aspace_info ai;
    if (flags == 0 || (flags & ~BASTION_VMM_PROT_MASK) || size == 0 || va + size < va)
        r = rcInvalidArgument;
    else if (flags & BASTION_VMM_EXECUTE)
        r = rcWxViolation;
    else if ((va | size) & 4095u)
        r = rcAlignment;
    else if ((r = aspace_query(as, va, &ai)) == rcOk) {
        if (ai.state == VR_FREE)
            r = rcNotFound;
        else if (ai.base != va || ai.size != size || ai.state != VR_COMMITTED)
            r = rcInvalidArgument;
        else if (flags & ~ai.prot)
            r = rcAccessDenied;
    }
    struct mdl *m = NULL;
    if (r == rcOk)
        r = mdl_create(size, flags, &c->proc->kmem, &c->proc->ram, &m);
    for (uint64_t i = 0; r == rcOk && i < size / 4096u; i++)
        r = copy_from_user(phys_to_virt(m->frames[i]), va + i * 4096u, 4096u);
    if (r == rcOk)
        r = aspace_free(as, va, size);
    if (r == rcOk) {
        uint64_t base = 0;
        r = aspace_reserve(as, va, size, flags, &base);
        if (r == rcOk && base != va) {
            (void)aspace_free(as, base, size);
            r = rcAlreadyExists;
        }
        if (r == rcOk)
            r = kobj_ref(&m->obj); /* the mapping's reference */
        if (r == rcOk) {
            r = aspace_map_shared(as, va, m->frames, size / 4096u, flags, &m->obj);
            if (r != rcOk) {
                kobj_unref(&m->obj);
                (void)aspace_free(as, va, size);
            }
        }
    }
    if (r == rcOk) {
        r = core_install(c, m, mdl_handle_rights(flags), &handle->handle, &handle->rights);
    }
    if (m != NULL)
        kobj_unref(&m->obj); /* the handle and the mapping hold their own */
    *rc = r;
    return rcOk;
}

static Retcode MdlClone(void *ctx, idl_handle_t origin, kl_core_Types_Size offset,
                        kl_core_Types_Size length, idl_handle_t *clone, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    clone->handle = HANDLE_INVALID;
    clone->rights = 0;
    struct mdl *m = NULL;
    handle_rights_t have = 0;
    Retcode r = handle_get(&c->proc->handles, origin.handle, KOBJ_MEMORY, HR_MEMORY_MAP,
                           (struct kobj **)&m, &have);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    struct mdl *cl = NULL;
    r = mdl_clone(m, offset, length, &c->proc->kmem, &cl);
    kobj_unref(&m->obj);
    if (r == rcOk) {
        uint32_t rights = have & (HR_BASIC | HR_MEMORY_MAP | HR_READ | HR_WRITE);
        r = core_install(c, cl, rights, &clone->handle, &clone->rights);
        kobj_unref(&cl->obj);
    }
    *rc = r;
    return rcOk;
}

const struct kl_core_VMM_ops core_vmm_ops = {
    .MdlClone = MdlClone,
    .MdlCreate = MdlCreate,
    .MdlCreateFromVm = MdlCreateFromVm,
    .MdlGetSize = MdlGetSize,
    .MdlMap = MdlMap,
    .Allocate = Allocate,
    .Commit = Commit,
    .Decommit = Decommit,
    .Protect = Protect,
    .Free = Free,
    .Query = Query,
};
