/*
 * PCI enumeration at boot and the kernel's configuration-space access (pci.h).
 *
 * Two access methods, chosen once: ECAM when the ACPI MCFG describes segment 0 (each bus's
 * 1 MiB is mapped uncached into the kernel's MMIO window when enumeration first touches it), else
 * the legacy ports: 0xCF8 selects bus/device/function/register, 0xCFC..0xCFF carry the data.
 * The port pair is one shared selector, so every port access holds pci_cfg_lock; ECAM needs no
 * lock for a single access, but takes it too so that a read-modify-write of the kernel's own
 * (BAR sizing) never interleaves with another CPU's access to the same register.
 */
#include "dev/pci.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "dev/pci_decode.h"
#include "dev/pci_table.h"
#include "lib/kprintf.h"
#include "mm/paging.h"

#define CFG_ADDRESS_PORT 0xCF8
#define CFG_DATA_PORT 0xCFC
#define CFG_ENABLE 0x80000000u
#define ECAM_BUS_SIZE (1u << 20)

static struct spinlock pci_cfg_lock = SPINLOCK_INIT(LOCK_LEVEL_PCI_CFG);

/* Written once by pci_init() before any other CPU or process runs; read-only afterwards. */
static struct pci_device devices[PCI_MAX_DEVICES];
static size_t ndevices;
static unsigned dropped;

/* ECAM: the segment-0 window and each bus's mapping (NULL until first touched). */
static bool use_ecam;
static uint64_t ecam_base;
static uint8_t ecam_bus_start, ecam_bus_end;
/* Mapped by pci_init() as it scans (one CPU, before any other runs), read-only afterwards: a
 * bus enumeration never reached has no device the kernel knows, and reads as all ones. */
static volatile uint8_t *ecam_bus_va[256];
static bool enumerated;

static volatile uint8_t *ecam_bus(uint8_t bus)
{
    if (bus < ecam_bus_start || bus > ecam_bus_end)
        return NULL;
    /* Outside pci_cfg_lock: mapping takes the kernel page-table lock, a lower level. */
    if (!ecam_bus_va[bus] && !enumerated)
        ecam_bus_va[bus] = paging_map_mmio(ecam_base + ((uint64_t)bus << 20), ECAM_BUS_SIZE);
    return ecam_bus_va[bus];
}

static bool access_ok(uint16_t off, unsigned width)
{
    if (width != 1 && width != 2 && width != 4)
        return false;
    if (off & (width - 1))
        return false;
    return off < (use_ecam ? 4096u : 256u);
}

static uint32_t raw_read(volatile uint8_t *b, uint16_t bdf, uint16_t off, unsigned width)
{
    if (use_ecam) {
        if (!b)
            return 0xFFFFFFFFu;
        volatile uint8_t *p = b + ((uint32_t)(bdf & 0xFF) << 12) + off;
        if (width == 1)
            return *p;
        if (width == 2)
            return *(volatile uint16_t *)p;
        return *(volatile uint32_t *)p;
    }
    outl(CFG_ADDRESS_PORT, CFG_ENABLE | (uint32_t)bdf << 8 | (off & 0xFCu));
    uint16_t port = (uint16_t)(CFG_DATA_PORT + (off & 3));
    if (width == 1)
        return inb(port);
    if (width == 2)
        return inw(port);
    return inl(port);
}

static void raw_write(volatile uint8_t *b, uint16_t bdf, uint16_t off, unsigned width, uint32_t v)
{
    if (use_ecam) {
        if (!b)
            return;
        volatile uint8_t *p = b + ((uint32_t)(bdf & 0xFF) << 12) + off;
        if (width == 1)
            *p = (uint8_t)v;
        else if (width == 2)
            *(volatile uint16_t *)p = (uint16_t)v;
        else
            *(volatile uint32_t *)p = v;
        return;
    }
    outl(CFG_ADDRESS_PORT, CFG_ENABLE | (uint32_t)bdf << 8 | (off & 0xFCu));
    uint16_t port = (uint16_t)(CFG_DATA_PORT + (off & 3));
    if (width == 1)
        outb(port, (uint8_t)v);
    else if (width == 2)
        outw(port, (uint16_t)v);
    else
        outl(port, v);
}

static uint32_t cfg_read(uint16_t bdf, uint16_t off, unsigned width)
{
    if (!access_ok(off, width))
        return 0xFFFFFFFFu;
    volatile uint8_t *b = use_ecam ? ecam_bus(PCI_BDF_BUS(bdf)) : NULL;
    uint64_t flags = spin_lock_irqsave(&pci_cfg_lock);
    uint32_t v = raw_read(b, bdf, off, width);
    spin_unlock_irqrestore(&pci_cfg_lock, flags);
    return v;
}

static void cfg_write(uint16_t bdf, uint16_t off, unsigned width, uint32_t v)
{
    if (!access_ok(off, width))
        return;
    volatile uint8_t *b = use_ecam ? ecam_bus(PCI_BDF_BUS(bdf)) : NULL;
    uint64_t flags = spin_lock_irqsave(&pci_cfg_lock);
    raw_write(b, bdf, off, width, v);
    spin_unlock_irqrestore(&pci_cfg_lock, flags);
}

uint32_t pci_cfg_read(const struct pci_device *d, uint16_t off, unsigned width)
{
    return d ? cfg_read(d->bdf, off, width) : 0xFFFFFFFFu;
}

void pci_cfg_write(const struct pci_device *d, uint16_t off, unsigned width, uint32_t v)
{
    if (d)
        cfg_write(d->bdf, off, width, v);
}

/* ---- Enumeration ---------------------------------------------------------------------------- */

static uint8_t read8_bdf(void *ctx, uint16_t off)
{
    return (uint8_t)cfg_read((uint16_t)(uintptr_t)ctx, off, 1);
}

/*
 * Size the BARs with I/O and memory decoding off, so that the all-ones probe value never
 * claims addresses while it sits in a BAR; then restore each BAR and the command register.
 */
static void size_bars(struct pci_device *d, unsigned nbars)
{
    uint16_t bdf = d->bdf;
    uint16_t cmd = (uint16_t)cfg_read(bdf, PCI_CFG_COMMAND, 2);
    cfg_write(bdf, PCI_CFG_COMMAND, 2, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEM));
    for (unsigned i = 0; i < nbars;) {
        uint16_t reg = (uint16_t)(PCI_CFG_BAR0 + 4 * i);
        uint32_t lo = cfg_read(bdf, reg, 4);
        cfg_write(bdf, reg, 4, 0xFFFFFFFFu);
        uint32_t lo_mask = cfg_read(bdf, reg, 4);
        cfg_write(bdf, reg, 4, lo);
        uint32_t hi = 0, hi_mask = 0;
        bool last = i + 1 >= nbars;
        if (pci_bar_is_mem64(lo) && !last) {
            hi = cfg_read(bdf, reg + 4, 4);
            cfg_write(bdf, reg + 4, 4, 0xFFFFFFFFu);
            hi_mask = cfg_read(bdf, reg + 4, 4);
            cfg_write(bdf, reg + 4, 4, hi);
        }
        i += pci_bar_decode(lo, lo_mask, hi, hi_mask, last, &d->bar[i]);
    }
    cfg_write(bdf, PCI_CFG_COMMAND, 2, cmd);
}

static void print_device(const struct pci_device *d)
{
    kprintf("pci: %02x:%02x.%u %04x:%04x class %02x%02x", PCI_BDF_BUS(d->bdf), PCI_BDF_DEV(d->bdf),
            PCI_BDF_FN(d->bdf), d->vendor, d->device, d->class_code, d->subclass);
    for (unsigned i = 0; i < 6; i++) {
        const struct pci_bar *b = &d->bar[i];
        if (b->size == 0)
            continue;
        kprintf(" bar%u %s 0x%lx+0x%lx%s", i, b->io ? "io" : "mem", (unsigned long)b->base,
                (unsigned long)b->size, b->prefetch ? " pf" : "");
    }
    if (d->irq_pin)
        kprintf(" irq %u", d->irq_line);
    if (d->msi_cap)
        kprintf(" msi");
    if (d->msix_cap)
        kprintf(" msix");
    kprintf("\n");
}

static bool bus_seen[256];

static void scan_bus(uint8_t bus);

static void add_function(uint16_t bdf, uint8_t header_type)
{
    if (ndevices >= PCI_MAX_DEVICES) {
        dropped++;
        return;
    }
    struct pci_device *d = &devices[ndevices++];
    uint32_t id = cfg_read(bdf, PCI_CFG_VENDOR, 4);
    uint32_t class = cfg_read(bdf, 0x08, 4);
    *d = (struct pci_device){
        .bdf = bdf,
        .vendor = (uint16_t)id,
        .device = (uint16_t)(id >> 16),
        .class_code = (uint8_t)(class >> 24),
        .subclass = (uint8_t)(class >> 16),
        .prog_if = (uint8_t)(class >> 8),
    };
    uint8_t type = header_type & PCI_HEADER_TYPE_MASK;
    if (type == 0 || type == 1)
        size_bars(d, type == 0 ? 6 : 2);
    d->irq_pin = (uint8_t)cfg_read(bdf, PCI_CFG_IRQ_PIN, 1);
    d->irq_line = d->irq_pin ? (uint8_t)cfg_read(bdf, PCI_CFG_IRQ_LINE, 1) : 0xFF;
    if (d->irq_pin > 4)
        d->irq_pin = 0, d->irq_line = 0xFF;
    void *ctx = (void *)(uintptr_t)bdf;
    if (type == 0 || type == 1) {
        d->msi_cap = pci_cap_find(read8_bdf, ctx, PCI_CAP_ID_MSI);
        d->msix_cap = pci_cap_find(read8_bdf, ctx, PCI_CAP_ID_MSIX);
    }
    print_device(d);
    if (type == 1) {
        uint8_t secondary = (uint8_t)cfg_read(bdf, PCI_CFG_SECONDARY_BUS, 1);
        if (secondary != 0)
            scan_bus(secondary);
    }
}

/* Depth is bounded by the 256 buses: each is scanned at most once (a loop of bridges, or two
 * bridges that claim one secondary bus, cannot make the walk revisit one). */
static void scan_bus(uint8_t bus)
{
    if (bus_seen[bus])
        return;
    bus_seen[bus] = true;
    for (uint8_t dev = 0; dev < 32; dev++) {
        uint16_t bdf0 = PCI_BDF(bus, dev, 0);
        if ((uint16_t)cfg_read(bdf0, PCI_CFG_VENDOR, 2) == 0xFFFF)
            continue;
        uint8_t ht = (uint8_t)cfg_read(bdf0, PCI_CFG_HEADER_TYPE, 1);
        unsigned nfn = (ht & PCI_HEADER_MULTIFUNCTION) ? 8 : 1;
        for (uint8_t fn = 0; fn < nfn; fn++) {
            uint16_t bdf = PCI_BDF(bus, dev, fn);
            if ((uint16_t)cfg_read(bdf, PCI_CFG_VENDOR, 2) == 0xFFFF)
                continue;
            add_function(bdf, fn ? (uint8_t)cfg_read(bdf, PCI_CFG_HEADER_TYPE, 1) : ht);
        }
    }
}

void pci_init(void)
{
    const struct acpi_mcfg *mcfg = acpi_mcfg();
    for (unsigned i = 0; mcfg && i < mcfg->n; i++) {
        const struct acpi_mcfg_entry *e = &mcfg->e[i];
        if (e->segment != 0)
            continue;
        use_ecam = true;
        ecam_base = e->base;
        ecam_bus_start = e->bus_start;
        ecam_bus_end = e->bus_end;
        break;
    }
    if (use_ecam)
        kprintf("pci: ECAM at 0x%lx, buses %u-%u (ACPI MCFG)\n",
                (unsigned long)(ecam_base + ((uint64_t)ecam_bus_start << 20)), ecam_bus_start,
                ecam_bus_end);
    else
        kprintf("pci: configuration through ports 0xCF8/0xCFC (no ACPI MCFG)\n");

    /* Bus 0; a multi-function host bridge has one root bus per function. */
    scan_bus(0);
    uint8_t ht = (uint8_t)cfg_read(PCI_BDF(0, 0, 0), PCI_CFG_HEADER_TYPE, 1);
    if (ht != 0xFF && (ht & PCI_HEADER_MULTIFUNCTION)) {
        for (uint8_t fn = 1; fn < 8; fn++) {
            uint16_t bdf = PCI_BDF(0, 0, fn);
            if ((uint16_t)cfg_read(bdf, PCI_CFG_VENDOR, 2) != 0xFFFF &&
                (uint8_t)cfg_read(bdf, PCI_CFG_CLASS, 1) == 0x06 &&
                (uint8_t)cfg_read(bdf, PCI_CFG_SUBCLASS, 1) == 0x00)
                scan_bus(fn);
        }
    }
    enumerated = true;
    pci_table_build();
    kprintf("pci: %lu functions%s\n", (unsigned long)ndevices,
            dropped ? " (more than the kernel records: the rest ignored)" : "");
}

size_t pci_device_count(void)
{
    return ndevices;
}

const struct pci_device *pci_device_at(size_t i)
{
    return i < ndevices ? &devices[i] : NULL;
}

const struct pci_device *pci_find_bdf(uint16_t bdf)
{
    for (size_t i = 0; i < ndevices; i++)
        if (devices[i].bdf == bdf)
            return &devices[i];
    return NULL;
}

const struct pci_device *pci_find_id(uint16_t vendor, uint16_t device)
{
    for (size_t i = 0; i < ndevices; i++)
        if (devices[i].vendor == vendor && devices[i].device == device)
            return &devices[i];
    return NULL;
}

bool pci_ecam_window(uint64_t *base, uint64_t *size)
{
    if (!use_ecam)
        return false;
    *base = ecam_base + ((uint64_t)ecam_bus_start << 20);
    *size = ((uint64_t)(ecam_bus_end - ecam_bus_start) + 1) << 20;
    return true;
}
