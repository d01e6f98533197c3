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

/* elf_load hooks over the process's address space. */
static Retcode op_map(void *ctx, uint64_t start, uint64_t end)
{
    struct aspace *as = ctx;
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

static Retcode op_copy(void *ctx, uint64_t dst, const void *src, uint64_t len)
{
    return aspace_write(ctx, dst, src, len);
}

/* A segment's final permissions, sealed: the process keeps its image as the ELF file says
 * (no VMM.Protect can make its data executable or its code writable; mm/vregion.h). */
static Retcode op_protect(void *ctx, uint64_t start, uint64_t end, uint32_t prot)
{
    Retcode rc = aspace_protect(ctx, start, end - start, elf_to_aspace_prot(prot));
    if (rc == rcOk)
        rc = aspace_seal(ctx, start, end - start);
    return rc;
}

static void op_unmap(void *ctx, uint64_t start, uint64_t end)
{
    (void)aspace_free(ctx, start, end - start);
}

static const struct elf_load_ops load_ops = {op_map, op_copy, op_protect, op_unmap};

static Retcode loader_load_from(struct process *p, struct romfs *fs, const char *path,
                                uint64_t stack_size);

Retcode loader_load(struct process *p, const char *path, uint64_t stack_size)
{
    /* The volume stays ours until the program is loaded, whatever FSUnsafe.Change does. */
    struct romfs_volume *vol = romfs_get();
    if (vol == NULL)
        return rcNotFound;
    Retcode rc = loader_load_from(p, &vol->fs, path, stack_size);
    romfs_put(vol);
    return rc;
}

static Retcode loader_load_from(struct process *p, struct romfs *fs, const char *path,
                                uint64_t stack_size)
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
            rc = elf_plan(image, e.size, bias, &plan, &diag);
    }
    if (rc != rcOk) {
        kprintf("loader: %s: ELF check %s in phdr %d: %s\n", path, elf_check_name(diag.check),
                diag.phdr, retcode_name(rc));
        return rc;
    }
    uint32_t failed;
    rc = elf_load(&plan, image, e.size, &load_ops, p->as, &failed);
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
