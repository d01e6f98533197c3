/*
 * pwr_cpus (class ostest.CpusOnline, the power image test/os/power.yaml, 2 CPUs): kl.core.PM
 * SetCpusOnline as a power manager uses it. It changes the whole machine, so it runs on the
 * image made for that, not beside the in-OS tests (whose threads pin themselves to every CPU):
 *
 *   - refused: a request without CPU 0 (rcAccessDenied), with a CPU that does not exist
 *     (rcInvalidArgument), and taking CPU 1 while a thread may run only there
 *     (rcResourceBusy: affinity is honoured, never broken);
 *   - CPU 1 offline: GetCpusOnline says so, a busy loop that ran on CPU 1 runs on CPU 0 only,
 *     SetAffinity to CPU 1 alone is refused; back online: a thread pinned there runs there.
 *
 * At its end it echoes once through the probe server (pwr_off waits for that echo).
 */
#include <stdint.h>
#include <stdio.h>

#include <user/core.h>
#include <user/thread.h>

#include "ostest.h"
#include "power_calls.h"
#include "sched_calls.h"

static volatile int stop;
static volatile uint64_t seen; /* bit i: the busy loop ran on CPU i since it was cleared */

static int busy(void *arg)
{
    (void)arg;
    while (!stop)
        __atomic_or_fetch(&seen, 1ull << ot_cpu_now(), __ATOMIC_RELAXED);
    return 0;
}

/* Until the busy loop has run somewhere since seen was cleared (at most 5 s: a real-time loop
 * of os_attack_sched may hold its CPU for up to 950 ms at a time). */
static void wait_seen(void)
{
    for (unsigned i = 0; i < 50 && __atomic_load_n(&seen, __ATOMIC_RELAXED) == 0; i++)
        (void)core_thread_sleep(100);
}

static Retcode set_online(uint64_t mask, uint32_t timeout)
{
    return pm_set_online(mask, timeout);
}

int main(void)
{
    ot_begin("pwr_cpus");
    uint64_t online = 0;
    OT_RC(pm_online(&online), rcOk);
    OT_EQ(online, 3);
    OT_RC(set_online(2, 1000), rcAccessDenied);
    OT_RC(set_online(7, 1000), rcInvalidArgument);
    OT_RC(set_online(0, 1000), rcAccessDenied);

    struct thread t;
    int code;
    if (!OT_RC(thread_create(&t, busy, NULL, 5, 0), rcOk))
        return ot_end();
    /* Pinned to CPU 1: that CPU cannot go. */
    OT_RC(sched_set_affinity(t.handle, 2), rcOk);
    OT_RC(set_online(1, 1000), rcResourceBusy);
    OT_RC(pm_online(&online), rcOk);
    OT_EQ(online, 3);
    /* Free to move: CPU 1 goes, and the loop runs on CPU 0 from then on. (os_attack_sched
     * pins real-time loops to both CPUs for a while on this image: until they are gone, CPU 1
     * is busy for it too.) */
    OT_RC(sched_set_affinity(t.handle, 3), rcOk);
    Retcode r = rcResourceBusy;
    for (unsigned tries = 0; tries < 150 && r == rcResourceBusy; tries++) {
        r = set_online(1, 2000);
        if (r == rcResourceBusy)
            (void)core_thread_sleep(100);
    }
    OT_RC(r, rcOk);
    OT_RC(pm_online(&online), rcOk);
    OT_EQ(online, 1);
    /* The loop was stopped on CPU 1 somewhere in its turn, perhaps between reading the CPU
     * and recording it: that stale bit lands when it next runs, on CPU 0, which may be after
     * this thread's first clear. Once it has run (50 ms), the second clear is clean. */
    __atomic_store_n(&seen, 0, __ATOMIC_RELAXED);
    OT_RC(core_thread_sleep(50), rcOk);
    __atomic_store_n(&seen, 0, __ATOMIC_RELAXED);
    OT_RC(core_thread_sleep(300), rcOk);
    wait_seen();
    OT_EQ(seen, 1);
    OT_RC(sched_set_affinity(t.handle, 2), rcInvalidArgument); /* CPU 1 alone: offline */
    OT_RC(set_online(1, 1000), rcOk);                          /* already so */
    printf("pwr_cpus: CPU 1 offline, the busy loop ran on CPUs %#llx\n", (unsigned long long)seen);

    /* Back: a thread pinned to CPU 1 runs there. */
    OT_RC(set_online(3, 1000), rcOk);
    OT_RC(pm_online(&online), rcOk);
    OT_EQ(online, 3);
    OT_RC(sched_set_affinity(t.handle, 2), rcOk);
    OT_RC(core_thread_sleep(100), rcOk);
    __atomic_store_n(&seen, 0, __ATOMIC_RELAXED);
    OT_RC(core_thread_sleep(300), rcOk);
    wait_seen();
    OT_EQ(seen, 2);
    stop = 1;
    OT_RC(thread_join(&t, 10000, &code), rcOk);
    OT_TRUE(ot_bystander_served());
    return ot_end();
}
