/* kl.core.HAL: DebugWrite (the diagnostic output: the serial console), GetEnv (kernel
 * parameters from the boot command line) and GetEntropy (the kernel's random source: RDSEED or
 * RDRAND where the CPU has them, else a TSC-seeded generator, which the kernel reports once as
 * weak). The other methods have no handler (core.h). */
#include "boot/params.h"
#include "console/console.h"
#include "core/core.h"
#include "lib/string.h"
#include "proc/loader.h"
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

static Retcode GetEntropy(void *ctx, struct idl_seq *buffer, uint32_t size, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    buffer->data = c->scratch;
    buffer->count = 0;
    if (size > kl_core_HAL_EntropyMax || size > c->scratch_size) {
        *rc = rcOutOfRange;
        return rcOk;
    }
    uint8_t *out = c->scratch;
    for (uint32_t i = 0; i < size; i += 8) {
        uint64_t v = loader_random64();
        memcpy(out + i, &v, size - i < 8 ? size - i : 8);
    }
    buffer->count = size;
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_HAL_ops core_hal_ops = {
    .GetEntropy = GetEntropy,
    .GetEnv = GetEnv,
    .DebugWrite = DebugWrite,
};
