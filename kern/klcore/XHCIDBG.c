/*
 * kl.core.XHCIDBG: Start and Stop turn the xHCI USB Debug Capability on and off
 * (dev/xhci_dbc.h: the probe, its answers rcNoHardware and rcNoDebugCapability, and what runs
 * while it is on). Both act on the machine, not on the caller: which process may call them is
 * the policy's decision alone (docs/drivers.md).
 */
#include "dev/xhci_dbc.h"
#include "klcore/klcore.h"

static Retcode Start(void *ctx, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *rc = xhci_dbc_start();
    return rcOk;
}

static Retcode Stop(void *ctx, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *rc = xhci_dbc_stop();
    return rcOk;
}

const struct kl_core_XHCIDBG_ops core_xhcidbg_ops = {
    .Start = Start,
    .Stop = Stop,
};
