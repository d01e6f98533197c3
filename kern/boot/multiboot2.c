/*
 * Multiboot2 information parser. See multiboot2.h for the contract.
 *
 * Layout: u32 total_size, u32 reserved, then tags, each starting on an 8-byte boundary:
 * u32 type, u32 size (size counts the 8-byte tag header but not the padding after it).
 * The list ends with a tag of type 0 and size 8.
 *
 * Invariant kept while walking: `off` is 8-aligned and off + 8 <= total, so the tag header is
 * readable; a tag's body is read only after off + size <= total was checked.
 */
#include "boot/multiboot2.h"
#include "lib/bytes.h"

#define MB2_HEADER_SIZE 8u
#define MB2_TAG_HEADER_SIZE 8u

static Retcode fail(struct boot_info *out, Retcode rc, const char *why, uint32_t off)
{
    out->error = why;
    out->error_offset = off;
    return rc;
}

/*
 * Copy the NUL-terminated string at s (at most `room` readable bytes) into dst[cap].
 * rcBadFormat if no NUL within room, rcBufferTooSmall if it does not fit dst.
 */
static Retcode copy_string(char *dst, size_t cap, const uint8_t *s, size_t room)
{
    size_t n = 0;
    while (n < room && s[n] != 0)
        n++;
    if (n == room)
        return rcBadFormat;
    if (n + 1 > cap)
        return rcBufferTooSmall;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)s[i];
    dst[n] = 0;
    return rcOk;
}

static Retcode parse_mmap(struct boot_info *out, const uint8_t *tag, uint32_t size, uint32_t off)
{
    if (size < 16)
        return fail(out, rcBadFormat, "mmap tag shorter than its header", off);
    uint32_t entry_size = get_le32(tag + 8);
    /* The spec promises a multiple of 8; an entry must hold base, length and type. */
    if (entry_size < 24 || entry_size % 8 != 0)
        return fail(out, rcBadFormat, "mmap entry_size invalid", off);
    if ((size - 16) % entry_size != 0)
        return fail(out, rcBadFormat, "mmap tag size not a whole number of entries", off);
    for (uint32_t e = 16; e < size; e += entry_size) {
        const uint8_t *p = tag + e;
        uint64_t base = get_le64(p), len = get_le64(p + 8);
        if (base + len < base)
            return fail(out, rcOverflow, "mmap entry wraps around", off + e);
        if (out->mmap_count == BOOT_MMAP_MAX)
            return fail(out, rcBufferTooSmall, "too many mmap entries", off + e);
        struct boot_mmap_entry *m = &out->mmap[out->mmap_count++];
        m->base = base;
        m->length = len;
        m->type = get_le32(p + 16);
    }
    return rcOk;
}

static Retcode parse_module(struct boot_info *out, const uint8_t *tag, uint32_t size, uint32_t off)
{
    if (size < 17)
        return fail(out, rcBadFormat, "module tag too short", off);
    uint32_t start = get_le32(tag + 8), end = get_le32(tag + 12);
    if (end < start)
        return fail(out, rcBadFormat, "module ends before it starts", off);
    if (out->module_count == BOOT_MODULES_MAX)
        return fail(out, rcBufferTooSmall, "too many modules", off);
    struct boot_module *m = &out->modules[out->module_count];
    Retcode rc = copy_string(m->cmdline, sizeof m->cmdline, tag + 16, size - 16);
    if (rc != rcOk)
        return fail(out, rc,
                    rc == rcBadFormat ? "module string not terminated" : "module string too long",
                    off);
    m->start = start;
    m->end = end;
    out->module_count++;
    return rcOk;
}

static Retcode parse_rsdp(struct boot_info *out, const uint8_t *tag, uint32_t size, uint32_t off,
                          bool v2)
{
    uint32_t need = v2 ? 36 : 20;
    if (size < MB2_TAG_HEADER_SIZE + need)
        return fail(out, rcBadFormat,
                    v2 ? "ACPI new RSDP tag too short" : "ACPI old RSDP tag too short", off);
    if (!v2 && out->rsdp_is_v2)
        return rcOk; /* the 2.0 copy wins whichever order the tags come in */
    for (uint32_t i = 0; i < need; i++)
        out->rsdp[i] = tag[8 + i];
    out->rsdp_len = need;
    out->rsdp_is_v2 = v2;
    return rcOk;
}

static Retcode parse_tag(struct boot_info *out, const uint8_t *tag, uint32_t type, uint32_t size,
                         uint32_t off)
{
    Retcode rc;
    switch (type) {
    case MB2_TAG_CMDLINE:
        rc = copy_string(out->cmdline, sizeof out->cmdline, tag + 8, size - 8);
        if (rc != rcOk)
            return fail(out, rc,
                        rc == rcBadFormat ? "command line not terminated" : "command line too long",
                        off);
        out->have_cmdline = true;
        return rcOk;
    case MB2_TAG_BOOTLOADER_NAME:
        rc = copy_string(out->loader_name, sizeof out->loader_name, tag + 8, size - 8);
        if (rc == rcBufferTooSmall) {
            out->loader_name[0] = 0; /* purely informational: a long name is not an error */
            return rcOk;
        }
        if (rc != rcOk)
            return fail(out, rc, "boot loader name not terminated", off);
        return rcOk;
    case MB2_TAG_MODULE:
        return parse_module(out, tag, size, off);
    case MB2_TAG_BASIC_MEMINFO:
        if (size < 16)
            return fail(out, rcBadFormat, "basic meminfo tag too short", off);
        out->have_meminfo = true;
        out->mem_lower_kib = get_le32(tag + 8);
        out->mem_upper_kib = get_le32(tag + 12);
        return rcOk;
    case MB2_TAG_MMAP:
        return parse_mmap(out, tag, size, off);
    case MB2_TAG_ELF_SECTIONS: {
        if (size < 20)
            return fail(out, rcBadFormat, "ELF sections tag too short", off);
        /* GRUB writes num, entsize and shndx as u32 each (the spec's u16 layout is not used). */
        uint32_t num = get_le32(tag + 8), entsize = get_le32(tag + 12);
        if (entsize != 0 && (uint64_t)num * entsize > size - 20)
            return fail(out, rcTruncated, "ELF section table larger than its tag", off);
        out->have_elf_sections = true;
        out->elf_num = num;
        out->elf_entsize = entsize;
        out->elf_shndx = get_le32(tag + 16);
        out->elf_sections_offset = off + 20;
        return rcOk;
    }
    case MB2_TAG_ACPI_OLD:
        return parse_rsdp(out, tag, size, off, false);
    case MB2_TAG_ACPI_NEW:
        return parse_rsdp(out, tag, size, off, true);
    default:
        return rcOk; /* unknown or unused tags are skipped; their bounds were already checked */
    }
}

Retcode mb2_parse(const void *info, size_t avail, struct boot_info *out)
{
    if (out == NULL)
        return rcInvalidArgument;
    /* Start from a clean slate so a failed parse never leaves stale entries behind. */
    uint8_t *o = (uint8_t *)out;
    for (size_t i = 0; i < sizeof *out; i++)
        o[i] = 0;
    if (info == NULL)
        return fail(out, rcInvalidArgument, "no boot information", 0);
    if ((uintptr_t)info % 8 != 0)
        return fail(out, rcAlignment, "boot information not 8-byte aligned", 0);
    if (avail < MB2_HEADER_SIZE)
        return fail(out, rcTruncated, "boot information shorter than its header", 0);

    const uint8_t *base = info;
    uint32_t total = get_le32(base);
    if (total < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)
        return fail(out, rcBadFormat, "total_size too small for header and end tag", 0);
    if (total > avail)
        return fail(out, rcTruncated, "total_size exceeds the readable bytes", 0);
    out->info_size = total;

    uint32_t off = MB2_HEADER_SIZE;
    for (;;) {
        if (total - off < MB2_TAG_HEADER_SIZE)
            return fail(out, rcTruncated, "tag list ends without an end tag", off);
        const uint8_t *tag = base + off;
        uint32_t type = get_le32(tag), size = get_le32(tag + 4);
        if (size < MB2_TAG_HEADER_SIZE)
            return fail(out, rcBadFormat, "tag size smaller than a tag header", off);
        if (size > total - off)
            return fail(out, rcTruncated, "tag extends past total_size", off);
        if (type == MB2_TAG_END) {
            if (size != MB2_TAG_HEADER_SIZE)
                return fail(out, rcBadFormat, "end tag size is not 8", off);
            return rcOk;
        }
        Retcode rc = parse_tag(out, tag, type, size, off);
        if (rc != rcOk)
            return rc;
        /* Next tag at the 8-aligned offset after this one; size <= total - off, no overflow. */
        uint64_t next = ((uint64_t)off + size + 7) & ~(uint64_t)7;
        if (next > total)
            return fail(out, rcTruncated, "tag padding runs past total_size", off);
        off = (uint32_t)next;
    }
}

const struct boot_module *boot_find_module(const struct boot_info *bi, const char *name)
{
    if (bi == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < bi->module_count; i++) {
        const char *c = bi->modules[i].cmdline;
        size_t j = 0;
        while (name[j] != 0 && c[j] == name[j])
            j++;
        /* Match the first word only: "romfs extra=args" is still the module named romfs. */
        if (name[j] == 0 && (c[j] == 0 || c[j] == ' '))
            return &bi->modules[i];
    }
    return NULL;
}

const char *mb2_mem_type_name(uint32_t type)
{
    switch (type) {
    case MB2_MEM_AVAILABLE:
        return "available";
    case MB2_MEM_RESERVED:
        return "reserved";
    case MB2_MEM_ACPI_RECLAIMABLE:
        return "ACPI reclaimable";
    case MB2_MEM_NVS:
        return "ACPI NVS";
    case MB2_MEM_BADRAM:
        return "bad RAM";
    default:
        return "unknown";
    }
}
