/*
 * kl.core.IOMMU: Attach and Detach a PCI device to and from the caller's IOMMU domain
 * (dev/iommu.h).
 *
 * Who may attach a device: a process that holds one of its registered port or MMIO ranges (a
 * handle to an IO.RegisterPort/RegisterMmio object of that function, registered by itself or
 * handed to it by Einit from init.yaml `devices:`), else rcDeviceNotOwned. So a class that the
 * policy lets attach a device still cannot take one it does not drive, whatever the timing.
 *
 * Who owns a device: the process whose domain it is in. A device is in at most one domain, and
 * it leaves it only when its owner detaches it or ends: attaching a device that another
 * process's domain holds is rcResourceBusy, so no process can take a device away from its
 * driver (the method's danger: "attaches a device managed by another process ... which leads
 * to failure of the device"). Which bdf a class may attach at all is the policy's to say (the
 * recommended monitoring of the address), so a driver's rules name its device and an attacker
 * cannot attach it first.
 *
 * A device attached gets bus mastering turned on (PCI command register): DMA is allowed only
 * once it is confined.
 *
 * Errors: rcNoHardware (no IOMMU), rcOutOfRange (a segment other than 0: segment << 16 |
 * bus << 8 | dev << 3 | fn), rcNotFound (no such PCI function), rcDeviceNotOwned (Attach: the
 * caller holds none of its ranges), rcResourceBusy (in another
 * process's domain), rcAlreadyExists (already in the caller's), and iommu_attach's. Detach: rcNotFound when the device is not in the
 * caller's domain; then the device is blocked again.
 */
#include "dev/iommu.h"
#include "dev/pci.h"
#include "klcore/IO.h"
#include "klcore/klcore.h"
#include "proc/process.h"

#define PCI_COMMAND 0x04
#define PCI_COMMAND_BUS_MASTER 0x4u

static Retcode check_bdf(kl_core_IOMMU_PciBdf bdf)
{
    if (!iommu_present())
        return rcNoHardware;
    if (bdf >> 16)
        return rcOutOfRange; /* segments other than 0 are not translated (dev/vtd.h) */
    if (pci_find_bdf((uint16_t)bdf) == NULL)
        return rcNotFound;
    return rcOk;
}

static Retcode Attach(void *ctx, kl_core_IOMMU_PciBdf bdf, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    Retcode r = check_bdf(bdf);
    /* Without a range of the device: the answer it would get holding one when the device is
     * taken (rcAlreadyExists, rcResourceBusy), else rcDeviceNotOwned. A driver waiting for a
     * device to come free can so poll Attach without holding, and taking, its registers. */
    if (r == rcOk && !core_io_holds_device(c->proc, (uint16_t)bdf))
        r = iommu_attached_to((uint16_t)bdf, c->proc) ? rcAlreadyExists
            : iommu_device_attached((uint16_t)bdf)    ? rcResourceBusy
                                                      : rcDeviceNotOwned;
    if (r == rcOk)
        r = iommu_attach(c->proc, (uint16_t)bdf);
    if (r == rcOk) {
        /* The device may now master the bus: its requests can reach only this domain. (The
         * kernel turns bus mastering on here, not the driver: it is on only for a device whose
         * DMA is confined. Detach leaves it on: the device is blocked again all the same.) */
        const struct pci_device *d = pci_find_bdf((uint16_t)bdf);
        uint32_t cmd = pci_cfg_read(d, PCI_COMMAND, 2);
        if (!(cmd & PCI_COMMAND_BUS_MASTER))
            pci_cfg_write(d, PCI_COMMAND, 2, cmd | PCI_COMMAND_BUS_MASTER);
    }
    *rc = r;
    return rcOk;
}

static Retcode Detach(void *ctx, kl_core_IOMMU_PciBdf bdf, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    Retcode r = check_bdf(bdf);
    if (r == rcOk)
        r = iommu_detach(c->proc, (uint16_t)bdf);
    *rc = r;
    return rcOk;
}

const struct kl_core_IOMMU_ops core_iommu_ops = {
    .Attach = Attach,
    .Detach = Detach,
};
