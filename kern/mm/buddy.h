/*
 * Buddy allocator over page frames (4 KiB), orders 0..BUDDY_MAX_ORDER.
 *
 * Pure code (host tested). The allocator never touches the frames it manages: its metadata
 * is a block of per-frame arrays in memory the caller provides (buddy_meta_size() bytes),
 * so it runs over the kernel's direct map and over malloc'd arrays in tests alike.
 *
 * Every frame is in exactly one state: RESERVED (not managed: holes, firmware, kernel image),
 * part of a FREE block, HOT (a free single frame kept apart, below), or part of an ALLOCATED
 * block. Blocks of order k start at a frame index
 * (relative to `base`) that is a multiple of 2^k; pass a `base` aligned to
 * 2^BUDDY_MAX_ORDER pages (e.g. 0) to get physically aligned blocks (an order-9 block is then
 * a 2 MiB-aligned 2 MiB region).
 *
 * The hot list: with hot_max > 0, up to hot_max freed single frames are kept on a list of their
 * own, uncoalesced, and the next single-frame allocations take them back first (last freed,
 * first taken). Without it, a page that a process frees merges back into a large block and the
 * next process's page splits it down again: ~10 list operations each way per page. The hot
 * frames count as free; a block allocation that finds nothing else (and buddy_reserve) first
 * gives them all back to the blocks. A hot frame is no allocation: freeing it again is the
 * double free it is (rcNotFound).
 *
 * Known-zero hot frames: the caller may free a single frame it knows to be all zero with
 * buddy_free_zeroed (a page table emptied entry by entry, say). It goes on a second hot list,
 * bounded with the first by hot_max, and buddy_alloc_zeroed takes from it first and says so:
 * its caller need not zero the frame again. The allocator cannot check the promise (it never
 * touches frames); the pmm checks it in the test kernel. A plain allocation takes a plain hot
 * frame first and a known-zero one only when there is none.
 *
 * Not thread-safe: the caller (pmm) serialises with its own lock.
 */
#ifndef BASTION_MM_BUDDY_H
#define BASTION_MM_BUDDY_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUDDY_PAGE_SIZE 4096u
#define BUDDY_PAGE_SHIFT 12
#define BUDDY_MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */
#define BUDDY_NONE 0xffffffffu

/*
 * Per-frame metadata, kept as three arrays (one block of buddy_meta_size() bytes, in this order):
 * the list links, the state bytes and the order bytes. The states are read and written in runs
 * (every frame at init, every frame of a range buddy_add_free checks, the tails of a block), and
 * in an array of their own a run is one memset (rep stosq: eight frames a store) or a scan of
 * eight frames a load. Interleaved with the links, each frame was a loop step of its own: under
 * icount pmm_init cost about 32 instructions per frame of RAM (10.5 million with 1 GiB, 4.3
 * million with 256 MiB), now about 1.5 (docs/benchmarks.md, "How cost grows").
 * Only a frame on a free list or the hot list has meaningful links, and only a block head a
 * meaningful order: both are written when the frame becomes one, so neither needs initialising.
 */
struct buddy_link {
    uint32_t next, prev; /* free-list links (frame indices), BUDDY_NONE at the ends */
};
#define BUDDY_FRAME_META_BYTES (sizeof(struct buddy_link) + 2u) /* links, state, order */

struct buddy {
    uint64_t base;            /* physical address of frame 0 */
    uint32_t nframes;         /* frames covered, managed or not */
    struct buddy_link *links; /* per frame; meaningful on list members only */
    uint8_t *state;           /* per frame: enum buddy_state (buddy.c) */
    uint8_t *order;           /* per frame; meaningful on block heads only */
    uint32_t free_head[BUDDY_MAX_ORDER + 1];
    uint64_t free_blocks[BUDDY_MAX_ORDER + 1];
    uint64_t free_pages;     /* pages in free blocks and on the hot list */
    uint64_t used_pages;     /* pages in allocated blocks */
    uint64_t reserved_pages; /* pages never handed out */
    uint32_t hot_head;       /* the hot list (through `next`), BUDDY_NONE when empty */
    uint32_t hot_count;      /* frames on it */
    uint32_t hot_max;        /* its bound; 0 (buddy_init's): no hot list */
    uint32_t zero_head;      /* the known-zero hot frames (through `next`), BUDDY_NONE if none */
    uint32_t zero_count;     /* frames on it, counted in hot_count too */
};

/* Bytes of metadata needed for nframes frames. */
size_t buddy_meta_size(uint64_t nframes);

/*
 * Cover frames [base, base + nframes * 4 KiB), all RESERVED at first. Only the state bytes of
 * meta are written (nframes bytes); meta may hold anything before.
 * rcAlignment: base not page-aligned, or meta not aligned for struct buddy_link.
 * rcBufferTooSmall: meta_size < buddy_meta_size(nframes).
 * rcOutOfRange: nframes is 0 or does not fit 32 bits.
 */
Retcode buddy_init(struct buddy *b, uint64_t base, uint64_t nframes, void *meta, size_t meta_size);

/* Point b at its metadata, moved to meta (the same bytes seen at another address: pmm's metadata
 * is reached through the boot mapping first, then through the direct map). */
void buddy_move_meta(struct buddy *b, void *meta);

/*
 * Make [paddr, paddr + npages pages) free (RAM the firmware says is usable). Frames must be
 * RESERVED. rcAlignment: paddr not page-aligned. rcOutOfRange: range outside the covered
 * frames. rcAlreadyExists: some frame is already free or allocated (nothing is changed).
 */
Retcode buddy_add_free(struct buddy *b, uint64_t paddr, uint64_t npages);

/*
 * Take [paddr, paddr + npages pages) out of circulation (kernel image, modules, firmware):
 * free frames become RESERVED, reserved frames stay so. Splits free blocks as needed.
 * rcResourceBusy: some frame is allocated (nothing is changed). rcAlignment, rcOutOfRange as above.
 */
Retcode buddy_reserve(struct buddy *b, uint64_t paddr, uint64_t npages);

/* Allocate 2^order contiguous pages. rcInvalidArgument: order too big. rcOutOfMemory. */
Retcode buddy_alloc(struct buddy *b, unsigned order, uint64_t *paddr);

/*
 * Free a block returned by buddy_alloc with the same order; coalesces with free buddies.
 * rcOutOfRange: foreign address. rcAlignment: not page-aligned or not a block head.
 * rcNotFound: no allocated block there (double free, or a reserved frame).
 * rcInvalidArgument: order differs from the allocation's.
 */
Retcode buddy_free(struct buddy *b, uint64_t paddr, unsigned order);

/* One frame: as buddy_alloc(b, 0, paddr); *zero says whether it is a known-zero hot frame. */
Retcode buddy_alloc_zeroed(struct buddy *b, uint64_t *paddr, bool *zero);

/* As buddy_free(b, paddr, 0) of a frame the caller knows to be all zero: it is kept as such
 * while the hot lists have room (hot_max), else it goes back to the blocks like any other. */
Retcode buddy_free_zeroed(struct buddy *b, uint64_t paddr);

/* Order of the allocated block starting at paddr (for kfree of large blocks), or rcNotFound. */
Retcode buddy_block_order(const struct buddy *b, uint64_t paddr, unsigned *order);

/* Largest order with a free block, or -1 when nothing is free. */
int buddy_largest_free_order(const struct buddy *b);

/*
 * Full consistency check (tests, debug builds): list links, block alignment, no two free
 * buddies left uncoalesced, counters equal to a recount. rcBadFormat on the first violation.
 */
Retcode buddy_check(const struct buddy *b);

#endif
