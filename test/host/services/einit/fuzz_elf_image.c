/*
 * libFuzzer target for Einit's ELF checker (services/einit/elf_image.c): any bytes as an ELF
 * file, checked at a PIE's bias and at 0. Never a read outside the input (ASan), never undefined
 * behaviour (UBSan); an accepted image keeps the invariants the loader relies on: its tables lie
 * in the file, whole entries, and every planned segment's file bytes lie in the file; an accepted
 * TLS template keeps <bastion/tls.h>'s limits and lies in the file bytes of one segment (the C
 * runtime copies it into every thread's block).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "elf_image.h"
#include <bastion/tls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t biases[2] = {0x400000, 0};
    for (int b = 0; b < 2; b++) {
        struct elf_image out;
        struct elf_image_diag d;
        if (elf_image_check(data, size, biases[b], &out, &d) != rcOk) {
            if (elf_image_check_name(&d)[0] == '?')
                abort();
            continue;
        }
        if (out.has_syms &&
            (out.sym_offset + out.sym_size > size || out.str_offset + out.str_size > size ||
             out.sym_size % 24 != 0 || out.sym_size == 0 || out.str_size == 0))
            abort();
        const struct elf_load_plan *p = &out.plan;
        bool tls_in_file = false;
        for (uint32_t i = 0; i < p->nsegments; i++) {
            const struct elf_segment *s = &p->seg[i];
            if (s->file_offset + s->file_size > size || s->file_size > s->mem_size)
                abort();
            if (p->has_tls && p->tls_vaddr >= s->vaddr &&
                p->tls_vaddr + p->tls_file_size <= s->vaddr + s->file_size)
                tls_in_file = true;
        }
        if (p->has_tls &&
            (!tls_in_file || p->tls_file_size > p->tls_mem_size ||
             p->tls_mem_size > BASTION_TLS_SIZE_MAX || p->tls_align > BASTION_TLS_ALIGN_MAX ||
             (p->tls_align & (p->tls_align - 1)) != 0))
            abort();
    }
    return 0;
}
