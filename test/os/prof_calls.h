/*
 * kl.core.Profiler's sampling, segment and statistics methods as one-line calls, for os_prof
 * and os_attack_prof: each returns core_result() of the generated proxy (rcSecurityDisallow
 * when the policy denied it).
 */
#ifndef OSTEST_PROF_CALLS_H
#define OSTEST_PROF_CALLS_H

#include <stdint.h>

#include <bastion/profiler.h>
#include <user/core.h>

/* The core calls os_prof_worker makes as os_prof's ProfCaller ("calls"), besides its start-up's
 * and one the policy denies. */
#define PROF_CALLER_CALLS 32u

/* ObjectGetStat: names[0..nnames) (none: every counter of the object), at most max values. */
static inline Retcode prof_stat(uint32_t h, const char *const *names, uint32_t nnames,
                                uint64_t *out, uint32_t max, uint32_t *n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq v = {0};
    Retcode r = core_result(
        kl_core_Profiler_ObjectGetStat(&cl, core_handle_arg(h),
                                       (struct idl_seq){.data = names, .count = nnames}, &v, &rc),
        &rc);
    *n = 0;
    for (uint32_t i = 0; r == rcOk && i < v.count && i < max; i++)
        out[(*n)++] = ((const uint64_t *)v.data)[i];
    return r;
}

static inline Retcode prof_start(uint32_t conf, uint64_t cpus, uint64_t cont_size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_SamplingStart(&cl, conf, cpus, cont_size, 0, &rc), &rc);
}

static inline Retcode prof_stop(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_SamplingStop(&cl, &rc), &rc);
}

/* SamplingRead into buf (size bytes); *got = bytes written. */
static inline Retcode prof_read(void *buf, uint64_t size, uint32_t timeout_ms, uint64_t *got)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Size real = 0;
    Retcode r = core_result(
        kl_core_Profiler_SamplingRead(&cl, (uint64_t)(uintptr_t)buf, size, &real, timeout_ms, &rc),
        &rc);
    *got = real;
    return r;
}

static inline Retcode prof_add_pid(uint32_t pid)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_SamplingAddPidToList(&cl, pid, &rc), &rc);
}

static inline Retcode prof_clear_pids(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_SamplingClearPidList(&cl, &rc), &rc);
}

static inline Retcode prof_load_seg(uint32_t task, uint64_t addr, uint64_t size, uint64_t offset,
                                    uint32_t flags, const uint8_t *build_id, uint32_t len)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(
        kl_core_Profiler_LoadSegInfo(&cl, core_handle_arg(task), addr, size, offset, flags,
                                     (struct idl_seq){.data = build_id, .count = len}, &rc),
        &rc);
}

static inline Retcode prof_unload_seg(uint32_t task, uint64_t addr, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Profiler_UnloadSegInfo(&cl, core_handle_arg(task), addr, size, &rc),
                       &rc);
}

/* The caller's own pid (Task.GetPid of no handle). */
static inline Retcode prof_own_pid(uint32_t *pid)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Pid p = 0;
    Retcode r = core_result(
        kl_core_Task_GetPid(&cl, core_handle_arg(kl_core_Types_InvalidHandleValue), &p, &rc), &rc);
    *pid = p;
    return r;
}

#endif
