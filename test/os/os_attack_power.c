/*
 * os_attack_power (class ostest.AttackPower): the abuses the danger texts of kl.core.CpuFreq
 * and kl.core.PM name, by a program that may look at the CPUs and their frequencies (GetLayout,
 * GetCurOppId, GetCpusOnline: not dangerous) but was given neither SetOppId nor Request
 * (test/os/policy/ostest.psl):
 *
 *   CpuFreq.SetOppId  "changes the frequency of a processor group": every group and OPP asked,
 *                     each rcSecurityDisallow, and the current OPP stays 0;
 *   PM.Request        "allows the computer power mode to be changed": power-off, reboot and
 *                     suspend, each rcSecurityDisallow, and this program (the machine) runs on;
 *   PM.SetCpusOnline  "disables and enables processors": CPU 0 alone, none, all, each
 *                     rcSecurityDisallow, and every CPU stays online.
 *
 * After each, the probe server (another process) must still answer.
 */
#include <stdint.h>
#include <stdio.h>

#include "ostest.h"
#include "power_calls.h"

static bool set_opp(void)
{
    uint32_t opp = 0xFFFFFFFFu;
    bool ok = OT_RC(cpufreq_set(0, 0), rcSecurityDisallow);
    ok &= OT_RC(cpufreq_set(0, 1), rcSecurityDisallow);
    ok &= OT_RC(cpufreq_set(1, 0), rcSecurityDisallow);
    ok &= OT_RC(cpufreq_set(0xFFFFFFFFu, 0xFFFFFFFFu), rcSecurityDisallow);
    ok &= OT_RC(cpufreq_cur(0, &opp), rcOk);
    ok &= OT_EQ(opp, 0);
    return ok;
}

static bool request(void)
{
    uint64_t before = 0, after = 0;
    bool ok = OT_RC(pm_online(&before), rcOk);
    ok &= OT_RC(pm_request(kl_core_PM_PowerShutdown), rcSecurityDisallow);
    ok &= OT_RC(pm_request(kl_core_PM_PowerReboot), rcSecurityDisallow);
    ok &= OT_RC(pm_request(kl_core_PM_PowerSuspend), rcSecurityDisallow);
    /* Still here, with every CPU. */
    ok &= OT_RC(pm_online(&after), rcOk);
    ok &= OT_EQ(after, before);
    return ok;
}

/* PM.SetCpusOnline "disables and enables processors": CPU 0 alone, no CPU, every CPU, each
 * rcSecurityDisallow, and every CPU stays online. */
static bool cpus_online(void)
{
    uint64_t before = 0, after = 0;
    bool ok = OT_RC(pm_online(&before), rcOk);
    ok &= OT_RC(pm_set_online(1, 1000), rcSecurityDisallow);
    ok &= OT_RC(pm_set_online(0, 0), rcSecurityDisallow);
    ok &= OT_RC(pm_set_online(before, 1000), rcSecurityDisallow);
    ok &= OT_RC(pm_online(&after), rcOk);
    ok &= OT_EQ(after, before);
    return ok;
}

int main(void)
{
    ot_begin("os_attack_power");
    bool ok = set_opp();
    ot_attack("kl.core.CpuFreq.SetOppId", ok && ot_bystander_served());
    ok = request();
    ot_attack("kl.core.PM.Request", ok && ot_bystander_served());
    ok = cpus_online();
    ot_attack("kl.core.PM.SetCpusOnline", ok && ot_bystander_served());
    return ot_end();
}
