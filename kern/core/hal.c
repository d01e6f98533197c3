/* kl.core.HAL: DebugWrite (the diagnostic output: the serial console) and GetEnv (kernel
 * parameters from the boot command line). The other methods have no handler (core.h). */
#include "boot/params.h"
#include "console/console.h"
#include "core/core.h"
#include "lib/string.h"
#include "proc/process.h"

static Retcode DebugWrite(void *ctx, struct idl_seq data, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    /* The bytes go out as they are: user programs format their own lines. */
    console_write((const char *)data.data, data.count);
    *rc = rcOk;
    return rcOk;
}

static Retcode GetEnv(void *ctx, const char *name, const char **value, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    const char *v = kparam_get(name);
    if (v == NULL) {
        *value = "";
        *rc = rcNotFound;
    } else if (strlen(v) > kl_core_HAL_HalEnvValueMax) {
        *value = "";
        *rc = rcBufferTooSmall;
    } else {
        *value = v;
        *rc = rcOk;
    }
    return rcOk;
}

const struct kl_core_HAL_ops core_hal_ops = {
    .GetEnv = GetEnv,
    .DebugWrite = DebugWrite,
};
