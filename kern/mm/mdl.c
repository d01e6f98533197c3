/* MDL buffers (see mdl.h). */
#include "mm/mdl.h"

#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "mm/vregion.h"
#include "obj/kobj_new.h"

static void mdl_destroy(struct kobj *obj);
static const struct kobj_ops mdl_ops = {KOBJ_MEMORY, "memory", mdl_destroy};

/* Frees frames [0, n) and the array; the object's own memory is kobj's business. */
static void release_frames(struct mdl *m, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        pmm_free(m->frames[i], 0);
    if (m->frames != NULL)
        kfree_charged(m->frames, m->obj.account);
    m->frames = NULL;
    if (m->ram != NULL) {
        kmem_uncharge(m->ram, m->npages * PAGE_SIZE);
        kmem_account_put(m->ram);
        m->ram = NULL;
    }
}

/* Runs when the last handle or mapping goes: by then no page table maps a frame (every
 * mapping's region held a reference until after its TLB shootdown). Does not sleep. */
static void mdl_destroy(struct kobj *obj)
{
    struct mdl *m = (struct mdl *)obj;
    struct mdl *root = m->root;
    if (m->blank) {
        if (m->frames != NULL)
            kfree_charged(m->frames, m->obj.account); /* the frames are root's */
        m->frames = NULL;
    } else if (root == NULL) {
        release_frames(m, m->npages);
    }
    kobj_free_mem(m);
    if (root != NULL)
        kobj_unref(&root->obj); /* a root's destroy releases frames only: no deeper nesting */
}

Retcode mdl_create(uint64_t size, uint32_t prot, struct kmem_account *kmem,
                   struct kmem_account *ram, struct mdl **out)
{
    if (out == NULL || size == 0 || prot == 0 || (prot & ~BASTION_VMM_PROT_MASK))
        return rcInvalidArgument;
    if (prot & BASTION_VMM_EXECUTE)
        return rcWxViolation;
    if (size > MDL_SIZE_MAX)
        return rcOutOfRange;
    uint64_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    /* RAM first: the frames are the big part, and a refused charge allocates nothing. */
    Retcode rc = kmem_charge(ram, npages * PAGE_SIZE);
    if (rc != rcOk)
        return rc;
    rc = kmem_account_get(ram);
    if (rc != rcOk) {
        kmem_uncharge(ram, npages * PAGE_SIZE);
        return rc;
    }
    struct mdl *m;
    rc = kobj_new(sizeof *m, &mdl_ops, kmem, (void **)&m);
    if (rc != rcOk) {
        kmem_uncharge(ram, npages * PAGE_SIZE);
        kmem_account_put(ram);
        return rc;
    }
    /* From here on the object owns the RAM charge; a failure unwinds through release_frames. */
    m->npages = npages;
    m->filled = npages;
    m->prot = prot;
    m->ram = ram;
    m->frames = kmalloc_charged(npages * sizeof(uint64_t), kmem, &rc);
    uint64_t got = 0;
    while (rc == rcOk && got < npages) {
        uint64_t pa = pmm_alloc_user(true);
        if (pa == 0)
            rc = rcOutOfMemory;
        else
            m->frames[got++] = pa;
    }
    if (rc != rcOk) {
        release_frames(m, got);
        /* The object now holds nothing but itself: drop it (destroy sees npages frames, so
         * make it see none). */
        m->npages = 0;
        kobj_unref(&m->obj);
        return rc;
    }
    *out = m;
    return rcOk;
}

Retcode mdl_clone(struct mdl *m, uint64_t offset, uint64_t length, struct kmem_account *kmem,
                  struct mdl **out)
{
    if (m == NULL || out == NULL || length == 0)
        return rcInvalidArgument;
    if ((offset | length) & (PAGE_SIZE - 1))
        return rcAlignment;
    if (offset > mdl_size(m) || length > mdl_size(m) - offset)
        return rcOutOfRange;
    /* A blank buffer's array is its own: its clones hold it, not its lender. */
    struct mdl *root = m->root != NULL && !m->blank ? m->root : m;
    Retcode rc = kobj_ref(&root->obj);
    if (rc != rcOk)
        return rc;
    struct mdl *c;
    rc = kobj_new(sizeof *c, &mdl_ops, kmem, (void **)&c);
    if (rc != rcOk) {
        kobj_unref(&root->obj);
        return rc;
    }
    c->npages = length / PAGE_SIZE;
    c->filled = c->npages;
    c->prot = m->prot;
    c->frames = m->frames + offset / PAGE_SIZE;
    c->ram = NULL;
    c->root = root;
    *out = c;
    return rcOk;
}

Retcode mdl_create_blank(uint64_t size, uint32_t prot, uint64_t max_size, struct kmem_account *kmem,
                         struct mdl **out)
{
    if (out == NULL || size == 0 || prot == 0 || (prot & ~BASTION_VMM_PROT_MASK))
        return rcInvalidArgument;
    if (prot & BASTION_VMM_EXECUTE)
        return rcWxViolation;
    if (size > max_size || size > MDL_SIZE_MAX)
        return rcOutOfRange;
    uint64_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    struct mdl *m;
    Retcode rc = kobj_new(sizeof *m, &mdl_ops, kmem, (void **)&m);
    if (rc != rcOk)
        return rc;
    m->blank = true; /* before anything can fail: destroy frees only the array */
    m->npages = npages;
    m->filled = 0;
    m->prot = prot;
    m->frames = kmalloc_charged(npages * sizeof(uint64_t), kmem, &rc);
    if (m->frames == NULL) {
        kobj_unref(&m->obj);
        return rc;
    }
    memset(m->frames, 0, npages * sizeof(uint64_t));
    *out = m;
    return rcOk;
}

Retcode mdl_blank_append(struct mdl *m, struct mdl *lender, const uint64_t *pas, uint64_t n)
{
    if (m == NULL || !m->blank || lender == NULL || lender->root != NULL || lender->blank || n == 0)
        return rcInvalidArgument;
    if (m->root != NULL && m->root != lender)
        return rcInvalidArgument;
    uint64_t filled = m->filled;
    if (n > m->npages - filled)
        return rcOutOfRange;
    if (m->root == NULL) {
        Retcode rc = kobj_ref(&lender->obj);
        if (rc != rcOk)
            return rc;
        m->root = lender;
    }
    for (uint64_t i = 0; i < n; i++)
        m->frames[filled + i] = pas[i];
    __atomic_store_n(&m->filled, filled + n, __ATOMIC_RELEASE);
    return rcOk;
}
