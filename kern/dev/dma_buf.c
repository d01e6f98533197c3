/* DMA buffers and their device mappings (dma_buf.h). */
#include "dev/dma_buf.h"

#include <bastion/dma.h>

#include "dev/iommu.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "obj/kobj_new.h"

static void dma_buf_destroy(struct kobj *obj);
static const struct kobj_ops dma_buf_ops = {KOBJ_IO_DMA, "dma-buffer", dma_buf_destroy};

/* Frees blocks [0, n) and the array; the object's own memory is kobj's business. */
static void release_blocks(struct dma_buf *b, uint64_t n)
{
    uint64_t per = 1ull << b->order;
    for (uint64_t i = 0; i < n; i++)
        pmm_free(b->frames[i * per], b->order);
    if (b->frames != NULL)
        kfree_charged(b->frames, b->obj.account);
    b->frames = NULL;
    if (b->ram != NULL) {
        kmem_uncharge(b->ram, b->npages * 4096u);
        kmem_account_put(b->ram);
        b->ram = NULL;
    }
}

/* The last reference: no CPU mapping (each held one) and no device mapping (it held one and
 * unmapped with an IOTLB invalidation before dropping it) reaches the pages any more. */
static void dma_buf_destroy(struct kobj *obj)
{
    struct dma_buf *b = (struct dma_buf *)obj;
    release_blocks(b, b->nblocks);
    kobj_free_mem(b);
}

Retcode dma_buf_create(uint64_t size, uint32_t flags, uint32_t order, struct kmem_account *kmem,
                       struct kmem_account *ram, struct dma_buf **out)
{
    if (out == NULL || size == 0 || (flags & BASTION_DMA_DIR_MASK) == 0 ||
        (flags & ~(BASTION_DMA_DIR_MASK | BASTION_DMA_CACHE_MASK)) != 0 ||
        (flags & BASTION_DMA_CACHE_MASK) == BASTION_DMA_CACHE_MASK)
        return rcInvalidArgument;
    if (order > BASTION_DMA_ORDER_MAX || size > BASTION_DMA_SIZE_MAX)
        return rcOutOfRange;
    uint64_t block = 4096ull << order;
    uint64_t nblocks = (size + block - 1) / block;
    uint64_t npages = nblocks << order;
    if (npages * 4096u > BASTION_DMA_SIZE_MAX)
        return rcOutOfRange; /* the rounding up went past the limit */
    /* RAM first: the pages are the big part, and a refused charge allocates nothing. */
    Retcode rc = kmem_charge(ram, npages * 4096u);
    if (rc != rcOk)
        return rc;
    rc = kmem_account_get(ram);
    if (rc != rcOk) {
        kmem_uncharge(ram, npages * 4096u);
        return rc;
    }
    struct dma_buf *b;
    rc = kobj_new(sizeof *b, &dma_buf_ops, kmem, (void **)&b);
    if (rc != rcOk) {
        kmem_uncharge(ram, npages * 4096u);
        kmem_account_put(ram);
        return rc;
    }
    /* From here on the object owns the RAM charge; a failure unwinds through release_blocks. */
    b->flags = flags;
    b->order = order;
    b->npages = npages;
    b->ram = ram;
    b->frames = kmalloc_charged(npages * sizeof(uint64_t), kmem, &rc);
    uint64_t got = 0;
    while (rc == rcOk && got < nblocks) {
        /* Keep the pages the kernel reserves for itself out of reach, as process memory does
         * (pmm_alloc_user): a driver's buffers never starve the kernel. */
        uint64_t pa = 0;
        if (pmm_free_pages() >= pmm_user_reserve() + (1ull << order))
            pa = pmm_alloc_zeroed(order);
        if (pa == 0) {
            rc = rcOutOfMemory;
            break;
        }
        for (uint64_t i = 0; i < (1ull << order); i++)
            b->frames[(got << order) + i] = pa + i * 4096u;
        got++;
    }
    if (rc != rcOk) {
        release_blocks(b, got);
        b->nblocks = 0;
        b->npages = 0;
        kobj_unref(&b->obj);
        return rc;
    }
    b->nblocks = nblocks;
    *out = b;
    return rcOk;
}

static void dma_mapping_destroy(struct kobj *obj)
{
    struct dma_mapping *m = (struct dma_mapping *)obj;
    struct dma_buf *b = m->buf;
    if (m->domain != NULL) {
        /* Unmapped and invalidated before the buffer's reference goes: its pages can be
         * freed right after. */
        iommu_unmap(m->domain, m->iova, b->npages);
        iommu_domain_put(m->domain);
    }
    __atomic_store_n(&b->iova, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&b->device_open, 0, __ATOMIC_RELEASE);
    kobj_free_mem(m);
    kobj_unref(&b->obj);
}
static const struct kobj_ops dma_mapping_ops = {KOBJ_IO_DMA_MAPPING, "dma-mapping",
                                                dma_mapping_destroy};

Retcode dma_buf_open_device(struct dma_buf *b, struct iommu_domain *domain,
                            struct kmem_account *kmem, struct dma_mapping **out)
{
    uint32_t closed = 0;
    if (!__atomic_compare_exchange_n(&b->device_open, &closed, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return rcResourceBusy;
    Retcode rc = kobj_ref(&b->obj);
    if (rc != rcOk) {
        __atomic_store_n(&b->device_open, 0, __ATOMIC_RELEASE);
        return rc;
    }
    struct dma_mapping *m = NULL;
    rc = kobj_new(sizeof *m, &dma_mapping_ops, kmem, (void **)&m);
    if (rc != rcOk) {
        __atomic_store_n(&b->device_open, 0, __ATOMIC_RELEASE);
        kobj_unref(&b->obj);
        return rc;
    }
    /* From here on a failure is kobj_unref(m): its destroy closes b again and drops b. */
    m->buf = b;
    uint64_t iova = 0;
    if (domain != NULL) {
        uint32_t dir = __atomic_load_n(&b->flags, __ATOMIC_RELAXED) & BASTION_DMA_DIR_MASK;
        rc = iommu_map(domain, b->frames, b->npages, (dir & BASTION_DMA_TO_DEVICE) != 0,
                       (dir & BASTION_DMA_FROM_DEVICE) != 0, &iova);
        if (rc != rcOk) {
            kobj_unref(&m->obj);
            return rc;
        }
    }
    /* The caller's domain reference becomes the mapping's. */
    m->domain = domain;
    m->iova = iova;
    __atomic_store_n(&b->iova, iova, __ATOMIC_RELEASE);
    *out = m;
    return rcOk;
}

uint64_t dma_buf_device_addr(const struct dma_buf *b, uint64_t page)
{
    if (!iommu_present())
        return b->frames[page];
    uint64_t iova = __atomic_load_n(&b->iova, __ATOMIC_ACQUIRE);
    return iova != 0 ? iova + page * 4096u : 0;
}
