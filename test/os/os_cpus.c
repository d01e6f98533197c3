/*
 * os_cpus: threads run on every CPU. Starts 2 x N busy threads and records which CPUs they ran
 * on: the initial APIC ID that CPUID leaf 1 reports (EBX bits 31-24) is the executing CPU's
 * own, and CPUID needs no help from the kernel. Argument: --cpus N (QEMU numbers the APICs of
 * -smp N from 0 to N-1).
 * The workers run at priority 2: above os_sched's priority-1 busy loops, below everything else;
 * once every CPU ran one they are raised to end.
 */
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/thread.h>

#include "ostest.h"

#define MAX_THREADS 32

static volatile uint64_t seen; /* bit i: some thread ran on CPU i */
static volatile int stop;

static int worker(void *arg)
{
    (void)arg;
    while (!stop) {
        uint32_t c = ot_cpu_now();
        if (c < 64)
            __atomic_or_fetch(&seen, 1ull << c, __ATOMIC_RELAXED);
    }
    return 0;
}

int main(int argc, char **argv)
{
    ot_begin("os_cpus");
    int cpus = 4;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--cpus") == 0)
            cpus = atoi(argv[i + 1]);
    }
    int n = 2 * cpus > MAX_THREADS ? MAX_THREADS : 2 * cpus;
    struct thread t[MAX_THREADS];
    int started = 0;
    for (int i = 0; i < n; i++)
        started += thread_create(&t[i], worker, NULL, 2, 0) == rcOk; /* above os_sched's spinners */
    OT_EQ(started, n);
    /* A CPU takes a waiting worker at its next tick when it runs anything less urgent
     * (priorities hold across CPUs, docs/scheduler.md). Another test's real-time loop may hold
     * a CPU for 950 ms of each second (the real-time bandwidth), and a normal thread gets that
     * CPU only in the rest of the period: up to 10 s, for a loaded host. */
    for (int i = 0; i < 1000 && __builtin_popcountll(seen) < cpus; i++)
        core_thread_sleep(10);
    /* After `stop` a worker still needs a CPU to end on, and at priority 2 it waits while every
     * CPU runs something more urgent (priorities are strict): raised, each ends at once. (They
     * could not run raised all along: that would starve the other programs' threads.) */
    stop = 1;
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    for (int i = 0; i < started; i++)
        OT_RC(core_result(kl_core_Thread_SetPriority(&cl, core_handle_arg(t[i].handle), 20, &rc),
                          &rc),
              rcOk);
    int code;
    for (int i = 0; i < started; i++)
        OT_RC(thread_join(&t[i], 20000, &code), rcOk);
    uint64_t all = cpus >= 64 ? ~0ull : (1ull << cpus) - 1;
    ot_check(seen == all, __LINE__, "every CPU ran a thread", "CPU mask %#llx, expected %#llx",
             (unsigned long long)seen, (unsigned long long)all);
    printf("os_cpus: threads ran on CPU mask %#llx\n", (unsigned long long)seen);
    return ot_end();
}
