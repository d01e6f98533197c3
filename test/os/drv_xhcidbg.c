/*
 * drv_xhcidbg (class ostest.DrvXhciDbg): kl.core.XHCIDBG on a machine with an xHCI controller
 * that has no USB debug capability (q35 with QEMU's qemu-xhci, the driver image). The kernel
 * finds the controller on PCI, maps it and walks its extended capabilities (the log's
 * "xhci-dbc: ..." line, drivers-expected.txt); Start and Stop answer rcNoDebugCapability, every
 * time, and the diagnostic output still reaches the console afterwards.
 */
#include <stdio.h>

#include "hal_calls.h"
#include "ostest.h"

int main(void)
{
    ot_begin("drv_xhcidbg");
    OT_RC(xhcidbg_start(), rcNoDebugCapability);
    OT_RC(xhcidbg_stop(), rcNoDebugCapability);
    OT_RC(xhcidbg_start(), rcNoDebugCapability); /* the probe runs again and answers the same */
    OT_RC(core_debug_write("drv_xhcidbg: output after Start\n", 32), rcOk);
    return ot_end();
}
