/*
 * kl.core.IO's DMA methods: RegisterDma, MapDma, BeginDma, ModifyDma, DmaGetInfo,
 * DmaGetPhysInfo (dev/dma_buf.h for the objects, dev/iommu.h for the domains).
 *
 * Without an IOMMU every method answers rcNoHardware unless the boot line says
 * `dma.unprotected` (dev/iommu.h): a device that can reach any memory is not handed to a
 * user-mode driver by default.
 *
 * Rights (bastion/rights.h): RegisterDma gives HR_DMA_FULL, which has no HR_TRANSFER: the
 * buffer stays in the registering process, so MapDma cannot make memory shared between
 * processes that the monitor never saw (data a driver shares with its clients goes through an
 * MDL, whose every transfer is an IPC message or Task.TransferHandle the monitor decides).
 * MapDma needs HR_DMA_MAP and HR_READ / HR_WRITE for the protection asked, BeginDma
 * HR_DMA_DEVICE, ModifyDma HR_WRITE, DmaGetInfo and DmaGetPhysInfo HR_READ.
 *
 * MapDma's `mapping` is a handle (KOBJ_VM_MAPPING, no rights: it can only be closed) whose
 * closing frees the region, as IO.MapMem's does; VMM.Free(address) of the whole region or the
 * process's exit frees it too (then closing the handle finds the region gone and frees nothing
 * else: it frees only a region that is still this buffer's at that address). The region and the
 * mapping object each hold a reference on the buffer.
 *
 * Addresses handed out: device-visible ones. Behind an IOMMU DmaGetInfo and DmaGetPhysInfo give
 * the device addresses of the buffer's open device mapping (DmaGetInfo gives 0 addresses
 * before BeginDma; DmaGetPhysInfo answers rcNotFound then) and never a physical address: a
 * driver behind an IOMMU has no use for one. Without an IOMMU they are physical.
 */
#include <bastion/dma.h>
#include <bastion/rights.h>
#include <bastion/vmm.h>

#include "dev/dma_buf.h"
#include "dev/iommu.h"
#include "klcore/IO.h"
#include "klcore/klcore.h"
#include "mm/aspace.h"
#include "obj/handle.h"
#include "obj/kobj_new.h"
#include "proc/process.h"

static void no_handle(idl_handle_t *h)
{
    h->handle = HANDLE_INVALID;
    h->rights = 0;
}

/* MapDma's mapping handle: closing it frees the region (if it is still the buffer's). */
struct dma_region {
    struct kobj obj;      /* first: KOBJ_VM_MAPPING */
    struct process *proc; /* whose address space; its memory held while this lives */
    struct dma_buf *buf;  /* NULL until the region exists; then one reference */
    uint64_t va, size;
};

static void dma_region_destroy(struct kobj *obj)
{
    struct dma_region *m = (struct dma_region *)obj;
    if (m->buf) {
        struct aspace *as = process_aspace_pin(m->proc);
        if (as) {
            (void)aspace_free_shared_of(as, m->va, m->size, &m->buf->obj);
            process_aspace_unpin(m->proc);
        }
        process_release_memory(m->proc);
        kobj_unref(&m->buf->obj);
    }
    kobj_free_mem(m);
}

static const struct kobj_ops dma_region_ops = {KOBJ_VM_MAPPING, "dma-mapping", dma_region_destroy};

Retcode core_io_RegisterDma(void *ctx, kl_core_Types_Size size, uint32_t flags, uint32_t order,
                            idl_handle_t *resource, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    no_handle(resource);
    if (!iommu_dma_allowed()) {
        *rc = rcNoHardware;
        return rcOk;
    }
    struct dma_buf *b = NULL;
    Retcode r = dma_buf_create(size, flags, order, &c->proc->kmem, &c->proc->ram, &b);
    if (r == rcOk) {
        r = core_install(c, b, HR_DMA_FULL, &resource->handle, &resource->rights);
        kobj_unref(&b->obj); /* the handle holds its own; on failure this frees the buffer */
    }
    *rc = r;
    return rcOk;
}

Retcode core_io_MapDma(void *ctx, idl_handle_t resource, kl_core_Types_Size offset,
                       kl_core_Types_Size length, kl_core_Types_VirtAddr hint, uint32_t prot,
                       kl_core_Types_VirtAddr *address, idl_handle_t *mapping,
                       kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *address = 0;
    no_handle(mapping);
    Retcode r = rcOk;
    if (!iommu_dma_allowed())
        r = rcNoHardware;
    else if (prot == 0 || (prot & ~BASTION_VMM_PROT_MASK) || length == 0)
        r = rcInvalidArgument;
    else if (prot & BASTION_VMM_EXECUTE)
        r = rcWxViolation; /* device-written memory is never code */
    else if ((offset | length | hint) & 4095u)
        r = rcAlignment;
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    uint32_t need = HR_DMA_MAP | ((prot & BASTION_VMM_READ) ? HR_READ : 0) |
                    ((prot & BASTION_VMM_WRITE) ? HR_WRITE : 0);
    struct dma_buf *b = NULL;
    r = core_get(c, resource.handle, KOBJ_IO_DMA, need, (void **)&b);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    if (offset > dma_buf_size(b) || length > dma_buf_size(b) - offset)
        r = rcOutOfRange;
    struct dma_region *m = NULL;
    if (r == rcOk)
        r = kobj_new(sizeof *m, &dma_region_ops, &c->proc->kmem, (void **)&m);
    struct aspace *as = c->proc->as;
    uint64_t base = 0;
    if (r == rcOk)
        r = hint == 0 ? core_reserve_anywhere(as, length, prot, &base)
                      : aspace_reserve(as, hint, length, prot, &base);
    if (r == rcOk) {
        /* The reference core_get took becomes the region's on success; the mapping object
         * takes one of its own. */
        r = kobj_ref(&b->obj);
        if (r == rcOk) {
            r = aspace_map_shared(as, base, b->frames + offset / 4096u, length / 4096u, prot,
                                  &b->obj);
            if (r != rcOk)
                kobj_unref(&b->obj);
        }
        if (r != rcOk)
            (void)aspace_free(as, base, length);
    }
    if (r != rcOk) {
        if (m)
            kobj_unref(&m->obj); /* buf is NULL: only its memory goes */
        kobj_unref(&b->obj);
        *rc = r;
        return rcOk;
    }
    process_hold_memory(c->proc);
    m->proc = c->proc;
    m->buf = b;
    m->va = base;
    m->size = length;
    r = core_install(c, m, HR_NONE, &mapping->handle, &mapping->rights);
    kobj_unref(&m->obj); /* the handle holds its own; on failure this frees the region */
    if (r == rcOk)
        *address = base;
    *rc = r;
    return rcOk;
}

Retcode core_io_BeginDma(void *ctx, idl_handle_t resource, idl_handle_t *iomapping,
                         kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    no_handle(iomapping);
    if (!iommu_dma_allowed()) {
        *rc = rcNoHardware;
        return rcOk;
    }
    struct dma_buf *b = NULL;
    Retcode r = core_get(c, resource.handle, KOBJ_IO_DMA, HR_DMA_DEVICE, (void **)&b);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    struct iommu_domain *d = NULL;
    if (iommu_present())
        r = iommu_domain_get(c->proc, &d);
    struct dma_mapping *m = NULL;
    if (r == rcOk) {
        r = dma_buf_open_device(b, d, &c->proc->kmem, &m);
        if (r != rcOk && d != NULL)
            iommu_domain_put(d);
    }
    if (r == rcOk) {
        r = core_install(c, m, HR_DMA_MAPPING_FULL, &iomapping->handle, &iomapping->rights);
        kobj_unref(&m->obj); /* on failure this unmaps and closes the buffer again */
    }
    kobj_unref(&b->obj);
    *rc = r;
    return rcOk;
}

Retcode core_io_ModifyDma(void *ctx, idl_handle_t resource, uint32_t flags,
                          kl_core_Types_Retcode *rc)
{
    if (!iommu_dma_allowed()) {
        *rc = rcNoHardware;
        return rcOk;
    }
    if ((flags & ~BASTION_DMA_CACHE_MASK) != 0 ||
        (flags & BASTION_DMA_CACHE_MASK) == BASTION_DMA_CACHE_MASK) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    struct dma_buf *b = NULL;
    Retcode r = core_get(ctx, resource.handle, KOBJ_IO_DMA, HR_WRITE, (void **)&b);
    if (r == rcOk) {
        uint32_t old = __atomic_load_n(&b->flags, __ATOMIC_RELAXED), want;
        do
            want = (old & ~BASTION_DMA_CACHE_MASK) | flags;
        while (!__atomic_compare_exchange_n(&b->flags, &old, want, false, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED));
        kobj_unref(&b->obj);
    }
    *rc = r;
    return rcOk;
}

/* Fills the scratch buffer with up to DmaFramesMax blocks of b and their device addresses. */
static void fill_frames(struct core_ctx *c, const struct dma_buf *b, struct idl_seq *frames)
{
    struct kl_core_IO_DmaFrame *f = c->scratch;
    uint32_t cap = c->scratch_size / sizeof *f;
    uint64_t n = b->nblocks < kl_core_IO_DmaFramesMax ? b->nblocks : kl_core_IO_DmaFramesMax;
    if (n > cap)
        n = cap;
    for (uint64_t i = 0; i < n; i++) {
        f[i].addr = dma_buf_device_addr(b, i << b->order);
        f[i].size = 4096ull << b->order;
    }
    frames->data = f;
    frames->count = (uint32_t)n;
    frames->arena = NULL;
}

Retcode core_io_DmaGetInfo(void *ctx, idl_handle_t resource, uint32_t *flags, uint32_t *order,
                           kl_core_Types_Size *size, uint32_t *count, struct idl_seq *frames,
                           kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *flags = *order = *count = 0;
    *size = 0;
    frames->data = NULL;
    frames->count = 0;
    frames->arena = NULL;
    if (!iommu_dma_allowed()) {
        *rc = rcNoHardware;
        return rcOk;
    }
    struct dma_buf *b = NULL;
    Retcode r = core_get(c, resource.handle, KOBJ_IO_DMA, HR_READ, (void **)&b);
    if (r == rcOk) {
        *flags = __atomic_load_n(&b->flags, __ATOMIC_RELAXED);
        *order = b->order;
        *size = dma_buf_size(b);
        *count = (uint32_t)b->nblocks;
        fill_frames(c, b, frames);
        kobj_unref(&b->obj);
    }
    *rc = r;
    return rcOk;
}

Retcode core_io_DmaGetPhysInfo(void *ctx, idl_handle_t handle, uint32_t *count,
                               struct idl_seq *frames, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *count = 0;
    frames->data = NULL;
    frames->count = 0;
    frames->arena = NULL;
    if (!iommu_dma_allowed()) {
        *rc = rcNoHardware;
        return rcOk;
    }
    struct dma_buf *b = NULL;
    Retcode r = core_get(c, handle.handle, KOBJ_IO_DMA, HR_READ, (void **)&b);
    if (r == rcOk) {
        if (iommu_present() && __atomic_load_n(&b->iova, __ATOMIC_ACQUIRE) == 0) {
            r = rcNotFound; /* not open to a device: it has no device address yet */
        } else {
            *count = (uint32_t)b->nblocks;
            fill_frames(c, b, frames);
        }
        kobj_unref(&b->obj);
    }
    *rc = r;
    return rcOk;
}
