/*
 * Self-relocation of a static PIE. User programs are linked at address 0 with -static-pie; the
 * kernel loads them at a random page-aligned bias (ASLR, docs/elf-loading.md) and applies no
 * relocations. Every absolute pointer in the image (function tables, string pointers, the
 * generated IDL descriptions) is an R_X86_64_RELATIVE entry in .rela.dyn: add the bias.
 *
 * Invariant: nothing here reads a pointer stored in data before the loop is done. The code is
 * compiled -fpie with hidden visibility, so __ehdr_start and _DYNAMIC are reached with
 * PC-relative addressing, which is correct before relocation.
 */
#include <stddef.h>
#include <stdint.h>

#include "crt.h"

#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8

struct elf64_dyn {
    int64_t tag;
    uint64_t val;
};

struct elf64_rela {
    uint64_t offset;
    uint64_t info;
    int64_t addend;
};

/* Defined by the linker: the ELF header (at link address 0) and the dynamic section. */
extern const char __ehdr_start[];
extern const struct elf64_dyn _DYNAMIC[];

__attribute__((no_stack_protector)) int crt_relocate(void)
{
    uintptr_t base = (uintptr_t)__ehdr_start; /* linked at 0, so this is the bias */
    uint64_t rela = 0, relasz = 0, relaent = sizeof(struct elf64_rela);
    for (const struct elf64_dyn *d = _DYNAMIC; d->tag != DT_NULL; d++) {
        if (d->tag == DT_RELA)
            rela = d->val;
        else if (d->tag == DT_RELASZ)
            relasz = d->val;
        else if (d->tag == DT_RELAENT)
            relaent = d->val;
    }
    if (relaent != sizeof(struct elf64_rela))
        return -1;
    for (uint64_t off = 0; off + relaent <= relasz; off += relaent) {
        const struct elf64_rela *r = (const struct elf64_rela *)(base + rela + off);
        uint32_t type = (uint32_t)r->info;
        if (type == R_X86_64_NONE)
            continue;
        if (type != R_X86_64_RELATIVE)
            return -1;
        *(uint64_t *)(base + r->offset) = base + (uint64_t)r->addend;
    }
    return 0;
}
