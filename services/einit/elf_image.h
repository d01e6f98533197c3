/*
 * Einit's ELF checker: everything Einit must know about an executable before it builds a
 * process from it by hand (services/einit/elf_spawn.h), checked in user mode, pure (no system
 * calls, no allocation: the same file runs in Einit, in its host cmocka test and under
 * libFuzzer, test/host/services/einit).
 *
 * The program headers are checked by the kernel's own planner (kern/elf/elf_load_plan.c,
 * compiled into Einit): one definition of a loadable image for both loaders, whose checks are
 * listed in docs/elf-loading.md. A PT_TLS segment is accepted once the planner has checked it
 * (a named Retcode for each way it is wrong, <bastion/tls.h>); the program's C runtime finds
 * the template in its own program headers. On top of the planner this file checks what only a
 * loader in user mode needs:
 *   - the symbol table for crash reports, if the file has one: SHSTRNDX (the section-name
 *     table's index out of range), SYMTAB_BOUNDS / STRTAB_BOUNDS (a table outside the file, or
 *     empty), SYMTAB_ENTSIZE (entries not 24 bytes or a size not a multiple of them),
 *     SYMTAB_LINK (its string table is not a SHT_STRTAB section), SYMTAB_TOO_MANY (two).
 * A file without .symtab is accepted (stripped): it loads, without symbols.
 * Every refusal is a named Retcode and a named check (elf_image_check_name).
 */
#ifndef EINIT_ELF_IMAGE_H
#define EINIT_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "elf/elf_load_plan.h"

enum elf_image_check {
    ELF_IMAGE_OK = 0,
    ELF_IMAGE_PLAN,            /* the kernel planner refused it: see .plan_check */
    ELF_IMAGE_SHSTRNDX,        /* rcBadFormat */
    ELF_IMAGE_SYMTAB_BOUNDS,   /* rcTruncated / rcOverflow / rcBadFormat (empty) */
    ELF_IMAGE_SYMTAB_ENTSIZE,  /* rcBadFormat */
    ELF_IMAGE_SYMTAB_LINK,     /* rcBadFormat */
    ELF_IMAGE_STRTAB_BOUNDS,   /* rcTruncated / rcOverflow / rcBadFormat (empty) */
    ELF_IMAGE_SYMTAB_TOO_MANY, /* rcBadFormat */
    ELF_IMAGE_CHECK_COUNT
};

struct elf_image_diag {
    enum elf_image_check check;
    enum elf_check plan_check; /* for ELF_IMAGE_PLAN */
    int index;                 /* program or section header index, -1 if none */
};

struct elf_image {
    struct elf_load_plan plan; /* at the bias given */
    bool has_syms;
    uint64_t sym_offset, sym_size; /* .symtab in the file */
    uint64_t str_offset, str_size; /* its string table in the file */
};

/*
 * Checks `image` (size bytes) for loading at `bias` (elf_plan's rules: 0 for ET_EXEC, a page
 * multiple for a static PIE). The bytes read are the ELF header, the program headers and the
 * section headers: a loader that reads the file in pieces needs those three in `image` first.
 */
Retcode elf_image_check(const void *image, size_t size, uint64_t bias, struct elf_image *out,
                        struct elf_image_diag *diag);

/* "SYMTAB_LINK", or the planner's name ("SEGMENT_WX") for ELF_IMAGE_PLAN. */
const char *elf_image_check_name(const struct elf_image_diag *diag);

#endif
