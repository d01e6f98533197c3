/*
 * Einit's part of init.yaml `devices:`: for each PCI function an entry names, find it in the
 * kernel's PCI table, register its BARs (IO.RegisterMmio / RegisterPort) and its legacy
 * interrupt (IO.RegisterIrq) in Einit's own space, transfer each resource handle into the
 * process (Task.TransferHandle, before it runs), and close Einit's copy, so that the driver is
 * the only holder: its ranges are claimed until its handles are closed or it ends. The
 * resource objects stay charged to Einit's kernel-memory account, which asked for them.
 *
 * Names the process finds them under (user/device.h): handles "<name>.bar<N>" and
 * "<name>.irq", environment variable "<name>_bdf" = "bb:dd.f".
 */
#ifndef BASTION_EINIT_DEVICES_H
#define BASTION_EINIT_DEVICES_H

#include <stdint.h>

#include <bastion/retcode.h>

#include "startup_table.h"

/* Handles one device can give: six BARs and one interrupt. */
#define EINIT_DEVICE_HANDLES 7u

/* What one process's devices gave it; the strings live in this structure. */
struct einit_given {
    uint32_t nhandles;
    char handle_name[EINIT_MAX_DEVICES * EINIT_DEVICE_HANDLES][EINIT_MAX_NAME + 1];
    uint32_t handle[EINIT_MAX_DEVICES * EINIT_DEVICE_HANDLES]; /* in the process's space */
    uint32_t nenv;
    char env_name[EINIT_MAX_DEVICES][EINIT_MAX_NAME + 1];
    char env_value[EINIT_MAX_DEVICES][8]; /* "bb:dd.f" */
};

/*
 * Gives every device of entry `e` to the process `task` (created, not yet running). On failure
 * returns the code and sets *what to the step that failed (device, BAR and method); what the
 * process was given before the failure stays in its table and dies with it when Einit leaves
 * it out. Errors: pci_table_read's (the policy refusing Einit FS.Open of the table, a malformed
 * table), rcNotFound (no such function on this machine), and the kernel's answers to the
 * register and transfer calls (rcResourceBusy: another holder; rcSecurityDisallow: the policy).
 */
Retcode einit_give_devices(const struct einit_entry *e, uint32_t task, struct einit_given *out,
                           const char **what);

#endif
