/* Einit's loader: a process built by hand from an ELF file (contract in elf_spawn.h). */
#include "elf_spawn.h"

#include <string.h>

#include <bastion/task.h>
#include <user/core.h>
#include <user/vmm.h>

#define BLOCK 4096u
/* Where a static PIE is planned first to learn its span (the kernel's LOADER_IMAGE_LO): any
 * legal page-aligned bias does. */
#define PLAN_BIAS 0x400000ull
#define MAX_FILE (64ull * 1024 * 1024)

struct file {
    uint32_t fs;     /* FS handle */
    uint32_t mdl;    /* the buffer's handle */
    uint8_t *buf;    /* its mapping, size bytes (rounded up to pages) */
    uint64_t size;   /* the file's */
    uint64_t mapped; /* the mapping's length */
    /* Blocks already read (one bit each): a file of at most MAX_FILE bytes. */
    uint8_t *have;
};

static uint8_t have_bits[MAX_FILE / BLOCK / 8];

static Retcode fs_call_read(uint32_t h, uint64_t block, uint8_t *dst, uint64_t cap)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_LARGE);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq data = {0};
    uint32_t n = 0;
    Retcode r = core_result(kl_core_FS_Read(&cl, core_handle_arg(h), block, &n, &data, &rc), &rc);
    if (r == rcOk)
        memcpy(dst, data.data, data.count < cap ? data.count : cap);
    return r;
}

/* Makes [off, off + len) of the file present in the buffer (clamped to the file). */
static Retcode need(struct file *f, uint64_t off, uint64_t len)
{
    if (off >= f->size || len == 0)
        return rcOk;
    if (len > f->size - off)
        len = f->size - off;
    for (uint64_t b = off / BLOCK; b <= (off + len - 1) / BLOCK; b++) {
        if (f->have[b / 8] & (1u << (b % 8)))
            continue;
        Retcode r = fs_call_read(f->fs, b, f->buf + b * BLOCK, f->size - b * BLOCK);
        if (r != rcOk)
            return r;
        f->have[b / 8] |= (uint8_t)(1u << (b % 8));
    }
    return rcOk;
}

static Retcode open_file(const char *path, struct file *f, struct elf_spawn_diag *why)
{
    memset(f, 0, sizeof *f);
    f->fs = f->mdl = kl_core_Types_InvalidHandleValue;
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    why->step = "FS.Open";
    Retcode r = core_result(kl_core_FS_Open(&cl, path, &h, &rc), &rc);
    if (r != rcOk)
        return r;
    f->fs = h.handle;
    kl_core_Types_Size size = 0;
    why->step = "FS.GetSize";
    r = core_result(kl_core_FS_GetSize(&cl, core_handle_arg(f->fs), &size, &rc), &rc);
    if (r != rcOk)
        return r;
    if (size == 0 || size > MAX_FILE)
        return size == 0 ? rcTruncated : rcOutOfRange;
    f->size = size;
    f->mapped = (size + USER_PAGE_SIZE - 1) & ~(uint64_t)(USER_PAGE_SIZE - 1);
    why->step = "VMM.MdlCreate";
    r = core_mdl_create(f->mapped, BASTION_VMM_READ | BASTION_VMM_WRITE, &f->mdl);
    if (r != rcOk)
        return r;
    uint64_t va = 0;
    why->step = "VMM.MdlMap";
    r = core_mdl_map(f->mdl, 0, f->mapped, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va);
    if (r != rcOk)
        return r;
    f->buf = (uint8_t *)(uintptr_t)va;
    f->have = have_bits;
    memset(have_bits, 0, (f->mapped / BLOCK + 7) / 8);
    return rcOk;
}

static void close_handle(uint32_t h)
{
    if (h == kl_core_Types_InvalidHandleValue || h == 0)
        return;
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    (void)core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

static void close_file(struct file *f)
{
    if (f->buf != NULL)
        (void)core_vmm_free((uint64_t)(uintptr_t)f->buf, f->mapped);
    close_handle(f->mdl);
    if (f->fs != kl_core_Types_InvalidHandleValue) {
        CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        (void)core_result(kl_core_FS_Close(&cl, core_handle_arg(f->fs), &rc), &rc);
    }
}

/* The three tables elf_image_check reads: ELF header, program and section headers. */
static Retcode read_headers(struct file *f)
{
    Retcode r = need(f, 0, 64);
    if (r != rcOk || f->size < 64)
        return r;
    uint64_t phoff, shoff;
    uint16_t phnum, shnum;
    memcpy(&phoff, f->buf + 32, 8);
    memcpy(&shoff, f->buf + 40, 8);
    memcpy(&phnum, f->buf + 56, 2);
    memcpy(&shnum, f->buf + 60, 2);
    /* Clamped to the file by need(); the checker judges the values. */
    r = need(f, phoff, (uint64_t)phnum * 56);
    if (r == rcOk)
        r = need(f, shoff, (uint64_t)shnum * 64);
    return r;
}

static uint32_t seg_flags(uint32_t prot)
{
    return ((prot & ELF_PROT_READ) ? 4u : 0) | ((prot & ELF_PROT_WRITE) ? 2u : 0) |
           ((prot & ELF_PROT_EXEC) ? 1u : 0);
}

static Retcode build(struct file *f, struct elf_image *img, uint32_t task,
                     struct elf_spawn_diag *why)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    const struct elf_load_plan *pl = &img->plan;
    uint64_t span = pl->hi - pl->lo, base = 0, bias = 0;
    why->step = "Task.VmReserve";
    Retcode r = core_result(kl_core_Task_VmReserve(&cl, core_handle_arg(task), pl->pie ? 0 : pl->lo,
                                                   span, 0, &base, &rc),
                            &rc);
    if (r != rcOk)
        return r;
    if (pl->pie) {
        bias = base - (pl->lo - pl->bias);
        why->step = "ELF check";
        r = elf_image_check(f->buf, f->size, bias, img, &why->check);
        if (r != rcOk)
            return r;
    }
    for (uint32_t i = 0; i < pl->nsegments; i++) {
        const struct elf_segment *s = &pl->seg[i];
        why->step = "FS.Read";
        r = need(f, s->file_offset, s->file_size);
        if (r != rcOk)
            return r;
        struct kl_core_Task_SegmentAttr a = {s->vaddr, s->mem_size, s->file_offset, s->file_size,
                                             seg_flags(s->prot)};
        kl_core_Types_VirtAddr at = 0;
        why->step = "Task.LoadSeg";
        r = core_result(
            kl_core_Task_LoadSeg(&cl, core_handle_arg(task), core_handle_arg(f->mdl), &a, &rc, &at),
            &rc);
        if (r != rcOk)
            return r;
    }
    if (img->has_syms) {
        why->step = "FS.Read";
        r = need(f, img->sym_offset, img->sym_size);
        if (r == rcOk)
            r = need(f, img->str_offset, img->str_size);
        if (r != rcOk)
            return r;
        uint64_t sym_pages = (img->sym_size + USER_PAGE_SIZE - 1) & ~(uint64_t)(USER_PAGE_SIZE - 1);
        uint64_t str_pages = (img->str_size + USER_PAGE_SIZE - 1) & ~(uint64_t)(USER_PAGE_SIZE - 1);
        uint64_t tables = 0;
        why->step = "Task.VmReserve";
        r = core_result(kl_core_Task_VmReserve(&cl, core_handle_arg(task), 0, sym_pages + str_pages,
                                               0, &tables, &rc),
                        &rc);
        if (r != rcOk)
            return r;
        struct kl_core_Task_SegmentAttr sa = {tables, img->sym_size, img->sym_offset, img->sym_size,
                                              4u};
        struct kl_core_Task_SegmentAttr ta = {tables + sym_pages, img->str_size, img->str_offset,
                                              img->str_size, 4u};
        why->step = "Task.LoadElfSyms";
        r = core_result(kl_core_Task_LoadElfSyms(&cl, core_handle_arg(task),
                                                 core_handle_arg(f->mdl), &sa, img->sym_size,
                                                 core_handle_arg(f->mdl), &ta, img->str_size, &rc),
                        &rc);
        if (r != rcOk)
            return r;
    }
    why->step = "Task.LoadElfHdr";
    r = core_result(kl_core_Task_LoadElfHdr(&cl, core_handle_arg(task),
                                            (struct idl_seq){.data = f->buf, .count = 64}, &rc),
                    &rc);
    if (r != rcOk)
        return r;
    struct kl_core_Task_EntryState st = {pl->entry, bias};
    why->step = "Task.SetEntry";
    return core_result(kl_core_Task_SetEntry(&cl, core_handle_arg(task), &st, &rc), &rc);
}

/* The checked image of `path` with its headers read, planned (PIE: at PLAN_BIAS). */
static Retcode open_checked(const char *path, struct file *f, struct elf_image *img,
                            struct elf_spawn_diag *why)
{
    Retcode r = open_file(path, f, why);
    if (r == rcOk) {
        why->step = "FS.Read";
        r = read_headers(f);
    }
    if (r == rcOk) {
        why->step = "ELF check";
        /* A static PIE is planned at a legal bias first; an ET_EXEC refuses any but 0. */
        r = elf_image_check(f->buf, f->size, PLAN_BIAS, img, &why->check);
        if (r == rcInvalidArgument && why->check.check == ELF_IMAGE_PLAN &&
            why->check.plan_check == ELF_CHECK_BIAS)
            r = elf_image_check(f->buf, f->size, 0, img, &why->check);
    }
    return r;
}

Retcode elf_symbols_open(const char *path, struct elf_symbols *out)
{
    memset(out, 0, sizeof *out);
    struct file f;
    struct elf_image img;
    struct elf_spawn_diag why;
    Retcode r = open_checked(path, &f, &img, &why);
    if (r == rcOk && !img.has_syms)
        r = rcNotFound;
    if (r == rcOk)
        r = need(&f, img.sym_offset, img.sym_size);
    if (r == rcOk)
        r = need(&f, img.str_offset, img.str_size);
    if (r != rcOk) {
        close_file(&f);
        return r;
    }
    out->syms = f.buf + img.sym_offset;
    out->nsyms = img.sym_size / 24;
    out->strs = (const char *)f.buf + img.str_offset;
    out->strs_size = img.str_size;
    out->mdl = f.mdl;
    out->va = (uint64_t)(uintptr_t)f.buf;
    out->mapped = f.mapped;
    /* The buffer stays (closed by elf_symbols_close); the file does not. */
    f.buf = NULL;
    f.mdl = kl_core_Types_InvalidHandleValue;
    close_file(&f);
    return rcOk;
}

void elf_symbols_close(struct elf_symbols *s)
{
    if (s->va != 0)
        (void)core_vmm_free(s->va, s->mapped);
    close_handle(s->mdl);
    memset(s, 0, sizeof *s);
}

const char *elf_symbols_find(const struct elf_symbols *s, uint64_t addr, uint64_t *offset)
{
    for (uint64_t i = 0; i < s->nsyms; i++) {
        const uint8_t *e = s->syms + i * 24;
        uint32_t name;
        uint64_t value, size;
        memcpy(&name, e, 4);
        memcpy(&value, e + 8, 8);
        memcpy(&size, e + 16, 8);
        if ((e[4] & 0xf) != 2 /* STT_FUNC */ || addr < value || addr - value >= size ||
            name >= s->strs_size)
            continue;
        /* The name must end inside the table. */
        if (memchr(s->strs + name, 0, s->strs_size - name) == NULL)
            return NULL;
        *offset = addr - value;
        return s->strs + name;
    }
    return NULL;
}

Retcode elf_spawn(const char *name, const char *cls, const char *path, uint64_t stack_size,
                  uint32_t priority, uint32_t flags, uint32_t *task, uint64_t *bias,
                  struct elf_spawn_diag *why)
{
    *task = kl_core_Types_InvalidHandleValue;
    if (bias != NULL)
        *bias = 0;
    memset(why, 0, sizeof *why);
    struct file f;
    struct elf_image img;
    Retcode r = open_checked(path, &f, &img, why);
    if (r == rcOk) {
        CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
        kl_core_Types_Retcode rc = rcFail;
        idl_handle_t child = {0};
        why->step = "Task.Create";
        r = core_result(kl_core_Task_Create(&cl, name, cls, path, stack_size, priority,
                                            flags | BASTION_TASK_CREATE_EMPTY, &child, &rc),
                        &rc);
        if (r == rcOk) {
            *task = child.handle;
            r = build(&f, &img, *task, why);
            if (r == rcOk && bias != NULL)
                *bias = img.plan.bias;
            if (r != rcOk) {
                /* Its only handle: closing it ends a process that never ran, so Einit needs no
                 * right to end processes (the policy refuses it Task.Terminate). */
                close_handle(*task);
                *task = kl_core_Types_InvalidHandleValue;
            }
        }
    }
    close_file(&f);
    return r;
}
