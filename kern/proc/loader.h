/*
 * The process loader: puts an ELF executable from the boot ROMFS into a new process's address
 * space (kern/elf does the checking and the plan; this file does the mapping through mm/aspace).
 *
 * - Every header and segment bound is checked by elf_plan() first; a refused image gets the
 *   check's named code and nothing is mapped.
 * - A static PIE (ET_DYN) is placed at a random page-aligned bias in [LOADER_IMAGE_LO,
 *   LOADER_IMAGE_HI) (ASLR); ET_EXEC stays at its linked address.
 * - Segments are mapped through elf_load(): zero-filled, written while not yet accessible, then
 *   given their final permissions, never writable and executable at once. The whole pages of a
 *   segment that is not writable are not copied but mapped to the boot image's own frames
 *   (aspace_map_image: shared by every process that runs the program, never writable, never
 *   freed, charged to no one) when the file lies in the boot volume with its data on an image
 *   page, page-aligned in memory; otherwise they are copied like the rest.
 * - The main stack goes at a random place below LOADER_STACK_HI with an unmapped guard page
 *   under it (user_stack_place), writable and never executable.
 * Randomness comes from RDSEED, else RDRAND, else (machines without either) the TSC mixed with
 * a counter: weaker, and said so once in the log.
 */
#ifndef BASTION_PROC_LOADER_H
#define BASTION_PROC_LOADER_H

#include <stdint.h>

#include <bastion/retcode.h>

struct process;

#define LOADER_IMAGE_LO 0x0000000000400000ull /* 4 MiB */
#define LOADER_IMAGE_HI 0x0000001000000000ull /* 64 GiB */
#define LOADER_STACK_HI 0x00007ff000000000ull
#define LOADER_STACK_WINDOW 0x0000000400000000ull /* 16 GiB of possible stack tops */
#define LOADER_STACK_GUARD 4096ull

/*
 * Loads ROMFS file `path` into p->as and fills p's entry, image_base, stack and TLS fields.
 * On an error the address space holds nothing of the image (elf_load rolls back).
 * Errors: rcNotFound (no such file), rcInvalidArgument (not a regular file), the ELF codes
 * (rcBadFormat, rcTruncated, rcNotSupported, rcWxViolation, rcOutOfRange, ...),
 * rcQuotaExceeded (the process's RAM or kernel-memory limit), rcOutOfMemory.
 */
Retcode loader_load(struct process *p, const char *path, uint64_t stack_size);

/*
 * The main stack of p: stack_size bytes at a place chosen from `entropy` below LOADER_STACK_HI
 * and above LOADER_IMAGE_HI, away from the image's span [image_lo, image_hi), with an unmapped
 * guard page under it, reserved and committed read-write; fills p's stack fields. The loader
 * calls it after the image, process_build_finish for an empty process at Task.Resume.
 * Errors: user_stack_place's, aspace_reserve's and aspace_commit's (rcQuotaExceeded, ...).
 */
Retcode loader_place_stack(struct process *p, uint64_t stack_size, uint64_t image_lo,
                           uint64_t image_hi, uint64_t entropy);

#endif
