/*
 * Where a new process's main stack goes: a randomised position (ASLR) with an unmapped guard
 * below it, so that running off the stack faults instead of writing into other memory.
 *
 *     guard_start     guard_end == base             top   initial_sp <= top
 *         | guard: never mapped |  stack: RW, NX   |
 *
 * The top is a random page boundary in the `window` bytes below `hi_limit`; the initial stack
 * pointer is moved down by a further random multiple of 16 bytes inside one page. The whole range
 * [guard_start, top) lies in [lo_limit, hi_limit) and does not touch the image's span.
 * Pure: the process loader (proc/loader.c) maps [base, top) and leaves the guard unmapped.
 */
#ifndef BASTION_ELF_USER_STACK_H
#define BASTION_ELF_USER_STACK_H

#include <stdint.h>

#include <bastion/retcode.h>

struct user_stack_plan {
    uint64_t guard_start, guard_end; /* unmapped */
    uint64_t base, top;              /* the stack's pages: [base, top), page aligned */
    uint64_t initial_sp;             /* 16-byte aligned, in the top page */
};

/*
 * size and guard are rounded up to pages; both must be non-zero. lo_limit, hi_limit and window
 * must be page aligned, and window may be 0 (no randomisation of the top).
 * Errors: rcInvalidArgument (zero size or guard, unaligned or empty limits, sizes that wrap),
 * rcOutOfRange (the stack does not fit below hi_limit above lo_limit, or would touch
 * [image_lo, image_hi)).
 */
Retcode user_stack_place(uint64_t size, uint64_t guard, uint64_t window, uint64_t entropy,
                         uint64_t lo_limit, uint64_t hi_limit, uint64_t image_lo, uint64_t image_hi,
                         struct user_stack_plan *out);

#endif
