/*
 * kl.core.Profiler.GetCounters: named counters a program may read to watch resources, the
 * kernel's own and its caller's. `names` must be empty (rcInvalidArgument otherwise, for now):
 * every counter whose name begins with `prefix` comes back, in this order:
 *
 *   mm.free_pages     frames free in the page allocator (the whole machine)
 *   task.ram_used     bytes charged to the caller's RAM account (committed pages, page tables)
 *   task.kmem_used    bytes charged to the caller's kernel-memory account
 *   task.page_tables  page-table frames the caller's address space holds (root excluded)
 *   task.regions      region records of the caller's address space
 *   time.realtime_ns  the system (wall) clock: ns since 1970-01-01 UTC (lib/wallclock.h);
 *                     the one way a program reads the time kl.core.Time sets
 *   time.monotonic_ns ns since boot on the clock every timeout and sleep runs on
 *   ksm.decisions     events the security hook decided since boot (granted or denied; a
 *                     question withdrawn before its verdict is none), the totals of the
 *                     kernel file /.kernel/security (security/class_counts.c)
 *   ksm.denials       of them, denied (the policy's refusals and the fail-closed ones)
 *   sched.idle_tsc    TSC ticks the CPUs spent halted in their idle loops, summed over the
 *                     CPUs (arch/x86_64/idle_time.h); what a benchmark subtracts from elapsed
 *                     ticks to count only the instructions executed (bench/net)
 *
 * The task.* counters are the caller's own; mm.free_pages tells how much memory the machine has
 * left, which is why the method is granted by policy only to classes that watch it (a test
 * checking that nothing leaked); a policy that lets a program read only the time grants the
 * method with the prefix "time." (the monitor reads it), as test/os/policy/ostest.psl does for
 * os_time. The coverage methods (GetCoverageData, FlushGcov, FlushGcovFile, Kcov*) are
 * served by the coverage block (docs/coverage.md); ObjectGetStat and the sampling and segment
 * methods by the block after it (docs/profiler.md).
 */
#include "klcore/klcore.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "lib/wallclock.h"
#include "proc/process.h"
#include "security/hook.h"
#include "sched/sched.h"
#include "arch/x86_64/idle_time.h"
#include "prof/gcov_uart.h"
#include "prof/kcov.h"

enum { COUNTERS = 10 };

static const char *const counter_name[COUNTERS] = {
    "mm.free_pages",    "task.ram_used",     "task.kmem_used", "task.page_tables", "task.regions",
    "time.realtime_ns", "time.monotonic_ns", "ksm.decisions",  "ksm.denials",      "sched.idle_tsc",
};

/* now: sched_now_ns() read once per call, so that the two time counters are one instant. */
static uint64_t counter_value(const struct process *p, unsigned i, uint64_t now)
{
    switch (i) {
    case 0:
        return pmm_free_pages();
    case 1:
        return __atomic_load_n(&p->ram.used, __ATOMIC_RELAXED);
    case 2:
        return __atomic_load_n(&p->kmem.used, __ATOMIC_RELAXED);
    case 3:
        return p->as ? aspace_table_pages(p->as) : 0;
    case 4:
        return p->as ? aspace_region_count(p->as) : 0;
    case 5:
        return (uint64_t)time_realtime_at(now); /* never negative: the clock starts at 1970 */
    case 6:
        return now;
    case 7:
    case 8: {
        uint64_t decisions, denials;
        security_decided(&decisions, &denials);
        return i == 7 ? decisions : denials;
    }
    default:
        return idle_time_total();
    }
}

static Retcode GetCounters(void *ctx, const char *prefix, struct idl_seq names,
                           struct idl_seq *values, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    uint64_t *out = c->scratch;
    values->data = out;
    values->count = 0;
    values->arena = NULL;
    if (names.count != 0) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    size_t plen = strlen(prefix);
    uint32_t n = 0;
    uint64_t now = sched_now_ns();
    for (unsigned i = 0; i < COUNTERS; i++)
        if (strncmp(counter_name[i], prefix, plen) == 0 && n < kl_core_Profiler_CountersMax &&
            (n + 1) * sizeof *out <= c->scratch_size)
            out[n++] = counter_value(c->proc, i, now);
    values->count = n;
    *rc = n ? rcOk : rcNotFound;
    return rcOk;
}

/* ---- Coverage: gcov records and kcov (docs/coverage.md; logic in prof/gcov_uart.c,
 * prof/gcov_kernel.c and prof/kcov.c). The coverage kernel (kernel-kcov.elf) holds gcov records
 * of its own and collects kcov; the other kernels answer GetCoverageData, FlushGcov and the Kcov
 * methods with rcCoverageNotBuilt. FlushGcovFile frames a program's own gcda onto the serial
 * console in every kernel. ---- */

static Retcode GetCoverageData(void *ctx, uint32_t index, struct idl_seq *buf,
                               kl_core_Types_Size *size, const char **name,
                               kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    size_t cap = c->scratch_size < kl_core_Profiler_GcdaChunkMax ? c->scratch_size
                                                                 : kl_core_Profiler_GcdaChunkMax;
    size_t all = 0;
    *rc = gcov_kernel_chunk(index, c->scratch, cap, &all, name);
    *buf = (struct idl_seq){.data = c->scratch, .count = all < cap ? all : cap, .arena = NULL};
    if (*rc != rcOk && *rc != rcBufferTooSmall)
        buf->count = 0;
    *size = all;
    return rcOk;
}

static Retcode FlushGcov(void *ctx, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *rc = gcov_flush_kernel();
    return rcOk;
}

static Retcode FlushGcovFile(void *ctx, const char *name, kl_core_Types_VirtAddr buf,
                             kl_core_Types_Size size, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *rc = gcov_flush_user(name, buf, size);
    return rcOk;
}

static Retcode KcovAlloc(void *ctx, uint32_t numThreads, uint64_t maxPoints,
                         kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = kcov_alloc(c->proc, numThreads, maxPoints);
    return rcOk;
}

static Retcode KcovFree(void *ctx, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = kcov_free(c->proc, c->thread);
    return rcOk;
}

static Retcode KcovStart(void *ctx, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = kcov_start(c->proc, c->thread);
    return rcOk;
}

static Retcode KcovStop(void *ctx, kl_core_Types_VirtAddr points, uint64_t maxPoints,
                        uint64_t *numPoints, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = kcov_stop(c->proc, c->thread, points, maxPoints, numPoints);
    return rcOk;
}

/* ---- ObjectGetStat, sampling and segments (prof/sampling.h, prof/seginfo.h) ----
 *
 * ObjectGetStat(handle, names): the counters of the process or thread a handle of the caller
 * names (HR_READ), every one of that object's type in the order below when names is empty,
 * else those named, in the order named (rcUnknownCounter for a name its type has not):
 *
 *   task.threads      threads it holds (running, or ended and not yet forgotten)
 *   task.handles      slots of its handle table in use
 *   task.ram_used     bytes charged to its RAM account
 *   task.kmem_used    bytes charged to its kernel-memory account
 *   task.cpu_ns       CPU time of all its threads, those it holds and those that ended, in timer
 *                     ticks that found them running (1 tick = 1e9 / TIMER_HZ ns)
 *   task.switches     times the scheduler gave one of those threads a CPU
 *   task.page_tables  page-table frames of its address space (root excluded; 0 once torn down)
 *   task.regions      region records of its address space
 *   task.ipc_calls    SYS_CALLs its threads made (core endpoints, security interface, servers;
 *                     refused ones too), since it was created
 *   task.decisions    security decisions of the events it was the source of (granted or denied)
 *   task.denials      of them, denied
 *   thread.cpu_ns     the thread's CPU time, as task.cpu_ns
 *   thread.switches   times the scheduler gave it a CPU
 *   thread.priority   its priority within its class
 *   thread.cpu        the CPU whose run queue owns it (where it runs or ran last)
 *   thread.tid        its thread id
 *   thread.ipc_calls, thread.decisions, thread.denials
 *                     the same as task.* for the thread's own calls and decisions
 * The three activity counters are kept on the process itself (proc/activity.h), so they keep
 * the calls of threads that have ended; new names are appended, so the positions of the older
 * ones in an answer to an empty `names` do not move.
 * A handle of any other type is rcBadHandle; one without HR_READ rcAccessDenied.
 *
 * Sampling*: the caller's session (prof/sampling.h); the policy decides who may call each, and
 * the kernel lists only the caller and the processes it created, whatever the policy grants.
 * LoadSegInfo / UnloadSegInfo need HR_TASK_VM on the task's handle: the right to shape its image,
 * which its loader holds.
 */
#include <bastion/rights.h>

#include "arch/x86_64/timer.h"
#include "obj/handle.h"
#include "proc/thread.h"
#include "prof/sampling.h"
#include "prof/seginfo.h"

#define TICK_NS (1000000000ull / TIMER_HZ)

enum { TASK_STATS = 11, THREAD_STATS = 8 };
_Static_assert(TASK_STATS >= THREAD_STATS, "ObjectGetStat's buffer holds either object's");
_Static_assert(TASK_STATS <= kl_core_Profiler_CountersMax, "one answer holds every counter");
static const char *const task_stat_name[TASK_STATS] = {
    "task.threads",   "task.handles",   "task.ram_used",    "task.kmem_used",
    "task.cpu_ns",    "task.switches",  "task.page_tables", "task.regions",
    "task.ipc_calls", "task.decisions", "task.denials",
};
static const char *const thread_stat_name[THREAD_STATS] = {
    "thread.cpu_ns", "thread.switches",  "thread.priority",  "thread.cpu",
    "thread.tid",    "thread.ipc_calls", "thread.decisions", "thread.denials",
};

static void task_stats(struct process *p, uint64_t *v)
{
    spin_lock(&p->lock);
    uint64_t ticks = __atomic_load_n(&p->ended_ticks, __ATOMIC_RELAXED);
    uint64_t switches = __atomic_load_n(&p->ended_switches, __ATOMIC_RELAXED);
    uint32_t n = p->nthreads;
    for (uint32_t i = 0; i < n; i++) {
        ticks += __atomic_load_n(&p->threads[i]->ticks_run, __ATOMIC_RELAXED);
        switches += __atomic_load_n(&p->threads[i]->switched_in, __ATOMIC_RELAXED);
    }
    spin_unlock(&p->lock);
    v[0] = n;
    v[1] = __atomic_load_n(&p->handles.used, __ATOMIC_RELAXED);
    v[2] = __atomic_load_n(&p->ram.used, __ATOMIC_RELAXED);
    v[3] = __atomic_load_n(&p->kmem.used, __ATOMIC_RELAXED);
    v[4] = ticks * TICK_NS;
    v[5] = switches;
    v[6] = v[7] = 0;
    struct aspace *as = process_aspace_pin(p);
    if (as != NULL) {
        v[6] = aspace_table_pages(as);
        v[7] = aspace_region_count(as);
        process_aspace_unpin(p);
    }
    v[8] = __atomic_load_n(&p->ipc_calls, __ATOMIC_RELAXED);
    v[9] = __atomic_load_n(&p->sec_decisions, __ATOMIC_RELAXED);
    v[10] = __atomic_load_n(&p->sec_denials, __ATOMIC_RELAXED);
}

static void thread_stats(const struct thread *t, uint64_t *v)
{
    v[0] = __atomic_load_n(&t->ticks_run, __ATOMIC_RELAXED) * TICK_NS;
    v[1] = __atomic_load_n(&t->switched_in, __ATOMIC_RELAXED);
    v[2] = __atomic_load_n(&t->prio, __ATOMIC_RELAXED);
    v[3] = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
    v[4] = t->tid;
    v[5] = __atomic_load_n(&t->ipc_calls, __ATOMIC_RELAXED);
    v[6] = __atomic_load_n(&t->sec_decisions, __ATOMIC_RELAXED);
    v[7] = __atomic_load_n(&t->sec_denials, __ATOMIC_RELAXED);
}

static Retcode ObjectGetStat(void *ctx, idl_handle_t handle, struct idl_seq names,
                             struct idl_seq *values, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    uint64_t *out = c->scratch;
    values->data = out;
    values->count = 0;
    values->arena = NULL;
    struct kobj *o;
    handle_rights_t rights = 0;
    Retcode r = handle_get(&c->proc->handles, handle.handle, KOBJ_ANY, HR_NONE, &o, &rights);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    /* The type first: a handle of a buffer is rcBadHandle whatever its rights. */
    if (o->ops->type != KOBJ_TASK && o->ops->type != KOBJ_THREAD)
        r = rcBadHandle;
    else if ((rights & HR_READ) == 0)
        r = rcAccessDenied;
    if (r != rcOk) {
        kobj_unref(o);
        *rc = r;
        return rcOk;
    }
    uint64_t all[TASK_STATS];
    const char *const *stat_name;
    uint32_t nstats;
    if (o->ops->type == KOBJ_TASK) {
        task_stats((struct process *)o, all);
        stat_name = task_stat_name;
        nstats = TASK_STATS;
    } else {
        thread_stats((const struct thread *)o, all);
        stat_name = thread_stat_name;
        nstats = THREAD_STATS;
    }
    kobj_unref(o);
    uint32_t n = 0;
    r = rcOk;
    if (names.count == 0) {
        for (; n < nstats; n++)
            out[n] = all[n];
    } else {
        for (uint32_t i = 0; i < names.count && r == rcOk; i++) {
            const char *want = idl_seq_string(&names, i);
            uint32_t k = 0;
            while (k < nstats && (want == NULL || strcmp(stat_name[k], want) != 0))
                k++;
            if (k == nstats)
                r = rcUnknownCounter;
            else
                out[n++] = all[k];
        }
    }
    values->count = r == rcOk ? n : 0;
    *rc = r;
    return rcOk;
}

static Retcode SamplingStart(void *ctx, uint32_t conf, kl_core_Types_CpuMask cpus,
                             kl_core_Types_Size contSize, uint32_t interval,
                             kl_core_Types_Retcode *rc)
{
    (void)interval; /* fictitious in the spec: samples come at the tick's rate */
    struct core_ctx *c = ctx;
    *rc = sampling_start(c->proc, conf, cpus & core_cpus_online(), contSize);
    return rcOk;
}

static Retcode SamplingStop(void *ctx, kl_core_Types_Retcode *rc)
{
    *rc = sampling_stop(((struct core_ctx *)ctx)->proc);
    return rcOk;
}

static Retcode SamplingRead(void *ctx, kl_core_Types_VirtAddr unsafeBuffer, kl_core_Types_Size size,
                            kl_core_Types_Size *realSize, kl_core_Types_Msecs timeout,
                            kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    uint64_t got = 0;
    *rc = sampling_read(c->proc, unsafeBuffer, size, timeout, c->scratch, c->scratch_size, &got);
    *realSize = got;
    return rcOk;
}

static Retcode SamplingAddPidToList(void *ctx, kl_core_Types_Pid pid, kl_core_Types_Retcode *rc)
{
    *rc = sampling_add_pid(((struct core_ctx *)ctx)->proc, pid);
    return rcOk;
}

static Retcode SamplingClearPidList(void *ctx, kl_core_Types_Retcode *rc)
{
    *rc = sampling_clear_pids(((struct core_ctx *)ctx)->proc);
    return rcOk;
}

static Retcode LoadSegInfo(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr addr,
                           kl_core_Types_Size size, kl_core_Types_Size offset, uint32_t flags,
                           struct idl_seq buildId, kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = core_get(ctx, task.handle, KOBJ_TASK, HR_TASK_VM, (void **)&p);
    if (r == rcOk) {
        r = seginfo_load(p, addr, size, offset, flags, buildId.data, buildId.count);
        kobj_unref(&p->obj);
    }
    *rc = r;
    return rcOk;
}

static Retcode UnloadSegInfo(void *ctx, idl_handle_t task, kl_core_Types_VirtAddr addr,
                             kl_core_Types_Size size, kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = core_get(ctx, task.handle, KOBJ_TASK, HR_TASK_VM, (void **)&p);
    if (r == rcOk) {
        r = seginfo_unload(p, addr, size);
        kobj_unref(&p->obj);
    }
    *rc = r;
    return rcOk;
}
/* ---- end of ObjectGetStat, sampling and segments ---- */

const struct kl_core_Profiler_ops core_profiler_ops = {
    .GetCounters = GetCounters,
    /* Coverage (the block above). */
    .GetCoverageData = GetCoverageData,
    .FlushGcov = FlushGcov,
    .FlushGcovFile = FlushGcovFile,
    .KcovAlloc = KcovAlloc,
    .KcovFree = KcovFree,
    .KcovStart = KcovStart,
    .KcovStop = KcovStop,
    /* ObjectGetStat, sampling and segments */
    .ObjectGetStat = ObjectGetStat,
    .SamplingStart = SamplingStart,
    .SamplingStop = SamplingStop,
    .SamplingRead = SamplingRead,
    .SamplingAddPidToList = SamplingAddPidToList,
    .SamplingClearPidList = SamplingClearPidList,
    .LoadSegInfo = LoadSegInfo,
    .UnloadSegInfo = UnloadSegInfo,
};
