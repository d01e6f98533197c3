/*
 * The tick check (see tick_check.h). It used to be a 50 ms busy-wait in smp_start_aps(): a
 * third of the boot's time under QEMU, spent waiting for a report nothing else needs. Now the
 * window is a sleep of a kernel thread; the counts are taken when the thread is created and
 * read when it wakes, so the window is at least TICK_CHECK_MS and the line says how long it was.
 * The BSP runs the rest of kmain with interrupts off (starting the KSM and Einit takes tens of
 * milliseconds under TCG), so it takes no tick until kmain ends: the thread waits, in steps,
 * until every CPU took two ticks, and at most TICK_CHECK_LIMIT_MS, before it reports.
 */
#include "sched/tick_check.h"

#include "arch/x86_64/smp.h"
#include "arch/x86_64/timer.h"
#include "lib/kprintf.h"
#include "proc/thread.h"
#include "sched/sched.h"

static uint64_t ticks_before[SMP_MAX_CPUS];
static uint64_t ns_before;
static unsigned cpus;

/* True once every CPU took at least two ticks since the counts were taken. */
static bool all_ticked(void)
{
    for (unsigned i = 0; i < cpus; i++)
        if (timer_ticks(i) - ticks_before[i] < 2)
            return false;
    return true;
}

static void report(void *arg)
{
    (void)arg;
    uint64_t ms;
    do {
        sched_sleep_ns(TICK_CHECK_STEP_MS * 1000000ull);
        ms = (sched_now_ns() - ns_before) / 1000000u;
    } while (ms < TICK_CHECK_LIMIT_MS && (ms < TICK_CHECK_MS || !all_ticked()));
    char line[256];
    int len = ksnprintf(line, sizeof line, "timer: ticks in %lu ms:", (unsigned long)ms);
    unsigned stuck = 0;
    for (unsigned i = 0; i < cpus; i++) {
        uint64_t d = timer_ticks(i) - ticks_before[i];
        stuck += d == 0;
        if (len > 0 && (size_t)len < sizeof line)
            len +=
                ksnprintf(line + len, sizeof line - (size_t)len, " cpu%u=%lu", i, (unsigned long)d);
    }
    kprintf("%s%s\n", line, stuck ? " (a CPU is not ticking)" : "");
}

void tick_check_start(void)
{
    cpus = smp_online_count();
    if (cpus > SMP_MAX_CPUS)
        cpus = SMP_MAX_CPUS;
    ns_before = sched_now_ns();
    for (unsigned i = 0; i < cpus; i++)
        ticks_before[i] = timer_ticks(i);
    struct thread *t;
    if (thread_create_kernel("tickcheck", report, NULL, THREAD_PRIO_DEFAULT, &t) != rcOk) {
        kprintf("timer: no thread for the tick check: skipped\n");
        return;
    }
    (void)thread_start(t);
    thread_unref(t);
}
