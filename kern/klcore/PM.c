/*
 * kl.core.PM: the machine's power state and its online CPUs.
 *
 *   GetCpusOnline()   bit i set for each logical CPU i that took part in scheduling since boot
 *                     (the same mask Thread.SetAffinity cuts to).
 *   Request(r)        PowerShutdown: ACPI soft-off, PM1a/PM1b_CNT written with SLP_TYP from the
 *                     DSDT's \_S5 and SLP_EN (arch/x86_64/acpi_power.h); PowerReboot: the FADT
 *                     reset register, else port 0xCF9, else the keyboard controller. Neither
 *                     returns when it works (QEMU exits, or restarts: under -no-reboot it exits
 *                     too). The kernel prints who asked first. rcNotSupported: PowerSuspend (no
 *                     sleep states are implemented) or no \_S5/FADT for power-off;
 *                     rcPowerStateFailed: the machine stayed up; rcInvalidArgument: any other
 *                     value. Nothing is flushed or stopped first: programs that must save state
 *                     do so before asking (the policy decides who may ask at all).
 *   SetCpusOnline     has no handler yet (rcNotSupported): CPUs cannot be taken offline.
 */
#include "arch/x86_64/acpi_power.h"
#include "arch/x86_64/percpu.h"
#include "klcore/klcore.h"
#include "lib/kprintf.h"
#include "proc/process.h"

uint64_t core_cpus_online(void)
{
    uint64_t online = 0;
    for (unsigned i = 0; i < MAX_CPUS && i < 64; i++)
        if (percpu_get(i) != NULL)
            online |= 1ull << i;
    return online;
}

static Retcode Request(void *ctx, kl_core_PM_PowerRequest request, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    switch (request) {
    case kl_core_PM_PowerShutdown:
        kprintf("pm: power off asked by %s (pid %lu)\n", c->proc->name,
                (unsigned long)c->proc->pid);
        *rc = acpi_power_off();
        break;
    case kl_core_PM_PowerReboot:
        kprintf("pm: reboot asked by %s (pid %lu)\n", c->proc->name, (unsigned long)c->proc->pid);
        *rc = acpi_reboot();
        break;
    case kl_core_PM_PowerSuspend:
        *rc = rcNotSupported;
        break;
    default:
        *rc = rcInvalidArgument;
        break;
    }
    return rcOk;
}

static Retcode GetCpusOnline(void *ctx, kl_core_Types_CpuMask *online, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *online = core_cpus_online();
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_PM_ops core_pm_ops = {
    .Request = Request,
    .GetCpusOnline = GetCpusOnline,
};
