/*
 * Multiboot2 boot information: a validating parser that copies what the kernel needs out of
 * the loader's tag list into a self-contained struct boot_info.
 *
 * Pure code: no kernel headers, so it is linked both into the kernel and into host tests.
 * The parser never reads outside [info, info + min(avail, total_size)), and every string it
 * copies was found NUL-terminated inside its own tag. Nothing in struct boot_info points back
 * into the loader's buffer, so the buffer may be reused after mb2_parse() returns.
 */
#ifndef BASTION_BOOT_MULTIBOOT2_H
#define BASTION_BOOT_MULTIBOOT2_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of EAX handed to the kernel by a multiboot2 loader. */
#define MB2_BOOTLOADER_MAGIC 0x36D76289u

/* Tag types (multiboot2 specification, section 3.6). */
enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_BOOTLOADER_NAME = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_BASIC_MEMINFO = 4,
    MB2_TAG_BOOTDEV = 5,
    MB2_TAG_MMAP = 6,
    MB2_TAG_VBE = 7,
    MB2_TAG_FRAMEBUFFER = 8,
    MB2_TAG_ELF_SECTIONS = 9,
    MB2_TAG_APM = 10,
    MB2_TAG_EFI32 = 11,
    MB2_TAG_EFI64 = 12,
    MB2_TAG_SMBIOS = 13,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
    MB2_TAG_NETWORK = 16,
    MB2_TAG_EFI_MMAP = 17,
    MB2_TAG_EFI_BS = 18,
    MB2_TAG_EFI32_IH = 19,
    MB2_TAG_EFI64_IH = 20,
    MB2_TAG_LOAD_BASE_ADDR = 21,
};

/* Memory map entry types. Anything not AVAILABLE must never be handed to an allocator. */
enum mb2_mem_type {
    MB2_MEM_AVAILABLE = 1,
    MB2_MEM_RESERVED = 2,
    MB2_MEM_ACPI_RECLAIMABLE = 3,
    MB2_MEM_NVS = 4,
    MB2_MEM_BADRAM = 5,
};

#define BOOT_MMAP_MAX 128
#define BOOT_MODULES_MAX 16
#define BOOT_CMDLINE_MAX 512
#define BOOT_MODULE_CMDLINE_MAX 128
#define BOOT_LOADER_NAME_MAX 64
#define BOOT_RSDP_MAX 36 /* ACPI 2.0+ RSDP; the 1.0 structure is its first 20 bytes */

struct boot_mmap_entry {
    uint64_t base;   /* physical */
    uint64_t length; /* bytes; base + length never overflows (checked) */
    uint32_t type;   /* enum mb2_mem_type */
};

struct boot_module {
    uint64_t start; /* physical, inclusive */
    uint64_t end;   /* physical, exclusive; end >= start (checked) */
    char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_info {
    uint64_t info_phys; /* physical address of the structure: set by the kernel, not mb2_parse */
    uint32_t info_size; /* total_size of the multiboot2 structure */

    struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
    size_t mmap_count;

    struct boot_module modules[BOOT_MODULES_MAX];
    size_t module_count;

    bool have_cmdline;
    char cmdline[BOOT_CMDLINE_MAX];
    char loader_name[BOOT_LOADER_NAME_MAX];

    bool have_meminfo;
    uint32_t mem_lower_kib, mem_upper_kib;

    /* Copy of the RSDP from tag 15 (preferred) or tag 14; rsdp_len 0 when neither exists. */
    uint8_t rsdp[BOOT_RSDP_MAX];
    uint32_t rsdp_len;
    bool rsdp_is_v2;

    /* ELF section headers of the kernel (tag 9): offset of the table within the info buffer. */
    bool have_elf_sections;
    uint32_t elf_num, elf_entsize, elf_shndx;
    uint32_t elf_sections_offset;

    /* On failure: a short reason and the byte offset in the info buffer where it was found. */
    const char *error;
    uint32_t error_offset;
};

/*
 * Parse the multiboot2 information at `info`, of which `avail` bytes may be read.
 * rcInvalidArgument: NULL pointers. rcAlignment: info not 8-byte aligned.
 * rcTruncated: avail or total_size too small for a header, a tag, or the missing end tag.
 * rcBadFormat: tag size below its minimum, string without NUL, bad mmap entry size, module
 *   end before start, end tag of the wrong size, reserved field not zero.
 * rcOverflow: an mmap entry's base + length wraps.
 * rcBufferTooSmall: more mmap entries/modules, or longer strings, than struct boot_info holds.
 */
Retcode mb2_parse(const void *info, size_t avail, struct boot_info *out);

/* Module whose command line equals `name` (first word of it), or NULL. */
const struct boot_module *boot_find_module(const struct boot_info *bi, const char *name);

/* Name of a memory type for boot messages ("available", "reserved", ...). */
const char *mb2_mem_type_name(uint32_t type);

#endif
