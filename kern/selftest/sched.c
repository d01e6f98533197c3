/*
 * Self-tests of threads and the scheduler (selftest=sched): pinning, no starvation, round
 * robin, priorities across CPUs, sleep/wait/terminate, a sleep woken early, the KSM gate's bound on concurrent askers, direct switch,
 * preemption deferred past a held lock.
 */
#ifdef BASTION_TEST_HOOKS

#include "selftest/check.h"

#include "arch/x86_64/percpu.h"
#include "arch/x86_64/spinlock.h"
#include "lib/string.h"
#include "proc/thread.h"
#include "sched/preempt.h"
#include "sched/sched.h"
#include "security/ksm_gate.h"

/* 1. A thread pinned to each CPU runs there. */
static void where_am_i(void *arg)
{
    volatile unsigned *out = arg;
    for (volatile int i = 0; i < 100000; i++)
        ;
    *out = this_cpu()->index;
    thread_exit(7);
}

static void test_every_cpu(void)
{
    unsigned n = percpu_count();
    volatile unsigned seen[MAX_CPUS];
    struct thread *t[MAX_CPUS];
    for (unsigned i = 0; i < n; i++) {
        seen[i] = ~0u;
        t[i] = selftest_spawn("pinned", where_am_i, (void *)&seen[i], THREAD_PRIO_DEFAULT,
                              1ull << i, SCHED_NORMAL);
    }
    for (unsigned i = 0; i < n; i++) {
        CHECK(t[i] != NULL, "create pinned thread %u", i);
        if (!t[i])
            continue;
        int64_t code = selftest_join(t[i]);
        CHECK(code == 7, "pinned thread %u exit code %ld", i, (long)code);
        CHECK(seen[i] == i, "thread pinned to cpu %u ran on cpu %u", i, seen[i]);
    }
}

/* 2. A low-priority busy loop does not starve a higher priority on the same CPU. */
struct starve {
    volatile bool stop;
    volatile uint64_t hi_woke_ns;
    uint64_t start_ns;
};

static void busy_low(void *arg)
{
    struct starve *s = arg;
    uint64_t limit = sched_now_ns() + 6000 * MS;
    while (!s->stop && sched_now_ns() < limit)
        cpu_pause();
    thread_exit(s->stop ? 0 : 1);
}

static void sleepy_high(void *arg)
{
    struct starve *s = arg;
    sched_sleep_ns(30 * MS);
    s->hi_woke_ns = sched_now_ns();
    s->stop = true;
    thread_exit(0);
}

static void test_no_starvation(enum sched_class hi_class, unsigned lo_prio, unsigned hi_prio)
{
    unsigned cpu = percpu_count() > 1 ? 1 : 0;
    struct starve s = {.stop = false, .hi_woke_ns = 0, .start_ns = sched_now_ns()};
    /* Several busy loops so that the CPU stays busy even if one is moved. */
    struct thread *lo =
        selftest_spawn("busy-low", busy_low, &s, lo_prio, 1ull << cpu, SCHED_NORMAL);
    struct thread *lo2 =
        selftest_spawn("busy-low2", busy_low, &s, lo_prio, 1ull << cpu, SCHED_NORMAL);
    struct thread *hi =
        selftest_spawn("sleepy-high", sleepy_high, &s, hi_prio, 1ull << cpu, hi_class);
    CHECK(lo && lo2 && hi, "create starvation threads");
    if (!lo || !lo2 || !hi)
        return;
    CHECK(selftest_join(hi) == 0, "high thread exit");
    CHECK(selftest_join(lo) == 0, "busy loop stopped by the high thread (else it ran 6 s alone)");
    CHECK(selftest_join(lo2) == 0, "second busy loop stopped");
    uint64_t delay = s.hi_woke_ns - s.start_ns;
    /* Generous for a loaded TCG host; a starving scheduler shows 6000 (the loops' limit). */
    CHECK(s.hi_woke_ns && delay < 3000 * MS, "%s prio %u woke %lu ms after start (30 ms sleep)",
          hi_class == SCHED_FIFO ? "FIFO" : "normal", hi_prio, (unsigned long)(delay / MS));
}

/* 2c. Priorities across CPUs: a thread queued behind a more urgent busy loop on one CPU is
 * taken by another CPU it may run on, although that CPU never goes idle (it runs a less urgent
 * busy loop). Without the pull it waits for the urgent loop's end, 3 s later. */
struct pull {
    volatile bool stop;
    volatile unsigned ran_on;
    volatile uint64_t ran_ns;
};

static void pull_spin(void *arg)
{
    struct pull *p = arg;
    uint64_t limit = sched_now_ns() + 3000 * MS;
    while (!p->stop && sched_now_ns() < limit)
        cpu_pause();
    thread_exit(0);
}

static void pull_waiter(void *arg)
{
    struct pull *p = arg;
    p->ran_on = this_cpu()->index;
    p->ran_ns = sched_now_ns();
    p->stop = true;
    thread_exit(0);
}

static void test_pull_across_cpus(void)
{
    unsigned n = percpu_count();
    CHECK(n >= 2, "%u CPUs: the pull needs two", n);
    if (n < 2)
        return;
    unsigned a = n - 2, b = n - 1;
    struct pull p = {.stop = false, .ran_on = ~0u, .ran_ns = 0};
    struct thread *lo = selftest_spawn("pull-low", pull_spin, &p, 1, 1ull << a, SCHED_NORMAL);
    struct thread *hi = selftest_spawn("pull-high", pull_spin, &p, 20, 1ull << b, SCHED_NORMAL);
    sched_sleep_ns(50 * MS); /* both loops run */
    uint64_t start = sched_now_ns();
    /* Queued on b behind the priority-20 loop; then allowed on a too, where it stays queued on
     * b (placement keeps a thread's CPU on a tie of loads: one running thread each). */
    struct thread *w = selftest_spawn("pull-waiter", pull_waiter, &p, 10, 1ull << b, SCHED_NORMAL);
    CHECK(lo && hi && w, "create the pull threads");
    if (w)
        CHECK(sched_set_affinity(w, 1ull << a | 1ull << b) == rcOk, "widen the waiter's affinity");
    p.stop = w == NULL;
    struct thread *all[] = {w, hi, lo};
    for (unsigned i = 0; i < 3; i++)
        if (all[i])
            CHECK(selftest_join(all[i]) == 0, "pull thread %u exit", i);
    if (!w)
        return;
    uint64_t waited = p.ran_ns - start;
    CHECK(p.ran_on == a, "the waiter ran on cpu %u (the less busy one is %u)", p.ran_on, a);
    /* A tick (10 ms) is enough; generous for a loaded TCG host. */
    CHECK(waited < 1000 * MS, "the waiter ran %lu ms after it was queued",
          (unsigned long)(waited / MS));
}

/* 2b. Round robin: busy loops of one priority on one CPU all get slices. */
struct rr {
    volatile bool stop;
    volatile uint64_t count[3];
};

static struct rr rr_state;

static void rr_spin(void *arg)
{
    volatile uint64_t *c = arg;
    while (!rr_state.stop)
        (*c)++;
    thread_exit(0);
}

/* 2c. Real-time bandwidth: a FIFO busy loop does not starve a normal one on its CPU (sched.h:
 * the CPU is throttled after 950 ms of real time until 50 ms of other work ran). */
struct rt_bw {
    volatile bool stop;
    volatile uint64_t rt, normal;
};

static struct rt_bw rt_bw_state;

static void rt_bw_spin(void *arg)
{
    volatile uint64_t *c = arg;
    while (!rt_bw_state.stop)
        (*c)++;
    thread_exit(0);
}

static void test_rt_bandwidth(void)
{
    unsigned cpu = percpu_count() - 1;
    rt_bw_state.stop = false;
    rt_bw_state.rt = rt_bw_state.normal = 0;
    uint64_t throttled0 = sched_rt_throttled_ticks(cpu);
    struct thread *n = selftest_spawn("bw-normal", rt_bw_spin, (void *)&rt_bw_state.normal, 10,
                                      1ull << cpu, SCHED_NORMAL);
    struct thread *r =
        selftest_spawn("bw-fifo", rt_bw_spin, (void *)&rt_bw_state.rt, 31, 1ull << cpu, SCHED_FIFO);
    CHECK(n && r, "create bandwidth threads");
    sched_sleep_ns(300 * MS);
    uint64_t n0 = rt_bw_state.normal;
    sched_sleep_ns(2200 * MS);
    uint64_t n1 = rt_bw_state.normal, r1 = rt_bw_state.rt;
    rt_bw_state.stop = true;
    CHECK(r1 > 0, "the FIFO loop ran");
    CHECK(n1 > n0,
          "a normal loop beside a FIFO loop on CPU %u ran (%lu in 2.2 s, %lu ticks "
          "throttled)",
          cpu, (unsigned long)(n1 - n0),
          (unsigned long)(sched_rt_throttled_ticks(cpu) - throttled0));
    if (n)
        selftest_join(n);
    if (r)
        selftest_join(r);
}

static void test_round_robin(void)
{
    unsigned cpu = percpu_count() - 1;
    rr_state.stop = false;
    struct thread *t[3];
    for (unsigned i = 0; i < 3; i++) {
        rr_state.count[i] = 0;
        t[i] =
            selftest_spawn("rr", rr_spin, (void *)&rr_state.count[i], 2, 1ull << cpu, SCHED_NORMAL);
    }
    /* Until every loop ran (at most 10 s: a loaded host may be slow, a broken round robin
     * never gets there). */
    for (unsigned tries = 0; tries < 100; tries++) {
        sched_sleep_ns(100 * MS);
        if (rr_state.count[0] && rr_state.count[1] && rr_state.count[2])
            break;
    }
    rr_state.stop = true;
    for (unsigned i = 0; i < 3; i++) {
        CHECK(t[i] != NULL, "create rr thread");
        if (t[i])
            selftest_join(t[i]);
        CHECK(rr_state.count[i] > 0, "busy loop %u of 3 at one priority on cpu %u ran", i, cpu);
    }
}

/* 3. Sleep, wait with timeout, terminate. */
static void sleeper(void *arg)
{
    uint64_t ns = (uint64_t)arg;
    sched_sleep_ns(ns);
    thread_exit(42);
}

/* Sleeps arg ns and records how long that took; ends with its kill code when terminated. */
static volatile uint64_t timed_slept_ns;
static void timed_sleeper(void *arg)
{
    uint64_t t0 = sched_now_ns();
    sched_sleep_ns((uint64_t)arg);
    timed_slept_ns = sched_now_ns() - t0;
    struct thread *self = thread_current();
    thread_exit(thread_should_exit(self) ? self->kill_code : 42);
}

static struct thread *spawn_timed_sleeper(uint64_t ns)
{
    struct thread *s = selftest_spawn("timed-sleeper", timed_sleeper, (void *)ns,
                                      THREAD_PRIO_DEFAULT, THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned tries = 0; tries < 500 && s->state != THREAD_BLOCKED; tries++)
        sched_sleep_ns(MS);
    return s;
}

/* A wake-up that is not the deadline's does not cut a sleep short; the sleeper's end does. */
static void test_sleep_woken_early(void)
{
    struct thread *s = spawn_timed_sleeper(200 * MS);
    CHECK(s->state == THREAD_BLOCKED, "timed sleeper asleep (state %d)", s->state);
    sched_sleep_ns(20 * MS);
    CHECK(sched_wake(s, rcOk), "a stray wake-up of the sleeper");
    CHECK(selftest_join(s) == 42 && timed_slept_ns >= 200 * MS,
          "a 200 ms sleep woken at 20 ms still lasted %lu ms",
          (unsigned long)(timed_slept_ns / MS));
    s = spawn_timed_sleeper(10000 * MS);
    CHECK(s->state == THREAD_BLOCKED, "long sleeper asleep (state %d)", s->state);
    thread_terminate(s, 77);
    CHECK(selftest_join(s) == 77 && timed_slept_ns < 5000 * MS,
          "a terminated 10 s sleeper ended after %lu ms", (unsigned long)(timed_slept_ns / MS));
}

static void blocker(void *arg)
{
    (void)arg;
    Retcode rc = sched_block_current(NULL);
    thread_exit(rc == rcPeerClosed && thread_should_exit(thread_current())
                    ? thread_current()->kill_code
                    : -1);
}

static void test_sleep_wait_terminate(void)
{
    uint64_t t0 = sched_now_ns();
    sched_sleep_ns(50 * MS);
    uint64_t slept = sched_now_ns() - t0;
    CHECK(slept >= 50 * MS && slept < 5000 * MS, "sleep 50 ms took %lu ms",
          (unsigned long)(slept / MS));

    struct thread *s = selftest_spawn("sleeper", sleeper, (void *)(1000 * MS), THREAD_PRIO_DEFAULT,
                                      THREAD_AFFINITY_ALL, SCHED_NORMAL);
    int64_t code = 0;
    Retcode rc = thread_wait(s, 20 * MS, &code);
    CHECK(rc == rcTimeout, "wait 20 ms for a 1 s sleeper: %s", retcode_name(rc));
    rc = thread_wait(s, 0, &code);
    CHECK(rc == rcOk && code == 42, "wait for the sleeper: %s, code %ld", retcode_name(rc),
          (long)code);
    thread_unref(s);

    struct thread *b = selftest_spawn("blocker", blocker, NULL, THREAD_PRIO_DEFAULT,
                                      THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned tries = 0; tries < 500 && b->state != THREAD_BLOCKED; tries++)
        sched_sleep_ns(10 * MS);
    CHECK(b->state == THREAD_BLOCKED, "blocker state %d", b->state);
    thread_terminate(b, 77);
    CHECK(selftest_join(b) == 77, "terminated blocker exit code");
    CHECK(thread_wait(thread_current(), 0, &code) == rcInvalidArgument, "waiting for oneself "
                                                                        "refused");
}

/* The KSM's gate: never more than KSM_GATE_PER_PROCESS holders at once however many ask, all
 * get through in the end, and an asker ended while it waits holds no place. */
static struct ksm_gate test_gate = KSM_GATE_INIT;
static uint32_t gate_max_seen;
static volatile uint32_t gate_passed;

static void gate_asker(void *arg)
{
    uint64_t hold_ns = (uint64_t)arg;
    Retcode rc = ksm_gate_enter(&test_gate);
    if (rc != rcOk)
        thread_exit(rc);
    uint32_t n = ksm_gate_inflight(&test_gate),
             seen = __atomic_load_n(&gate_max_seen, __ATOMIC_RELAXED);
    while (n > seen && !__atomic_compare_exchange_n(&gate_max_seen, &seen, n, false,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    sched_sleep_ns(hold_ns);
    __atomic_add_fetch(&gate_passed, 1, __ATOMIC_RELAXED);
    ksm_gate_leave(&test_gate);
    thread_exit(0);
}

static void test_ksm_gate(void)
{
    enum { ASKERS = 16 };
    struct thread *t[ASKERS];
    for (unsigned i = 0; i < ASKERS; i++)
        t[i] = selftest_spawn("gate", gate_asker, (void *)(2 * MS), THREAD_PRIO_DEFAULT,
                              THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned i = 0; i < ASKERS; i++)
        if (t[i] != NULL)
            CHECK(selftest_join(t[i]) == 0, "gate asker %u", i);
    CHECK(gate_passed == ASKERS, "%u of %u askers passed the gate", gate_passed, (unsigned)ASKERS);
    CHECK(gate_max_seen == KSM_GATE_PER_PROCESS, "at most %u at once, saw %u", KSM_GATE_PER_PROCESS,
          gate_max_seen);
    CHECK(ksm_gate_inflight(&test_gate) == 0, "places left taken: %u",
          ksm_gate_inflight(&test_gate));

    /* Fill it, then end an asker that waits: it gets rcPeerClosed and takes no place. */
    struct thread *holders[KSM_GATE_PER_PROCESS];
    for (unsigned i = 0; i < KSM_GATE_PER_PROCESS; i++)
        holders[i] = selftest_spawn("holder", gate_asker, (void *)(200 * MS), THREAD_PRIO_DEFAULT,
                                    THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned tries = 0; tries < 500 && ksm_gate_inflight(&test_gate) < KSM_GATE_PER_PROCESS;
         tries++)
        sched_sleep_ns(1 * MS);
    struct thread *w = selftest_spawn("waiter", gate_asker, (void *)0, THREAD_PRIO_DEFAULT,
                                      THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned tries = 0; tries < 500 && w != NULL && w->state != THREAD_BLOCKED; tries++)
        sched_sleep_ns(1 * MS);
    if (w != NULL) {
        thread_terminate(w, rcPeerClosed);
        CHECK(selftest_join(w) == rcPeerClosed, "an ended waiter gets rcPeerClosed");
    }
    for (unsigned i = 0; i < KSM_GATE_PER_PROCESS; i++)
        if (holders[i] != NULL)
            CHECK(selftest_join(holders[i]) == 0, "holder %u", i);
    CHECK(ksm_gate_inflight(&test_gate) == 0 && test_gate.head == NULL, "the ended waiter left no "
                                                                        "trace");
}

/* 4. Direct switch: the blocked thread runs at once and wakes the switcher back. */
struct handoff {
    struct thread *main, *waiter;
    volatile unsigned ran_on;
    volatile bool ready;
};

static void handoff_waiter(void *arg)
{
    struct handoff *h = arg;
    h->ready = true;
    Retcode rc = sched_block_current(NULL);
    h->ran_on = this_cpu()->index;
    while (!sched_wake(h->main, rcOk))
        sched_sleep_ns(MS);
    thread_exit(rc == rcOk ? 0 : 1);
}

static void test_switch_to(void)
{
    struct handoff h = {.main = thread_current(), .waiter = NULL, .ran_on = ~0u, .ready = false};
    h.waiter = selftest_spawn("handoff", handoff_waiter, &h, THREAD_PRIO_DEFAULT,
                              THREAD_AFFINITY_ALL, SCHED_NORMAL);
    CHECK(h.waiter != NULL, "create handoff thread");
    if (!h.waiter)
        return;
    while (!h.ready || h.waiter->state != THREAD_BLOCKED)
        sched_sleep_ns(MS);
    uint64_t f = cpu_irq_save(); /* a direct switch is made with interrupts off (sched.h) */
    Retcode rc = sched_switch_to(h.waiter, NULL);
    cpu_irq_restore(f);
    CHECK(rc == rcOk, "switcher woken back: %s", retcode_name(rc));
    CHECK(h.ran_on != ~0u, "handed-off thread ran");
    CHECK(selftest_join(h.waiter) == 0, "handed-off thread woke with rcOk");
}

/* 5. A kernel thread that the tick may not switch away keeps its CPU when it re-enables
 * preemption with a more urgent thread waiting (it may hold a spinlock with interrupts on, as a
 * handle close does while the address space of a destroyed mapping is unlocked), and gives the
 * CPU up at its next preemption point. */
static struct spinlock outer_lock = SPINLOCK_INIT(LOCK_LEVEL_HANDLE_TREE);

struct deferred {
    volatile bool urgent_ran;
    bool ran_inside; /* the urgent thread ran before the outer lock was released */
    bool ran_after;  /* ... and had run once the preemption point was passed */
    bool created;
};

static void urgent(void *arg)
{
    struct deferred *d = arg;
    d->urgent_ran = true;
    thread_exit(0);
}

static void not_preemptible(void *arg)
{
    struct deferred *d = arg;
    thread_current()->kernel_preemptible = false;
    struct thread *u = NULL;
    spin_lock(&outer_lock);
    sched_preempt_disable();
    /* Pinned here and more urgent: ready on this CPU, which now owes it a switch. */
    u = selftest_spawn("urgent", urgent, d, THREAD_PRIO_MAX, 1ull << this_cpu()->index,
                       SCHED_NORMAL);
    sched_preempt_enable();
    d->ran_inside = d->urgent_ran;
    spin_unlock(&outer_lock);
    sched_preempt_point();
    d->ran_after = d->urgent_ran;
    d->created = u != NULL;
    if (u != NULL)
        (void)selftest_join(u);
    thread_exit(0);
}

static void test_preempt_enable_defers(void)
{
    struct deferred d = {0};
    struct thread *t = selftest_spawn("no-preempt", not_preemptible, &d, THREAD_PRIO_DEFAULT,
                                      1ull << (percpu_count() - 1), SCHED_NORMAL);
    CHECK(t != NULL, "create the non-preemptible thread");
    if (!t)
        return;
    CHECK(selftest_join(t) == 0, "non-preemptible thread exit");
    CHECK(d.created, "create the urgent thread");
    CHECK(!d.ran_inside, "re-enabling preemption with a lock held does not switch");
    CHECK(d.ran_after, "the preemption point after the lock switches to the urgent thread");
}

void selftest_sched(void)
{
    test_every_cpu();
    test_no_starvation(SCHED_NORMAL, 1, 20);
    test_no_starvation(SCHED_FIFO, 31, 0);
    test_pull_across_cpus();
    test_round_robin();
    test_rt_bandwidth();
    test_sleep_wait_terminate();
    test_sleep_woken_early();
    test_switch_to();
    test_preempt_enable_defers();
    test_ksm_gate();
}

#endif
