/* CPU feature detection and per-CPU protection settings. */
#include "arch/x86_64/cpu.h"

#include "lib/kprintf.h"
#include "lib/string.h"

struct cpu_features cpu_features;

void cpu_detect_features(void)
{
    struct cpu_features *f = &cpu_features;
    uint32_t a, b, c, d, max, maxext;

    cpuid(0, 0, &max, &b, &c, &d);
    memcpy(f->vendor + 0, &b, 4);
    memcpy(f->vendor + 4, &d, 4);
    memcpy(f->vendor + 8, &c, 4);
    f->vendor[12] = '\0';

    cpuid(1, 0, &a, &b, &c, &d);
    f->pcid = (c >> 17) & 1;
    f->x2apic = (c >> 21) & 1;
    f->tsc_deadline = (c >> 24) & 1;
    f->rdrand = (c >> 30) & 1;
    f->pge = (d >> 13) & 1;

    if (max >= 7) {
        cpuid(7, 0, &a, &b, &c, &d);
        f->fsgsbase = (b >> 0) & 1;
        f->smep = (b >> 7) & 1;
        f->rdseed = (b >> 18) & 1;
        f->smap = (b >> 20) & 1;
        f->umip = (c >> 2) & 1;
    }

    cpuid(0x80000000u, 0, &maxext, &b, &c, &d);
    if (maxext >= 0x80000001u) {
        cpuid(0x80000001u, 0, &a, &b, &c, &d);
        f->nx = (d >> 20) & 1;
        f->gbpages = (d >> 26) & 1;
    }
    if (maxext >= 0x80000004u) {
        uint32_t *w = (uint32_t *)f->brand;
        for (uint32_t leaf = 0; leaf < 3; leaf++)
            cpuid(0x80000002u + leaf, 0, &w[leaf * 4 + 0], &w[leaf * 4 + 1], &w[leaf * 4 + 2],
                  &w[leaf * 4 + 3]);
        f->brand[48] = '\0';
    }
    if (maxext >= 0x80000007u) {
        cpuid(0x80000007u, 0, &a, &b, &c, &d);
        f->invariant_tsc = (d >> 8) & 1;
    }
    if (maxext >= 0x80000008u) {
        cpuid(0x80000008u, 0, &a, &b, &c, &d);
        f->phys_addr_bits = a & 0xff;
        f->virt_addr_bits = (a >> 8) & 0xff;
    } else {
        f->phys_addr_bits = 36;
        f->virt_addr_bits = 48;
    }
}

void cpu_enable_protections(void)
{
    /* CR0.WP: supervisor writes honour read-only pages (W^X would be moot otherwise). */
    write_cr0(read_cr0() | CR0_WP);
    uint64_t cr4 = read_cr4();
    if (cpu_features.smep)
        cr4 |= CR4_SMEP; /* the kernel never executes user pages */
    if (cpu_features.smap)
        cr4 |= CR4_SMAP; /* the kernel touches user pages only inside stac/clac */
    if (cpu_features.umip)
        cr4 |= CR4_UMIP; /* user mode cannot read GDT/IDT/TR addresses (sgdt, sidt, ...) */
    if (cpu_features.pge)
        cr4 |= CR4_PGE;
    write_cr4(cr4);
}

void cpu_print_features(void)
{
    const struct cpu_features *f = &cpu_features;
    const char *brand = f->brand;
    while (*brand == ' ')
        brand++;
    kprintf("cpu: %s \"%s\", %u-bit physical, %u-bit virtual addresses\n", f->vendor,
            brand[0] ? brand : "?", f->phys_addr_bits, f->virt_addr_bits);
    kprintf("cpu: nx=%d smep=%d smap=%d umip=%d pcid=%d rdrand=%d rdseed=%d x2apic=%d "
            "tsc_deadline=%d invariant_tsc=%d 1g_pages=%d\n",
            f->nx, f->smep, f->smap, f->umip, f->pcid, f->rdrand, f->rdseed, f->x2apic,
            f->tsc_deadline, f->invariant_tsc, f->gbpages);
}

noreturn void cpu_halt_forever(void)
{
    for (;;) {
        cli();
        cpu_halt();
    }
}
