/*
 * os_attack_sched (class ostest.AttackSched): the abuse the danger text of
 * kl.core.Thread.SetSchedPolicy names, "convert a thread into a real-time thread that takes up
 * all the CPU time from all other threads, including from other processes", and "elevate the
 * priority of a thread", by a program whose policy (test/os/policy/ostest.psl) grants it the
 * scheduling methods at priority 0 only: the lowest real-time priority is what such a program
 * might be given, everything above is refused.
 *
 *   1. the policy: its own thread raised to FIFO 31, round robin 31 and normal 31, and
 *      SetPriority 31, each rcSecurityDisallow; a thread it holds no handle of (a guessed
 *      handle value) cannot be reached at all;
 *   2. the kernel: what the policy granted, FIFO priority 0, on a busy loop pinned to every
 *      CPU; the kernel's real-time bandwidth (950 ms of every second per CPU) must still let
 *      this program's own normal-class thread and the probe server (another process, reached
 *      through the security monitor, both normal class) run while every loop still spins.
 *      The loops stop as soon as that is shown, and by themselves after 10 s at the latest.
 *      It runs on the power image (test/os/power.yaml, 2 CPUs), which is made for tests that
 *      take the whole machine: beside the in-OS tests, its 95% of every CPU slows them all.
 *
 * After each, the probe server must answer.
 */
#include <stdint.h>
#include <stdio.h>

#include <user/start.h>
#include <user/thread.h>

#include "ostest.h"
#include "sched_calls.h"

#define MAX_SPINNERS 16

static volatile int stop;
static volatile uint64_t spins[MAX_SPINNERS];
static volatile uint32_t ended; /* loops that stopped by their own time limit */
static uint64_t spin_limit_tsc; /* the loops' time limit, in TSC ticks */

static inline uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* A busy loop until told to stop, or until its time limit (so that the test image, which
 * shares these CPUs, gets them back even if this program were stuck). */
static int spin(void *arg)
{
    volatile uint64_t *count = arg;
    uint64_t until = tsc() + spin_limit_tsc;
    while (!stop) {
        (*count)++;
        if (tsc() > until) {
            __atomic_add_fetch(&ended, 1, __ATOMIC_RELAXED);
            break;
        }
    }
    return 0;
}

static bool refused(void)
{
    uint32_t self = 0, pol, prio, val;
    bool ok = OT_RC(sched_open_current(&self), rcOk);
    ok &= OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyFifo, 31, 0), rcSecurityDisallow);
    ok &= OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyRoundRobin, 31, 0),
                rcSecurityDisallow);
    ok &= OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyTimeshare, 31, 0),
                rcSecurityDisallow);
    ok &= OT_RC(sched_set_priority(self, 31), rcSecurityDisallow);
    /* Another process's thread: only a handle reaches one, and guessing a value does not. */
    ok &= OT_RC(sched_set_policy(0x12345u, kl_core_Types_SchedPolicyFifo, 0, 0), rcBadHandle);
    /* Still an ordinary thread. */
    ok &= OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    ok &= OT_EQ(pol, kl_core_Types_SchedPolicyTimeshare);
    return ok;
}

static bool throttled(void)
{
    struct thread t[MAX_SPINNERS];
    unsigned cpus = start_cpu_count();
    if (cpus > MAX_SPINNERS)
        cpus = MAX_SPINNERS;
    /* The loops' limit: 10 s by the TSC, whose rate a 100 ms sleep measures (a longer sleep
     * only lengthens the limit). */
    uint64_t t0 = tsc();
    (void)core_thread_sleep(100);
    spin_limit_tsc = (tsc() - t0) * 100;
    bool ok = true;
    stop = 0;
    ended = 0;
    /* One FIFO busy loop pinned to each CPU. */
    unsigned n = 0;
    for (unsigned cpu = 0; cpu < cpus; cpu++) {
        if (!OT_RC(thread_create(&t[n], spin, (void *)&spins[n], 0, 0), rcOk))
            break;
        n++;
        /* pwr_cpus parks CPU 1 for a moment on the power image: wait for it to come back. */
        Retcode r = rcInvalidArgument;
        for (unsigned tries = 0; tries < 150 && r == rcInvalidArgument; tries++) {
            r = sched_set_affinity(t[n - 1].handle, 1ull << cpu);
            if (r == rcInvalidArgument)
                (void)core_thread_sleep(100);
        }
        ok &= OT_RC(r, rcOk);
        ok &= OT_RC(sched_set_policy(t[n - 1].handle, kl_core_Types_SchedPolicyFifo, 0, 0), rcOk);
    }
    printf("os_attack_sched: %u real-time busy loops, one per CPU\n", n);
    ok &= OT_TRUE(n == cpus && n >= 2);
    /* This thread, normal class, must still get to run with a real-time loop on every CPU:
     * every step below (the sleep's wake-up, each call, which the security monitor decides,
     * and the probe server's answer) needs a CPU that only the real-time bandwidth's throttle
     * gives it. */
    ok &= OT_RC(core_thread_sleep(50), rcOk);
    bool served = ot_bystander_served();
    uint32_t ended_before = ended; /* 0: the loops were all still running meanwhile */
    stop = 1;
    uint64_t ran = 0;
    for (unsigned i = 0; i < n; i++)
        ran += spins[i] > 0;
    ok &= OT_EQ(ran, n);
    ok &= OT_EQ(ended_before, 0);
    int code;
    for (unsigned i = 0; i < n; i++)
        ok &= OT_RC(thread_join(&t[i], 20000, &code), rcOk);
    return ok && served;
}

int main(void)
{
    ot_begin("os_attack_sched");
    bool ok = refused() && ot_bystander_served();
    ok &= throttled();
    ot_attack("kl.core.Thread.SetSchedPolicy", ok && ot_bystander_served());
    return ot_end();
}
