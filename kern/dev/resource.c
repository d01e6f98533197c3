/*
 * The kernel's own device ranges and the claims registry of kl.core.IO (resource.h).
 *
 * The kernel's ranges are listed once at boot (io_resources_init) and only read afterwards,
 * without a lock; claims are a short list under io_claims_lock (a leaf: nothing is taken under
 * it, it is taken with interrupts off from any context, object destroy hooks included).
 */
#include "dev/resource.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/spinlock.h"
#include "boot/boot_info.h"
#include "dev/pci.h"
#include "lib/kprintf.h"

#define KERNEL_RANGES_MAX 192
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct io_range kernel_mmio[KERNEL_RANGES_MAX];
static size_t nkernel_mmio;
static struct io_range kernel_ports[32];
static size_t nkernel_ports;

static struct spinlock io_claims_lock = SPINLOCK_INIT(LOCK_LEVEL_IO_CLAIMS);
static struct io_claim *claims; /* io_claims_lock */

Retcode io_reserve_kernel(enum io_kind kind, uint64_t base, uint64_t size, const char *what)
{
    struct io_range *list = kind == IO_KIND_PORT ? kernel_ports : kernel_mmio;
    size_t *n = kind == IO_KIND_PORT ? &nkernel_ports : &nkernel_mmio;
    size_t cap =
        kind == IO_KIND_PORT ? sizeof kernel_ports / sizeof kernel_ports[0] : KERNEL_RANGES_MAX;
    if (*n >= cap)
        return rcOutOfRange;
    list[(*n)++] = (struct io_range){base, size, what};
    return rcOk;
}

static void reserve(enum io_kind kind, uint64_t base, uint64_t size, const char *what)
{
    if (io_reserve_kernel(kind, base, size, what) != rcOk)
        kprintf("io: kernel range list full: %s at 0x%lx not listed\n", what, (unsigned long)base);
}

void io_resources_init(void)
{
    /* Ports the kernel drives or that steer the whole machine. */
    reserve(IO_KIND_PORT, 0x20, 2, "PIC");
    reserve(IO_KIND_PORT, 0xA0, 2, "PIC");
    reserve(IO_KIND_PORT, 0x4D0, 2, "PIC trigger modes");
    reserve(IO_KIND_PORT, 0x40, 4, "PIT");
    reserve(IO_KIND_PORT, 0x61, 1, "PIT gate");
    reserve(IO_KIND_PORT, 0x60, 1, "keyboard controller");
    reserve(IO_KIND_PORT, 0x64, 1, "keyboard controller");
    reserve(IO_KIND_PORT, 0x70, 2, "CMOS");
    reserve(IO_KIND_PORT, 0x80, 1, "POST delay port");
    reserve(IO_KIND_PORT, 0x3F8, 8, "console UART");
    reserve(IO_KIND_PORT, 0xCF8, 8, "PCI configuration");

    /* Memory: all of the loader's map (RAM and firmware ranges), the first MiB, the image. */
    const struct boot_info *bi = boot_info_get();
    for (size_t i = 0; bi && i < bi->mmap_count; i++)
        reserve(IO_KIND_MMIO, bi->mmap[i].base, bi->mmap[i].length,
                bi->mmap[i].type == 1 ? "RAM" : "firmware memory");
    reserve(IO_KIND_MMIO, 0, 0x100000, "first MiB");
    uint64_t ks = (uint64_t)(uintptr_t)__kernel_phys_start;
    uint64_t ke = (uint64_t)(uintptr_t)__kernel_phys_end;
    reserve(IO_KIND_MMIO, ks, ke - ks, "kernel image");
    reserve(IO_KIND_MMIO, rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK, 4096, "LAPIC");
    const struct acpi_madt *m = acpi_madt();
    if (m) {
        reserve(IO_KIND_MMIO, m->lapic_addr & ~0xFFFull, 4096, "LAPIC");
        for (unsigned i = 0; i < m->nioapics; i++)
            reserve(IO_KIND_MMIO, m->ioapics[i].addr & ~0xFFFull, 4096, "IOAPIC");
    }
    if (hpet_phys())
        reserve(IO_KIND_MMIO, hpet_phys() & ~0xFFFull, 4096, "HPET");
    uint64_t eb, es;
    if (pci_ecam_window(&eb, &es))
        reserve(IO_KIND_MMIO, eb, es, "PCI ECAM");
    kprintf("io: %lu port and %lu memory ranges kept by the kernel; drivers may register only "
            "ranges inside a PCI device's BAR\n",
            (unsigned long)nkernel_ports, (unsigned long)nkernel_mmio);
}

Retcode io_claim(struct io_claim *c, enum io_kind kind, uint64_t base, uint64_t size)
{
    const struct pci_device *dev = NULL;
    unsigned bar = 0;
    /* The device list is fixed after boot; pci_device_at(0) is its first element. */
    size_t ndev = pci_device_count();
    const struct io_range *kl = kind == IO_KIND_PORT ? kernel_ports : kernel_mmio;
    size_t nk = kind == IO_KIND_PORT ? nkernel_ports : nkernel_mmio;
    Retcode rc = io_range_check(kind, base, size, ndev ? pci_device_at(0) : NULL, ndev, kl, nk,
                                &dev, &bar, NULL);
    if (rc != rcOk)
        return rc;
    *c = (struct io_claim){
        .kind = kind, .base = base, .size = size, .bdf = dev->bdf, .bar = (uint8_t)bar};
    uint64_t flags = spin_lock_irqsave(&io_claims_lock);
    for (struct io_claim *o = claims; o; o = o->next) {
        if (o->kind == kind && io_ranges_overlap(base, size, o->base, o->size)) {
            rc = rcResourceBusy;
            break;
        }
    }
    if (rc == rcOk) {
        c->next = claims;
        claims = c;
        c->active = true;
    }
    spin_unlock_irqrestore(&io_claims_lock, flags);
    return rc;
}

void io_unclaim(struct io_claim *c)
{
    uint64_t flags = spin_lock_irqsave(&io_claims_lock);
    if (c->active) {
        for (struct io_claim **pp = &claims; *pp; pp = &(*pp)->next) {
            if (*pp == c) {
                *pp = c->next;
                break;
            }
        }
        c->active = false;
    }
    spin_unlock_irqrestore(&io_claims_lock, flags);
}
