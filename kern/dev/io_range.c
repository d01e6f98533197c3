/* The registrable-range rule of kl.core.IO (io_range.h). */
#include "dev/io_range.h"

Retcode io_range_check(enum io_kind kind, uint64_t base, uint64_t size,
                       const struct pci_device *devs, size_t ndevs, const struct io_range *kernel,
                       size_t nkernel, const struct pci_device **dev, unsigned *bar,
                       const struct io_range **hit)
{
    if (dev)
        *dev = NULL;
    if (bar)
        *bar = 0;
    if (hit)
        *hit = NULL;
    if (size == 0)
        return rcInvalidArgument;
    if (base + size < base)
        return rcOutOfRange;
    if (kind == IO_KIND_PORT && (base >= IO_PORT_LIMIT || size > IO_PORT_LIMIT - base))
        return rcOutOfRange;
    if (kind == IO_KIND_MMIO && ((base | size) & (IO_MMIO_PAGE - 1)) != 0)
        return rcAlignment;
    for (size_t i = 0; i < nkernel; i++) {
        if (kernel[i].size && io_ranges_overlap(base, size, kernel[i].base, kernel[i].size)) {
            if (hit)
                *hit = &kernel[i];
            return rcKernelResource;
        }
    }
    for (size_t i = 0; i < ndevs; i++) {
        for (unsigned b = 0; b < 6; b++) {
            const struct pci_bar *pb = &devs[i].bar[b];
            if (pb->size == 0 || pb->base == 0 || pb->io != (kind == IO_KIND_PORT))
                continue;
            if (pb->base + pb->size < pb->base)
                continue; /* a BAR that wraps is no device's range */
            if (base >= pb->base && base + size <= pb->base + pb->size) {
                if (dev)
                    *dev = &devs[i];
                if (bar)
                    *bar = b;
                return rcOk;
            }
        }
    }
    return rcNotDeviceResource;
}
