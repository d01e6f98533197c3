/*
 * ELF64 validation and load plans (contract in elf_load_plan.h, rationale in docs/elf-loading.md).
 *
 * The image is hostile until proven otherwise: every field is read through bounds-checked
 * little-endian readers, every sum is checked for wrap-around before it is used, and no pointer
 * into the image is formed before its range has been checked against `size`.
 */
#include "elf/elf_load_plan.h"
#include "elf/elf64.h"
#include "lib/bytes.h"

#include <bastion/tls.h>

#define PAGE_MASK (ELF_PAGE_SIZE - 1)

/* Callers have checked that 64 bytes are there. */
static void read_ehdr(const uint8_t *p, struct elf64_ehdr *h)
{
    for (unsigned i = 0; i < EI_NIDENT; i++)
        h->ident[i] = p[i];
    h->type = get_le16(p + 16);
    h->machine = get_le16(p + 18);
    h->version = get_le32(p + 20);
    h->entry = get_le64(p + 24);
    h->phoff = get_le64(p + 32);
    h->shoff = get_le64(p + 40);
    h->flags = get_le32(p + 48);
    h->ehsize = get_le16(p + 52);
    h->phentsize = get_le16(p + 54);
    h->phnum = get_le16(p + 56);
    h->shentsize = get_le16(p + 58);
    h->shnum = get_le16(p + 60);
    h->shstrndx = get_le16(p + 62);
}

/* Callers have checked that 56 bytes are there. */
static void read_phdr(const uint8_t *p, struct elf64_phdr *ph)
{
    ph->type = get_le32(p);
    ph->flags = get_le32(p + 4);
    ph->offset = get_le64(p + 8);
    ph->vaddr = get_le64(p + 16);
    ph->paddr = get_le64(p + 24);
    ph->filesz = get_le64(p + 32);
    ph->memsz = get_le64(p + 40);
    ph->align = get_le64(p + 48);
}

static Retcode fail(struct elf_diag *diag, enum elf_check check, int phdr, Retcode rc)
{
    if (diag != NULL) {
        diag->check = check;
        diag->phdr = phdr;
    }
    return rc;
}

static bool is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* a + b without wrap-around; false if it would wrap. */
static bool add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
    *sum = a + b;
    return *sum >= a;
}

static Retcode check_ident(const struct elf64_ehdr *h, struct elf_diag *diag)
{
    const uint8_t *id = h->ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return fail(diag, ELF_CHECK_MAGIC, -1, rcBadFormat);
    if (id[EI_CLASS] != ELFCLASS64)
        return fail(diag, ELF_CHECK_CLASS, -1, rcNotSupported);
    if (id[EI_DATA] != ELFDATA2LSB)
        return fail(diag, ELF_CHECK_DATA, -1, rcNotSupported);
    if (id[EI_VERSION] != EV_CURRENT || h->version != EV_CURRENT)
        return fail(diag, ELF_CHECK_VERSION, -1, rcBadFormat);
    /* GNU/Linux OS ABI marks GNU extensions (IFUNC, unique symbols) that need a dynamic
     * loader's help; Bastion programs are plain System V. */
    if (id[EI_OSABI] != ELFOSABI_SYSV || id[EI_ABIVERSION] != 0)
        return fail(diag, ELF_CHECK_OSABI, -1, rcNotSupported);
    if (h->type != ET_EXEC && h->type != ET_DYN)
        return fail(diag, ELF_CHECK_TYPE, -1, rcNotSupported);
    if (h->machine != EM_X86_64)
        return fail(diag, ELF_CHECK_MACHINE, -1, rcNotSupported);
    if (h->ehsize != ELF64_EHDR_SIZE)
        return fail(diag, ELF_CHECK_EHSIZE, -1, rcBadFormat);
    return rcOk;
}

static Retcode check_tables(const struct elf64_ehdr *h, size_t size, struct elf_diag *diag)
{
    if (h->phentsize != ELF64_PHDR_SIZE)
        return fail(diag, ELF_CHECK_PHENTSIZE, -1, rcBadFormat);
    if (h->shnum != 0 && h->shentsize != ELF64_SHDR_SIZE)
        return fail(diag, ELF_CHECK_SHENTSIZE, -1, rcBadFormat);
    if (h->phnum == 0 || h->phnum == PN_XNUM)
        return fail(diag, ELF_CHECK_PHNUM, -1, rcBadFormat);
    if (h->phnum > ELF_MAX_PHDRS)
        return fail(diag, ELF_CHECK_PHNUM, -1, rcOutOfRange);
    uint64_t end; /* phnum <= 64, so the product cannot wrap; the sum can */
    if (!add_ok(h->phoff, (uint64_t)h->phnum * ELF64_PHDR_SIZE, &end))
        return fail(diag, ELF_CHECK_PHDRS_BOUNDS, -1, rcOverflow);
    if (end > size)
        return fail(diag, ELF_CHECK_PHDRS_BOUNDS, -1, rcTruncated);
    if (h->shnum != 0) {
        if (!add_ok(h->shoff, (uint64_t)h->shnum * ELF64_SHDR_SIZE, &end))
            return fail(diag, ELF_CHECK_SHDRS_BOUNDS, -1, rcOverflow);
        if (end > size)
            return fail(diag, ELF_CHECK_SHDRS_BOUNDS, -1, rcTruncated);
    }
    return rcOk;
}

/* Checks one PT_LOAD with memory and appends it to the plan. */
static Retcode add_load(const struct elf64_phdr *ph, int i, struct elf_load_plan *plan,
                        struct elf_diag *diag)
{
    if (ph->filesz > ph->memsz)
        return fail(diag, ELF_CHECK_FILESZ, i, rcBadFormat);
    if (ph->align > 1 && !is_pow2(ph->align))
        return fail(diag, ELF_CHECK_ALIGN, i, rcAlignment);
    if ((ph->vaddr & PAGE_MASK) != (ph->offset & PAGE_MASK))
        return fail(diag, ELF_CHECK_ALIGN, i, rcAlignment);
    if (ph->align > 1 && (ph->vaddr & (ph->align - 1)) != (ph->offset & (ph->align - 1)))
        return fail(diag, ELF_CHECK_ALIGN, i, rcAlignment);
    if ((ph->flags & PF_W) && (ph->flags & PF_X))
        return fail(diag, ELF_CHECK_SEGMENT_WX, i, rcWxViolation);

    uint64_t start, end, map_end;
    if (!add_ok(ph->vaddr, ph->memsz, &end) || !add_ok(ph->vaddr, plan->bias, &start) ||
        !add_ok(start, ph->memsz, &end) || !add_ok(end, PAGE_MASK, &map_end))
        return fail(diag, ELF_CHECK_VADDR_RANGE, i, rcOverflow);
    uint64_t map_start = start & ~PAGE_MASK;
    map_end &= ~PAGE_MASK;
    if (map_start < ELF_USER_MIN || map_end > ELF_USER_TOP)
        return fail(diag, ELF_CHECK_VADDR_RANGE, i, rcOutOfRange);

    if (plan->nsegments > 0) {
        const struct elf_segment *prev = &plan->seg[plan->nsegments - 1];
        if (start < prev->vaddr)
            return fail(diag, ELF_CHECK_ORDER, i, rcBadFormat);
        if (map_start < prev->map_end)
            return fail(diag, ELF_CHECK_OVERLAP, i, rcBadFormat);
    }
    if (plan->nsegments == ELF_MAX_SEGMENTS)
        return fail(diag, ELF_CHECK_TOO_MANY, i, rcOutOfRange);

    struct elf_segment *s = &plan->seg[plan->nsegments++];
    s->map_start = map_start;
    s->map_end = map_end;
    s->vaddr = start;
    s->file_offset = ph->offset;
    s->file_size = ph->filesz;
    s->mem_size = ph->memsz;
    s->prot = ((ph->flags & PF_R) ? ELF_PROT_READ : 0) | ((ph->flags & PF_W) ? ELF_PROT_WRITE : 0) |
              ((ph->flags & PF_X) ? ELF_PROT_EXEC : 0);
    return rcOk;
}

/* A PT_TLS segment: the template of every thread's TLS block (<bastion/tls.h>), one named
 * Retcode for each way it is wrong. Where its bytes are is checked once the segments are known. */
static Retcode check_tls(const struct elf64_phdr *ph, int i, struct elf_load_plan *plan,
                         struct elf_diag *diag)
{
    uint64_t start;
    if (plan->has_tls)
        return fail(diag, ELF_CHECK_TLS, i, rcTlsDuplicate);
    if (ph->filesz > ph->memsz)
        return fail(diag, ELF_CHECK_TLS, i, rcTlsFileSize);
    if ((ph->align > 1 && !is_pow2(ph->align)) || ph->align > BASTION_TLS_ALIGN_MAX)
        return fail(diag, ELF_CHECK_TLS, i, rcTlsAlignment);
    if (ph->memsz > BASTION_TLS_SIZE_MAX)
        return fail(diag, ELF_CHECK_TLS, i, rcTlsTooLarge);
    if (!add_ok(ph->vaddr, plan->bias, &start))
        return fail(diag, ELF_CHECK_TLS, i, rcTlsOutsideImage);
    plan->has_tls = true;
    plan->tls_vaddr = start;
    plan->tls_file_size = ph->filesz;
    plan->tls_mem_size = ph->memsz;
    plan->tls_align = ph->align > 1 ? ph->align : 1;
    return rcOk;
}

/* True if [addr, addr + len) lies in the file-backed bytes of one planned segment with `prot`. */
static bool in_segment_file(const struct elf_load_plan *plan, uint64_t addr, uint64_t len,
                            uint32_t prot)
{
    for (uint32_t k = 0; k < plan->nsegments; k++) {
        const struct elf_segment *s = &plan->seg[k];
        if ((s->prot & prot) != prot || addr < s->vaddr)
            continue;
        uint64_t off = addr - s->vaddr;
        if (off <= s->file_size && len <= s->file_size - off)
            return true;
    }
    return false;
}

Retcode elf_plan(const void *image, size_t size, uint64_t bias, struct elf_load_plan *plan,
                 struct elf_diag *diag)
{
    if (diag != NULL) {
        diag->check = ELF_CHECK_NONE;
        diag->phdr = -1;
    }
    if (image == NULL || plan == NULL)
        return fail(diag, ELF_CHECK_ARGS, -1, rcInvalidArgument);
    if (size < ELF64_EHDR_SIZE)
        return fail(diag, ELF_CHECK_EHDR_SIZE, -1, rcTruncated);

    const uint8_t *img = image;
    struct elf64_ehdr h;
    read_ehdr(img, &h);
    Retcode rc = check_ident(&h, diag);
    if (rc == rcOk)
        rc = check_tables(&h, size, diag);
    if (rc != rcOk)
        return rc;
    if (bias & PAGE_MASK)
        return fail(diag, ELF_CHECK_BIAS, -1, rcAlignment);
    if (h.type == ET_EXEC && bias != 0)
        return fail(diag, ELF_CHECK_BIAS, -1, rcInvalidArgument);

    plan->pie = h.type == ET_DYN;
    plan->bias = bias;
    plan->nsegments = 0;
    plan->has_tls = false;
    plan->tls_vaddr = plan->tls_file_size = plan->tls_mem_size = 0;
    plan->tls_align = 0;
    plan->has_phdr = false;
    plan->phdr_vaddr = 0;
    plan->phnum = h.phnum;

    int tls_index = -1;
    for (int i = 0; i < (int)h.phnum; i++) {
        struct elf64_phdr ph;
        read_phdr(img + h.phoff + (uint64_t)i * ELF64_PHDR_SIZE, &ph);
        if (ph.type == PT_NULL)
            continue;
        if (ph.type == PT_INTERP)
            return fail(diag, ELF_CHECK_INTERP, i, rcNotSupported);
        if (ph.type == PT_GNU_STACK) {
            if (ph.flags & PF_X)
                return fail(diag, ELF_CHECK_STACK_EXEC, i, rcWxViolation);
            continue;
        }
        /* Every header that names file bytes must name bytes that exist, loaded or not. */
        uint64_t fend;
        if (!add_ok(ph.offset, ph.filesz, &fend))
            return fail(diag, ELF_CHECK_FILE_BOUNDS, i, rcOverflow);
        if (fend > size)
            return fail(diag, ELF_CHECK_FILE_BOUNDS, i, rcTruncated);

        if (ph.type == PT_LOAD) {
            if (ph.memsz == 0)
                continue; /* maps nothing; harmless */
            rc = add_load(&ph, i, plan, diag);
        } else if (ph.type == PT_TLS) {
            rc = check_tls(&ph, i, plan, diag);
            tls_index = i;
        } else if (ph.type == PT_PHDR) {
            if (!add_ok(ph.vaddr, bias, &plan->phdr_vaddr))
                return fail(diag, ELF_CHECK_VADDR_RANGE, i, rcOverflow);
            plan->has_phdr = true;
        }
        /* PT_DYNAMIC, PT_NOTE, PT_GNU_RELRO, PT_GNU_PROPERTY, ... need nothing from the loader:
         * a static PIE relocates itself from its PT_DYNAMIC in its start-up code. */
        if (rc != rcOk)
            return rc;
    }

    if (plan->nsegments == 0)
        return fail(diag, ELF_CHECK_NO_LOAD, -1, rcBadFormat);
    plan->lo = plan->seg[0].map_start;
    plan->hi = plan->seg[plan->nsegments - 1].map_end;

    /* The TLS template is copied from the loaded image, so its bytes must be loaded. */
    if (plan->has_tls && !in_segment_file(plan, plan->tls_vaddr, plan->tls_file_size, 0))
        return fail(diag, ELF_CHECK_TLS, tls_index, rcTlsOutsideImage);

    uint64_t entry;
    if (!add_ok(h.entry, bias, &entry) || !in_segment_file(plan, entry, 1, ELF_PROT_EXEC))
        return fail(diag, ELF_CHECK_ENTRY, -1, rcOutOfRange);
    plan->entry = entry;
    return rcOk;
}

/* Adds d (two's complement: a move down is a large d) to a biased address, false if the
 * address it stands for, unbiased u = a - old plus bias, would wrap: the check elf_plan does
 * with add_ok(u, bias). */
static bool moved(uint64_t a, uint64_t old, uint64_t bias, uint64_t *out)
{
    return add_ok(a - old, bias, out);
}

Retcode elf_plan_rebias(const void *image, size_t size, const struct elf_load_plan *from,
                        uint64_t bias, struct elf_load_plan *plan, struct elf_diag *diag)
{
    if (from == NULL || plan == NULL || !from->pie || (bias & PAGE_MASK))
        return elf_plan(image, size, bias, plan, diag);
    uint64_t old = from->bias;
    struct elf_load_plan p = *from;
    p.bias = bias;
    bool ok = true;
    for (uint32_t k = 0; k < p.nsegments && ok; k++) {
        struct elf_segment *s = &p.seg[k];
        uint64_t end = 0, map_end = 0;
        /* add_load's checks of the moved segment: its bytes and their page round-up do not
         * wrap, and its pages stay in the user half above ELF_USER_MIN. */
        ok = moved(s->vaddr, old, bias, &s->vaddr) && add_ok(s->vaddr, s->mem_size, &end) &&
             add_ok(end, PAGE_MASK, &map_end);
        s->map_start = s->vaddr & ~PAGE_MASK;
        s->map_end = map_end & ~PAGE_MASK;
        ok = ok && s->map_start >= ELF_USER_MIN && s->map_end <= ELF_USER_TOP;
    }
    if (ok && p.has_tls)
        ok = moved(p.tls_vaddr, old, bias, &p.tls_vaddr);
    if (ok && p.has_phdr)
        ok = moved(p.phdr_vaddr, old, bias, &p.phdr_vaddr);
    if (ok)
        ok = moved(p.entry, old, bias, &p.entry);
    /* The order, the overlap, the TLS bytes' and the entry's segment are the same at any bias. */
    if (!ok)
        return elf_plan(image, size, bias, plan, diag); /* names the first failed check */
    p.lo = p.seg[0].map_start;
    p.hi = p.seg[p.nsegments - 1].map_end;
    if (diag != NULL) {
        diag->check = ELF_CHECK_NONE;
        diag->phdr = -1;
    }
    *plan = p;
    return rcOk;
}

Retcode elf_choose_bias(const struct elf_load_plan *at_zero, uint64_t entropy, uint64_t lo_limit,
                        uint64_t hi_limit, uint64_t *bias)
{
    if (at_zero == NULL || bias == NULL || (lo_limit & PAGE_MASK) || (hi_limit & PAGE_MASK) ||
        lo_limit >= hi_limit || at_zero->bias != 0)
        return rcInvalidArgument;
    if (!at_zero->pie) {
        *bias = 0;
        return rcOk;
    }
    /* Want lo_limit <= lo + bias and hi + bias <= hi_limit. */
    if (at_zero->hi > hi_limit)
        return rcOutOfRange;
    uint64_t min = lo_limit > at_zero->lo ? lo_limit - at_zero->lo : 0;
    uint64_t max = hi_limit - at_zero->hi;
    if (min > max)
        return rcOutOfRange;
    uint64_t pages = (max - min) / ELF_PAGE_SIZE + 1;
    *bias = min + (entropy % pages) * ELF_PAGE_SIZE;
    return rcOk;
}

const char *elf_check_name(enum elf_check check)
{
    static const char *const names[ELF_CHECK_COUNT] = {
        [ELF_CHECK_NONE] = "NONE",
        [ELF_CHECK_ARGS] = "ARGS",
        [ELF_CHECK_EHDR_SIZE] = "EHDR_SIZE",
        [ELF_CHECK_MAGIC] = "MAGIC",
        [ELF_CHECK_CLASS] = "CLASS",
        [ELF_CHECK_DATA] = "DATA",
        [ELF_CHECK_VERSION] = "VERSION",
        [ELF_CHECK_OSABI] = "OSABI",
        [ELF_CHECK_TYPE] = "TYPE",
        [ELF_CHECK_MACHINE] = "MACHINE",
        [ELF_CHECK_EHSIZE] = "EHSIZE",
        [ELF_CHECK_PHENTSIZE] = "PHENTSIZE",
        [ELF_CHECK_SHENTSIZE] = "SHENTSIZE",
        [ELF_CHECK_PHNUM] = "PHNUM",
        [ELF_CHECK_PHDRS_BOUNDS] = "PHDRS_BOUNDS",
        [ELF_CHECK_SHDRS_BOUNDS] = "SHDRS_BOUNDS",
        [ELF_CHECK_BIAS] = "BIAS",
        [ELF_CHECK_INTERP] = "INTERP",
        [ELF_CHECK_STACK_EXEC] = "STACK_EXEC",
        [ELF_CHECK_FILE_BOUNDS] = "FILE_BOUNDS",
        [ELF_CHECK_FILESZ] = "FILESZ",
        [ELF_CHECK_ALIGN] = "ALIGN",
        [ELF_CHECK_SEGMENT_WX] = "SEGMENT_WX",
        [ELF_CHECK_VADDR_RANGE] = "VADDR_RANGE",
        [ELF_CHECK_ORDER] = "ORDER",
        [ELF_CHECK_OVERLAP] = "OVERLAP",
        [ELF_CHECK_TOO_MANY] = "TOO_MANY",
        [ELF_CHECK_NO_LOAD] = "NO_LOAD",
        [ELF_CHECK_TLS] = "TLS",
        [ELF_CHECK_ENTRY] = "ENTRY",
    };
    if ((unsigned)check >= ELF_CHECK_COUNT || names[check] == NULL)
        return "?";
    return names[check];
}
