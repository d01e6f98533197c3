/*
 * Kernel symbol table: turns code addresses into "function+0xoffset" for panics, exception
 * reports and backtraces. The table is generated at build time from the kernel's own ELF
 * (boot/tools/ksymgen.c, see kern/CMakeLists.txt) and sorted by address.
 */
#ifndef BASTION_KSYMS_H
#define BASTION_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym_entry {
    uint64_t addr;
    uint32_t name; /* offset into ksyms_names */
    uint32_t size; /* 0 for assembly labels */
};

extern const uint64_t ksyms_count;
extern const struct ksym_entry ksyms_entries[];
extern const char ksyms_names[];

/* The function containing addr: its name and addr's offset in it. NULL when addr is outside
 * the kernel's code. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

/* Formats addr as "name+0xoff" (or "?" when unknown) into buf; returns buf. */
char *ksyms_format(uint64_t addr, char *buf, size_t size);

/* The address of a function by exact name, or 0 (used by tests and debugging aids). */
uint64_t ksyms_address(const char *name);

#endif
