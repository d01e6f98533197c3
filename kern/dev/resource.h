/*
 * Device resources the kernel lends to user-mode drivers: which I/O port and MMIO ranges may be
 * registered (the rule of dev/io_range.h, applied to the PCI devices of dev/pci.h and the
 * kernel's own ranges listed at boot), and who holds each registered range.
 *
 * Claims: the first registration of a range wins; any later one that overlaps it, by anyone
 * (the holder included), is refused with rcResourceBusy until the holder's object dies (its
 * last handle closed, or its process ended): io_unclaim() from the object's destroy hook.
 * Claims of ports and of MMIO are separate spaces. One lock (io_claims_lock) guards the list.
 */
#ifndef BASTION_DEV_RESOURCE_H
#define BASTION_DEV_RESOURCE_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stdint.h>

#include "dev/io_range.h"

/* One registered range; embedded in its resource object (kern/klcore/IO_ports.c). */
struct io_claim {
    struct io_claim *next; /* io_claims_lock */
    enum io_kind kind;
    uint64_t base, size;
    uint16_t bdf; /* the PCI function whose BAR holds it */
    uint8_t bar;
    bool active; /* on the list */
};

/* Lists the kernel's own ranges (memory map, image, APICs, ECAM, legacy ports, console) and
 * prints them. Once at boot, after pci_init(). */
void io_resources_init(void);

/* Adds a range the kernel keeps for itself (another kernel part's device, such as the IOMMU's
 * registers) to the list. At boot, before user mode runs. rcOutOfRange: the list is full. */
Retcode io_reserve_kernel(enum io_kind kind, uint64_t base, uint64_t size, const char *what);

/* Checks [base, base + size) against the rule (io_range.h's codes) and claims it into *c:
 * rcResourceBusy when it overlaps a range someone holds. */
Retcode io_claim(struct io_claim *c, enum io_kind kind, uint64_t base, uint64_t size);

/* Gives a claim back (no-op for one never made or already given back). Any context. */
void io_unclaim(struct io_claim *c);

#endif
