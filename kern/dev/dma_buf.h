/*
 * DMA buffers (KOBJ_IO_DMA, kl.core.IO.RegisterDma) and their device mappings
 * (KOBJ_IO_DMA_MAPPING, IO.BeginDma).
 *
 * A buffer is `nblocks` blocks of 2^order zeroed pages, each block physically contiguous and
 * aligned to its size (what a device without scatter-gather needs), allocated at creation and
 * freed only when the last reference goes: handles, CPU mappings (MapDma: each region holds one,
 * as MDL mappings do) and the device mapping each hold one.
 *
 * Charging: the pages to the creator's RAM account, the object and its frame array to its
 * kernel-memory account, for the object's whole life.
 *
 * Device mapping: at most one at a time (rcResourceBusy for a second BeginDma). With an IOMMU
 * it maps the buffer at a device address of the caller's domain (dev/iommu.h), readable by the
 * device when the buffer is TO_DEVICE, writable when FROM_DEVICE; closing its last handle
 * unmaps it and invalidates the IOTLB before the buffer can be freed. Without one (only with
 * dma.unprotected) the device address of a page is its physical address.
 */
#ifndef BASTION_DEV_DMA_BUF_H
#define BASTION_DEV_DMA_BUF_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "obj/kobj.h"

struct iommu_domain;

struct dma_buf {
    struct kobj obj; /* first: KOBJ_IO_DMA */
    uint32_t flags;  /* direction | cache (atomic: ModifyDma changes the cache bits) */
    uint32_t order;
    uint64_t nblocks, npages;
    uint64_t *frames;         /* npages physical page addresses (block by block) */
    struct kmem_account *ram; /* the pages' charge; one account reference */
    uint32_t device_open;     /* 1 while a device mapping exists (atomic) */
    uint64_t iova;            /* its device address with an IOMMU; 0 otherwise (atomic) */
};

struct dma_mapping {
    struct kobj obj;             /* first: KOBJ_IO_DMA_MAPPING */
    struct dma_buf *buf;         /* one reference */
    struct iommu_domain *domain; /* one reference; NULL without an IOMMU */
    uint64_t iova;
};

/* A new buffer of `size` bytes (rounded up to whole blocks), one reference (the caller's).
 * rcInvalidArgument: size 0, no direction, unknown flag bits. rcOutOfRange: order above
 * BASTION_DMA_ORDER_MAX, size above BASTION_DMA_SIZE_MAX. rcQuotaExceeded, rcOutOfMemory. */
Retcode dma_buf_create(uint64_t size, uint32_t flags, uint32_t order, struct kmem_account *kmem,
                       struct kmem_account *ram, struct dma_buf **out);

/* Opens b to the devices of `domain` (NULL: none, physical addresses), one reference on a new
 * mapping object charged to kmem. rcResourceBusy: already open. iommu_map's codes. */
Retcode dma_buf_open_device(struct dma_buf *b, struct iommu_domain *domain,
                            struct kmem_account *kmem, struct dma_mapping **out);

/* Device-visible address of page i: through the IOMMU when open to a domain, physical when
 * there is no IOMMU, 0 when the buffer is not open to a device behind an IOMMU. */
uint64_t dma_buf_device_addr(const struct dma_buf *b, uint64_t page);

static inline uint64_t dma_buf_size(const struct dma_buf *b)
{
    return b->npages * 4096u;
}

#endif
