/* An IOMMU domain's second-level page table (iommu_pt.h). */
#include "dev/iommu_pt.h"

#include "dev/vtd_format.h"

static void flush(const struct iommu_pt *pt, const uint64_t *e)
{
    if (pt->ops->flush != NULL)
        pt->ops->flush(pt->ctx, e, sizeof *e);
}

Retcode iommu_pt_init(struct iommu_pt *pt, unsigned levels, const struct iommu_pt_ops *ops,
                      void *ctx)
{
    if (pt == NULL || ops == NULL || ops->alloc == NULL || ops->free == NULL ||
        ops->table == NULL || (levels != 3 && levels != 4))
        return rcInvalidArgument;
    pt->ops = ops;
    pt->ctx = ctx;
    pt->levels = levels;
    pt->tables = 0;
    pt->mapped = 0;
    pt->root_pa = ops->alloc(ctx);
    if (pt->root_pa == 0)
        return rcOutOfMemory;
    pt->tables = 1;
    return rcOk;
}

static Retcode check_iova(const struct iommu_pt *pt, uint64_t iova)
{
    if (iova & 0xFFFu)
        return rcAlignment;
    if (iova >> (12u + 9u * pt->levels))
        return rcOutOfRange;
    return rcOk;
}

/* The leaf entry's slot for iova; with `create`, missing tables are made on the way. */
static uint64_t *walk(struct iommu_pt *pt, uint64_t iova, bool create, Retcode *rc)
{
    uint64_t table_pa = pt->root_pa;
    for (unsigned level = pt->levels; level > 1; level--) {
        uint64_t *e = &pt->ops->table(pt->ctx, table_pa)[vtd_sl_index(iova, level)];
        if (!vtd_sl_present(*e)) {
            if (!create) {
                *rc = rcNotFound;
                return NULL;
            }
            uint64_t next = pt->ops->alloc(pt->ctx);
            if (next == 0) {
                *rc = rcOutOfMemory;
                return NULL;
            }
            pt->tables++;
            *e = vtd_sl_table(next);
            flush(pt, e);
        }
        table_pa = *e & VTD_SL_ADDR_MASK;
    }
    *rc = rcOk;
    return &pt->ops->table(pt->ctx, table_pa)[vtd_sl_index(iova, 1)];
}

Retcode iommu_pt_map(struct iommu_pt *pt, uint64_t iova, uint64_t pa, bool read, bool write)
{
    Retcode rc = check_iova(pt, iova);
    if (rc != rcOk)
        return rc;
    if (pa & 0xFFFu)
        return rcAlignment;
    if (!read && !write)
        return rcInvalidArgument;
    uint64_t *e = walk(pt, iova, true, &rc);
    if (e == NULL)
        return rc;
    if (vtd_sl_present(*e))
        return rcAlreadyExists;
    *e = vtd_sl_leaf(pa, read, write);
    flush(pt, e);
    pt->mapped++;
    return rcOk;
}

Retcode iommu_pt_unmap(struct iommu_pt *pt, uint64_t iova, uint64_t *pa)
{
    Retcode rc = check_iova(pt, iova);
    if (rc != rcOk)
        return rc;
    uint64_t *e = walk(pt, iova, false, &rc);
    if (e == NULL)
        return rc;
    if (!vtd_sl_present(*e))
        return rcNotFound;
    if (pa != NULL)
        *pa = *e & VTD_SL_ADDR_MASK;
    *e = 0;
    flush(pt, e);
    pt->mapped--;
    return rcOk;
}

uint64_t iommu_pt_lookup(const struct iommu_pt *pt, uint64_t iova)
{
    if (check_iova(pt, iova) != rcOk)
        return 0;
    Retcode rc;
    uint64_t *e = walk((struct iommu_pt *)pt, iova, false, &rc);
    return e != NULL ? *e : 0;
}

static void free_level(struct iommu_pt *pt, uint64_t table_pa, unsigned level)
{
    if (level > 1) {
        uint64_t *t = pt->ops->table(pt->ctx, table_pa);
        for (unsigned i = 0; i < 512; i++)
            if (vtd_sl_present(t[i]))
                free_level(pt, t[i] & VTD_SL_ADDR_MASK, level - 1);
    }
    pt->ops->free(pt->ctx, table_pa);
    pt->tables--;
}

void iommu_pt_destroy(struct iommu_pt *pt)
{
    if (pt == NULL || pt->root_pa == 0)
        return;
    free_level(pt, pt->root_pa, pt->levels);
    pt->root_pa = 0;
    pt->mapped = 0;
}
