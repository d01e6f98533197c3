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
    OT_EQ(n, 8);
    OT_TRUE(v[0] >= 1);            /* task.threads */
    OT_TRUE(v[1] >= 1);            /* task.handles: its kernel handle at least */
    OT_TRUE(v[2] > 0 && v[3] > 0); /* ram, kmem */
    OT_TRUE(v[6] > 0 && v[7] > 0); /* page tables, regions */
    OT_RC(prof_stat(self_thread, NULL, 0, v, 16, &n), rcOk);
    OT_EQ(n, 5);
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

int main(void)
{
    ot_begin("os_prof");
    CORE_CLIENT(tc, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t self = {0};
    OT_RC(core_result(kl_core_Thread_OpenCurrent(&tc, &self, &rc), &rc), rcOk);
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
