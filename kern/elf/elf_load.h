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
 * A segment that is not writable may instead have its whole pages mapped in place (map_image,
 * optional): the pages [lo, hi) that lie entirely inside its file bytes, whose file offset and
 * address agree modulo the page size, are the image's own (shared by every process loaded from
 * it, never written); the hook reserves [start, end), maps [lo, hi) from the image and commits
 * the rest zero-filled as map does, and only the file bytes outside [lo, hi) (the partial first
 * and last pages) are copied. A hook that cannot map these bytes in place (the image is not
 * page-aligned in memory, or not one that lives for ever) says rcNotSupported, and the segment
 * is mapped and copied as usual. Writable segments are always copied: the process writes them.
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
    /* Optional (NULL: every segment is copied). src: the image's bytes for [lo, hi). */
    Retcode (*map_image)(void *ctx, uint64_t start, uint64_t end, uint64_t lo, uint64_t hi,
                         const void *src);
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
