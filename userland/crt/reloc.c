/*
 * Self-relocation of a static PIE. User programs are linked at address 0 with -static-pie; the
 * kernel loads them at a random page-aligned bias (ASLR, docs/elf-loading.md) and applies no
 * relocations. Every absolute pointer in the image (function tables, string pointers, the
 * generated IDL descriptions) is relative: add the bias. The linker packs most of them into
 * .relr.dyn (-z pack-relative-relocs: an address word, then bitmap words for the 63 words after
 * it, the addend being the word itself), ~20 times smaller than .rela.dyn's 24-byte entries, so
 * a process loads fewer pages and its start applies a bitmap instead of a table; the few left
 * (an unaligned word) are R_X86_64_RELATIVE entries in .rela.dyn.
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
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37
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
    uint64_t relr = 0, relrsz = 0, relrent = sizeof(uint64_t);
    for (const struct elf64_dyn *d = _DYNAMIC; d->tag != DT_NULL; d++) {
        if (d->tag == DT_RELA)
            rela = d->val;
        else if (d->tag == DT_RELASZ)
            relasz = d->val;
        else if (d->tag == DT_RELAENT)
            relaent = d->val;
        else if (d->tag == DT_RELR)
            relr = d->val;
        else if (d->tag == DT_RELRSZ)
            relrsz = d->val;
        else if (d->tag == DT_RELRENT)
            relrent = d->val;
    }
    if (relaent != sizeof(struct elf64_rela) || relrent != sizeof(uint64_t))
        return -1;
    /* .relr.dyn: an even word is the (link-time) address of a word to relocate and starts a run
     * there; an odd word is a bitmap of the 63 words after the run's last start (bit n: word
     * n - 1), and moves the run on by 63 words. */
    const uint64_t *w = (const uint64_t *)(base + relr), *end = w + relrsz / sizeof(uint64_t);
    uint64_t *where = NULL;
    for (; w < end; w++) {
        uint64_t v = *w;
        if ((v & 1) == 0) {
            where = (uint64_t *)(base + v);
            *where++ += base;
            continue;
        }
        if (where == NULL)
            return -1; /* a bitmap before any address */
        /* Only the set bits, lowest first: a bitmap is mostly zeros. */
        for (v >>= 1; v != 0; v &= v - 1)
            where[__builtin_ctzll(v)] += base;
        where += 63;
    }
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
