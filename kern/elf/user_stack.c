/* User stack placement with a guard and ASLR (contract in user_stack.h). */
#include "elf/user_stack.h"

#include "elf/elf_load_plan.h" /* ELF_PAGE_SIZE */

#define PAGE_MASK (ELF_PAGE_SIZE - 1)

static int round_page(uint64_t x, uint64_t *out)
{
    if (x > UINT64_MAX - PAGE_MASK)
        return 0;
    *out = (x + PAGE_MASK) & ~PAGE_MASK;
    return 1;
}

Retcode user_stack_place(uint64_t size, uint64_t guard, uint64_t window, uint64_t entropy,
                         uint64_t lo_limit, uint64_t hi_limit, uint64_t image_lo, uint64_t image_hi,
                         struct user_stack_plan *out)
{
    if (out == NULL || size == 0 || guard == 0 || ((lo_limit | hi_limit | window) & PAGE_MASK) ||
        lo_limit >= hi_limit || !round_page(size, &size) || !round_page(guard, &guard))
        return rcInvalidArgument;
    /* The lowest top that still leaves room for stack and guard above lo_limit. */
    uint64_t need = size + guard;
    if (need < size || need > hi_limit - lo_limit)
        return rcOutOfRange;
    uint64_t lowest_top = lo_limit + need;
    uint64_t span = hi_limit - lowest_top; /* how far the top may move down */
    if (window < span)
        span = window;
    uint64_t top = hi_limit - (entropy % (span / ELF_PAGE_SIZE + 1)) * ELF_PAGE_SIZE;
    uint64_t base = top - size;
    uint64_t guard_start = base - guard;
    /* Disjoint from the image: [guard_start, top) and [image_lo, image_hi). */
    if (image_lo < image_hi && guard_start < image_hi && image_lo < top)
        return rcOutOfRange;
    out->guard_start = guard_start;
    out->guard_end = base;
    out->base = base;
    out->top = top;
    /* Up to a page below the top, 16-byte aligned as the x86-64 ABI wants at process entry. */
    out->initial_sp = top - ((entropy >> 40) % (ELF_PAGE_SIZE / 16)) * 16;
    return rcOk;
}
