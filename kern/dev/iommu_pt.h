/*
 * An IOMMU domain's second-level page table: device address (IOVA) -> physical page, 4 KiB
 * pages, 3 or 4 levels (dev/vtd_format.h encodes the entries).
 *
 * Pure: table pages come from, and return to, the caller's ops, and each written entry is
 * passed to ops->flush so that a remapping unit that does not snoop the CPU caches sees it.
 * dev/vtd.c supplies the pmm and the direct map; test/host/kern/dev supplies a fake memory and
 * checks every entry.
 *
 * Invariants: an entry is either zero (not present: the device faults) or points at a table
 * or page; a table is freed only by iommu_pt_destroy (unmapping keeps empty tables, so a
 * concurrent hardware walk never reads a freed page). The caller serialises calls on one table
 * and invalidates the unit's IOTLB after an unmap (and after a map when the unit caches
 * not-present entries).
 */
#ifndef BASTION_DEV_IOMMU_PT_H
#define BASTION_DEV_IOMMU_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct iommu_pt_ops {
    uint64_t (*alloc)(void *ctx);               /* a zeroed page's physical address; 0: none */
    void (*free)(void *ctx, uint64_t pa);       /* gives back a page from alloc */
    uint64_t *(*table)(void *ctx, uint64_t pa); /* where the CPU reads and writes that page */
    void (*flush)(void *ctx, const void *p, size_t len); /* NULL: the walker snoops */
};

struct iommu_pt {
    uint64_t root_pa;
    unsigned levels; /* 3 (39-bit device addresses) or 4 (48-bit) */
    const struct iommu_pt_ops *ops;
    void *ctx;
    uint64_t tables; /* pages it holds, root included */
    uint64_t mapped; /* leaf entries present */
};

/* An empty table of `levels` (3 or 4). rcInvalidArgument, rcOutOfMemory. */
Retcode iommu_pt_init(struct iommu_pt *pt, unsigned levels, const struct iommu_pt_ops *ops,
                      void *ctx);

/* Maps the 4 KiB page at iova to pa. rcAlignment (either unaligned), rcOutOfRange (iova beyond
 * the table's width), rcAlreadyExists (already mapped: remapping needs an unmap and an IOTLB
 * invalidation first), rcInvalidArgument (neither read nor write), rcOutOfMemory. */
Retcode iommu_pt_map(struct iommu_pt *pt, uint64_t iova, uint64_t pa, bool read, bool write);

/* Unmaps the page at iova; *pa (may be NULL) gets what it mapped. rcAlignment, rcOutOfRange,
 * rcNotFound (not mapped). */
Retcode iommu_pt_unmap(struct iommu_pt *pt, uint64_t iova, uint64_t *pa);

/* The leaf entry for iova, 0 when not mapped. */
uint64_t iommu_pt_lookup(const struct iommu_pt *pt, uint64_t iova);

/* Frees every table; the caller has made sure no unit walks it any more. */
void iommu_pt_destroy(struct iommu_pt *pt);

#endif
