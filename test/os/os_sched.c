/*
 * os_sched: preemption and priorities. Busy loops at a low priority, more of them than there are
 * CPUs, must not starve a higher-priority thread that sleeps and wakes repeatedly, nor this
 * main thread; equal-priority busy loops all make progress (time slices). Argument: --cpus N.
 */
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/thread.h>

#include "ostest.h"

#define MAX_SPIN 16

static volatile int stop;
static volatile uint64_t spins[MAX_SPIN];

static int spinner(void *arg)
{
    volatile uint64_t *count = arg;
    while (!stop)
        (*count)++;
    return 0;
}

static int sleeper(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        core_thread_sleep(5);
    return 42;
}

int main(int argc, char **argv)
{
    ot_begin("os_sched");
    int cpus = 4;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--cpus") == 0)
            cpus = atoi(argv[i + 1]);
    }
    int n = cpus + 2 > MAX_SPIN ? MAX_SPIN : cpus + 2;

    /* This thread above everything else of the test. */
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t self;
    if (OT_RC(core_result(kl_core_Thread_OpenCurrent(&cl, &self, &rc), &rc), rcOk))
        OT_RC(core_result(kl_core_Thread_SetPriority(&cl, self, 25, &rc), &rc), rcOk);

    struct thread spin[MAX_SPIN];
    int started = 0;
    for (int i = 0; i < n; i++)
        started += thread_create(&spin[i], spinner, (void *)&spins[i], 1, 0) == rcOk;
    OT_EQ(started, n);

    /* A priority-20 thread that sleeps 20 times must finish although every CPU is busy. */
    struct thread hi;
    int code = 0;
    if (OT_RC(thread_create(&hi, sleeper, NULL, 20, 0), rcOk)) {
        OT_RC(thread_join(&hi, 5000, &code), rcOk);
        OT_EQ(code, 42);
    }
    /* And so does this thread's own sleeping. */
    for (int i = 0; i < 10; i++)
        OT_RC(core_thread_sleep(2), rcOk);

    /* Time slices: every busy loop runs, though there are more of them than CPUs (give it up to
     * 60 s: the image's other test processes, the attack tests' and the network tests' loops
     * among them, run above priority 1 meanwhile, and strict priorities let them; 20 s was
     * once too short with the socket and process-building tests in the image). */
    int ran = 0;
    for (int tries = 0; tries < 600 && ran < started; tries++) {
        core_thread_sleep(100);
        ran = 0;
        for (int i = 0; i < started; i++)
            ran += spins[i] > 0;
    }
    OT_EQ(ran, started);

    /* At priority 1 a loop that saw `stop` may wait long for a CPU to end on: priorities are
     * strict on every CPU, and the image's other programs keep CPUs busy above it. Raised, each
     * ends at once. */
    stop = 1;
    for (int i = 0; i < started; i++)
        OT_RC(core_result(kl_core_Thread_SetPriority(&cl, core_handle_arg(spin[i].handle), 20, &rc),
                          &rc),
              rcOk);
    for (int i = 0; i < started; i++)
        OT_RC(thread_join(&spin[i], 20000, &code), rcOk);
    return ot_end();
}
