/*
 * The run-time lock checks of a kernel built with BASTION_LOCK_CHECKS (lib/lock_order.h,
 * arch/x86_64/spinlock.h). Each CPU keeps the levels it holds (a count per level and a mask of
 * the non-zero ones), updated with interrupts off. A lock taken and released on one CPU is the
 * rule even for sched_lock, which one thread takes and the next one on that CPU releases after
 * context_switch(): the hand-over never leaves the CPU.
 *
 * Before the CPU's per-CPU data exists (GS base 0: early boot, an AP's first steps) nothing is
 * recorded and a lock's owner stays 0 ("unknown"); once a panic is in progress nothing is
 * checked, so that the report itself never trips over a lock.
 */
#include "arch/x86_64/spinlock.h"

#ifdef BASTION_LOCK_CHECKS

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "panic.h"

static const char *const level_names[LOCK_LEVEL_COUNT] = {
    [LOCK_LEVEL_NONE] = "(no level)",
    [LOCK_LEVEL_HANDLE_TREE] = "handle tree",
    [LOCK_LEVEL_HANDLE_TABLE] = "handle table",
    [LOCK_LEVEL_PROCESS_LIST] = "process list",
    [LOCK_LEVEL_PROCESS] = "process",
    [LOCK_LEVEL_ASPACE] = "address space",
    [LOCK_LEVEL_SHOOTDOWN] = "shootdown",
    [LOCK_LEVEL_REAPER] = "reaper queue",
    [LOCK_LEVEL_SUSPEND] = "suspended threads",
    [LOCK_LEVEL_THREAD_EXIT] = "thread exit",
    [LOCK_LEVEL_SYNC_BUCKET] = "sync bucket",
    [LOCK_LEVEL_NOTICE] = "notification receivers",
    [LOCK_LEVEL_TEE] = "TEE partition",
    [LOCK_LEVEL_CM] = "connection requests",
    [LOCK_LEVEL_KSM_GATE] = "KSM gate",
    [LOCK_LEVEL_PORT] = "IPC port",
    [LOCK_LEVEL_IRQ_LINE] = "interrupt lines",
    [LOCK_LEVEL_SCHED] = "scheduler",
    [LOCK_LEVEL_THREAD_LIST] = "thread list",
    [LOCK_LEVEL_KSTACK] = "kernel stacks",
    [LOCK_LEVEL_SLAB_CACHES] = "slab cache list",
    [LOCK_LEVEL_SLAB_CACHE] = "slab cache",
    [LOCK_LEVEL_SLAB_LARGE] = "large kmalloc",
    [LOCK_LEVEL_IOMMU] = "IOMMU",
    [LOCK_LEVEL_KERNEL_PT] = "kernel page tables",
    [LOCK_LEVEL_PMM] = "page allocator",
    [LOCK_LEVEL_IOAPIC] = "IOAPIC",
    [LOCK_LEVEL_PCI_CFG] = "PCI configuration",
    [LOCK_LEVEL_IO_CLAIMS] = "I/O claims",
    [LOCK_LEVEL_IO_PERM] = "I/O permissions",
    [LOCK_LEVEL_KSS_RING] = "audit ring",
    [LOCK_LEVEL_CORE_LOG] = "core log",
    [LOCK_LEVEL_KSM_FORGET] = "KSM forget queue",
    [LOCK_LEVEL_ROMFS_VOLUME] = "ROMFS volume",
    [LOCK_LEVEL_WALLCLOCK] = "wall clock",
    [LOCK_LEVEL_PROF_SEGS] = "profiler segments",
    [LOCK_LEVEL_PROF_SAMPLER] = "profiler sampler",
    [LOCK_LEVEL_CONSOLE] = "console",
};

static struct held_levels {
    uint64_t mask;                   /* bit L: count[L] != 0 */
    uint8_t count[LOCK_LEVEL_COUNT]; /* locks of level L this CPU holds */
} held[MAX_CPUS];

static const char *level_name(unsigned level)
{
    return level < LOCK_LEVEL_COUNT && level_names[level] ? level_names[level] : "(bad level)";
}

/* This CPU's index + 1, or 0 before its per-CPU data exists. */
static unsigned cpu_tag(void)
{
    if (rdmsr(MSR_GS_BASE) == 0)
        return 0;
    return this_cpu()->index + 1;
}

static bool checking(void)
{
    return !__atomic_load_n(&panic_in_progress, __ATOMIC_RELAXED);
}

bool lock_order_allows(unsigned level)
{
    unsigned tag = cpu_tag();
    return tag == 0 || (held[tag - 1].mask >> level) == 0;
}

void lock_check_acquire(const struct spinlock *l)
{
    if (!checking())
        return;
    unsigned level = l->level;
    if (level == LOCK_LEVEL_NONE || level >= LOCK_LEVEL_COUNT)
        panic("lock %p has no level (lib/lock_order.h)", (const void *)l);
    if (level >= LOCK_LEVEL_FIRST_IRQ_OFF && irqs_enabled())
        panic("lock order: %s lock %p taken with interrupts on", level_name(level),
              (const void *)l);
    unsigned tag = cpu_tag();
    if (tag == 0)
        return;
    uint64_t above = held[tag - 1].mask >> level;
    if (above != 0) {
        unsigned top = 63u - (unsigned)__builtin_clzll(held[tag - 1].mask);
        panic("lock order: cpu %u takes lock %p of level %u (%s) while it holds one of level "
              "%u (%s)",
              tag - 1, (const void *)l, level, level_name(level), top, level_name(top));
    }
}

void lock_check_taken(struct spinlock *l)
{
    uint64_t f = cpu_irq_save();
    unsigned tag = cpu_tag();
    l->owner = (uint16_t)tag;
    if (tag != 0 && l->level < LOCK_LEVEL_COUNT) {
        struct held_levels *h = &held[tag - 1];
        h->count[l->level]++;
        h->mask |= 1ull << l->level;
    }
    cpu_irq_restore(f);
}

void lock_check_release(struct spinlock *l)
{
    uint64_t f = cpu_irq_save();
    unsigned tag = cpu_tag(), owner = l->owner;
    if (checking() && !spin_is_locked(l))
        panic("lock %p (%s) released but not held", (void *)l, level_name(l->level));
    if (checking() && owner != 0 && tag != 0 && owner != tag)
        panic("lock %p (%s) released by cpu %u, held by cpu %u", (void *)l, level_name(l->level),
              tag - 1, owner - 1);
    l->owner = 0;
    /* Taken before this CPU's per-CPU data existed: it was never counted. */
    if (owner != 0 && owner == tag && l->level < LOCK_LEVEL_COUNT) {
        struct held_levels *h = &held[tag - 1];
        if (h->count[l->level] != 0 && --h->count[l->level] == 0)
            h->mask &= ~(1ull << l->level);
    }
    cpu_irq_restore(f);
}

void lock_check_switch(void)
{
    unsigned tag = cpu_tag();
    if (!checking() || tag == 0)
        return;
    const struct held_levels *h = &held[tag - 1];
    uint64_t others = h->mask & ~(1ull << LOCK_LEVEL_SCHED);
    if (others != 0 || h->count[LOCK_LEVEL_SCHED] != 1) {
        unsigned top = others != 0 ? 63u - (unsigned)__builtin_clzll(others) : LOCK_LEVEL_SCHED;
        panic("lock order: cpu %u switches threads holding %u lock(s) of level %u (%s)", tag - 1,
              h->count[top], top, level_name(top));
    }
}

void lock_check_held(const struct spinlock *l, const char *what, const char *file, int line)
{
    if (!checking())
        return;
    if (!spin_is_locked(l))
        panic("lock not held: %s at %s:%d", what, file, line);
    unsigned tag = cpu_tag();
    if (l->owner != 0 && tag != 0 && l->owner != tag)
        panic("lock not held by this cpu: %s at %s:%d (cpu %u, holder cpu %u)", what, file, line,
              tag - 1, l->owner - 1u);
}

#endif
