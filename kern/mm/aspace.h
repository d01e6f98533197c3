/*
 * User address spaces: one PML4 per process whose kernel half is the kernel's (shared PDPTs,
 * mm/paging.h), regions reserved and committed through mm/vregion.h, RAM charged per committed
 * page to the owner's account, pages allocated on first touch (demand faults served by
 * aspace_page_fault()), and a PCID per address space when the CPU has them.
 *
 * Page tables: made when a page is committed or mapped, charged to the RAM account, and freed
 * (after the shootdown) as soon as an unmap leaves one empty: a table lives exactly while some
 * page in its span is committed or mapped (entry counts, mm/pagetable.h).
 *
 * User range: [ASPACE_USER_LO, ASPACE_USER_HI). Page 0 stays unmapped (null pointers fault)
 * and the top page of the user half is never mapped either, so that no SYSCALL can return to
 * the non-canonical address just past it (arch/x86_64/syscall.h).
 *
 * TLB: changing or removing a mapping invalidates it on every CPU that may cache it (a
 * shootdown IPI to the CPUs that ran this address space; each either flushes at once, if the
 * space is live there, or forgets its PCID so that the next switch to it flushes).
 *
 * Locking: each address space has a lock held with preemption off but interrupts on (the
 * shootdown waits for other CPUs' answers). Never called from interrupt handlers except
 * aspace_page_fault(), which turns interrupts back on first.
 */
#ifndef BASTION_MM_ASPACE_H
#define BASTION_MM_ASPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "mm/vregion.h"

#define ASPACE_USER_LO 0x10000ull /* first 64 KiB never mapped */
#define ASPACE_USER_HI (0x0000800000000000ull - 4096ull)

/* [va, va + len) lies in the user range (len may be 0: then va must still be in it). */
static inline bool aspace_user_range_ok(uint64_t va, uint64_t len)
{
    /* Unsigned: an address below the user half wraps past the bound. */
    return va - ASPACE_USER_LO < ASPACE_USER_HI - ASPACE_USER_LO && len <= ASPACE_USER_HI - va;
}

struct aspace;
struct kmem_account;
struct kobj;
struct trap_frame;

struct aspace_info {
    uint64_t base, size; /* the region containing the address, or the free gap's page */
    enum vr_state state; /* VR_FREE, VR_RESERVED, VR_COMMITTED, VR_SHARED */
    uint32_t prot;
};

/* A new, empty address space. Committed pages and every page-table frame (the root included)
 * are charged to `ram`, this object and its region records to `kmem` (NULL: uncharged); both
 * accounts must outlive the space. rcQuotaExceeded, rcOutOfMemory. */
Retcode aspace_create(struct kmem_account *ram, struct kmem_account *kmem, struct aspace **out);
/* Frees every page, page table and region. No thread may run in it any more. */
void aspace_destroy(struct aspace *as);

/* Reserves a region (no RAM). The region record is charged to kmem: rcQuotaExceeded. */
Retcode aspace_reserve(struct aspace *as, uint64_t hint, uint64_t size, uint32_t prot,
                       uint64_t *out);
/* Commits [va, va + size) inside reserved regions: the pages and the page tables they need
 * are charged (and the tables made) now, the pages backed at first touch. rcQuotaExceeded when
 * the RAM account's limit would be passed (nothing changes then). Decommit and free give back
 * the pages and every table they leave empty. */
Retcode aspace_commit(struct aspace *as, uint64_t va, uint64_t size);
Retcode aspace_decommit(struct aspace *as, uint64_t va, uint64_t size);
/* Changes the protection (mm/vregion.h, W^X over time): rcWxViolation for W+X or for an
 * executable protection on a region that was ever writable; rcAccessDenied on a sealed one. */
Retcode aspace_protect(struct aspace *as, uint64_t va, uint64_t size, uint32_t prot);
/* Seals [va, va + size): its protection is final (the loader, for image segments). */
Retcode aspace_seal(struct aspace *as, uint64_t va, uint64_t size);
/* Releases [va, va + size) (pages and reservation). A shared region (an MDL mapping) must be
 * released whole (rcInvalidArgument otherwise); its frames stay with their object, whose
 * reference the region held. Commit, decommit and protect refuse ranges that touch a shared
 * region (rcNotSupported). */
Retcode aspace_free(struct aspace *as, uint64_t va, uint64_t size);
/*
 * Maps frames[0 .. npages) at the reservation [va, va + npages pages) the caller has just made
 * (exactly one VR_RESERVED region: rcNotFound otherwise) with protection prot, all pages at
 * once, as a VR_SHARED region: its PTEs carry "not owned" (never freed by this space), nothing
 * is charged to this space's RAM account. On rcOk the region holds the caller's reference on
 * `owner` (dropped when the region is freed or the space destroyed, after the TLB shootdown);
 * on failure the reference stays the caller's and the reservation is left as it was.
 */
Retcode aspace_map_shared(struct aspace *as, uint64_t va, const uint64_t *frames, uint64_t npages,
                          uint32_t prot, struct kobj *owner);
/*
 * The same for device memory: the npages physical pages from pa (page-aligned: rcAlignment),
 * mapped uncached (PCD|PWT) and never executable (rcInvalidArgument). kl.core.IO.MapMem maps a
 * registered MMIO range with it; `owner` is that range's object, kept while the region lives.
 */
Retcode aspace_map_device(struct aspace *as, uint64_t va, uint64_t pa, uint64_t npages,
                          uint32_t prot, struct kobj *owner);
/*
 * Maps the npages frames from pa (page-aligned: rcAlignment) at [va, va + npages pages), which
 * must lie in one committed region (rcNotFound) whose pages are not backed yet (rcAlreadyExists:
 * a backed page is never replaced). The frames are the boot image's (a program's read-only
 * pages, shared by every process that runs it: the loader's in-place mapping), so their PTEs
 * carry "not owned" and "image" (never freed by this space, never made writable) and their
 * commit charge goes back at once: nothing is charged for them (docs/accounting.md), only the
 * page tables they need are, to the RAM account, as always. The region is marked
 * VR_IMAGE_PAGES (never writable: rcImageReadOnly); its protection stands, less write, until
 * aspace_protect sets the final one. On failure the pages mapped so far stay mapped (freeing
 * the region unmaps them: the caller's undo).
 */
Retcode aspace_map_image(struct aspace *as, uint64_t va, uint64_t pa, uint64_t npages);
/* Frees [va, va + size) only if it is still exactly one shared region backed by `owner` (the
 * holder of a mapping handle unmaps what it mapped, never what replaced it after a VMM.Free):
 * rcNotFound otherwise. */
Retcode aspace_free_shared_of(struct aspace *as, uint64_t va, uint64_t size,
                              const struct kobj *owner);
/* True when va's page is present and backed by a shared frame; *pa = its physical address
 * (futex keys for memory shared between address spaces). */
bool aspace_shared_phys(struct aspace *as, uint64_t va, uint64_t *pa);
Retcode aspace_query(struct aspace *as, uint64_t va, struct aspace_info *info);
/* The lowest region that ends above `after` (the one holding it, or the next): rcNotFound when
 * none does. For Task.GetNextVmRegion's walk over a frozen process. */
Retcode aspace_next_region(struct aspace *as, uint64_t after, struct aspace_info *info);

/*
 * Calls fn(kva, len, arg) for each resident page piece of [va, va + size) at its direct-map
 * address, with the space locked (nothing is unmapped meanwhile, preemption off: fn must be
 * short). Pages of a region not backed yet are skipped. rcInvalidArgument: the range leaves
 * the user half or wraps; rcNotFound: a page of it lies in no region. Nothing is called then.
 * (kl.core.HAL.FlushCache: flushing through the direct map cannot fault, whatever the caller's
 * other threads do to its mappings; x86 caches are tagged by physical address.)
 */
Retcode aspace_each_resident(struct aspace *as, uint64_t va, uint64_t size,
                             void (*fn)(void *kva, size_t len, void *arg), void *arg);

/*
 * Writes len bytes at va in `as` (not necessarily the current one) through the direct map,
 * committing and backing pages as needed; the range must lie in reserved or committed regions
 * (rcNotFound otherwise; rcImageReadOnly for a page of the boot image, aspace_map_image's,
 * which no one writes). Ignores protection otherwise: for the ELF loader and start blocks.
 */
Retcode aspace_write(struct aspace *as, uint64_t va, const void *src, size_t len);

/* Loads as on this CPU (NULL: the kernel's own tables). Interrupts off. */
void aspace_activate(struct aspace *as);
/* The same, called by the scheduler on every switch: a no-op when nothing changes. */
void aspace_switch(struct aspace *as);
/* Per CPU: enables PCIDs (CR4.PCIDE) when present; the scheduler calls it when a CPU joins. */
void aspace_init_cpu(void);
/* Once, before any address space: the TLB shootdown IPI and the fault handlers. */
void aspace_init(void);

/* Physical address of as's PML4. */
uint64_t aspace_root(const struct aspace *as);
/* Committed pages (charged) and pages actually backed by RAM. */
uint64_t aspace_committed_pages(const struct aspace *as);
uint64_t aspace_resident_pages(const struct aspace *as);
/* Page-table frames below the root the space holds now (each charged one page to ram). */
uint64_t aspace_table_pages(const struct aspace *as);
/* Region records it holds (each charged to kmem). */
uint64_t aspace_region_count(struct aspace *as);

/*
 * The #PF hook: a fault on a committed, not yet backed page of the current address space is
 * served (zeroed page mapped with the region's protection) and true is returned. Anything else
 * from user mode is fatal for the process (logged: process name, address, access); from the
 * kernel it is handed to the user-copy fixup, else false (the kernel's report and panic).
 */
bool aspace_page_fault(struct trap_frame *frame);

#endif
