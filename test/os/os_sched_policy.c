/*
 * os_sched_policy (class ostest.SchedPolicy): Thread.SetSchedPolicy and GetSchedPolicy as a
 * program granted the real-time classes uses them, and what the kernel guarantees around them:
 *
 *   - each class and its parameters read back as set; wrong tags, members, priorities and
 *     quanta refused with rcInvalidArgument;
 *   - round robin: two RR threads of one priority pinned to one CPU both run (a FIFO pair
 *     would not: the first keeps the CPU);
 *   - real-time bandwidth: a FIFO busy loop pinned to a CPU does not starve a normal thread
 *     pinned to the same CPU for more than a period (the kernel throttles real-time threads to
 *     950 ms of every second per CPU);
 *   - the hand-off of Sync.Wake (sched_wake_to, docs/scheduler.md): a waiter of this thread's
 *     priority pinned to this thread's CPU has run when Wake returns; a waiter of a lower
 *     priority there, or of the same real-time FIFO priority, has not (it runs when this thread
 *     blocks); a waiter pinned to another CPU is woken there (it never runs on this one).
 */
#include <stdint.h>
#include <stdio.h>

#include <user/thread.h>

#include "ostest.h"
#include "sched_calls.h"

#define RT_CPU 1u /* the CPU the pinned threads share (the default test image has 4) */

/* How long a check waits for what it expects. The test's guest time is the host's real time,
 * so on a loaded host a CPU may get little of it: each check polls for its condition up to this
 * bound instead of looking once after a fixed sleep. A broken guarantee still fails: a FIFO
 * pair or an unthrottled busy loop never lets the other thread count, however long. */
#define WAIT_MS 10000u
#define POLL_MS 50u

/* Polls until *c moves past `from`; false when it did not within WAIT_MS. */
static bool counts_past(volatile uint64_t *c, uint64_t from)
{
    for (uint32_t waited = 0; waited < WAIT_MS; waited += POLL_MS) {
        if (*c > from)
            return true;
        core_thread_sleep(POLL_MS);
    }
    return *c > from;
}

static volatile int stop;

static int spin(void *arg)
{
    volatile uint64_t *count = arg;
    while (!stop)
        (*count)++;
    return 0;
}

static void classes(void)
{
    uint32_t self = 0, pol, prio, val;
    if (!OT_RC(sched_open_current(&self), rcOk))
        return;
    OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    OT_EQ(pol, kl_core_Types_SchedPolicyTimeshare);
    OT_EQ(val, 0);

    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyRoundRobin, 3, 30), rcOk);
    OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    OT_EQ(pol, kl_core_Types_SchedPolicyRoundRobin);
    OT_EQ(prio, 3);
    OT_EQ(val, 30);
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyRoundRobin, 3, 0), rcOk);
    OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    OT_EQ(val, 100); /* the default quantum */
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyRoundRobin, 3, 15), rcOk);
    OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    OT_EQ(val, 20); /* rounded up to whole 10 ms ticks */

    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyFifo, 7, 0), rcOk);
    OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    OT_EQ(pol, kl_core_Types_SchedPolicyFifo);
    OT_EQ(prio, 7);
    OT_EQ(val, 0);

    /* Refusals: the class and the parameter member disagree, a reserved member is set, an
     * unknown class, a priority or quantum out of range. */
    OT_RC(
        sched_set(self, kl_core_Types_SchedPolicyFifo, 1, kl_core_Types_SchedPolicyRoundRobin, 10),
        rcInvalidArgument);
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyFifo, 1, 1), rcInvalidArgument);
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyTimeshare, 1, 5), rcInvalidArgument);
    OT_RC(sched_set(self, 3, 1, 3, 0), rcBadMessage); /* no such tag: the message is refused */
    OT_RC(sched_set(self, 3, 1, kl_core_Types_SchedPolicyFifo, 0), rcInvalidArgument);
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyTimeshare, 32, 0), rcInvalidArgument);
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyRoundRobin, 1, 1001), rcInvalidArgument);
    OT_RC(sched_set_policy(0x7ffffff0u, kl_core_Types_SchedPolicyTimeshare, 1, 0), rcBadHandle);
    /* Nothing of those changed the thread. */
    OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    OT_EQ(pol, kl_core_Types_SchedPolicyFifo);
    OT_EQ(prio, 7);

    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyTimeshare, 12, 0), rcOk);
    OT_RC(sched_get_policy(self, &pol, &prio, &val), rcOk);
    OT_EQ(pol, kl_core_Types_SchedPolicyTimeshare);
    OT_EQ(prio, 12);
}

/* Starts spin(count) pinned to RT_CPU in class policy at prio. */
static bool start_pinned(struct thread *t, volatile uint64_t *count, uint32_t policy, uint32_t prio,
                         uint32_t value)
{
    if (!OT_RC(thread_create(t, spin, (void *)count, 10, 0), rcOk))
        return false;
    bool ok = OT_RC(sched_set_affinity(t->handle, 1ull << RT_CPU), rcOk);
    return OT_RC(sched_set_policy(t->handle, policy, prio, value), rcOk) && ok;
}

static void round_robin(void)
{
    static volatile uint64_t a, b;
    struct thread ta, tb;
    stop = 0;
    bool ok = start_pinned(&ta, &a, kl_core_Types_SchedPolicyRoundRobin, 4, 20);
    ok &= start_pinned(&tb, &b, kl_core_Types_SchedPolicyRoundRobin, 4, 20);
    /* Both ran, and both kept running (each gets its quantum in turn). */
    if (ok) {
        OT_TRUE(counts_past(&a, 0) && counts_past(&b, 0));
        uint64_t a1 = a, b1 = b;
        OT_TRUE(counts_past(&a, a1) && counts_past(&b, b1));
    }
    stop = 1;
    int code;
    OT_RC(thread_join(&ta, 10000, &code), rcOk);
    OT_RC(thread_join(&tb, 10000, &code), rcOk);
}

static void bandwidth(void)
{
    static volatile uint64_t rt, normal;
    struct thread trt, tn;
    stop = 0;
    bool ok = OT_RC(thread_create(&tn, spin, (void *)&normal, 10, 0), rcOk);
    ok &= OT_RC(sched_set_affinity(tn.handle, 1ull << RT_CPU), rcOk);
    /* The most urgent normal thread there: the throttle's 50 ms go to the ready normal threads
     * of the CPU by priority, and the test image's other programs have threads of their own on
     * it. */
    ok &= OT_RC(sched_set_policy(tn.handle, kl_core_Types_SchedPolicyTimeshare, 31, 0), rcOk);
    ok &= start_pinned(&trt, &rt, kl_core_Types_SchedPolicyFifo, 31, 0);
    /* The FIFO loop takes the CPU at once; after 950 ms of it the CPU owes the normal class
     * 50 ms, so the normal loop counts again within about a second of the FIFO loop's start. */
    uint64_t n0 = normal, n1 = n0;
    if (ok) {
        OT_TRUE(counts_past(&rt, 0));
        n0 = normal;
        /* the normal thread ran beside the real-time busy loop */
        OT_TRUE(counts_past(&normal, n0));
        n1 = normal;
    }
    printf("os_sched_policy: beside a FIFO busy loop on CPU %u, a normal loop counted again "
           "(%llu)\n",
           RT_CPU, (unsigned long long)(n1 - n0));
    stop = 1;
    int code;
    OT_RC(thread_join(&trt, 10000, &code), rcOk);
    OT_RC(thread_join(&tn, 10000, &code), rcOk);
}

/* ---- The hand-off of Sync.Wake ---- */
#define HO_CPU_OTHER 2u /* the CPU of the waiter that must not run on RT_CPU */

static volatile uint32_t ho_word;    /* the futex word: 0 wait, 1 go */
static volatile uint32_t ho_waiting; /* the waiter is about to wait (or waits) */
static volatile uint32_t ho_ran;     /* the waiter ran after its wake-up */
static volatile uint32_t ho_cpu;     /* where it ran then */

static int ho_waiter(void *arg)
{
    (void)arg;
    while (__atomic_load_n(&ho_word, __ATOMIC_SEQ_CST) == 0) {
        __atomic_store_n(&ho_waiting, 1, __ATOMIC_SEQ_CST);
        (void)core_sync_wait(&ho_word, 0, WAIT_MS);
    }
    ho_cpu = ot_cpu_now();
    __atomic_store_n(&ho_ran, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* One wake-up: a waiter pinned to `cpu` in class policy at prio; this thread (already pinned to
 * RT_CPU in its class and priority) lets it wait, then stores 1 and wakes it. Returns whether
 * the waiter had run when Wake returned, after joining it (*cpu_ran: where it ran); -1 when no
 * attempt found the waiter in its wait (it was not yet there when Wake looked) or setup
 * failed. */
static int wake_once(uint32_t policy, uint32_t prio, unsigned cpu, uint32_t *cpu_ran)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        ho_word = ho_waiting = ho_ran = 0;
        ho_cpu = ~0u;
        struct thread t;
        if (!OT_RC(thread_create(&t, ho_waiter, NULL, 10, 0), rcOk))
            return -1;
        bool ok = OT_RC(sched_set_affinity(t.handle, 1ull << cpu), rcOk);
        ok &= OT_RC(sched_set_policy(t.handle, policy, prio, 0), rcOk);
        /* This thread sleeps: a waiter on its CPU, of any priority, runs meanwhile into its
         * Wait (the flag is set just before it). */
        for (uint32_t waited = 0; ok && !ho_waiting && waited < WAIT_MS; waited += POLL_MS)
            core_thread_sleep(POLL_MS);
        core_thread_sleep(POLL_MS);
        __atomic_store_n(&ho_word, 1, __ATOMIC_SEQ_CST);
        uint32_t woken = 0;
        ok &= OT_RC(core_sync_wake(&ho_word, 1, &woken), rcOk);
        int ran = (int)__atomic_load_n(&ho_ran, __ATOMIC_SEQ_CST);
        int code = -1;
        ok &= OT_RC(thread_join(&t, WAIT_MS, &code), rcOk);
        *cpu_ran = ho_cpu;
        if (!ok)
            return -1;
        if (woken == 1)
            return ran;
    }
    return -1;
}

static void wake_handoff(void)
{
    uint32_t self = 0, cpu = ~0u;
    if (!OT_RC(sched_open_current(&self), rcOk) ||
        !OT_RC(sched_set_affinity(self, 1ull << RT_CPU), rcOk))
        return;
    /* Equal priority, normal class, same CPU: the waiter runs before Wake returns, there. */
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyTimeshare, 30, 0), rcOk);
    OT_EQ(wake_once(kl_core_Types_SchedPolicyTimeshare, 30, RT_CPU, &cpu), 1);
    OT_EQ(cpu, RT_CPU);
    /* A lower priority there does not preempt: it runs once this thread blocks (the join). */
    OT_EQ(wake_once(kl_core_Types_SchedPolicyTimeshare, 20, RT_CPU, &cpu), 0);
    OT_EQ(cpu, RT_CPU);
    /* Real-time FIFO, equal priority: the woken thread waits for its turn. */
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyFifo, 5, 0), rcOk);
    OT_EQ(wake_once(kl_core_Types_SchedPolicyFifo, 5, RT_CPU, &cpu), 0);
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyTimeshare, 30, 0), rcOk);
    /* Pinned to another CPU: woken there, never run here. */
    OT_TRUE(wake_once(kl_core_Types_SchedPolicyTimeshare, 30, HO_CPU_OTHER, &cpu) >= 0);
    OT_EQ(cpu, HO_CPU_OTHER);
    OT_RC(sched_set_policy(self, kl_core_Types_SchedPolicyTimeshare, 12, 0), rcOk);
    OT_RC(sched_set_affinity(self, ~0ull), rcOk);
}

int main(void)
{
    ot_begin("os_sched_policy");
    classes();
    round_robin();
    bandwidth();
    wake_handoff();
    return ot_end();
}
