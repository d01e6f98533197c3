/*
 * Region bookkeeping of a user address space: which ranges are reserved, which of those are
 * committed, and with what protection. Pure (no page tables, no locks, memory through the
 * callbacks the map was made with), so that host tests cover every split and edge case;
 * aspace.c does the page tables and charging around it.
 *
 * The map is a sorted list of non-overlapping regions [base, base + size), page-aligned, each
 * with one state and one protection. An operation on part of a region splits it; neighbours
 * that end up alike are merged again only if they came from the same reservation (`alloc_id`),
 * so freeing one reservation never touches another.
 *
 * Invariants: regions sorted by base, no overlaps, size > 0 and page-aligned, all within
 * [lo, hi).
 *
 * Cost: every operation walks the list, O(regions), and aspace.c runs them with preemption off.
 * What bounds it is the kernel-memory quota, which pays for every record (aspace.c's alloc
 * callback): 64 bytes each, so a process with the default 1 MiB holds at most about 16,000
 * records, and os_attack_vm's 256 KiB about 3,700. A tree or sorted array would make lookups
 * logarithmic; the list is kept while quotas keep it this short.
 */
#ifndef BASTION_MM_VREGION_H
#define BASTION_MM_VREGION_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/vmm.h>

#define VR_PAGE 4096ull

/* A region's protection: the VMM flags' access bits (<bastion/vmm.h>, BASTION_VMM_READ, _WRITE,
 * _EXECUTE, within BASTION_VMM_PROT_MASK), the one name of that set in kernel and user mode. */

enum vr_state {
    VR_FREE = 0,      /* not in any region (only reported by queries) */
    VR_RESERVED = 1,  /* address range claimed; any access is a fatal fault */
    VR_COMMITTED = 2, /* backed by RAM on first touch (charged at commit) */
    VR_SHARED = 3,    /* backed by frames it does not own (an MDL mapping, `owner`); made
                       * only by vr_make_shared, never split, never charged to the map's owner */
};

/*
 * W^X over time (vregion.flags). A page is never writable and executable at once (check_prot),
 * and never one after the other within one reservation either: a region that has ever had a
 * writable protection can never be given an executable one (rcWxViolation), so code a process
 * wrote can only run if the kernel loaded it. Image segments are sealed by the loader with
 * their ELF permissions and keep them: any later protect is rcAccessDenied. There is no JIT
 * path: a program that generates code has no way to run it.
 */
#define VR_WAS_WRITABLE 1u /* some protection of this region so far included BASTION_VMM_WRITE */
#define VR_SEALED 2u       /* its protection is final (an image segment) */
/* Some of its committed pages may be the boot image's own frames, shared by every process that
 * runs the program (aspace_map_image: a read-only segment's whole pages): it is never given a
 * writable protection (rcImageReadOnly). Set on a whole region, never split off by itself. */
#define VR_IMAGE_PAGES 4u

struct vregion {
    struct vregion *next;
    uint64_t base, size;
    uint64_t alloc_id; /* the reservation it belongs to */
    enum vr_state state;
    uint32_t prot;
    uint32_t flags; /* VR_WAS_WRITABLE, VR_SEALED: kept by splits, equal for merges */
    void *owner;    /* VR_SHARED: the object whose frames back it (one reference held by
                         * the region, dropped by the map's user); else NULL */
};

/* Where region records come from: alloc gives a record of `size` bytes or fails with a named
 * code (rcOutOfMemory, rcQuotaExceeded when the records are charged to an account), which the
 * operation that needed the record returns. */
struct vr_map {
    struct vregion *head;
    uint64_t lo, hi; /* usable range */
    uint64_t next_id;
    Retcode (*alloc)(void *ctx, size_t size, void **out);
    void (*free)(void *ctx, void *p);
    void *ctx;
};

void vr_init(struct vr_map *m, uint64_t lo, uint64_t hi,
             Retcode (*alloc)(void *ctx, size_t size, void **out), void (*free)(void *ctx, void *p),
             void *ctx);
/* Frees one record through the map's callback (the shared ones vr_release handed out). */
void vr_free_record(struct vr_map *m, struct vregion *r);
/* Frees every region (the map is empty afterwards). */
void vr_clear(struct vr_map *m);

/*
 * Reserves size bytes (rounded up to pages) with protection prot. hint != 0: exactly there if
 * that range is free (rcAlreadyExists if not); hint == 0: the lowest free range that fits.
 * *out = base. rcInvalidArgument (size 0, bad prot, W+X gives rcWxViolation, hint unaligned
 * or out of range), rcOutOfMemory (no free range), the alloc callback's code (no record).
 */
Retcode vr_reserve(struct vr_map *m, uint64_t hint, uint64_t size, uint32_t prot, uint64_t *out);

/*
 * Sets [va, va + size) to state (VR_RESERVED or VR_COMMITTED). The whole range must lie in
 * regions (rcNotFound otherwise; nothing changes then). *changed gets the number of pages
 * whose state changed (what to charge or uncharge). rcAlignment, rcInvalidArgument.
 */
Retcode vr_set_state(struct vr_map *m, uint64_t va, uint64_t size, enum vr_state state,
                     uint64_t *changed);

/* What vr_set_state would refuse [va, va + size) for, nothing changed: rcAlignment,
 * rcInvalidArgument, rcNotSupported (touches a shared region), rcNotFound (not all in regions);
 * rcOk when only a record allocation could still make it fail. */
Retcode vr_check_range(const struct vr_map *m, uint64_t va, uint64_t size);

/*
 * Turns the whole reservation [va, va + size) (one VR_RESERVED region, exactly) into a
 * VR_SHARED region backed by `owner`'s frames. rcNotFound if no region is exactly that range
 * in the reserved state. Shared regions are never split or merged: vr_set_state and vr_protect
 * refuse ranges that touch one (rcNotSupported), vr_release refuses ranges that cover only part
 * of one (rcInvalidArgument).
 */
Retcode vr_make_shared(struct vr_map *m, uint64_t va, uint64_t size, void *owner);

/* Marks the committed region that holds all of [va, va + size) VR_IMAGE_PAGES (the whole
 * region: no split, nothing allocated). rcNotFound when no one committed region holds it. */
Retcode vr_mark_image(struct vr_map *m, uint64_t va, uint64_t size);

/* Sets the protection of [va, va + size), all inside regions. rcWxViolation for W+X, and for an
 * executable protection on any region that was ever writable; rcAccessDenied if any region of
 * the range is sealed; rcImageReadOnly for a writable protection on a region marked
 * VR_IMAGE_PAGES. Nothing changes on failure. */
Retcode vr_protect(struct vr_map *m, uint64_t va, uint64_t size, uint32_t prot);

/* Seals [va, va + size) (all inside regions): its protection never changes again. */
Retcode vr_seal(struct vr_map *m, uint64_t va, uint64_t size);

/* Removes [va, va + size) from the map; all of it must lie in regions. *committed_pages gets
 * how many committed pages went away. Shared regions in the range are not freed but chained
 * (through `next`) onto *shared, so that the caller drops their owners' references after it
 * has removed the translations, then frees the records with the map's free callback; with
 * shared == NULL a range holding a shared region is refused (rcNotSupported). */
Retcode vr_release(struct vr_map *m, uint64_t va, uint64_t size, uint64_t *committed_pages,
                   struct vregion **shared);

/* Pages of [va, va + size) that are in `state` (VR_RESERVED or VR_COMMITTED). */
uint64_t vr_pages_in_state(const struct vr_map *m, uint64_t va, uint64_t size, enum vr_state state);

/* The region containing va, or NULL. */
const struct vregion *vr_find(const struct vr_map *m, uint64_t va);

/* Number of regions (tests and diagnostics). */
unsigned vr_count(const struct vr_map *m);

#endif
