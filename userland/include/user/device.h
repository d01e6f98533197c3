/*
 * A driver's device, as Einit hands it over (init.yaml `devices:`, docs/init-yaml.md): for a
 * device named `dev` in the driver's entry, Einit registers each of the PCI function's BARs and
 * its legacy interrupt through kl.core.IO, transfers the resource handles to the driver under
 * the names "<dev>.bar<N>" and "<dev>.irq", and sets the environment variable "<dev>_bdf" to the
 * function's address ("bb:dd.f"). A driver is written against these, never against addresses:
 *
 *     uint32_t regs;
 *     if (device_resource("edu", "bar0", &regs) == rcOk) ... IO.MapMem(regs) ...
 */
#ifndef USER_DEVICE_H
#define USER_DEVICE_H

#include <stdint.h>

#include <bastion/retcode.h>

/* The handle of resource `what` ("bar0".."bar5", "irq") of device `dev`. rcNotFound when Einit
 * gave none (no such device in init.yaml, or the function has no such BAR or interrupt),
 * rcInvalidArgument for a name too long to form. */
Retcode device_resource(const char *dev, const char *what, uint32_t *handle);

/* The PCI address (bus << 8 | device << 3 | function) of device `dev`, as IOMMU.Attach takes it.
 * rcNotFound without the variable, rcBadFormat when it is not "bb:dd.f" in hexadecimal with
 * device <= 0x1f and function <= 7. */
Retcode device_bdf(const char *dev, uint16_t *bdf);

/* Parses "bb:dd.f" (hexadecimal bus and device, function 0..7); the same rule as device_bdf. */
Retcode device_bdf_parse(const char *text, uint16_t *bdf);

#endif
