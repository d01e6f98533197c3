/*
 * Which device the driver drives: the e1000's PCI function as Einit hands it over from
 * init.yaml (`devices: [{name: nic, pci: "8086:100e"}]`, docs/init-yaml.md): BAR0 (the
 * registers) and the legacy interrupt line as handles, the function's address for IOMMU.Attach.
 * The driver names no address of its device; the numbers are the machine's business.
 */
#ifndef NET_E1000_DEVICE_H
#define NET_E1000_DEVICE_H

#include <stdint.h>

#include <bastion/retcode.h>

/* The init.yaml name of the device. */
#define NIC_DEVICE_NAME "nic"

struct nic_device {
    uint32_t regs; /* handle of BAR0, registered by Einit (IO.MapMem maps it) */
    uint32_t irq;  /* handle of the INTx line (IO.AttachIrq) */
    uint16_t bdf;  /* bus << 8 | device << 3 | function */
};

/* The handles "nic.bar0" and "nic.irq" and the variable "nic_bdf": rcNotFound when Einit gave
 * none of them (no `devices:` entry named "nic"), rcBadFormat for a malformed address. */
Retcode nic_device_find(struct nic_device *dev);

#endif
