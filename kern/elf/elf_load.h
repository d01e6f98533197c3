/*
 * Following a load plan: the order of operations that puts an ELF image into a new address
 * space, with the address-space work left to the caller's hooks (the kernel's loader implements them
 * with real page tables; the host test with a simulated address space).
 *
 * For each segment, in plan order:
 *   map(start, end)          reserve and commit zero-filled pages, writable by the kernel and
 *                            neither executable nor accessible to the process yet;
 *   copy(vaddr, src, len)    the segment's file bytes (the rest of the pages stays zero: bss);
 *   protect(start, end, prot) the final permissions from the plan (never W and X together).
 * Pages therefore become executable only after their contents are final, and are never writable
 * and executable at once. If any step fails, every segment mapped so far is unmapped again
 * (unmap) and the error is returned unchanged, with the failing segment's index, so the process
 * can be torn down cleanly or reported ("rcQuotaExceeded loading segment 3").
 *
 * The plan is checked again against the image before anything is mapped (a plan from another
 * image, or a corrupted one, gets rcInvalidArgument), so this function never copies bytes from
 * outside the image nor writes outside the pages it mapped.
 */
#ifndef BASTION_ELF_LOAD_H
#define BASTION_ELF_LOAD_H

#include "elf/elf_load_plan.h"

struct elf_load_ops {
    Retcode (*map)(void *ctx, uint64_t start, uint64_t end);
    Retcode (*copy)(void *ctx, uint64_t dst, const void *src, uint64_t len);
    Retcode (*protect)(void *ctx, uint64_t start, uint64_t end, uint32_t prot);
    void (*unmap)(void *ctx, uint64_t start, uint64_t end);
};

/*
 * Loads `image` (size bytes) as `plan` says. *failed (if not NULL) is the index of the segment
 * whose step failed, or ELF_MAX_SEGMENTS when the plan itself was refused.
 * Errors: rcInvalidArgument (NULL arguments, missing hooks, a plan that does not fit the image or
 * breaks its invariants), or whatever a hook returned (rcOutOfMemory, rcQuotaExceeded, ...).
 */
Retcode elf_load(const struct elf_load_plan *plan, const void *image, size_t size,
                 const struct elf_load_ops *ops, void *ctx, uint32_t *failed);

#endif
