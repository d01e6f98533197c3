/*
 * Page-table walker, mapper and splitter. See pagetable.h.
 *
 * Invariant kept by every function here: no leaf is written with W set and NX clear, unless
 * the context has no NX at all (then nothing can be NX and the check is on the request).
 */
#include "mm/pagetable.h"

static inline unsigned idx(uint64_t va, int level)
{
    return (unsigned)(va >> (12 + 9 * (level - 1))) & 511u;
}

bool pt_canonical(uint64_t va)
{
    return va < PT_USER_TOP || va >= PT_KERNEL_BOTTOM;
}

static uint64_t *table(struct pt_ctx *ctx, uint64_t pa)
{
    return ctx->table_virt(ctx->arg, pa & PTE_ADDR);
}

/* Leaf flags as the hardware gets them: P set, NX dropped when unsupported, G on the kernel half. */
static uint64_t hw_flags(const struct pt_ctx *ctx, uint64_t va, uint64_t flags)
{
    flags = (flags & ~(PTE_ADDR | PTE_PS)) | PTE_P;
    if (!ctx->nx_mask)
        flags &= ~PTE_NX;
    if (va >= PT_KERNEL_BOTTOM)
        flags |= ctx->global;
    return flags;
}

static Retcode check_flags(uint64_t va, uint64_t flags)
{
    if ((flags & PTE_W) && !(flags & PTE_NX))
        return rcWxViolation;
    if ((flags & PTE_U) && va >= PT_KERNEL_BOTTOM)
        return rcInvalidArgument;
    return rcOk;
}

/* Adds d to the entry count an intermediate entry keeps for its table (user half only). */
static void count_add(uint64_t *e, int d)
{
    if (!(*e & PTE_U))
        return;
    uint64_t n = (uint64_t)((int)pt_entry_count(*e) + d);
    *e = (*e & ~PTE_COUNT_MASK) | ((n << PTE_COUNT_SHIFT) & PTE_COUNT_MASK);
}

/* A new table frame from the context's allocator, counted in ctx->tables; a frame address of 0
 * is the allocator's way of saying it has none. */
static Retcode new_table(struct pt_ctx *ctx, uint64_t *f)
{
    Retcode rc = ctx->alloc_table(ctx->arg, f);
    if (rc == rcOk && *f == 0)
        rc = rcOutOfMemory;
    if (rc == rcOk)
        ctx->tables++;
    return rc;
}

/*
 * path[l] gets the entry for va at each level l from 4 down to where the walk stopped (*lvl):
 * `level` (rcOk), a missing table's entry (rcNotFound) or a large leaf (rcAlreadyExists).
 * path[l + 1] is therefore always the entry that counts path[l]'s table.
 */
static Retcode walk(struct pt_ctx *ctx, uint64_t root, uint64_t va, int level, bool create,
                    uint64_t *path[5], int *lvl)
{
    uint64_t *t = table(ctx, root);
    for (int l = 4; l > level; l--) {
        uint64_t *e = &t[idx(va, l)];
        path[l] = e;
        *lvl = l;
        if (!(*e & PTE_P)) {
            if (!create)
                return rcNotFound;
            uint64_t f = 0;
            Retcode rc = new_table(ctx, &f);
            if (rc != rcOk)
                return rc;
            *e = f | PTE_P | PTE_W | (va < PT_USER_TOP ? PTE_U : 0);
            if (l < 4)
                count_add(path[l + 1], +1);
        } else if ((*e & PTE_PS) && l <= 3) {
            return rcAlreadyExists;
        }
        t = table(ctx, *e);
    }
    path[level] = &t[idx(va, level)];
    *lvl = level;
    return rcOk;
}

/* The table holding path[l] (l = 1..3) may have become empty: if its count is 0, unlinks it,
 * hands it to free_table and goes on with its parent's table. */
static void release_empty(struct pt_ctx *ctx, uint64_t *path[5], int l)
{
    for (; l < 4; l++) {
        uint64_t *parent = path[l + 1];
        if (!(*parent & PTE_U) || !(*parent & PTE_P) || pt_entry_count(*parent) != 0 ||
            ctx->free_table == NULL)
            return;
        uint64_t t = *parent & PTE_ADDR;
        *parent = 0;
        ctx->tables--;
        ctx->free_table(ctx->arg, t);
        if (l + 1 < 4)
            count_add(path[l + 2], -1);
    }
}

/* path[l] was nonzero and has just been set to 0. */
static void entry_cleared(struct pt_ctx *ctx, uint64_t *path[5], int l)
{
    if (l < 4) {
        count_add(path[l + 1], -1);
        release_empty(ctx, path, l);
    }
}

Retcode pt_walk(struct pt_ctx *ctx, uint64_t root, uint64_t va, int level, bool create,
                uint64_t **entry, int *lvl)
{
    uint64_t *path[5];
    Retcode rc = walk(ctx, root, va, level, create, path, lvl);
    if (rc == rcOk || rc == rcAlreadyExists)
        *entry = path[*lvl];
    return rc;
}

Retcode pt_split(struct pt_ctx *ctx, uint64_t *e, int lvl)
{
    if (lvl < 2 || lvl > 3 || !(*e & PTE_P) || !(*e & PTE_PS))
        return rcInvalidArgument;
    uint64_t f = 0;
    Retcode rc = new_table(ctx, &f);
    if (rc != rcOk)
        return rc;
    uint64_t *t = table(ctx, f);
    uint64_t base = *e & PTE_ADDR & ~(pt_level_size(lvl) - 1);
    uint64_t fl = *e & ~PTE_ADDR;
    uint64_t child = pt_level_size(lvl - 1);
    for (unsigned i = 0; i < 512; i++)
        t[i] = (base + i * child) | (lvl - 1 == 1 ? (fl & ~PTE_PS) : fl);
    if (ctx->leaves[lvl] > 0) {
        ctx->leaves[lvl]--;
        ctx->leaves[lvl - 1] += 512;
    }
    *e = f | PTE_P | PTE_W | (fl & PTE_U);
    if (fl & PTE_U)
        *e |= 512ull << PTE_COUNT_SHIFT; /* every entry of the new table is a leaf */
    return rcOk;
}

static Retcode check_range(uint64_t va, uint64_t pa, uint64_t size)
{
    if ((va | pa | size) & (pt_level_size(1) - 1))
        return rcAlignment;
    if (size == 0)
        return rcOk;
    uint64_t last = va + size - 1;
    if (last < va || !pt_canonical(va) || !pt_canonical(last) ||
        (va < PT_USER_TOP) != (last < PT_USER_TOP))
        return rcInvalidArgument;
    uint64_t pa_last = pa + size - 1;
    if (pa_last < pa || (pa_last >> 52) != 0) /* physical addresses have at most 52 bits */
        return rcInvalidArgument;
    return rcOk;
}

Retcode pt_map_range(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t pa, uint64_t size,
                     uint64_t flags, unsigned mode)
{
    Retcode rc = check_range(va, pa, size);
    if (rc == rcOk)
        rc = check_flags(va, flags);
    if (rc != rcOk)
        return rc;
    while (size > 0) {
        int level = 1;
        if (ctx->gbpages && ((va | pa) & (pt_level_size(3) - 1)) == 0 && size >= pt_level_size(3))
            level = 3;
        else if (((va | pa) & (pt_level_size(2) - 1)) == 0 && size >= pt_level_size(2))
            level = 2;
        uint64_t *path[5], *e;
        int lvl;
        for (;;) {
            rc = walk(ctx, root, va, level, true, path, &lvl);
            e = path[lvl];
            if (rc == rcAlreadyExists) {
                if (!(mode & PT_SKIP_MAPPED))
                    return rc;
                break; /* a large leaf covers va already */
            }
            if (rc != rcOk)
                return rc;
            if ((*e & PTE_P) && level > 1 && !(*e & PTE_PS)) {
                level--; /* a table of smaller leaves is there: fill it at its granularity */
                continue;
            }
            if (*e & PTE_P) {
                if (!(mode & PT_SKIP_MAPPED))
                    return rcAlreadyExists;
                break;
            }
            uint64_t was = *e; /* 0, or a marker: the page was already counted */
            *e = pa | hw_flags(ctx, va, flags) | (level > 1 ? PTE_PS : 0);
            if (was == 0 && level < 4)
                count_add(path[level + 1], +1);
            if (mode & PT_COUNT)
                ctx->leaves[level]++;
            break;
        }
        uint64_t span = pt_level_size(lvl);
        uint64_t step = span - (va & (span - 1));
        if (step > size)
            step = size;
        va += step;
        pa += step;
        size -= step;
    }
    return rcOk;
}

Retcode pt_fill_marker(struct pt_ctx *ctx, uint64_t *e, uint64_t va, uint64_t pa, uint64_t flags)
{
    Retcode rc = check_range(va, pa, pt_level_size(1));
    if (rc == rcOk)
        rc = check_flags(va, flags);
    if (rc != rcOk)
        return rc;
    if (*e & PTE_P)
        return rcAlreadyExists;
    if (*e == 0)
        return rcNotFound;
    /* The marker was counted in its table when it was written: the count stays. */
    *e = pa | hw_flags(ctx, va, flags);
    return rcOk;
}

Retcode pt_protect(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size, uint64_t flags)
{
    Retcode rc = check_range(va, 0, size);
    if (rc == rcOk)
        rc = check_flags(va, flags);
    if (rc != rcOk)
        return rc;
    for (uint64_t off = 0; off < size; off += pt_level_size(1)) {
        uint64_t *e = NULL;
        int lvl;
        while ((rc = pt_walk(ctx, root, va + off, 1, false, &e, &lvl)) == rcAlreadyExists) {
            rc = pt_split(ctx, e, lvl);
            if (rc != rcOk)
                return rc;
        }
        if (rc == rcNotFound)
            continue;
        if (rc != rcOk)
            return rc;
        if (!(*e & PTE_P))
            continue;
        *e = (*e & PTE_ADDR) | hw_flags(ctx, va + off, flags);
    }
    return rcOk;
}

Retcode pt_query(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags)
{
    if (!pt_canonical(va))
        return rcInvalidArgument;
    uint64_t *e;
    int lvl;
    Retcode rc = pt_walk(ctx, root, va, 1, false, &e, &lvl);
    if (rc != rcOk && rc != rcAlreadyExists)
        return rc;
    if (!(*e & PTE_P))
        return rcNotFound;
    uint64_t span = pt_level_size(lvl);
    if (pa != NULL)
        *pa = (*e & PTE_ADDR & ~(span - 1)) + (va & (span - 1));
    if (flags != NULL)
        *flags = *e & ~PTE_ADDR;
    return rcOk;
}

Retcode pt_unmap(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t *pa)
{
    if (va & (pt_level_size(1) - 1))
        return rcAlignment;
    if (!pt_canonical(va))
        return rcInvalidArgument;
    uint64_t *path[5];
    int lvl;
    Retcode rc = walk(ctx, root, va, 1, false, path, &lvl);
    if (rc == rcAlreadyExists)
        return rcInvalidArgument;
    if (rc != rcOk)
        return rc;
    uint64_t *e = path[1];
    if (!(*e & PTE_P))
        return rcNotFound;
    if (pa != NULL)
        *pa = *e & PTE_ADDR;
    *e = 0;
    entry_cleared(ctx, path, 1);
    return rcOk;
}

/* The first address after va's span at level lvl, or end, whichever comes first. */
static uint64_t next_span(uint64_t va, int lvl, uint64_t end)
{
    uint64_t span = pt_level_size(lvl);
    uint64_t step = span - (va & (span - 1));
    return step >= end - va ? end : va + step;
}

static Retcode check_user_range(uint64_t va, uint64_t size)
{
    if ((va | size) & (pt_level_size(1) - 1))
        return rcAlignment;
    if (va >= PT_USER_TOP || size > PT_USER_TOP - va)
        return rcInvalidArgument;
    return rcOk;
}

void pt_prune(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size)
{
    if (check_user_range(va, size) != rcOk)
        return;
    for (uint64_t a = va, end = va + size; a < end;) {
        uint64_t *path[5];
        int lvl;
        Retcode rc = walk(ctx, root, a, 1, false, path, &lvl);
        if (rc == rcOk || rc == rcNotFound)
            release_empty(ctx, path, lvl);
        a = next_span(a, rc == rcOk ? 2 : lvl, end);
    }
}

Retcode pt_prepare(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size)
{
    Retcode rc = check_user_range(va, size);
    if (rc != rcOk)
        return rc;
    for (uint64_t a = va, end = va + size; a < end;) {
        uint64_t *path[5];
        int lvl;
        rc = walk(ctx, root, a, 1, true, path, &lvl);
        if (rc == rcAlreadyExists)
            rc = rcInvalidArgument; /* a large leaf: never in a user address space */
        if (rc != rcOk) {
            pt_prune(ctx, root, va, next_span(a, 2, end) - va);
            return rc;
        }
        a = next_span(a, 2, end);
    }
    return rcOk;
}

/* How many pages of [a, end) lie in a's last-level table: from a's entry to the table's end
 * or to end, whichever comes first (end - a is whole pages: check_user_range). */
static uint64_t pages_in_table(uint64_t a, uint64_t end)
{
    uint64_t in_table = 512 - idx(a, 1), left = (end - a) / pt_level_size(1);
    return in_table < left ? in_table : left;
}

Retcode pt_mark(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size, uint64_t marker)
{
    Retcode rc = check_user_range(va, size);
    if (rc == rcOk && (marker == 0 || (marker & PTE_P)))
        rc = rcInvalidArgument;
    /* One walk per last-level table, not per page: the entries of [a, end) in one table are
     * consecutive, and their table's count takes them all at once. */
    for (uint64_t a = va, end = va + size; rc == rcOk && a < end;) {
        uint64_t *path[5];
        int lvl;
        rc = walk(ctx, root, a, 1, false, path, &lvl);
        if (rc == rcAlreadyExists)
            rc = rcInvalidArgument;
        if (rc != rcOk)
            break;
        uint64_t n = pages_in_table(a, end);
        int added = 0;
        for (uint64_t k = 0; k < n; k++)
            if (path[1][k] == 0) {
                path[1][k] = marker;
                added++;
            }
        count_add(path[2], added);
        a += n * pt_level_size(1);
    }
    return rc;
}

uint64_t pt_clear_range(struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t size,
                        void (*cleared)(void *arg, uint64_t va, uint64_t entry), void *arg)
{
    uint64_t present = 0;
    if (check_user_range(va, size) != rcOk)
        return 0;
    for (uint64_t a = va, end = va + size; a < end;) {
        uint64_t *path[5];
        int lvl;
        Retcode rc = walk(ctx, root, a, 1, false, path, &lvl);
        if (rc == rcOk) {
            /* Every entry of [a, end) in this last-level table, then its count and, if it is
             * empty now (or a failed map left it empty), the table: one walk per table, not
             * one per page. `cleared` does not touch the tables. */
            uint64_t n = pages_in_table(a, end);
            int removed = 0;
            for (uint64_t k = 0; k < n; k++) {
                uint64_t e = path[1][k];
                if (e == 0)
                    continue;
                path[1][k] = 0;
                removed++;
                if (e & PTE_P)
                    present++;
                if (cleared != NULL)
                    cleared(arg, a + k * pt_level_size(1), e);
            }
            count_add(path[2], -removed);
            release_empty(ctx, path, 1);
            a += n * pt_level_size(1);
            continue;
        }
        if (rc == rcNotFound)
            release_empty(ctx, path, lvl); /* a table a failed map left empty */
        a = next_span(a, lvl, end);
    }
    return present;
}
