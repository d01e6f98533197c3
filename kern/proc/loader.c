/* Loading an ELF executable from ROMFS into a process (contract in loader.h). */
#include "proc/loader.h"

#include "arch/x86_64/cpu.h"
#include "elf/elf_load.h"
#include "elf/user_stack.h"
#include "fs/romfs.h"
#include "fs/romfs_volume.h"
#include "lib/kprintf.h"
#include "lib/random.h"
#include "mm/aspace.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "proc/process.h"

static uint32_t elf_to_aspace_prot(uint32_t prot)
{
    uint32_t r = 0;
    if (prot & ELF_PROT_READ)
        r |= BASTION_VMM_READ;
    if (prot & ELF_PROT_WRITE)
        r |= BASTION_VMM_WRITE;
    if (prot & ELF_PROT_EXEC)
        r |= BASTION_VMM_EXECUTE;
    return r;
}

/* What the elf_load hooks work on. */
struct load_ctx {
    struct aspace *as;
    /* The file's pages may be mapped in place: it lies in the boot volume (which is never
     * freed) with its data on an image page (romfs_data_pages). */
    bool in_place;
};

/* elf_load hooks over the process's address space. */
static Retcode op_map(void *ctx, uint64_t start, uint64_t end)
{
    struct aspace *as = ((struct load_ctx *)ctx)->as;
    uint64_t got;
    /* Kernel-writable, not yet accessible to the process: aspace_write fills it. */
    Retcode rc = aspace_reserve(as, start, end - start, 0, &got);
    if (rc != rcOk)
        return rc;
    rc = aspace_commit(as, start, end - start);
    if (rc != rcOk)
        (void)aspace_free(as, start, end - start);
    return rc;
}

/* A read-only segment mapped as op_map does, then its whole pages [lo, hi) put on the boot
 * image's own frames (shared by every process that runs the program, charged to none:
 * aspace_map_image) before anything is copied. rcNotSupported (elf_load then copies) when the file is
 * not in the boot volume or its bytes are not page-aligned in memory: the module was not
 * loaded page-aligned, or the image was made without `genromfs -a 4096`. */
static Retcode op_map_image(void *ctx, uint64_t start, uint64_t end, uint64_t lo, uint64_t hi,
                            const void *src)
{
    struct load_ctx *lc = ctx;
    uint64_t pa = virt_to_phys(src);
    if (!lc->in_place || pa == PADDR_INVALID || (pa & (PAGE_SIZE - 1)) != 0)
        return rcNotSupported;
    Retcode rc = op_map(ctx, start, end);
    if (rc != rcOk)
        return rc;
    rc = aspace_map_image(lc->as, lo, pa, (hi - lo) / PAGE_SIZE);
    if (rc != rcOk)
        (void)aspace_free(lc->as, start, end - start);
    return rc;
}

static Retcode op_copy(void *ctx, uint64_t dst, const void *src, uint64_t len)
{
    return aspace_write(((struct load_ctx *)ctx)->as, dst, src, len);
}

/* A segment's final permissions, sealed: the process keeps its image as the ELF file says
 * (no VMM.Protect can make its data executable or its code writable; mm/vregion.h). */
static Retcode op_protect(void *ctx, uint64_t start, uint64_t end, uint32_t prot)
{
    struct aspace *as = ((struct load_ctx *)ctx)->as;
    Retcode rc = aspace_protect(as, start, end - start, elf_to_aspace_prot(prot));
    if (rc == rcOk)
        rc = aspace_seal(as, start, end - start);
    return rc;
}

static void op_unmap(void *ctx, uint64_t start, uint64_t end)
{
    (void)aspace_free(((struct load_ctx *)ctx)->as, start, end - start);
}

static const struct elf_load_ops load_ops = {op_map, op_copy, op_protect, op_unmap, op_map_image};

static Retcode loader_load_from(struct process *p, struct romfs *fs, bool boot_volume,
                                const char *path, uint64_t stack_size);

Retcode loader_load(struct process *p, const char *path, uint64_t stack_size)
{
    /* The volume stays ours until the program is loaded, whatever FSUnsafe.Change does. Only
     * the boot volume (no kernel copy: the GRUB module, never freed) lends its frames to a
     * process; a volume installed by Change goes with its last reader, so its programs are
     * copied. */
    struct romfs_volume *vol = romfs_get();
    if (vol == NULL)
        return rcNotFound;
    Retcode rc = loader_load_from(p, &vol->fs, vol->image == NULL, path, stack_size);
    romfs_put(vol);
    return rc;
}

static Retcode loader_load_from(struct process *p, struct romfs *fs, bool boot_volume,
                                const char *path, uint64_t stack_size)
{
    struct romfs_entry e;
    Retcode rc = romfs_lookup(fs, path, &e);
    if (rc != rcOk)
        return rc;
    if (e.type != ROMFS_FILE)
        return rcInvalidArgument;
    const void *image = romfs_data(fs, &e);

    /* About 1 KiB each: the two fit the kernel stack, which has 16 KiB. */
    struct elf_load_plan plan;
    struct elf_diag diag = {ELF_CHECK_NONE, -1};
    /* A static PIE is refused at bias 0 (page zero): plan it at a legal bias first to learn its
     * span, then pick the random one. An ET_EXEC refuses any bias but 0 (rcInvalidArgument). */
    rc = elf_plan(image, e.size, LOADER_IMAGE_LO, &plan, &diag);
    if (rc == rcInvalidArgument && diag.check == ELF_CHECK_BIAS)
        rc = elf_plan(image, e.size, 0, &plan, &diag);
    if (rc == rcOk && plan.pie) {
        struct elf_load_plan at_zero = plan;
        at_zero.lo -= LOADER_IMAGE_LO;
        at_zero.hi -= LOADER_IMAGE_LO;
        at_zero.bias = 0;
        uint64_t bias;
        rc = elf_choose_bias(&at_zero, random_u64(), LOADER_IMAGE_LO, LOADER_IMAGE_HI, &bias);
        if (rc == rcOk)
            rc = elf_plan_rebias(image, e.size, &plan, bias, &plan, &diag);
    }
    if (rc != rcOk) {
        kprintf("loader: %s: ELF check %s in phdr %d: %s\n", path, elf_check_name(diag.check),
                diag.phdr, retcode_name(rc));
        return rc;
    }
    uint32_t failed;
    struct load_ctx lc = {p->as, boot_volume && romfs_data_pages(fs, &e) == rcOk};
    rc = elf_load(&plan, image, e.size, &load_ops, &lc, &failed);
    if (rc != rcOk) {
        kprintf("loader: %s: %s loading segment %u\n", path, retcode_name(rc), failed);
        return rc;
    }

    rc = loader_place_stack(p, stack_size, plan.lo, plan.hi, random_u64());
    if (rc != rcOk) {
        for (uint32_t i = 0; i < plan.nsegments; i++)
            (void)aspace_free(p->as, plan.seg[i].map_start,
                              plan.seg[i].map_end - plan.seg[i].map_start);
        kprintf("loader: %s: %s placing the stack\n", path, retcode_name(rc));
        return rc;
    }

    p->entry = plan.entry;
    p->image_base = plan.bias;
    if (plan.has_tls) {
        p->tls_image = plan.tls_vaddr;
        p->tls_file_size = plan.tls_file_size;
        p->tls_mem_size = plan.tls_mem_size;
        p->tls_align = plan.tls_align;
    }
    return rcOk;
}

Retcode loader_place_stack(struct process *p, uint64_t stack_size, uint64_t image_lo,
                           uint64_t image_hi, uint64_t entropy)
{
    struct user_stack_plan st;
    Retcode rc = user_stack_place(stack_size, LOADER_STACK_GUARD, LOADER_STACK_WINDOW, entropy,
                                  LOADER_IMAGE_HI, LOADER_STACK_HI, image_lo, image_hi, &st);
    if (rc != rcOk)
        return rc;
    uint64_t got;
    /* The guard page below base is never reserved: running off the stack faults. */
    rc = aspace_reserve(p->as, st.base, st.top - st.base, BASTION_VMM_READ | BASTION_VMM_WRITE,
                        &got);
    if (rc != rcOk)
        return rc;
    rc = aspace_commit(p->as, st.base, st.top - st.base);
    if (rc != rcOk) {
        (void)aspace_free(p->as, st.base, st.top - st.base);
        return rc;
    }
    p->stack_base = st.base;
    p->stack_size = st.top - st.base;
    p->initial_sp = st.initial_sp;
    return rcOk;
}
