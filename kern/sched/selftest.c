/* Self-tests of threads, scheduler, address spaces and user mode (see selftest.h). */
#include "sched/selftest.h"

#ifdef BASTION_TEST_HOOKS

#include <bastion/syscall.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/tsc.h"
#include "boot/params.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/usercopy.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "security/ksm_gate.h"

#define MS 1000000ull

static unsigned passed, failed;

#define CHECK(cond, ...)                                  \
    do {                                                  \
        if (cond) {                                       \
            passed++;                                     \
        } else {                                          \
            failed++;                                     \
            kprintf("selftest FAIL: %s:%d: ", __FILE__, __LINE__); \
            kprintf(__VA_ARGS__);                         \
            kprintf("\n");                                \
        }                                                 \
    } while (0)

static struct thread *spawn(const char *name, void (*fn)(void *), void *arg, unsigned prio,
                            uint64_t affinity, enum sched_class cls)
{
    struct thread *t;
    if (thread_create_kernel(name, fn, arg, prio, &t) != rcOk)
        return NULL;
    t->affinity = affinity;
    t->sched_class = cls;
    t->kernel_preemptible = true; /* test threads hold no spinlock with interrupts on */
    thread_start(t);
    return t;
}

static int64_t join(struct thread *t)
{
    int64_t code = -999;
    Retcode rc = thread_wait(t, 30000 * MS, &code);
    if (rc != rcOk)
        kprintf("selftest: wait for %s: %s\n", t->name, retcode_name(rc));
    thread_unref(t);
    return code;
}

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
        t[i] = spawn("pinned", where_am_i, (void *)&seen[i], THREAD_PRIO_DEFAULT, 1ull << i, SCHED_NORMAL);
    }
    for (unsigned i = 0; i < n; i++) {
        CHECK(t[i] != NULL, "create pinned thread %u", i);
        if (!t[i])
            continue;
        int64_t code = join(t[i]);
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
    struct thread *lo = spawn("busy-low", busy_low, &s, lo_prio, 1ull << cpu, SCHED_NORMAL);
    struct thread *lo2 = spawn("busy-low2", busy_low, &s, lo_prio, 1ull << cpu, SCHED_NORMAL);
    struct thread *hi = spawn("sleepy-high", sleepy_high, &s, hi_prio, 1ull << cpu, hi_class);
    CHECK(lo && lo2 && hi, "create starvation threads");
    if (!lo || !lo2 || !hi)
        return;
    CHECK(join(hi) == 0, "high thread exit");
    CHECK(join(lo) == 0, "busy loop stopped by the high thread (else it ran 6 s alone)");
    CHECK(join(lo2) == 0, "second busy loop stopped");
    uint64_t delay = s.hi_woke_ns - s.start_ns;
    /* Generous for a loaded TCG host; a starving scheduler shows 6000 (the loops' limit). */
    CHECK(s.hi_woke_ns && delay < 3000 * MS, "%s prio %u woke %lu ms after start (30 ms sleep)",
          hi_class == SCHED_FIFO ? "FIFO" : "normal", hi_prio, (unsigned long)(delay / MS));
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

static void test_round_robin(void)
{
    unsigned cpu = percpu_count() - 1;
    rr_state.stop = false;
    struct thread *t[3];
    for (unsigned i = 0; i < 3; i++) {
        rr_state.count[i] = 0;
        t[i] = spawn("rr", rr_spin, (void *)&rr_state.count[i], 2, 1ull << cpu, SCHED_NORMAL);
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
            join(t[i]);
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

static void blocker(void *arg)
{
    (void)arg;
    Retcode rc = sched_block_current(NULL);
    thread_exit(rc == rcPeerClosed && thread_should_exit(thread_current()) ? thread_current()->kill_code : -1);
}

static void test_sleep_wait_terminate(void)
{
    uint64_t t0 = sched_now_ns();
    sched_sleep_ns(50 * MS);
    uint64_t slept = sched_now_ns() - t0;
    CHECK(slept >= 50 * MS && slept < 5000 * MS, "sleep 50 ms took %lu ms", (unsigned long)(slept / MS));

    struct thread *s = spawn("sleeper", sleeper, (void *)(1000 * MS), THREAD_PRIO_DEFAULT, THREAD_AFFINITY_ALL, SCHED_NORMAL);
    int64_t code = 0;
    Retcode rc = thread_wait(s, 20 * MS, &code);
    CHECK(rc == rcTimeout, "wait 20 ms for a 1 s sleeper: %s", retcode_name(rc));
    rc = thread_wait(s, 0, &code);
    CHECK(rc == rcOk && code == 42, "wait for the sleeper: %s, code %ld", retcode_name(rc), (long)code);
    thread_unref(s);

    struct thread *b = spawn("blocker", blocker, NULL, THREAD_PRIO_DEFAULT, THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned tries = 0; tries < 500 && b->state != THREAD_BLOCKED; tries++)
        sched_sleep_ns(10 * MS);
    CHECK(b->state == THREAD_BLOCKED, "blocker state %d", b->state);
    thread_terminate(b, 77);
    CHECK(join(b) == 77, "terminated blocker exit code");
    CHECK(thread_wait(thread_current(), 0, &code) == rcInvalidArgument, "waiting for oneself refused");
}

/* The KSM's gate: never more than KSM_GATE_PER_PROCESS holders at once however many ask, all
 * get through in the end, and an asker ended while it waits holds no place. */
static struct ksm_gate test_gate;
static uint32_t gate_max_seen;
static volatile uint32_t gate_passed;

static void gate_asker(void *arg)
{
    uint64_t hold_ns = (uint64_t)arg;
    Retcode rc = ksm_gate_enter(&test_gate);
    if (rc != rcOk)
        thread_exit(rc);
    uint32_t n = ksm_gate_inflight(&test_gate), seen = __atomic_load_n(&gate_max_seen, __ATOMIC_RELAXED);
    while (n > seen && !__atomic_compare_exchange_n(&gate_max_seen, &seen, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
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
        t[i] = spawn("gate", gate_asker, (void *)(2 * MS), THREAD_PRIO_DEFAULT, THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned i = 0; i < ASKERS; i++)
        if (t[i] != NULL)
            CHECK(join(t[i]) == 0, "gate asker %u", i);
    CHECK(gate_passed == ASKERS, "%u of %u askers passed the gate", gate_passed, (unsigned)ASKERS);
    CHECK(gate_max_seen == KSM_GATE_PER_PROCESS, "at most %u at once, saw %u", KSM_GATE_PER_PROCESS, gate_max_seen);
    CHECK(ksm_gate_inflight(&test_gate) == 0, "places left taken: %u", ksm_gate_inflight(&test_gate));

    /* Fill it, then end an asker that waits: it gets rcPeerClosed and takes no place. */
    struct thread *holders[KSM_GATE_PER_PROCESS];
    for (unsigned i = 0; i < KSM_GATE_PER_PROCESS; i++)
        holders[i] = spawn("holder", gate_asker, (void *)(200 * MS), THREAD_PRIO_DEFAULT, THREAD_AFFINITY_ALL,
                           SCHED_NORMAL);
    for (unsigned tries = 0; tries < 500 && ksm_gate_inflight(&test_gate) < KSM_GATE_PER_PROCESS; tries++)
        sched_sleep_ns(1 * MS);
    struct thread *w = spawn("waiter", gate_asker, (void *)0, THREAD_PRIO_DEFAULT, THREAD_AFFINITY_ALL, SCHED_NORMAL);
    for (unsigned tries = 0; tries < 500 && w != NULL && w->state != THREAD_BLOCKED; tries++)
        sched_sleep_ns(1 * MS);
    if (w != NULL) {
        thread_terminate(w, rcPeerClosed);
        CHECK(join(w) == rcPeerClosed, "an ended waiter gets rcPeerClosed");
    }
    for (unsigned i = 0; i < KSM_GATE_PER_PROCESS; i++)
        if (holders[i] != NULL)
            CHECK(join(holders[i]) == 0, "holder %u", i);
    CHECK(ksm_gate_inflight(&test_gate) == 0 && test_gate.head == NULL, "the ended waiter left no trace");
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
    h.waiter = spawn("handoff", handoff_waiter, &h, THREAD_PRIO_DEFAULT, THREAD_AFFINITY_ALL, SCHED_NORMAL);
    CHECK(h.waiter != NULL, "create handoff thread");
    if (!h.waiter)
        return;
    while (!h.ready || h.waiter->state != THREAD_BLOCKED)
        sched_sleep_ns(MS);
    Retcode rc = sched_switch_to(h.waiter, NULL);
    CHECK(rc == rcOk, "switcher woken back: %s", retcode_name(rc));
    CHECK(h.ran_on != ~0u, "handed-off thread ran");
    CHECK(join(h.waiter) == 0, "handed-off thread woke with rcOk");
}

/* 5. Ring 3: SYS_NULL loop, unknown number, demand-committed data page, fatal fault. */
static const uint8_t user_code[] = {
    0x0f, 0x31,                     /* rdtsc */
    0x89, 0x47, 0x10,               /* mov [rdi + 16], eax */
    0x89, 0x57, 0x14,               /* mov [rdi + 20], edx */
    0xbb, 0xe8, 0x03, 0x00, 0x00,   /* mov ebx, 1000 */
    0xb8, SYS_NULL, 0, 0, 0,        /* loop: mov eax, SYS_NULL */
    0x0f, 0x05,                     /* syscall */
    0x48, 0x85, 0xc0,               /* test rax, rax */
    0x75, 0x1e,                     /* jnz bad */
    0x48, 0xff, 0x07,               /* inc qword [rdi] */
    0xff, 0xcb,                     /* dec ebx */
    0x75, 0xed,                     /* jnz loop */
    0x0f, 0x31,                     /* rdtsc */
    0x89, 0x47, 0x18,               /* mov [rdi + 24], eax */
    0x89, 0x57, 0x1c,               /* mov [rdi + 28], edx */
    0xb8, 0x63, 0x00, 0x00, 0x00,   /* mov eax, 99 */
    0x0f, 0x05,                     /* syscall */
    0x48, 0x89, 0x47, 0x08,         /* mov [rdi + 8], rax */
    0x31, 0xc0,                     /* xor eax, eax */
    0x88, 0x00,                     /* mov [rax], al: fatal page fault at 0 */
    0x0f, 0x0b,                     /* bad: ud2 */
};

static uint64_t read_user_u64(struct aspace *as, uint64_t va)
{
    uint64_t pa, flags;
    if (paging_query(aspace_root(as), va, &pa, &flags) != rcOk)
        return ~0ull;
    return *(uint64_t *)phys_to_virt(pa);
}

static void test_user_mode(void)
{
    struct aspace *as;
    CHECK(aspace_create(NULL, NULL, &as) == rcOk, "aspace_create");
    uint64_t code = 0, data = 0, stack = 0;
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &code) == rcOk, "reserve code");
    CHECK(aspace_reserve(as, 0, 8192, BASTION_VMM_READ | BASTION_VMM_WRITE, &data) == rcOk, "reserve data");
    CHECK(aspace_reserve(as, 0, 16384, BASTION_VMM_READ | BASTION_VMM_WRITE, &stack) == rcOk, "reserve stack");
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_EXECUTE, &code) == rcWxViolation,
          "W+X refused");
    CHECK(aspace_write(as, code, user_code, sizeof user_code) == rcOk, "write code");
    CHECK(aspace_commit(as, data, 8192) == rcOk, "commit data");
    CHECK(aspace_commit(as, stack, 16384) == rcOk, "commit stack");
    CHECK(aspace_resident_pages(as) == 1, "only the code page is backed before the run (%lu)",
          (unsigned long)aspace_resident_pages(as));
    struct aspace_info info;
    CHECK(aspace_query(as, data + 4096, &info) == rcOk && info.base == data && info.state == VR_COMMITTED,
          "query data region");

    /* Copy helpers, from a kernel thread borrowing the space. */
    struct thread *self = thread_current();
    struct aspace *saved = self->aspace;
    uint64_t f = cpu_irq_save();
    self->aspace = as;
    aspace_switch(as);
    cpu_irq_restore(f);
    uint64_t v = 0x1234;
    CHECK(copy_to_user(data + 16, &v, 8) == rcOk, "copy_to_user to a committed page (demand fault)");
    uint64_t back = 0;
    CHECK(copy_from_user(&back, data + 16, 8) == rcOk && back == 0x1234, "copy_from_user back");
    CHECK(copy_from_user(&back, stack - 4096 * 16, 8) == rcInvalidArgument || stack < 4096 * 17,
          "copy_from_user of an unreserved page");
    CHECK(copy_from_user(&back, 0xFFFF800000000000ull, 8) == rcInvalidArgument, "copy_from_user of kernel memory");
    CHECK(copy_to_user(code, &v, 8) == rcInvalidArgument, "copy_to_user into read-only code");
    /* The same fault in the byte-wise tail of a copy (usercopy_tail_insn), alone and after
     * whole words. */
    CHECK(copy_to_user(code, &v, 3) == rcInvalidArgument, "a 3-byte copy_to_user into read-only code");
    uint8_t eleven[11] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, got[11] = {0};
    CHECK(copy_to_user(data + 100, eleven, sizeof eleven) == rcOk &&
          copy_from_user(got, data + 100, sizeof got) == rcOk && memcmp(got, eleven, sizeof got) == 0,
          "an 11-byte copy (a word and a 3-byte tail) both ways");
    v = 0;
    CHECK(copy_to_user(data + 16, &v, 8) == rcOk, "reset");
    f = cpu_irq_save();
    self->aspace = saved;
    aspace_switch(saved);
    cpu_irq_restore(f);

    uint64_t calls_before = syscall_count();
    struct thread *t;
    Retcode rc = thread_create_user_in(NULL, as, code, data, stack + 16384, THREAD_PRIO_DEFAULT, &t);
    CHECK(rc == rcOk, "thread_create_user_in: %s", retcode_name(rc));
    if (rc != rcOk)
        return;
    thread_start(t);
    int64_t exit_code = 0;
    rc = thread_wait(t, 30000 * MS, &exit_code);
    CHECK(rc == rcOk && exit_code == -1, "user thread killed by its fault: %s, code %ld", retcode_name(rc),
          (long)exit_code);
    thread_unref(t);
    uint64_t counter = read_user_u64(as, data);
    uint64_t bad = read_user_u64(as, data + 8);
    CHECK(counter == 1000, "1000 SYS_NULL calls returned rcOk in ring 3 (counter %lu)", (unsigned long)counter);
    CHECK((int64_t)bad == rcNotSupported, "unknown system call returned %ld", (long)(int64_t)bad);
    CHECK(syscall_count() - calls_before >= 1001, "system calls counted");
    uint64_t t0 = read_user_u64(as, data + 16), t1 = read_user_u64(as, data + 24);
    CHECK(t1 > t0, "TSC read in user mode");
    kprintf("selftest user: SYS_NULL round trip %lu TSC ticks (mean of 1000, from ring 3)\n",
            (unsigned long)((t1 - t0) / 1000));

    CHECK(aspace_decommit(as, data, 8192) == rcOk, "decommit data");
    CHECK(read_user_u64(as, data) == ~0ull, "decommitted page unmapped");
    CHECK(aspace_free(as, data, 8192) == rcOk, "free data");
    CHECK(aspace_query(as, data, &info) == rcOk && info.state == VR_FREE, "freed range is free");
    CHECK(aspace_commit(as, data, 4096) == rcNotFound, "commit of a freed range");
    uint64_t free_before = pmm_free_pages();
    aspace_destroy(as);
    CHECK(pmm_free_pages() > free_before, "destroy returned pages");
}

/* 6. A user busy loop is preempted by kernel threads on its CPU and can be terminated while it
 * runs; an invalid instruction kills only its thread. */
static const uint8_t user_spin[] = {0xeb, 0xfe};     /* jmp $ */
static const uint8_t user_ud[] = {0x0f, 0x0b};       /* ud2 */

struct ticker {
    volatile unsigned runs;
};

static void ticker_fn(void *arg)
{
    struct ticker *k = arg;
    for (unsigned i = 0; i < 5; i++) {
        sched_sleep_ns(5 * MS);
        k->runs++;
    }
    thread_exit(0);
}

static void test_user_preempt_terminate(void)
{
    struct aspace *as;
    CHECK(aspace_create(NULL, NULL, &as) == rcOk, "aspace_create");
    uint64_t spin = 0, ud = 0, stack = 0;
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &spin) == rcOk, "reserve");
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &ud) == rcOk, "reserve");
    CHECK(aspace_reserve(as, 0, 8192, BASTION_VMM_READ | BASTION_VMM_WRITE, &stack) == rcOk, "reserve");
    CHECK(aspace_write(as, spin, user_spin, sizeof user_spin) == rcOk, "write spin");
    CHECK(aspace_write(as, ud, user_ud, sizeof user_ud) == rcOk, "write ud2");
    CHECK(aspace_commit(as, stack, 8192) == rcOk, "commit stack");
    unsigned cpu = percpu_count() > 2 ? 2 : 0;

    struct thread *t;
    CHECK(thread_create_user_in(NULL, as, spin, 0, stack + 8192, 1, &t) == rcOk, "create spinner");
    t->affinity = 1ull << cpu;
    thread_start(t);
    struct ticker k = {0};
    struct thread *kt = spawn("ticker", ticker_fn, &k, 20, 1ull << cpu, SCHED_NORMAL);
    CHECK(kt && join(kt) == 0 && k.runs == 5, "kernel thread ran beside a user busy loop (%u)", k.runs);
    for (unsigned tries = 0; tries < 100 && t->ticks_run == 0; tries++)
        sched_sleep_ns(100 * MS); /* a tick must find it running sooner or later */
    CHECK(t->state == THREAD_RUNNING || t->state == THREAD_READY, "spinner still alive (%d)", t->state);
    CHECK(t->ticks_run > 0, "spinner got CPU time");
    CHECK(thread_terminate(t, 5) == rcOk, "terminate");
    int64_t code = 0;
    Retcode rc = thread_wait(t, 30000 * MS, &code);
    CHECK(rc == rcOk && code == 5, "terminated spinner: %s, code %ld", retcode_name(rc), (long)code);
    thread_unref(t);

    CHECK(thread_create_user_in(NULL, as, ud, 0, stack + 8192, THREAD_PRIO_DEFAULT, &t) == rcOk, "create ud2");
    thread_start(t);
    rc = thread_wait(t, 30000 * MS, &code);
    CHECK(rc == rcOk && code == -1, "ud2 killed its thread: %s, code %ld", retcode_name(rc), (long)code);
    thread_unref(t);
    aspace_destroy(as);
}

static bool wanted(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        if ((size_t)(e - p) == n && strncmp(p, name, n) == 0)
            return true;
        p = *e ? e + 1 : e;
    }
    return false;
}

/* Runs in its own thread, more urgent than the test threads it starts: kmain's context has
 * the lowest priority, and a user busy loop of priority 1 would rightly starve it. */
static void selftest_thread(void *arg)
{
    const char *list = arg;
    if (wanted(list, "sched")) {
        passed = failed = 0;
        test_every_cpu();
        test_no_starvation(SCHED_NORMAL, 1, 20);
        test_no_starvation(SCHED_FIFO, 31, 0);
        test_round_robin();
        test_sleep_wait_terminate();
        test_switch_to();
        test_ksm_gate();
        kprintf("selftest sched: %u passed, %u failed\n", passed, failed);
    }
    if (wanted(list, "user")) {
        passed = failed = 0;
        test_user_mode();
        test_user_preempt_terminate();
        kprintf("selftest user: %u passed, %u failed\n", passed, failed);
    }
    thread_exit(0);
}

void sched_selftest(void)
{
    const char *list = kparam_get("selftest");
    if (!list)
        return;
    struct thread *t;
    if (thread_create_kernel("selftest", selftest_thread, (void *)list, 25, &t) != rcOk) {
        kprintf("selftest: no memory for the test thread\n");
        return;
    }
    t->kernel_preemptible = true;
    thread_start(t);
    int64_t code;
    thread_wait(t, 0, &code);
    thread_unref(t);
}

#else

void sched_selftest(void) {}

#endif
