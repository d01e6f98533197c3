/*
 * os_prof (class ostest.Prof): sample profiling and object statistics through kl.core.Profiler
 * (policy ostest.psl: ostest.Prof, the methods it calls and nothing else).
 *
 *  - os_prof_worker, built by hand (Einit's loader, elf_spawn), spins in prof_worker_spin. Its
 *    code, as its symbol table spans it, is registered with LoadSegInfo (a second time:
 *    rcAlreadyExists; an empty one: rcInvalidArgument; past BASTION_PROF_SEGMENTS_MAX:
 *    rcSegInfoFull; UnloadSegInfo of one never registered: rcNotFound).
 *  - Before SamplingStart, Stop and Read are rcProfilerNotStarted. The pid list takes the
 *    worker (this program created it) but not the first process of the system
 *    (rcNotProfilable) nor a pid nobody has (rcNotFound).
 *  - Sampling the worker: the container holds its segment and samples of its pid only, each
 *    instruction pointer inside its registered segment, most of them named prof_worker_spin
 *    by the worker's symbol table. A second Start while it runs: rcResourceBusy; conf 2 (a
 *    flag not defined): rcInvalidArgument.
 *  - ObjectGetStat on the worker's task handle and on this program's own thread: every counter
 *    of each, the named ones in the order asked, CPU time that grows, rcUnknownCounter for a
 *    name of the other type, rcBadHandle for a handle of a buffer.
 *  - The activity counters (calls, decisions, denials), none of it timed: this thread's own
 *    grow by exactly what it did (a denied call: two calls with the read after it, two
 *    decisions, one denial; N granted calls: N + 1, N + 1, 0); a fresh thread starts with only
 *    its own few calls and counts none of those this thread makes meanwhile, then exactly its
 *    own; ProfCaller (os_prof_worker "calls") makes PROF_CALLER_CALLS granted calls and one
 *    denied, ends and is reaped: its task.* still hold them (at least that many calls and
 *    decisions, at least one denial, no more decisions than calls) with no thread left.
 *  - Stop, then Read drains what came before it; a later Read returns nothing new.
 *  - ClearPidList, then a new Start: nothing is sampled (Read times out empty), and a thread
 *    terminated while it waits in Read ends at once, not at its one-minute timeout.
 */
#include <stdio.h>
#include <string.h>

#include <bastion/profiler.h>
#include <user/core.h>
#include <user/thread.h>

#include "elf_spawn.h"
#include "ostest.h"
#include "prof_calls.h"
#include "spawn.h"
#include "task_calls.h"

static struct bastion_prof_record recs[256]; /* 12 KiB: one read's worth */

static uint64_t worker_bias;
static uint64_t text_lo, text_hi; /* the worker's code at link time, from its symbol table */
static uint32_t worker_task = kl_core_Types_InvalidHandleValue, worker_pid;
static struct elf_symbols worker_syms;
static bool have_syms;

static const uint8_t build_id[8] = {0xb1, 0xd0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};

static uint64_t build_id_word(void)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < 8; i++)
        w |= (uint64_t)build_id[i] << (8 * i);
    return w;
}

/* The span of the worker's functions (STT_FUNC symbols with a size). */
static void code_span(const struct elf_symbols *s)
{
    text_lo = UINT64_MAX;
    text_hi = 0;
    for (uint64_t i = 0; i < s->nsyms; i++) {
        const uint8_t *e = s->syms + i * 24;
        uint64_t value, size;
        memcpy(&value, e + 8, 8);
        memcpy(&size, e + 16, 8);
        if ((e[4] & 0xf) != 2 || size == 0)
            continue;
        if (value < text_lo)
            text_lo = value;
        if (value + size > text_hi)
            text_hi = value + size;
    }
}

static bool start_worker(void)
{
    struct elf_spawn_diag why;
    Retcode r = elf_spawn("ProfWorker", "ostest.ProfWorker", "os_prof_worker", 0, 10, 0,
                          &worker_task, &worker_bias, &why);
    if (!OT_RC(r, rcOk)) {
        printf("os_prof: elf_spawn failed at %s\n", why.step ? why.step : "?");
        return false;
    }
    have_syms = OT_RC(elf_symbols_open("os_prof_worker", &worker_syms), rcOk);
    if (!have_syms)
        return false;
    code_span(&worker_syms);
    if (!OT_TRUE(text_lo < text_hi))
        return false;
    OT_RC(spawn_set_env(worker_task, "ProfWorker", NULL, NULL, 0), rcOk);
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    OT_RC(
        core_result(kl_core_Task_GetPid(&cl, core_handle_arg(worker_task), &worker_pid, &rc), &rc),
        rcOk);
    return OT_RC(task_resume(worker_task), rcOk);
}

static void segments(void)
{
    uint64_t addr = worker_bias + text_lo, size = text_hi - text_lo;
    OT_RC(prof_load_seg(worker_task, addr, size, text_lo, TASK_SEG_R | TASK_SEG_X, build_id,
                        sizeof build_id),
          rcOk);
    OT_RC(prof_load_seg(worker_task, addr, size, text_lo, TASK_SEG_R | TASK_SEG_X, build_id,
                        sizeof build_id),
          rcAlreadyExists);
    OT_RC(prof_load_seg(worker_task, addr, 0, 0, 0, NULL, 0), rcInvalidArgument);
    OT_RC(prof_unload_seg(worker_task, addr + 4096, 4096), rcNotFound);
    /* The bound: one is registered; the others up to it fit, the next does not, and all go. */
    unsigned made = 0;
    for (unsigned i = 1; i < BASTION_PROF_SEGMENTS_MAX; i++)
        made += prof_load_seg(worker_task, 0x1000ull * i, 0x1000, 0, 0, NULL, 0) == rcOk;
    OT_EQ(made, BASTION_PROF_SEGMENTS_MAX - 1);
    OT_RC(prof_load_seg(worker_task, 0x100000, 0x1000, 0, 0, NULL, 0), rcSegInfoFull);
    unsigned gone = 0;
    for (unsigned i = 1; i < BASTION_PROF_SEGMENTS_MAX; i++)
        gone += prof_unload_seg(worker_task, 0x1000ull * i, 0x1000) == rcOk;
    OT_EQ(gone, BASTION_PROF_SEGMENTS_MAX - 1);
}

static void not_started(void)
{
    uint64_t got = 1;
    OT_RC(prof_read(recs, sizeof recs, 0, &got), rcProfilerNotStarted);
    OT_EQ(got, 0);
    OT_RC(prof_stop(), rcProfilerNotStarted);
}

static void pid_list(void)
{
    OT_RC(prof_add_pid(worker_pid), rcOk);
    OT_RC(prof_add_pid(worker_pid), rcOk); /* listed once */
    OT_RC(prof_add_pid(1), rcNotProfilable);
    OT_RC(prof_add_pid(0x7ffffff0u), rcNotFound);
}

/* One read's records: how many samples of the worker, of them inside its segment and named
 * prof_worker_spin; anything of another pid or kind counts in *foreign. */
struct tally {
    unsigned samples, in_segment, in_spin, segments, foreign;
};

static void tally_records(uint64_t bytes, struct tally *t)
{
    uint64_t seg_addr = worker_bias + text_lo, seg_size = text_hi - text_lo;
    for (uint64_t i = 0; i < bytes / sizeof recs[0]; i++) {
        const struct bastion_prof_record *r = &recs[i];
        if (r->pid != worker_pid) {
            t->foreign++;
        } else if (r->kind == BASTION_PROF_SEGMENT) {
            t->segments += r->addr == seg_addr && r->size == seg_size && r->offset == text_lo &&
                           r->buildid == build_id_word();
        } else if (r->kind == BASTION_PROF_SAMPLE) {
            t->samples++;
            if (r->addr >= seg_addr && r->addr - seg_addr < seg_size)
                t->in_segment++;
            uint64_t off = 0;
            const char *fn = elf_symbols_find(&worker_syms, r->addr - worker_bias, &off);
            t->in_spin += fn != NULL && strcmp(fn, "prof_worker_spin") == 0;
        } else {
            t->foreign++;
        }
    }
}

static uint64_t stat_of(uint32_t h, const char *name)
{
    uint64_t v = 0;
    uint32_t n = 0;
    const char *names[1] = {name};
    return prof_stat(h, names, 1, &v, 1, &n) == rcOk && n == 1 ? v : UINT64_MAX;
}

static void spin_ms(uint64_t ms)
{
    uint64_t c[1];
    uint32_t n;
    if (ot_counters("time.monotonic_ns", c, 1, &n) != rcOk || n != 1)
        return;
    uint64_t end = c[0] + ms * 1000000ull;
    do {
        if (ot_counters("time.monotonic_ns", c, 1, &n) != rcOk || n != 1)
            return;
    } while (c[0] < end);
}

/* A Read that waits a minute: nothing is listed, so nothing comes. */
static int long_read(void *arg)
{
    (void)arg;
    static struct bastion_prof_record one[2];
    uint64_t got = 0;
    return (int)prof_read(one, sizeof one, 60000, &got);
}

/* A thread terminated while it waits in SamplingRead ends at once, not at its timeout. */
static void terminated_reader(void)
{
    struct thread reader;
    int code = 0;
    if (!OT_RC(thread_create(&reader, long_read, NULL, THREAD_PRIO_DEFAULT, 0), rcOk))
        return;
    core_thread_sleep(100);
    OT_RC(thread_join(&reader, 20, &code), rcTimeout); /* still waiting */
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    OT_RC(core_result(kl_core_Thread_Terminate(&cl, core_handle_arg(reader.handle), 5, &rc), &rc),
          rcOk);
    OT_RC(thread_join(&reader, 3000, &code), rcOk);
    OT_EQ(code, 5);
}

static void sampling(uint32_t self_thread)
{
    uint64_t worker_cpu0 = stat_of(worker_task, "task.cpu_ns");
    uint64_t self_cpu0 = stat_of(self_thread, "thread.cpu_ns");
    OT_RC(prof_start(0, ~0ull, sizeof recs), rcOk);
    OT_RC(prof_start(0, ~0ull, sizeof recs), rcResourceBusy);
    OT_RC(prof_start(2, ~0ull, sizeof recs), rcInvalidArgument); /* no such flag */
    spin_ms(100); /* this program's own CPU time grows too */
    /* The worker shares the CPUs with the whole test image: reads until it has been sampled a
     * few times, for at most about 20 s. */
    struct tally t = {0};
    uint64_t got = 0;
    for (int i = 0; i < 20 && t.samples < 5; i++) {
        core_thread_sleep(500);
        Retcode r = prof_read(recs, sizeof recs, 500, &got);
        if (r == rcTimeout)
            continue;
        if (!OT_RC(r, rcOk))
            break;
        OT_TRUE(got % sizeof recs[0] == 0);
        tally_records(got, &t);
    }
    printf("os_prof: %u samples of the worker, %u inside its segment, %u in prof_worker_spin\n",
           t.samples, t.in_segment, t.in_spin);
    OT_TRUE(t.samples >= 5);
    OT_EQ(t.in_segment, t.samples);
    OT_TRUE(t.in_spin * 2 > t.samples);
    OT_EQ(t.segments, 1);
    OT_EQ(t.foreign, 0);

    uint64_t worker_cpu1 = stat_of(worker_task, "task.cpu_ns");
    uint64_t self_cpu1 = stat_of(self_thread, "thread.cpu_ns");
    OT_TRUE(worker_cpu0 != UINT64_MAX && worker_cpu1 != UINT64_MAX && worker_cpu1 > worker_cpu0);
    OT_TRUE(self_cpu0 != UINT64_MAX && self_cpu1 != UINT64_MAX && self_cpu1 > self_cpu0);

    /* Stopped: what came before is drained, nothing comes after. */
    OT_RC(prof_stop(), rcOk);
    for (int i = 0; i < 64; i++)
        if (prof_read(recs, sizeof recs, 0, &got) != rcOk || got == 0)
            break;
    core_thread_sleep(200);
    got = 1;
    OT_RC(prof_read(recs, sizeof recs, 100, &got), rcOk);
    OT_EQ(got, 0);

    /* An empty list samples nothing (the worker still spins). */
    OT_RC(prof_clear_pids(), rcOk);
    OT_RC(prof_start(0, ~0ull, sizeof recs), rcOk);
    core_thread_sleep(200);
    got = 1;
    OT_RC(prof_read(recs, sizeof recs, 200, &got), rcTimeout);
    OT_EQ(got, 0);
    terminated_reader();
    OT_RC(prof_stop(), rcOk);
}

static void statistics(uint32_t self_thread)
{
    uint64_t v[16];
    uint32_t n = 0;
    OT_RC(prof_stat(worker_task, NULL, 0, v, 16, &n), rcOk);
    OT_EQ(n, 11);
    OT_TRUE(v[0] >= 1);            /* task.threads */
    OT_TRUE(v[1] >= 1);            /* task.handles: its kernel handle at least */
    OT_TRUE(v[2] > 0 && v[3] > 0); /* ram, kmem */
    OT_TRUE(v[6] > 0 && v[7] > 0); /* page tables, regions */
    OT_RC(prof_stat(self_thread, NULL, 0, v, 16, &n), rcOk);
    OT_EQ(n, 8);
    OT_TRUE(v[5] >= 1 && v[6] >= 1); /* this very call, at least */
    const char *two[2] = {"thread.tid", "thread.priority"};
    uint64_t w[2] = {0, 0};
    OT_RC(prof_stat(self_thread, two, 2, w, 2, &n), rcOk);
    OT_EQ(n, 2);
    OT_EQ(w[0], v[4]);
    OT_EQ(w[1], v[2]);
    const char *wrong[1] = {"task.threads"};
    OT_RC(prof_stat(self_thread, wrong, 1, w, 1, &n), rcUnknownCounter);
    const char *unknown[1] = {"task.nonsense"};
    OT_RC(prof_stat(worker_task, unknown, 1, w, 1, &n), rcUnknownCounter);
    OT_RC(prof_stat(worker_syms.mdl, NULL, 0, w, 2, &n), rcBadHandle);
}

/* ---- The activity counters ---- */

static const char *const thread_activity[3] = {"thread.ipc_calls", "thread.decisions",
                                               "thread.denials"};
static const char *const task_activity[4] = {"task.ipc_calls", "task.decisions", "task.denials",
                                             "task.threads"};

#define OWN_CALLS 20u   /* granted calls this thread makes between two reads */
#define FRESH_CALLS 16u /* calls the fresh thread makes between its two reads */

/* The counters `names` of h into v; false if the call failed. */
static bool activity_of(uint32_t h, const char *const *names, uint32_t n, uint64_t *v)
{
    uint32_t got = 0;
    return prof_stat(h, names, n, v, n, &got) == rcOk && got == n;
}

/* Task.GetName: not granted to ostest.Prof (nor to ostest.ProfWorker). */
static Retcode denied_call(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    const char *name = NULL;
    return core_result(kl_core_Task_GetName(&cl, &name, &rc), &rc);
}

/* n granted core calls (GetCounters of the clock); how many succeeded. */
static unsigned granted_calls(unsigned n)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t c[1];
        uint32_t got = 0;
        ok += ot_counters("time.monotonic_ns", c, 1, &got) == rcOk;
    }
    return ok;
}

/* This thread's own counters grow by exactly what it does (each read counts itself: the call
 * and its decision are counted before the read's handler runs). Checked after the calls, so
 * that no failure's print (a call itself) falls between two reads. */
static void own_activity(uint32_t self_thread)
{
    uint64_t a[3], b[3], c[3];
    bool ok = activity_of(self_thread, thread_activity, 3, a);
    Retcode denied = denied_call();
    ok = activity_of(self_thread, thread_activity, 3, b) && ok;
    unsigned granted = granted_calls(OWN_CALLS);
    ok = activity_of(self_thread, thread_activity, 3, c) && ok;
    OT_RC(denied, rcSecurityDisallow);
    OT_EQ(granted, OWN_CALLS);
    if (!OT_TRUE(ok))
        return;
    OT_EQ(b[0] - a[0], 2); /* the denied call and the read */
    OT_EQ(b[1] - a[1], 2);
    OT_EQ(b[2] - a[2], 1);
    OT_EQ(c[0] - b[0], OWN_CALLS + 1);
    OT_EQ(c[1] - b[1], OWN_CALLS + 1);
    OT_EQ(c[2] - b[2], 0);
}

struct fresh {
    uint64_t v0[3], v1[3]; /* its own counters at its first read and after its calls */
    bool ok0, ok1;
    uint32_t ready, go; /* atomic: it has read v0; it may go on */
};

/* A fresh thread: reads its counters, waits (without a call) until told, makes FRESH_CALLS
 * granted calls, reads them again. */
static int fresh_thread(void *arg)
{
    struct fresh *f = arg;
    CORE_CLIENT(tc, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t self = {kl_core_Types_InvalidHandleValue, 0};
    if (core_result(kl_core_Thread_OpenCurrent(&tc, &self, &rc), &rc) != rcOk)
        return 1;
    f->ok0 = activity_of(self.handle, thread_activity, 3, f->v0);
    __atomic_store_n(&f->ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&f->go, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause(); /* no call: its count must not move while the other thread calls */
    (void)granted_calls(FRESH_CALLS);
    f->ok1 = activity_of(self.handle, thread_activity, 3, f->v1);
    ot_close_handles(&self.handle, 1);
    return 0;
}

/* A fresh thread counts its own calls only: this thread's, made while it exists, are not its. */
static void fresh_activity(uint32_t self_thread)
{
    static struct fresh f;
    struct thread t;
    if (!OT_RC(thread_create(&t, fresh_thread, &f, THREAD_PRIO_DEFAULT, 0), rcOk))
        return;
    /* Until it has read its counters (a minute at most: it only needs the CPU). */
    for (int i = 0; i < 6000 && !__atomic_load_n(&f.ready, __ATOMIC_ACQUIRE); i++)
        core_thread_sleep(10);
    uint64_t m0[3], m1[3], mid[3];
    bool ready = __atomic_load_n(&f.ready, __ATOMIC_ACQUIRE);
    bool ok = activity_of(self_thread, thread_activity, 3, m0);
    unsigned granted = granted_calls(2 * FRESH_CALLS);
    ok = activity_of(self_thread, thread_activity, 3, m1) && ok;
    ok = activity_of(t.handle, thread_activity, 3, mid) && ok;
    __atomic_store_n(&f.go, 1, __ATOMIC_RELEASE);
    int code = -1;
    OT_RC(thread_join(&t, 60000, &code), rcOk);
    OT_EQ(code, 0);
    uint64_t end[3];
    ok = activity_of(t.handle, thread_activity, 3, end) && ok;
    ot_close_handles(&t.handle, 1);
    if (!OT_TRUE(ready && ok && f.ok0 && f.ok1) || !OT_EQ(granted, 2 * FRESH_CALLS))
        return;
    /* This thread's calls meanwhile are its own ... */
    OT_EQ(m1[0] - m0[0], 2 * FRESH_CALLS + 1);
    /* ... and none of them the fresh thread's: it had made its few calls of its start (its
     * handle to itself, the read), and made none while it waited. */
    OT_TRUE(f.v0[0] >= 2 && f.v0[0] <= 4);
    OT_EQ(f.v0[2], 0);
    OT_EQ(mid[0], f.v0[0]);
    OT_EQ(mid[1], f.v0[1]);
    /* Then exactly its own calls and the read after them, all granted. */
    OT_EQ(f.v1[0] - f.v0[0], FRESH_CALLS + 1);
    OT_EQ(f.v1[1] - f.v0[1], FRESH_CALLS + 1);
    OT_EQ(f.v1[2], 0);
    /* Its last calls (closing its handle, its exit) and nothing more. */
    OT_TRUE(end[0] > f.v1[0] && end[0] <= f.v1[0] + 8);
}

/* ProfCaller's counters, read after it ended and was reaped: the process keeps them with no
 * thread left. */
static void caller_activity(void)
{
    uint32_t task = kl_core_Types_InvalidHandleValue;
    if (!OT_RC(spawn("ProfCaller", "ostest.ProfWorker", "os_prof_worker", "calls", 0, &task), rcOk))
        return;
    int32_t code = -1;
    /* ot_exit_code answers once the reaper is done with it (Task.GetExitInfo). */
    OT_RC(ot_exit_code(task, 60000, &code), rcOk);
    OT_EQ(code, 0); /* its calls were granted, its denied one refused */
    uint64_t v[4] = {0, 0, 0, 0};
    if (OT_TRUE(activity_of(task, task_activity, 4, v))) {
        OT_EQ(v[3], 0); /* task.threads: none left */
        OT_TRUE(v[0] >= PROF_CALLER_CALLS + 1);
        OT_TRUE(v[1] >= PROF_CALLER_CALLS + 1);
        OT_TRUE(v[2] >= 1);
        OT_TRUE(v[1] <= v[0]); /* it only called the kernel: at most one decision a call */
        printf("os_prof: ProfCaller made %llu calls, %llu decided, %llu denied\n",
               (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2]);
    }
    /* Its threads are gone, their switches are not: the process kept them (it ran, so at
     * least once). */
    uint64_t switches = stat_of(task, "task.switches");
    OT_TRUE(switches >= 1 && switches != UINT64_MAX);
    ot_close_handles(&task, 1);
}

int main(void)
{
    ot_begin("os_prof");
    CORE_CLIENT(tc, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t self = {0};
    OT_RC(core_result(kl_core_Thread_OpenCurrent(&tc, &self, &rc), &rc), rcOk);
    printf("os_prof: activity counters\n");
    own_activity(self.handle);
    fresh_activity(self.handle);
    caller_activity();
    not_started();
    if (start_worker()) {
        segments();
        pid_list();
        statistics(self.handle);
        sampling(self.handle);
    }
    /* The worker spins: it ends as soon as it was sampled (the image's low-priority tests
     * share the CPUs with it). */
    if (worker_task != kl_core_Types_InvalidHandleValue) {
        OT_RC(task_terminate(worker_task), rcOk);
        ot_close_handles(&worker_task, 1);
    }
    if (have_syms)
        elf_symbols_close(&worker_syms);
    ot_close_handles(&self.handle, 1);
    return ot_end();
}
