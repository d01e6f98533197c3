/*
 * The ELF64 on-disk format, as far as the loader needs it (System V ABI, x86-64 supplement).
 * Own definitions because the kernel is freestanding (no <elf.h>). The loader never casts file
 * bytes to these structures (the image may be unaligned); it decodes fields with elf_read.c's
 * little-endian readers into them.
 */
#ifndef BASTION_ELF_ELF64_H
#define BASTION_ELF_ELF64_H

#include <stdint.h>

#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define EI_ABIVERSION 8

#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ELFOSABI_SYSV 0

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_SHLIB 5
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u

#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define PN_XNUM 0xffffu /* the real count is elsewhere: refused */

#define ELF64_EHDR_SIZE 64u
#define ELF64_PHDR_SIZE 56u
#define ELF64_SHDR_SIZE 64u

struct elf64_ehdr {
    uint8_t ident[EI_NIDENT];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#endif
