/*
 * kl.core.CpuFreq and kl.core.PM as one-line calls, for os_power and os_attack_power: each
 * returns core_result() of the generated proxy (rcSecurityDisallow when the policy denied it).
 */
#ifndef OSTEST_POWER_CALLS_H
#define OSTEST_POWER_CALLS_H

#include <stdint.h>

#include <user/core.h>

static inline Retcode cpufreq_layout(struct kl_core_CpuFreq_CpuOpp *out, uint32_t max, uint32_t *n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cpufreq_CpuFreq, CORE_MSG_LARGE);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq layout = {0};
    Retcode r = core_result(kl_core_CpuFreq_GetLayout(&cl, &layout, &rc), &rc);
    *n = 0;
    const struct kl_core_CpuFreq_CpuOpp *in = layout.data;
    for (uint32_t i = 0; r == rcOk && i < layout.count && i < max; i++)
        out[(*n)++] = in[i];
    return r;
}

static inline Retcode cpufreq_cur(uint32_t group, uint32_t *opp)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cpufreq_CpuFreq, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *opp = 0xFFFFFFFFu;
    return core_result(kl_core_CpuFreq_GetCurOppId(&cl, group, opp, &rc), &rc);
}

static inline Retcode cpufreq_set(uint32_t group, uint32_t opp)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cpufreq_CpuFreq, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_CpuFreq_SetOppId(&cl, group, opp, &rc), &rc);
}

static inline Retcode pm_request(uint32_t request)
{
    CORE_CLIENT(cl, kl_core_Core_EP_pm_PM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_PM_Request(&cl, request, &rc), &rc);
}

static inline Retcode pm_set_online(uint64_t mask, uint32_t timeout_ms)
{
    CORE_CLIENT(cl, kl_core_Core_EP_pm_PM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_PM_SetCpusOnline(&cl, mask, timeout_ms, &rc), &rc);
}

static inline Retcode pm_online(uint64_t *mask)
{
    CORE_CLIENT(cl, kl_core_Core_EP_pm_PM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *mask = 0;
    return core_result(kl_core_PM_GetCpusOnline(&cl, mask, &rc), &rc);
}

#endif
