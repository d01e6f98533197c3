/*
 * kl.core.PM: the machine's power state and its online CPUs.
 *
 *   GetCpusOnline()   bit i set for each logical CPU i that takes threads: started, joined the
 *                     scheduler and not taken offline (the mask Thread.SetAffinity cuts to).
 *   Request(r)        PowerShutdown: ACPI soft-off, PM1a/PM1b_CNT written with SLP_TYP from the
 *                     DSDT's \_S5 and SLP_EN (arch/x86_64/acpi_power.h); PowerReboot: the FADT
 *                     reset register, else port 0xCF9, else the keyboard controller. Neither
 *                     returns when it works (QEMU exits, or restarts: under -no-reboot it exits
 *                     too). The kernel prints who asked first. rcNotSupported: PowerSuspend (no
 *                     sleep states are implemented) or no \_S5/FADT for power-off;
 *                     rcPowerStateFailed: the machine stayed up; rcInvalidArgument: any other
 *                     value. Nothing is flushed or stopped first: programs that must save state
 *                     do so before asking (the policy decides who may ask at all).
 *   SetCpusOnline(request, timeout)
 *                     request is the set of CPUs that must be online afterwards: those of it
 *                     that are offline come back, the others go offline (sched_cpu_set_offline:
 *                     an offline CPU halts in its idle loop; its threads move to online CPUs
 *                     their affinity allows). All or nothing: rcInvalidArgument for a CPU that
 *                     does not exist or never started; rcAccessDenied when request lacks CPU 0
 *                     (it takes every device interrupt and so is the last CPU, never taken
 *                     away); rcResourceBusy when a thread's affinity allows only CPUs that would
 *                     be offline (affinity is never broken: that thread keeps one online; the
 *                     security monitor's threads are no exception, so the KSM always keeps a
 *                     CPU). Then it waits up to timeout ms for the CPUs going offline to run
 *                     only their idle threads; rcTimeout if one still runs a thread then (a
 *                     thread inside the kernel leaves at its next return to user mode; the CPUs
 *                     stay offline).
 */
#include "arch/x86_64/acpi_power.h"
#include "arch/x86_64/percpu.h"
#include "klcore/klcore.h"
#include "lib/kprintf.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

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

static Retcode SetCpusOnline(void *ctx, kl_core_Types_CpuMask request, kl_core_Types_Msecs timeout,
                             kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    uint64_t present = core_cpus_online();
    uint64_t before = sched_cpus_online();
    Retcode r = rcOk;
    if (request & ~present)
        r = rcInvalidArgument;
    else if (!(request & 1u))
        r = rcAccessDenied;
    uint64_t went = 0; /* CPUs this call took offline */
    for (unsigned i = 1; r == rcOk && i < 64; i++) {
        if (!(present >> i & 1))
            continue;
        bool want = request >> i & 1;
        if (!want && (before >> i & 1)) {
            r = sched_cpu_set_offline(i, true);
            if (r == rcOk)
                went |= 1ull << i;
        }
    }
    if (r != rcOk) {
        for (unsigned i = 1; i < 64; i++) /* all or nothing */
            if (went >> i & 1)
                (void)sched_cpu_set_offline(i, false);
        *rc = r;
        return rcOk;
    }
    for (unsigned i = 1; i < 64; i++)
        if ((request >> i & 1) && !(before >> i & 1))
            (void)sched_cpu_set_offline(i, false);
    if (went)
        kprintf("pm: CPUs online %#lx -> %#lx, asked by %s (pid %lu)\n", (unsigned long)before,
                (unsigned long)sched_cpus_online(), c->proc->name, (unsigned long)c->proc->pid);
    /* The caller itself may run on a CPU that just went offline: it moves now. */
    sched_yield();
    uint64_t deadline = sched_now_ns() + (uint64_t)timeout * 1000000ull;
    for (;;) {
        bool vacated = true;
        for (unsigned i = 1; i < 64; i++)
            if ((went >> i & 1) && !sched_cpu_vacated(i))
                vacated = false;
        if (vacated)
            break;
        if (sched_now_ns() >= deadline) {
            r = rcTimeout;
            break;
        }
        sched_sleep_ns(1000000ull);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetCpusOnline(void *ctx, kl_core_Types_CpuMask *online, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *online = sched_cpus_online();
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_PM_ops core_pm_ops = {
    .Request = Request,
    .GetCpusOnline = GetCpusOnline,
    .SetCpusOnline = SetCpusOnline,
};
