/*
 * x86-64 4-level page-table operations, independent of how table frames are obtained and
 * reached: the caller supplies both through struct pt_ctx. Pure code (no kernel headers), so
 * the kernel (mm/paging.c, over the pmm and the direct map) and the host tests (over a
 * malloc'd arena) run the same walker, splitter and mapper.
 *
 * Levels: 4 = PML4, 3 = PDPT (1 GiB leaves), 2 = PD (2 MiB leaves), 1 = PT (4 KiB leaves).
 * Intermediate entries are P|W (|U below USER_TOP): the leaf alone decides W, U and NX.
 * Not thread-safe: callers serialise edits of one tree.
 *
 * Entry counts (user half only): every intermediate entry that carries PTE_U holds, in its bits
 * 52..61 (ignored by the CPU in an entry that points to a table), the number of nonzero entries
 * of the table it points to. A nonzero entry is a present one or a non-present marker a caller
 * wrote with pt_mark (a page promised but not backed yet). When an unmap takes a table's count
 * to 0 the table is unlinked and handed to ctx->free_table at once, and so on up to (not
 * including) the root, so an address space holds exactly the tables its entries need. Kernel
 * half entries carry no PTE_U and no count: those tables live forever.
 */
#ifndef BASTION_MM_PAGETABLE_H
#define BASTION_MM_PAGETABLE_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

#define PTE_COUNT_SHIFT 52
#define PTE_COUNT_MASK (0x3FFull << PTE_COUNT_SHIFT)

#define PT_USER_TOP 0x0000800000000000ull      /* first non-canonical address of the low half */
#define PT_KERNEL_BOTTOM 0xFFFF800000000000ull /* first canonical address of the high half */

struct pt_ctx {
    /* A zeroed 4 KiB frame in *pa; on failure its reason (rcOutOfMemory, rcQuotaExceeded ...),
     * which the mapping call returns unchanged. */
    Retcode (*alloc_table)(void *arg, uint64_t *pa);
    /* A user-half table that became empty, already unlinked from the tree. The callee must not
     * reuse the frame before every CPU has dropped translations through it (a TLB shootdown).
     * NULL: empty tables are kept. */
    void (*free_table)(void *arg, uint64_t pa);
    void *(*table_virt)(void *arg, uint64_t pa); /* where the CPU can read/write frame pa */
    void *arg;
    uint64_t nx_mask;   /* PTE_NX when the CPU has NX (the bit is reserved otherwise), else 0 */
    uint64_t global;    /* PTE_G to put on kernel-half leaves, or 0 */
    bool gbpages;       /* 1 GiB leaves allowed */
    uint64_t tables;    /* table frames held through this context (allocated - freed) */
    uint64_t leaves[4]; /* leaves written by pt_map_range with PT_COUNT, per level (1..3) */
};

/* pt_map_range modes. */
#define PT_SKIP_MAPPED 1u /* leave already-mapped pages alone instead of failing */
#define PT_COUNT 2u       /* count written leaves in ctx->leaves */

static inline uint64_t pt_level_size(int level)
{
    return 1ull << (12 + 9 * (level - 1));
}

bool pt_canonical(uint64_t va);

/* Count of nonzero entries in the table an intermediate user-half entry points to. */
static inline unsigned pt_entry_count(uint64_t e)
{
    return (unsigned)((e & PTE_COUNT_MASK) >> PTE_COUNT_SHIFT);
}

/*
 * Entry for va at `level` in the tree at root, creating missing tables when `create`.
 * rcAlreadyExists: a large leaf at *lvl > level covers va (*entry points at it).
 * rcNotFound: a table is missing and !create. alloc_table's code when it failed.
 * Tables it creates count in their parents; one left empty must be given back with pt_prune.
 */
Retcode pt_walk(struct pt_ctx *ctx, uint64_t root, uint64_t va, int level, bool create,
                uint64_t **entry, int *lvl);

/* Replaces the large leaf *e at level lvl (2 or 3) by a table of 512 leaves one level down,
 * same flags and addresses. The caller flushes the TLB if the tree is live. */
Retcode pt_split(struct pt_ctx *ctx, uint64_t *e, int lvl);

/*
 * Maps [va, va + size) to [pa, pa + size) with the largest leaves alignment allows.
 * rcWxViolation: flags writable and not NX. rcAlignment: va, pa or size not 4 KiB aligned.
 * rcInvalidArgument: non-canonical range, or PTE_U on a kernel address.
 * rcAlreadyExists (without PT_SKIP_MAPPED): some page is mapped; pages before it stay mapped.
 */
Retcode pt_map_range(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t pa, uint64_t size,
                     uint64_t flags, unsigned mode);

/*
 * What pt_map_range does for one 4 KiB page whose last-level entry e is known: writes the leaf
 * pa over the marker *e (nonzero, not present: counted in its table already) without walking
 * the tree from the root again. Same refusals as pt_map_range for va, pa and flags;
 * rcAlreadyExists if *e is mapped, rcNotFound if it is 0 (then pt_map_range counts it).
 */
Retcode pt_fill_marker(struct pt_ctx *ctx, uint64_t *e, uint64_t va, uint64_t pa, uint64_t flags);

/* Sets the leaf flags of every mapped 4 KiB page in [va, va + size), splitting large leaves;
 * unmapped pages are skipped. rcWxViolation, rcOutOfMemory. */
Retcode pt_protect(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size, uint64_t flags);

/* Physical address and leaf flags for va. rcNotFound. */
Retcode pt_query(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags);

/* Clears the 4 KiB leaf of va; *pa gets its frame. rcNotFound; rcInvalidArgument when va lies
 * in a large leaf. The caller invalidates the TLB. User-half tables left empty are freed. */
Retcode pt_unmap(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t *pa);

/*
 * Makes sure every last-level table [va, va + size) needs exists (user half), creating them.
 * On failure (alloc_table's code) the tables it created are freed again and nothing changed.
 */
Retcode pt_prepare(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size);

/* Frees the user-half tables of [va, va + size) that hold no entry (pt_prepare's tables when
 * the caller gives up before marking them). */
void pt_prune(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size);

/*
 * Writes `marker` (nonzero, without PTE_P: the CPU ignores it) into every zero 4 KiB entry of
 * [va, va + size), counting it; present entries and markers already there stay. The tables
 * must exist (pt_prepare): rcNotFound for the first page without one, earlier pages marked.
 */
Retcode pt_mark(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size, uint64_t marker);

/*
 * Clears every nonzero 4 KiB entry of [va, va + size) (leaves and markers), calling
 * cleared(arg, va, old entry) for each before the next (NULL: none), and frees the tables left
 * empty (and empty ones it passes: what a failed pt_map_range may leave). Missing tables are skipped a whole table span at a time. Returns how many present
 * entries were cleared (nonzero: the caller must invalidate the TLB). Large leaves are left.
 */
uint64_t pt_clear_range(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size,
                        void (*cleared)(void *arg, uint64_t va, uint64_t entry), void *arg);

#endif
