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
        rc = ops->map(ctx, s->map_start, s->map_end);
        if (rc != rcOk)
            break;
        mapped = i + 1;
        if (s->file_size != 0)
            rc = ops->copy(ctx, s->vaddr, bytes + s->file_offset, s->file_size);
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
