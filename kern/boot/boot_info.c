/* Loader handoff: see boot_info.h. */
#include "boot/boot_info.h"

#include "boot/params.h"
#include "lib/kprintf.h"
#include "mm/paging.h"
#include "panic.h"

#define EARLY_LIMIT (1ull << 30) /* what the boot page tables map at KERNEL_VMA */

static struct boot_info g_bi;
static const struct boot_info *g_bi_ptr;

const struct boot_info *boot_info_init(uint32_t magic, uint64_t info_phys)
{
    if (magic != MB2_BOOTLOADER_MAGIC)
        panic("multiboot2: wrong loader magic %#x (expected %#x)", magic, MB2_BOOTLOADER_MAGIC);
    if (info_phys == 0 || info_phys >= EARLY_LIMIT - 8)
        panic("multiboot2: boot information at %#lx is outside the boot mapping", info_phys);
    const void *info = phys_to_virt(info_phys);
    /* The parser checks total_size against this bound, so it never reads past the mapping. */
    Retcode rc = mb2_parse(info, (size_t)(EARLY_LIMIT - info_phys), &g_bi);
    if (rc != rcOk)
        panic("multiboot2: boot information at %#lx is malformed: %s (%s at offset %u)", info_phys,
              retcode_name(rc), g_bi.error ? g_bi.error : "?", g_bi.error_offset);
    g_bi.info_phys = info_phys;
    g_bi_ptr = &g_bi;

    kprintf("boot: loader \"%s\", command line \"%s\"\n", g_bi.loader_name, g_bi.cmdline);
    rc = kparam_init(g_bi.cmdline);
    if (rc != rcOk)
        kprintf("boot: WARNING: kernel parameters ignored: %s (%s)\n", retcode_name(rc),
                retcode_text(rc));
    for (size_t i = 0; i < g_bi.mmap_count; i++) {
        const struct boot_mmap_entry *m = &g_bi.mmap[i];
        kprintf("boot: mem 0x%012lx-0x%012lx %s\n", m->base, m->base + m->length - 1,
                mb2_mem_type_name(m->type));
    }
    for (size_t i = 0; i < g_bi.module_count; i++)
        kprintf("boot: module \"%s\" at %#lx-%#lx (%lu bytes)\n", g_bi.modules[i].cmdline,
                g_bi.modules[i].start, g_bi.modules[i].end,
                g_bi.modules[i].end - g_bi.modules[i].start);
    if (g_bi.rsdp_len == 0)
        kprintf("boot: WARNING: the loader passed no ACPI RSDP\n");
    return &g_bi;
}

const struct boot_info *boot_info_get(void)
{
    return g_bi_ptr;
}
