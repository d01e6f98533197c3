/*
 * The rule that decides which I/O port and MMIO ranges a driver may register (kl.core.IO
 * RegisterPort / RegisterMmio), as a pure function of the PCI devices found at boot and the
 * ranges the kernel keeps for itself, so that the host test test/host/kern/dev checks it.
 *
 * A range is registrable only when, in this order:
 *   - size > 0 (rcInvalidArgument) and base + size does not wrap, and for ports ends at or
 *     below 0x10000 (rcOutOfRange);
 *   - for MMIO: base and size are page multiples (rcAlignment), so that a mapping never
 *     exposes a neighbour's registers in the rest of a page;
 *   - it overlaps none of the kernel's own ranges (rcKernelResource): RAM and firmware ranges
 *     of the memory map, the kernel image, LAPIC, IOAPICs, ECAM, the PCI configuration ports,
 *     PIT, PICs, CMOS, keyboard controller, the console's UART;
 *   - it lies entirely within one BAR of one PCI device, of that kind (an I/O BAR for ports, a
 *     memory BAR for MMIO) (rcNotDeviceResource).
 * Claims (first owner wins, rcResourceBusy) are kept by dev/resource.c.
 */
#ifndef BASTION_DEV_IO_RANGE_H
#define BASTION_DEV_IO_RANGE_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/pci.h"

#define IO_PORT_LIMIT 0x10000u
#define IO_MMIO_PAGE 4096u

enum io_kind { IO_KIND_PORT, IO_KIND_MMIO };

struct io_range {
    uint64_t base, size;
    const char *what; /* for the boot listing: "console UART", "RAM", ... */
};

/* True when [a, a + as) and [b, b + bs) share a byte (sizes > 0, no wrap: checked before). */
static inline bool io_ranges_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
    return a < b + bs && b < a + as;
}

/*
 * Applies the rule above to [base, base + size) of `kind`. `kernel` lists the kernel's ranges
 * of that kind. On rcOk, *dev and *bar (may be NULL) name the device and BAR that hold it; on
 * rcKernelResource, *hit (may be NULL) the kernel range it touched.
 */
Retcode io_range_check(enum io_kind kind, uint64_t base, uint64_t size,
                       const struct pci_device *devs, size_t ndevs, const struct io_range *kernel,
                       size_t nkernel, const struct pci_device **dev, unsigned *bar,
                       const struct io_range **hit);

#endif
