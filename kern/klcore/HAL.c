/* kl.core.HAL: DebugWrite (the diagnostic output: the serial console, each line marked with
 * the writer's task name, console/console.h), GetEnv (the kernel parameters of the boot
 * command line that are meant for programs: the allow-list below) and GetEntropy (the
 * kernel's random source, lib/random.h: RDSEED or RDRAND where the CPU has them, else a
 * ChaCha20 generator keyed by TSC timings, which the kernel reports once). The privileged registers
 * (HAL_privreg.c) and FlushCache (HAL_cache.c) have files of their own (HAL.h). */
#include "boot/params.h"
#include "console/console.h"
#include "dev/xhci_dbc.h"
#include "klcore/HAL.h"
#include "klcore/klcore.h"
#include "lib/random.h"
#include "lib/string.h"
#include "proc/process.h"

static Retcode DebugWrite(void *ctx, struct idl_seq data, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    /* Programs format their own lines; the console marks each with the task's name, so that
     * none can pass for a kernel line (a forged "kss: denied ..."). */
    console_write_user(c->proc->pid, c->proc->name, (const char *)data.data, data.count);
    /* While kl.core.XHCIDBG.Start has the USB debug capability on, the output leaves through
     * it too, marked with the writer's name the same way. */
    if (xhci_dbc_running() && data.count > 0) {
        char tag[PROCESS_NAME_MAX + 4];
        size_t n = strlen(c->proc->name);
        memcpy(tag, c->proc->name, n);
        memcpy(tag + n, ": ", 2);
        xhci_dbc_write(tag, n + 2);
        xhci_dbc_write(data.data, data.count);
    }
    *rc = rcOk;
    return rcOk;
}

/*
 * The kernel parameters a program may read. Everything else on the boot line configures the
 * kernel (init=, ksm=, ksmkill=, selftest=, fault=, romfs.cat= ...): which monitor runs, which
 * tests are armed, where files live. A process has no business learning it, so GetEnv answers
 * rcAccessDenied for any name not listed here, present or not (the answer does not tell whether
 * it is set). Keep docs/ipc.md (HAL.GetEnv) in step.
 */
static const char *const getenv_allowed[] = {
    "bench.nomon", /* the benchmark image without a monitor (userland/bench) */
    "bench.rules", /* the scale image's policy size: rules beyond bench.psl's (bench_scale) */
    "fuzz.seed",   /* the in-OS fuzzer's run (scripts/fuzz, test/os/os_fuzz.c) */
    "fuzz.seconds", "fuzz.calls",
};

static bool getenv_is_allowed(const char *name)
{
    for (size_t i = 0; i < sizeof getenv_allowed / sizeof getenv_allowed[0]; i++)
        if (strcmp(name, getenv_allowed[i]) == 0)
            return true;
    return false;
}

static Retcode GetEnv(void *ctx, const char *name, const char **value, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    if (name == NULL || !getenv_is_allowed(name)) {
        *value = "";
        *rc = rcAccessDenied;
        return rcOk;
    }
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

static Retcode GetEntropy(void *ctx, struct idl_seq *buffer, uint32_t size,
                          kl_core_Types_Retcode *rc)
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
        uint64_t v = random_u64();
        memcpy(out + i, &v, size - i < 8 ? size - i : 8);
    }
    buffer->count = size;
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_HAL_ops core_hal_ops = {
    .GetEnv = GetEnv,
    .GetPrivReg = hal_get_priv_reg,
    .SetPrivReg = hal_set_priv_reg,
    .GetPrivRegRange = hal_get_priv_reg_range,
    .SetPrivRegRange = hal_set_priv_reg_range,
    .FlushCache = hal_flush_cache,
    .DebugWrite = DebugWrite,
    .GetEntropy = GetEntropy,
};
