/* Einit's ELF checker (contract in elf_image.h). */
#include "elf_image.h"

#include "elf/elf64.h"
#include "lib/bytes.h"

#define SHT_SYMTAB 2u
#define SHT_STRTAB 3u
#define ELF64_SYM_SIZE 24u

static Retcode fail(struct elf_image_diag *d, enum elf_image_check c, int index, Retcode rc)
{
    if (d != NULL) {
        d->check = c;
        d->index = index;
    }
    return rc;
}

/* [off, off + len) lies in the file and is not empty. */
static Retcode in_file(uint64_t off, uint64_t len, size_t size)
{
    if (off + len < off)
        return rcOverflow;
    if (off + len > size)
        return rcTruncated;
    return len == 0 ? rcBadFormat : rcOk;
}

Retcode elf_image_check(const void *image, size_t size, uint64_t bias, struct elf_image *out,
                        struct elf_image_diag *diag)
{
    struct elf_diag pd = {ELF_CHECK_NONE, -1};
    if (diag != NULL) {
        diag->check = ELF_IMAGE_OK;
        diag->plan_check = ELF_CHECK_NONE;
        diag->index = -1;
    }
    if (out == NULL)
        return fail(diag, ELF_IMAGE_PLAN, -1, rcInvalidArgument);
    Retcode rc = elf_plan(image, size, bias, &out->plan, &pd);
    if (rc != rcOk) {
        if (diag != NULL)
            diag->plan_check = pd.check;
        return fail(diag, ELF_IMAGE_PLAN, pd.phdr, rc);
    }
    /* A PT_TLS template was checked by the planner (<bastion/tls.h>'s limits, its bytes inside
     * a segment's file bytes): the program's C runtime copies it into each thread's block. */

    /* elf_plan checked the section header table's bounds (ELF_CHECK_SHDRS_BOUNDS). */
    const uint8_t *img = image;
    uint64_t shoff = get_le64(img + 40);
    uint16_t shnum = get_le16(img + 60), shstrndx = get_le16(img + 62);
    out->has_syms = false;
    out->sym_offset = out->sym_size = out->str_offset = out->str_size = 0;
    if (shnum == 0)
        return rcOk;
    if (shstrndx >= shnum && shstrndx != 0)
        return fail(diag, ELF_IMAGE_SHSTRNDX, -1, rcBadFormat);
    for (uint32_t i = 0; i < shnum; i++) {
        const uint8_t *sh = img + shoff + (uint64_t)i * ELF64_SHDR_SIZE;
        if (get_le32(sh + 4) != SHT_SYMTAB)
            continue;
        if (out->has_syms)
            return fail(diag, ELF_IMAGE_SYMTAB_TOO_MANY, (int)i, rcBadFormat);
        uint64_t off = get_le64(sh + 24), len = get_le64(sh + 32), entsize = get_le64(sh + 56);
        uint32_t link = get_le32(sh + 40);
        rc = in_file(off, len, size);
        if (rc != rcOk)
            return fail(diag, ELF_IMAGE_SYMTAB_BOUNDS, (int)i, rc);
        if (entsize != ELF64_SYM_SIZE || len % ELF64_SYM_SIZE != 0)
            return fail(diag, ELF_IMAGE_SYMTAB_ENTSIZE, (int)i, rcBadFormat);
        if (link == 0 || link >= shnum)
            return fail(diag, ELF_IMAGE_SYMTAB_LINK, (int)i, rcBadFormat);
        const uint8_t *st = img + shoff + (uint64_t)link * ELF64_SHDR_SIZE;
        if (get_le32(st + 4) != SHT_STRTAB)
            return fail(diag, ELF_IMAGE_SYMTAB_LINK, (int)i, rcBadFormat);
        uint64_t soff = get_le64(st + 24), slen = get_le64(st + 32);
        rc = in_file(soff, slen, size);
        if (rc != rcOk)
            return fail(diag, ELF_IMAGE_STRTAB_BOUNDS, (int)link, rc);
        out->has_syms = true;
        out->sym_offset = off;
        out->sym_size = len;
        out->str_offset = soff;
        out->str_size = slen;
    }
    return rcOk;
}

const char *elf_image_check_name(const struct elf_image_diag *diag)
{
    static const char *const names[ELF_IMAGE_CHECK_COUNT] = {
        [ELF_IMAGE_OK] = "NONE",
        [ELF_IMAGE_PLAN] = "PLAN",
        [ELF_IMAGE_SHSTRNDX] = "SHSTRNDX",
        [ELF_IMAGE_SYMTAB_BOUNDS] = "SYMTAB_BOUNDS",
        [ELF_IMAGE_SYMTAB_ENTSIZE] = "SYMTAB_ENTSIZE",
        [ELF_IMAGE_SYMTAB_LINK] = "SYMTAB_LINK",
        [ELF_IMAGE_STRTAB_BOUNDS] = "STRTAB_BOUNDS",
        [ELF_IMAGE_SYMTAB_TOO_MANY] = "SYMTAB_TOO_MANY",
    };
    if (diag == NULL || (unsigned)diag->check >= ELF_IMAGE_CHECK_COUNT)
        return "?";
    if (diag->check == ELF_IMAGE_PLAN)
        return elf_check_name(diag->plan_check);
    return names[diag->check];
}
