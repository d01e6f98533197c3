/*
 * bench/net/idle_clock_bastion.c: the idle clock (idle_clock.h) of Bastion: the kl.core.Profiler
 * counter "sched.idle_tsc", the TSC ticks every CPU spent halted in its idle loop, each halt
 * ended by the trap that woke the CPU (kern/arch/x86_64/idle_time.h). A core call like any
 * other: the policy grants it with exactly that prefix (userland/bench/policy/bench.psl).
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>

#include "kl/core/Profiler.idl.h"

#include "idle_clock.h"

int idle_clock_read(uint64_t *ticks)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq values = {0};
    Retcode r = core_result(
        kl_core_Profiler_GetCounters(&cl, "sched.idle_tsc", (struct idl_seq){0}, &values, &rc),
        &rc);
    if (r != rcOk || values.count != 1) {
        printf("bench-net: Profiler.GetCounters(sched.idle_tsc): %s\n", retcode_name(r));
        return -1;
    }
    memcpy(ticks, values.data, sizeof *ticks);
    return 0;
}
