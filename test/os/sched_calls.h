/*
 * kl.core.Thread's scheduling methods as one-line calls, for os_sched_policy and
 * os_attack_sched: each returns core_result() of the generated proxy (rcSecurityDisallow when
 * the policy denied it).
 */
#ifndef OSTEST_SCHED_CALLS_H
#define OSTEST_SCHED_CALLS_H

#include <stdint.h>

#include <user/core.h>

static inline Retcode sched_open_current(uint32_t *handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    Retcode r = core_result(kl_core_Thread_OpenCurrent(&cl, &h, &rc), &rc);
    *handle = h.handle;
    return r;
}

/* Thread.SetSchedPolicy with param's tag = tag and its 32-bit member = value (the quantum in
 * milliseconds for round robin). */
static inline Retcode sched_set(uint32_t thread, uint32_t policy, uint32_t prio, uint32_t tag,
                                uint32_t value)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Types_SchedParam param = {.tag = tag};
    param.u.roundRobin.quantum = value;
    return core_result(
        kl_core_Thread_SetSchedPolicy(&cl, core_handle_arg(thread), policy, prio, &param, &rc),
        &rc);
}

/* The usual call: the param member that goes with policy, with value. */
static inline Retcode sched_set_policy(uint32_t thread, uint32_t policy, uint32_t prio,
                                       uint32_t value)
{
    return sched_set(thread, policy, prio, policy, value);
}

static inline Retcode sched_get_policy(uint32_t thread, uint32_t *policy, uint32_t *prio,
                                       uint32_t *value)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Types_SchedParam param = {0};
    *policy = *prio = *value = 0xFFFFFFFFu;
    Retcode r = core_result(
        kl_core_Thread_GetSchedPolicy(&cl, core_handle_arg(thread), policy, prio, &param, &rc),
        &rc);
    if (r == rcOk)
        *value = param.tag == *policy ? param.u.roundRobin.quantum : 0xFFFFFFFEu;
    return r;
}

static inline Retcode sched_set_priority(uint32_t thread, uint32_t prio)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Thread_SetPriority(&cl, core_handle_arg(thread), prio, &rc), &rc);
}

static inline Retcode sched_set_affinity(uint32_t thread, uint64_t mask)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Thread_SetAffinity(&cl, core_handle_arg(thread), mask, &rc), &rc);
}

#endif
