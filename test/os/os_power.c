/*
 * os_power (class ostest.Power): kl.core.CpuFreq and kl.core.PM as a power manager uses them
 * (test/os/policy/ostest.psl: CpuFreq, PM.GetCpusOnline, and PM.Request for the values that do
 * not end this test image, >= PowerSuspend; power-off itself is the ctest poweroff's).
 *
 *   - GetCpusOnline: CPU 0 and no CPU beyond the machine's;
 *   - GetLayout: one group of the online CPUs with one OPP at a plausible frequency;
 *     GetCurOppId 0; SetOppId to that OPP succeeds; every other group rcNoSuchCpuGroup, every
 *     other OPP rcNoSuchOpp;
 *   - Request: PowerSuspend rcNotSupported, an unknown value rcInvalidArgument, PowerShutdown
 *     refused by this image's policy (rcSecurityDisallow).
 */
#include <stdint.h>
#include <stdio.h>

#include "ostest.h"
#include "power_calls.h"

static bool cpus_online(uint64_t *mask)
{
    bool ok = OT_RC(pm_online(mask), rcOk);
    ok &= OT_TRUE((*mask & 1u) != 0);
    printf("os_power: CPUs online: mask 0x%llx\n", (unsigned long long)*mask);
    return ok;
}

static bool cpufreq(uint64_t online)
{
    struct kl_core_CpuFreq_CpuOpp l[kl_core_CpuFreq_CpuOppMax];
    uint32_t n = 0, opp = 0;
    bool ok = OT_RC(cpufreq_layout(l, kl_core_CpuFreq_CpuOppMax, &n), rcOk);
    ok &= OT_EQ(n, 1);
    if (n >= 1) {
        printf("os_power: CPU group 0: %u kHz, %u uV\n", l[0].freqKhz, l[0].voltageUv);
        ok &= OT_EQ(l[0].groupId, 0);
        ok &= OT_EQ(l[0].oppId, 0);
        ok &= OT_EQ(l[0].cpus, online);
        ok &= OT_TRUE(l[0].freqKhz >= 100000u && l[0].freqKhz <= 10000000u);
    }
    ok &= OT_RC(cpufreq_cur(0, &opp), rcOk);
    ok &= OT_EQ(opp, 0);
    ok &= OT_RC(cpufreq_cur(1, &opp), rcNoSuchCpuGroup);
    ok &= OT_RC(cpufreq_cur(0xFFFFFFFFu, &opp), rcNoSuchCpuGroup);
    ok &= OT_RC(cpufreq_set(0, 0), rcOk);
    ok &= OT_RC(cpufreq_set(0, 1), rcNoSuchOpp);
    ok &= OT_RC(cpufreq_set(0, 0xFFFFFFFFu), rcNoSuchOpp);
    ok &= OT_RC(cpufreq_set(1, 0), rcNoSuchCpuGroup);
    ok &= OT_RC(cpufreq_set(0xFFFFFFFFu, 0), rcNoSuchCpuGroup);
    ok &= OT_RC(cpufreq_cur(0, &opp), rcOk);
    ok &= OT_EQ(opp, 0);
    return ok;
}

static bool request(void)
{
    bool ok = OT_RC(pm_request(kl_core_PM_PowerSuspend), rcNotSupported);
    ok &= OT_RC(pm_request(3), rcInvalidArgument);
    ok &= OT_RC(pm_request(0xFFFFFFFFu), rcInvalidArgument);
    ok &= OT_RC(pm_request(kl_core_PM_PowerShutdown), rcSecurityDisallow);
    ok &= OT_RC(pm_request(kl_core_PM_PowerReboot), rcSecurityDisallow);
    return ok;
}

int main(void)
{
    ot_begin("os_power");
    uint64_t online = 0;
    (void)cpus_online(&online);
    (void)cpufreq(online);
    (void)request();
    return ot_end();
}
