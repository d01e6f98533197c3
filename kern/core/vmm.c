/* kl.core.VMM: the calling process's virtual memory (Allocate Commit Decommit Protect Free
 * Query). The MDL methods have no handler here (rcNotSupported, core.h). */
#include <bastion/vmm.h>

#include "core/core.h"
#include "mm/aspace.h"
#include "proc/loader.h"
#include "proc/process.h"

_Static_assert(BASTION_VMM_READ == ASPACE_PROT_READ && BASTION_VMM_WRITE == ASPACE_PROT_WRITE &&
                   BASTION_VMM_EXECUTE == ASPACE_PROT_EXEC,
               "VMM flags are the address-space protections");

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
        uint64_t hint = VMM_HEAP_LO + (loader_random64() % (VMM_HEAP_SPAN / 4096u)) * 4096u;
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

static Retcode Commit(void *ctx, kl_core_Types_VirtAddr va, kl_core_Types_Size size,
                      uint32_t flags, kl_core_Types_Retcode *rc)
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
    Retcode r = (flags & ~BASTION_VMM_PROT_MASK) ? rcInvalidArgument
                                                 : in_regions(as_of(ctx), va, size);
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
        pi->state = ai.state == VR_COMMITTED ? kl_core_VMM_VmPageCommitted
                                              : kl_core_VMM_VmPageReserved;
        pi->flags = ai.prot;
        info->data = pi;
        info->count = 1;
    }
    *rc = r == rcNotFound ? rcOk : r; /* a free address: rcOk with an empty info */
    return rcOk;
}

const struct kl_core_VMM_ops core_vmm_ops = {
    .Allocate = Allocate,
    .Commit = Commit,
    .Decommit = Decommit,
    .Protect = Protect,
    .Free = Free,
    .Query = Query,
};
