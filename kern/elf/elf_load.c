/* Following a load plan through address-space hooks (contract in elf_load.h). */
#include "elf/elf_load.h"

#define PAGE_MASK (ELF_PAGE_SIZE - 1)

/* The invariants elf_plan guarantees, re-checked because the plan is a plain structure that
 * could have been made for another image or damaged since. */
static bool plan_fits(const struct elf_load_plan *plan, size_t size)
{
    if (plan->nsegments == 0 || plan->nsegments > ELF_MAX_SEGMENTS)
        return false;
    for (uint32_t i = 0; i < plan->nsegments; i++) {
        const struct elf_segment *s = &plan->seg[i];
        if ((s->prot & ELF_PROT_WRITE) && (s->prot & ELF_PROT_EXEC))
            return false;
        if ((s->map_start | s->map_end) & PAGE_MASK)
            return false;
        if (s->map_start < ELF_USER_MIN || s->map_end > ELF_USER_TOP || s->map_start >= s->map_end)
            return false;
        if (i > 0 && s->map_start < plan->seg[i - 1].map_end)
            return false;
        if (s->vaddr < s->map_start || s->vaddr > s->map_end ||
            s->mem_size > s->map_end - s->vaddr || s->file_size > s->mem_size)
            return false;
        if (s->file_offset > size || s->file_size > size - s->file_offset)
            return false;
    }
    return true;
}

/* The pages of s that can be the image's own: s is not writable, and [lo, hi) is the
 * page-aligned part of its file bytes, which starts where file offset and address agree modulo
 * the page size (elf_plan demands it; checked again, as plan_fits does). False: none. */
static bool in_place_pages(const struct elf_segment *s, uint64_t *lo, uint64_t *hi)
{
    if ((s->prot & ELF_PROT_WRITE) || ((s->vaddr - s->file_offset) & PAGE_MASK) != 0)
        return false;
    *lo = (s->vaddr + PAGE_MASK) & ~PAGE_MASK;
    *hi = (s->vaddr + s->file_size) & ~PAGE_MASK;
    return *lo < *hi;
}

/* Copies s's file bytes but those of the pages [lo, hi) mapped in place (all when lo == hi). */
static Retcode copy_around(const struct elf_load_ops *ops, void *ctx, const struct elf_segment *s,
                           const uint8_t *bytes, uint64_t lo, uint64_t hi)
{
    if (s->file_size == 0)
        return rcOk;
    if (lo == hi)
        return ops->copy(ctx, s->vaddr, bytes + s->file_offset, s->file_size);
    Retcode rc = rcOk;
    uint64_t file_end = s->vaddr + s->file_size;
    if (lo > s->vaddr)
        rc = ops->copy(ctx, s->vaddr, bytes + s->file_offset, lo - s->vaddr);
    if (rc == rcOk && file_end > hi)
        rc = ops->copy(ctx, hi, bytes + s->file_offset + (hi - s->vaddr), file_end - hi);
    return rc;
}

Retcode elf_load(const struct elf_load_plan *plan, const void *image, size_t size,
                 const struct elf_load_ops *ops, void *ctx, uint32_t *failed)
{
    if (failed != NULL)
        *failed = ELF_MAX_SEGMENTS;
    if (plan == NULL || image == NULL || ops == NULL || ops->map == NULL || ops->copy == NULL ||
        ops->protect == NULL || ops->unmap == NULL || !plan_fits(plan, size))
        return rcInvalidArgument;

    const uint8_t *bytes = image;
    uint32_t mapped = 0; /* segments [0, mapped) are mapped and must be undone on failure */
    uint32_t i;
    Retcode rc = rcOk;
    for (i = 0; i < plan->nsegments; i++) {
        const struct elf_segment *s = &plan->seg[i];
        uint64_t lo = 0, hi = 0; /* pages mapped in place: none while lo == hi */
        rc = rcNotSupported;
        if (ops->map_image != NULL && in_place_pages(s, &lo, &hi))
            rc = ops->map_image(ctx, s->map_start, s->map_end, lo, hi,
                                bytes + s->file_offset + (lo - s->vaddr));
        if (rc == rcNotSupported) {
            lo = hi = 0;
            rc = ops->map(ctx, s->map_start, s->map_end);
        }
        if (rc != rcOk)
            break;
        mapped = i + 1;
        rc = copy_around(ops, ctx, s, bytes, lo, hi);
        if (rc == rcOk)
            rc = ops->protect(ctx, s->map_start, s->map_end, s->prot);
        if (rc != rcOk)
            break;
    }
    if (rc == rcOk)
        return rcOk;
    if (failed != NULL)
        *failed = i;
    for (uint32_t k = mapped; k-- > 0;) /* newest first */
        ops->unmap(ctx, plan->seg[k].map_start, plan->seg[k].map_end);
    return rc;
}
