/*
 * PCI devices the kernel found at boot: their identity, BARs, legacy interrupt and MSI/MSI-X
 * capability offsets, and configuration-space access for the kernel's own use.
 *
 * pci_init() enumerates once, after ACPI: through ECAM (the ACPI MCFG table, q35) when the
 * firmware describes one, else through the legacy ports 0xCF8/0xCFC (the pc machine). It scans
 * bus 0 and follows every PCI-to-PCI bridge to its secondary bus, every function of every
 * multi-function device; it sizes each BAR with the function's decoding switched off and
 * prints one line per function. The list is fixed once enumeration ends (the machines Bastion
 * runs on add and remove no devices while it runs), so readers need no lock. Configuration
 * space stays the kernel's: drivers get BAR ranges through kl.core.IO (kern/dev/resource.h).
 */
#ifndef BASTION_DEV_PCI_H
#define BASTION_DEV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))
#define PCI_BDF_BUS(bdf) ((uint8_t)((bdf) >> 8))
#define PCI_BDF_DEV(bdf) ((uint8_t)(((bdf) >> 3) & 0x1F))
#define PCI_BDF_FN(bdf) ((uint8_t)((bdf)&0x7))

/* Most functions the kernel records; more are reported at boot and ignored. */
#define PCI_MAX_DEVICES 128

/* One BAR as enumeration found it; size 0 = no BAR in this slot (or a malformed 64-bit BAR). For
 * a 64-bit BAR the next slot has size 0. */
struct pci_bar {
    uint64_t base, size;
    bool io, mem64, prefetch;
};

struct pci_device {
    uint16_t bdf;
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if;
    struct pci_bar bar[6];
    uint8_t irq_line;          /* legacy INTx as firmware routed it (ISA IRQ / GSI), 0xFF none */
    uint8_t irq_pin;           /* 1..4 = INTA..INTD, 0 none */
    uint8_t msi_cap, msix_cap; /* config-space offsets, 0 = none */
};

#ifndef BASTION_HOST
void pci_init(void); /* at boot, after ACPI */
size_t pci_device_count(void);
const struct pci_device *pci_device_at(size_t i);
const struct pci_device *pci_find_bdf(uint16_t bdf);
/* The first function with this vendor and device id, NULL when there is none. */
const struct pci_device *pci_find_id(uint16_t vendor, uint16_t device);
/* Width 1, 2 or 4 at an offset aligned to it, below 4096 (ECAM) or 256 (ports); other
 * accesses read all ones and write nothing. Serialised internally; any CPU, any context. */
uint32_t pci_cfg_read(const struct pci_device *d, uint16_t off, unsigned width); /* 1,2,4 */
void pci_cfg_write(const struct pci_device *d, uint16_t off, unsigned width, uint32_t v);

/* The physical window of ECAM in use ([*base, *base + *size)); false when configuration goes
 * through ports (then 0xCF8..0xCFF are the kernel's). Resource rules keep both from drivers. */
bool pci_ecam_window(uint64_t *base, uint64_t *size);
#endif

#endif
