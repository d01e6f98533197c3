/*
 * The PCI functions the kernel found at boot, as it publishes them to user mode: a read-only
 * file of kl.core.FS at BASTION_PCI_TABLE_PATH (docs/drivers.md "## Devices from init.yaml").
 * Einit reads it to find the device an init.yaml `devices:` entry names; a driver or a tool may
 * read it too, when its policy grants FS.Open of that path. Reading it gives no access to any
 * device: ranges are still registered through kl.core.IO under the policy.
 *
 * Layout: one header, then `count` records of `record_size` bytes each, in the order the kernel
 * enumerated the functions. Readers must check magic, version and record_size and that the file
 * holds exactly header + count * record_size bytes; a record's fields mean what
 * kern/dev/pci.h's struct pci_device says.
 */
#ifndef BASTION_PCI_TABLE_H
#define BASTION_PCI_TABLE_H

#include <stdint.h>

#define BASTION_PCI_TABLE_PATH "/.kernel/pci"
#define BASTION_PCI_TABLE_MAGIC 0x49435042u /* "BPCI" read as little-endian bytes */
#define BASTION_PCI_TABLE_VERSION 1u
#define BASTION_PCI_TABLE_MAX 128u /* records at most (the kernel records no more) */

#define BASTION_PCI_BAR_IO 0x1u       /* an I/O port range, else memory */
#define BASTION_PCI_BAR_MEM64 0x2u    /* a 64-bit BAR (the next slot is its upper half: size 0) */
#define BASTION_PCI_BAR_PREFETCH 0x4u /* prefetchable memory */

#define BASTION_PCI_IRQ_NONE 0xFFu /* irq_line when firmware routed no legacy interrupt */

struct bastion_pci_table_header {
    uint32_t magic;
    uint32_t version;
    uint32_t count;
    uint32_t record_size;
};

struct bastion_pci_bar {
    uint64_t base;
    uint64_t size; /* 0: no BAR in this slot */
    uint32_t flags;
    uint32_t reserved;
};

struct bastion_pci_record {
    uint16_t bdf; /* bus << 8 | device << 3 | function (segment 0) */
    uint16_t vendor;
    uint16_t device;
    uint8_t class_code, subclass, prog_if;
    uint8_t irq_line;          /* legacy INTx as firmware routed it (a GSI), BASTION_PCI_IRQ_NONE */
    uint8_t irq_pin;           /* 1..4 = INTA..INTD, 0 none */
    uint8_t msi_cap, msix_cap; /* configuration-space offsets, 0 = none */
    uint8_t reserved[3];
    struct bastion_pci_bar bar[6];
};

_Static_assert(sizeof(struct bastion_pci_table_header) == 16, "header layout");
_Static_assert(sizeof(struct bastion_pci_record) == 160, "record layout");

#endif
