/*
 * Einit's loader: a process built by hand from an ELF file of the ROMFS, as KasperskyOS's Einit
 * does, through kl.core (docs/elf-loading.md, "The loader in Einit"):
 *
 *   1. the file is read through kl.core.FS into an MDL buffer mapped in the caller, only the
 *      blocks that hold the headers, the loadable segments and the symbol tables;
 *   2. it is checked (elf_image.h: the kernel's planner and the symbol-table checks); a
 *      malformed file is refused with a named check before any process exists;
 *   3. Task.Create with BASTION_TASK_CREATE_EMPTY makes the empty process, of the class asked
 *      for (its path recorded for GetPath, not loaded by the kernel);
 *   4. Task.VmReserve reserves the image's span (anywhere for a static PIE: the kernel picks
 *      the place, randomised; at its linked address for ET_EXEC), and the plan is redone at the
 *      bias that gives;
 *   5. Task.LoadSeg copies each segment from the buffer with its own protection (R, RX or RW;
 *      the kernel refuses W+X and seals each);
 *   6. Task.LoadElfSyms puts .symtab and .strtab (read-only) in a region of their own, so that
 *      a crash reporter or the program itself (Task.GetElfSyms) can name code addresses;
 *   7. Task.LoadElfHdr and Task.SetEntry (entry point, load offset).
 * The caller then transfers handles, sets the environment and resumes it as before. On any
 * failure after step 3 the half-built process is terminated and its handle closed.
 */
#ifndef EINIT_ELF_SPAWN_H
#define EINIT_ELF_SPAWN_H

#include <stdint.h>

#include <bastion/retcode.h>

#include "elf_image.h"

struct elf_spawn_diag {
    const char *step;            /* the kl.core method or stage that failed ("ELF check") */
    struct elf_image_diag check; /* for "ELF check" */
};

/* Builds process `name` of class `cls` from ROMFS file `path` (not started), with Task.Create
 * `flags` (BASTION_TASK_CREATE_EMPTY is added). *task gets the caller's handle to it, *bias
 * (may be NULL) its load offset. Errors: the failed step's Retcode, named in *why. */
Retcode elf_spawn(const char *name, const char *cls, const char *path, uint64_t stack_size,
                  uint32_t priority, uint32_t flags, uint32_t *task, uint64_t *bias,
                  struct elf_spawn_diag *why);

/* A program's symbol table, read from its ELF file for a crash report (einit_crash.c). */
struct elf_symbols {
    const uint8_t *syms; /* Elf64_Sym entries, 24 bytes each */
    uint64_t nsyms;
    const char *strs;
    uint64_t strs_size;
    uint32_t mdl; /* the buffer that holds the file's blocks */
    uint64_t va, mapped;
};

/* Reads `path`'s .symtab and .strtab (the file's checks as elf_spawn's): rcNotFound for a
 * stripped file. Release with elf_symbols_close. */
Retcode elf_symbols_open(const char *path, struct elf_symbols *out);
void elf_symbols_close(struct elf_symbols *s);
/* The function symbol holding `addr` (a link-time address): its name and addr's offset in it,
 * or NULL. */
const char *elf_symbols_find(const struct elf_symbols *s, uint64_t addr, uint64_t *offset);

#endif
