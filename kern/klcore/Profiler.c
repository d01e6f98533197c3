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
 *
 * The task.* counters are the caller's own; mm.free_pages tells how much memory the machine has
 * left, which is why the method is granted by policy only to classes that watch it (a test
 * checking that nothing leaked); a policy that lets a program read only the time grants the
 * method with the prefix "time." (the monitor reads it), as test/os/policy/ostest.psl does for
 * os_time. The other Profiler methods have no handler.
 */
#include "klcore/klcore.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/pmm.h"
#include "lib/wallclock.h"
#include "proc/process.h"
#include "sched/sched.h"

enum { COUNTERS = 7 };

static const char *const counter_name[COUNTERS] = {
    "mm.free_pages", "task.ram_used",    "task.kmem_used",    "task.page_tables",
    "task.regions",  "time.realtime_ns", "time.monotonic_ns",
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
    default:
        return now;
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

const struct kl_core_Profiler_ops core_profiler_ops = {
    .GetCounters = GetCounters,
};
