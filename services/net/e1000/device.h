/*
 * Which device the driver drives: the e1000's PCI function, its registers and its interrupt
 * line. Found in one place (nic_device_find) so that the way a driver learns its device can
 * change without touching the rest: today from the arguments Einit passes (init.yaml `args`),
 * the numbers the machine's firmware assigned and the policy names too.
 */
#ifndef NET_E1000_DEVICE_H
#define NET_E1000_DEVICE_H

#include <stdint.h>

#include <bastion/retcode.h>

struct nic_device {
    uint32_t gsi;  /* the legacy INTx line (its GSI) */
    uint16_t bdf;  /* bus << 8 | device << 3 | function */
    uint64_t bar0; /* physical address of BAR0 (the registers) */
};

/* From "--device GSI,BDF,BAR0" (C numbers) among the arguments: rcNotFound without the
 * argument, rcInvalidArgument when it does not parse or names no device (BAR0 0). */
Retcode nic_device_find(int argc, char **argv, struct nic_device *dev);

#endif
