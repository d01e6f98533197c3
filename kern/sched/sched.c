/*
 * The scheduler (see sched.h).
 *
 * Locking: one lock, sched_lock, protects every run queue, every thread's scheduling fields
 * (state, cpu, queue link, deadline) and the sleep list. It is taken with interrupts off and is
 * held ACROSS context_switch(): the thread that gets the CPU releases it (sched_switch_tail()
 * for a new thread, the tail of schedule()'s caller otherwise). So a thread that marks itself
 * BLOCKED and switches away cannot be woken and run elsewhere before its registers are saved.
 * The queues themselves are per CPU; one lock for all of them is simple and, at 100 Hz ticks and
 * a handful of CPUs, uncontended. Splitting it per CPU changes only this file.
 *
 * Preemption: the tick (and the reschedule IPI) switch threads when they interrupted user mode,
 * an idle loop (the idle thread, or the address right after the idle loop's `hlt`), or a kernel
 * thread marked kernel_preemptible.
 * Other kernel code may hold a spinlock with interrupts on (spin_lock() without irqsave is
 * allowed for locks never taken by interrupt handlers), and switching away from it could leave
 * a more urgent thread spinning on that lock forever; it runs until it blocks, yields or
 * returns to user mode, where sched_preempt_point() catches up. sched_preempt_disable() also
 * holds off the switch for the marked threads.
 */
#include "sched/sched.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/idle_time.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/tsc.h"
#include "dev/ioperm.h"
#include "lib/kprintf.h"
#include "mm/aspace.h"
#include "panic.h"
#include "proc/thread.h"
#include "prof/sampling.h"
#include "sched/preempt.h"

/* Every field: sched_lock, but preempt_off (this CPU only, interrupts off) and need_resched
 * (also set and read by its own CPU with interrupts off). */
struct cpu_sched {
    struct runqueue rq;
    struct thread *current;
    struct thread *idle;
    struct thread *prev; /* the thread this CPU just switched away from */
    struct thread *reap; /* a DEAD prev whose scheduler reference is dropped after unlock */
    bool active;         /* takes part in scheduling */
    bool offline;        /* taken offline (sched_cpu_set_offline): runs its idle thread only */
    bool need_resched;
    unsigned preempt_off; /* sched_preempt_disable() depth */
    uint64_t switches;
    uint64_t idle_ticks;
    /* Real-time bandwidth (sched.h): the normal-class time owed (ns), whether the CPU is
     * throttled until it is paid, and when the last tick was. */
    uint64_t rt_owed_ns;
    uint64_t last_tick_ns;
    bool rt_throttled;
    uint64_t rt_throttled_ticks;
};

static struct cpu_sched cpus[MAX_CPUS];
static struct spinlock sched_lock = SPINLOCK_INIT(LOCK_LEVEL_SCHED);
static struct thread *sleep_list; /* sorted by deadline_ns, earliest first (sched_lock) */
static uint64_t boot_tsc;

void context_switch(uint64_t *save_rsp, uint64_t new_rsp);

/* This CPU's state: one %gs-relative load. Valid once cpu_sched_bind() ran on the CPU, which
 * every way into the scheduler on a CPU does first (sched_init on the boot CPU; the first tick
 * or the kick on the others). */
static inline struct cpu_sched *my_cs(void)
{
    return PERCPU(sched);
}

static struct cpu_sched *cpu_sched_bind(void)
{
    struct cpu_sched *cs = PERCPU(sched);
    if (!cs) {
        cs = &cpus[PERCPU(index)];
        PERCPU(sched) = cs;
    }
    return cs;
}

static bool is_rt(const struct thread *t)
{
    return t->sched_class == SCHED_FIFO || t->sched_class == SCHED_RR;
}

static unsigned level_of(const struct thread *t)
{
    return is_rt(t) ? 32u + t->prio : t->prio;
}

/* The time slice a thread of a sliced class gets when it is switched in; 0: none (FIFO). */
static unsigned slice_of(const struct thread *t)
{
    if (t->sched_class == SCHED_NORMAL)
        return SCHED_SLICE_TICKS;
    if (t->sched_class == SCHED_RR)
        return t->rr_quantum ? t->rr_quantum : SCHED_RR_QUANTUM_DEFAULT;
    return 0;
}

static struct thread *thread_of(struct rq_node *n)
{
    return (struct thread *)((char *)n - __builtin_offsetof(struct thread, rq));
}

uint64_t sched_now_ns(void)
{
    return tsc_ticks_to_ns(rdtsc() - boot_tsc);
}

bool sched_cpu_active(void)
{
    return rdmsr(MSR_GS_BASE) && my_cs() && my_cs()->active;
}

void sched_preempt_disable(void)
{
    uint64_t f = cpu_irq_save();
    my_cs()->preempt_off++;
    cpu_irq_restore(f);
}

void sched_preempt_enable(void)
{
    uint64_t f = cpu_irq_save();
    struct cpu_sched *cs = my_cs();
    KASSERT(cs->preempt_off > 0);
    cs->preempt_off--;
    /* Only a thread the tick could have switched away may switch here: any other kernel code
     * may hold a spinlock with interrupts on around this section (closing a handle destroys
     * objects under the handle tree lock, and their address-space work ends here), and it
     * catches up at its next preemption point instead. */
    bool resched = cs->preempt_off == 0 && cs->need_resched && (f & RFLAGS_IF) &&
                   cs->current->kernel_preemptible;
    cpu_irq_restore(f);
    if (resched)
        sched_yield();
}

/* sched_lock held: may CPU i be given threads? */
static bool usable(unsigned i)
{
    return cpus[i].active && !cpus[i].offline;
}

/* Bit i set exactly when usable(i) (sched_lock: set with active and offline, below), so that a
 * placement looks at the CPUs there are, not at all MAX_CPUS slots (~5 instructions each, on
 * every wake-up). */
static uint32_t usable_mask;
_Static_assert(MAX_CPUS <= 32, "usable_mask has a bit per CPU");

static void update_usable(unsigned i)
{
    if (usable(i))
        usable_mask |= 1u << i;
    else
        usable_mask &= ~(1u << i);
}

/* Load of a CPU for placement: queued threads plus the running one (idle counts 0). */
static unsigned cpu_load(const struct cpu_sched *cs)
{
    return cs->rq.count + (cs->current != cs->idle ? 1u : 0u);
}

/* Called with sched_lock held. The allowed active CPU with the least load, t->cpu on a tie. */
static unsigned pick_cpu(const struct thread *t)
{
    unsigned best = MAX_CPUS;
    unsigned best_load = ~0u;
    if (t->cpu < MAX_CPUS && usable(t->cpu) && (t->affinity >> t->cpu & 1)) {
        best = t->cpu;
        best_load = cpu_load(&cpus[t->cpu]);
    }
    /* Ascending, as a scan of every slot would go: the first of equal loads wins. */
    for (uint32_t m = usable_mask & (uint32_t)t->affinity; m != 0; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctz(m);
        unsigned l = cpu_load(&cpus[i]);
        if (l < best_load) {
            best = i;
            best_load = l;
        }
    }
    if (best == MAX_CPUS) /* no allowed CPU active yet: the BSP runs it */
        best = 0;
    return best;
}

static void kick_cpu(unsigned c)
{
    if (c == PERCPU(index)) {
        cpus[c].need_resched = true;
        return;
    }
    cpus[c].need_resched = true;
    lapic_send_ipi(smp_apic_id(c), SCHED_RESCHED_VECTOR);
}

/* sched_lock held. Queues t (state becomes READY) on a CPU it may run on, preempting that CPU's
 * current thread if t is more urgent. */
static void enqueue_locked(struct thread *t, bool front)
{
    spin_assert_held(&sched_lock);
    unsigned c = pick_cpu(t);
    t->cpu = c;
    t->state = THREAD_READY;
    if (front)
        rq_push_front(&cpus[c].rq, &t->rq, level_of(t));
    else
        rq_push_back(&cpus[c].rq, &t->rq, level_of(t));
    struct thread *cur = cpus[c].current;
    if (cur == cpus[c].idle || level_of(t) > level_of(cur))
        kick_cpu(c);
}

static void sleep_insert_locked(struct thread *t)
{
    spin_assert_held(&sched_lock);
    struct thread **pp = &sleep_list;
    while (*pp && (*pp)->deadline_ns <= t->deadline_ns)
        pp = &(*pp)->sleep_next;
    t->sleep_next = *pp;
    *pp = t;
}

static void sleep_remove_locked(struct thread *t)
{
    spin_assert_held(&sched_lock);
    if (!t->deadline_ns)
        return;
    for (struct thread **pp = &sleep_list; *pp; pp = &(*pp)->sleep_next)
        if (*pp == t) {
            *pp = t->sleep_next;
            break;
        }
    t->deadline_ns = 0;
    t->sleep_next = NULL;
}

/* switch_finish_locked, sched_unlock, switch_locked and block_locked_to are always inline:
 * the direct switch of every IPC and KSM round trip runs each once, and in one function they
 * share one frame and one lookup of the CPU's state (~38 instructions a switch, measured). */

/* Called by the CPU that just got the lock handed over through context_switch. */
static inline __attribute__((always_inline)) void switch_finish_locked(void)
{
    spin_assert_held(&sched_lock);
    struct cpu_sched *cs = my_cs();
    struct thread *prev = cs->prev;
    cs->prev = NULL;
    if (prev) {
        prev->on_cpu = false;
        if (prev->state == THREAD_DEAD)
            cs->reap = prev;
    }
}

/* Releases sched_lock (interrupts stay off) and drops a reaped thread's reference. */
static inline __attribute__((always_inline)) void sched_unlock(void)
{
    struct cpu_sched *cs = my_cs();
    struct thread *reap = cs->reap;
    cs->reap = NULL;
    spin_unlock(&sched_lock);
    if (reap) {
        thread_release_exited(reap);
        thread_unref(reap);
    }
}

/* rq_pop_matching filter: a normal-class thread allowed on the CPU *ctx. */
static bool normal_here_accept(struct rq_node *n, void *ctx)
{
    struct thread *t = thread_of(n);
    return !is_rt(t) && (t->affinity >> *(unsigned *)ctx & 1) != 0;
}

/*
 * sched_lock held, interrupts off. The current thread's new state is already set (READY and
 * queued, BLOCKED, or DEAD). Runs the most urgent ready thread of this CPU, or idle. Returns
 * (possibly much later, possibly on another CPU) with sched_lock held again.
 */
static inline __attribute__((always_inline)) void
switch_locked(struct cpu_sched *cs, struct thread *cur, struct thread *next, bool cur_may_run);

static void schedule_locked(void)
{
    spin_assert_held(&sched_lock);
    struct cpu_sched *cs = my_cs();
    struct thread *cur = cs->current;
    cs->need_resched = false;
    unsigned me = PERCPU(index);
    struct thread *next = NULL;
    /* Offline: everything queued here moves to a CPU that is online (pick_cpu skips this one),
     * and this CPU runs its idle thread. */
    if (cs->offline) {
        for (struct rq_node *n; (n = rq_pop(&cs->rq)) != NULL;)
            enqueue_locked(thread_of(n), false);
        next = cs->idle;
    }
    /* Throttled (real-time bandwidth used up): a ready normal-class thread first, whatever the
     * levels say. */
    if (!next && cs->rt_throttled) {
        struct rq_node *n = rq_pop_matching(&cs->rq, normal_here_accept, &me);
        if (n)
            next = thread_of(n);
    }
    /* A queued thread whose affinity no longer allows this CPU moves on (it was queued here
     * before its CPU was active, or its mask changed). Bounded: each goes to another queue. */
    for (unsigned tries = 0; !next && tries < 8; tries++) {
        struct rq_node *n = rq_pop(&cs->rq);
        if (!n)
            break;
        struct thread *t = (struct thread *)((char *)n - __builtin_offsetof(struct thread, rq));
        if (t->affinity >> me & 1)
            next = t;
        else
            enqueue_locked(t, false);
    }
    if (!next)
        next = cs->idle;
    if (kobj_refcount(&next->obj) == 0 ||
        next->state != (next == cs->idle ? next->state : THREAD_READY))
        panic("sched: cpu %u picked thread %p (%s) with %u references in state %d", me,
              (void *)next, next->name, kobj_refcount(&next->obj), next->state);
    if (next == cur) {
        cur->state = THREAD_RUNNING;
        return;
    }
    switch_locked(cs, cur, next, true);
}

/*
 * sched_lock held, interrupts off: gives this CPU to next (READY, on no run queue, allowed
 * here), leaving cur in the state already set. Returns when cur runs again, with sched_lock
 * held. cur_may_run: whether cur can still be RUNNING here (the idle thread giving way, a pick
 * that found nothing better); a constant false where the caller has just blocked or queued
 * it, which lets the state's test and the stores the compiler would otherwise keep go.
 */
static inline __attribute__((always_inline)) void
switch_locked(struct cpu_sched *cs, struct thread *cur, struct thread *next, bool cur_may_run)
{
    spin_assert_held(&sched_lock);
    /* This CPU's fields through %gs: the CPU cannot change before context_switch (interrupts
     * are off, sched_lock is held). */
    unsigned me = PERCPU(index);
    if (cur_may_run && cur->state == THREAD_RUNNING) /* idle giving way */
        cur->state = THREAD_READY;
    next->state = THREAD_RUNNING;
    next->cpu = me;
    next->on_cpu = true;
    if (next->slice_ticks == 0)
        next->slice_ticks = slice_of(next);
    cs->prev = cur;
    cs->current = next;
    cs->switches++;
    next->switched_in++;
    PERCPU(current_thread) = next;

    /* Architectural state of the next thread: its stacks for entries from user mode (the
     * system-call entry's and the TSS's for interrupts), its address space, TLS base and FPU
     * registers. */
    PERCPU(kernel_stack_top) = next->kstack_top;
    percpu_set_rsp0(next->kstack_top);
    if (cur->fpu_state)
        fpu_save(cur->fpu_state);
    aspace_switch(next->aspace);
    ioperm_switch(next->proc); /* the I/O bitmap: one compare for a process without ports */
    if (next->fpu_state) {
        fpu_restore(next->fpu_state);
        wrmsr(MSR_FS_BASE, next->fs_base);
    }
    LOCK_CHECK_SWITCH(); /* no thread sleeps holding a spinlock but sched_lock */
#ifdef BASTION_LOCK_CHECKS
    /* RFLAGS is not part of the switched context (context.asm): IF must be clear, and AC too
     * where SMAP gives it a meaning in the kernel. Without SMAP the trap entry leaves a user
     * AC in place (CLAC does not exist there) and the next thread may run its kernel part
     * with it: harmless, as AC checks alignment only at CPL 3, and every return to user mode
     * loads RFLAGS from the returning thread's own frame. */
    uint64_t must_be_clear = RFLAGS_IF | (cpu_features.smap ? RFLAGS_AC : 0);
    if (read_rflags() & must_be_clear)
        panic("sched: a switch with RFLAGS %#lx (IF or AC set)", read_rflags());
#endif
    context_switch(&cur->ksp, next->ksp);
    switch_finish_locked();
}

void sched_switch_tail(void)
{
    switch_finish_locked();
    sched_unlock();
    sti();
}

void sched_make_ready(struct thread *t)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    enqueue_locked(t, false);
    sched_unlock();
    cpu_irq_restore(f);
}

void sched_requeue(struct thread *t)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    if (t->state == THREAD_READY && t->rq.queued) {
        rq_remove(&cpus[t->cpu].rq, &t->rq);
        enqueue_locked(t, false);
    } else if (t->state == THREAD_RUNNING) {
        /* Reconsider at its CPU's next decision: off an allowed CPU, or lowered below a
         * waiting thread. */
        kick_cpu(t->cpu);
    }
    sched_unlock();
    cpu_irq_restore(f);
}

Retcode sched_set_policy(struct thread *t, unsigned cls, unsigned prio, unsigned rr_quantum)
{
    if (t == NULL || prio > THREAD_PRIO_MAX ||
        (cls != SCHED_NORMAL && cls != SCHED_FIFO && cls != SCHED_RR) ||
        (cls == SCHED_RR ? rr_quantum == 0 || rr_quantum > SCHED_RR_QUANTUM_MAX : rr_quantum != 0))
        return rcInvalidArgument;
    uint64_t f = spin_lock_irqsave(&sched_lock);
    bool queued = t->state == THREAD_READY && t->rq.queued;
    if (queued)
        rq_remove(&cpus[t->cpu].rq, &t->rq);
    t->sched_class = (enum sched_class)cls;
    t->prio = (uint8_t)prio;
    t->rr_quantum = rr_quantum;
    if (t->slice_ticks > slice_of(t))
        t->slice_ticks = slice_of(t);
    if (queued)
        enqueue_locked(t, false);
    else if (t->state == THREAD_RUNNING)
        kick_cpu(t->cpu); /* lowered below a waiting thread, or throttled: decide again */
    sched_unlock();
    cpu_irq_restore(f);
    return rcOk;
}

void sched_get_policy(struct thread *t, unsigned *cls, unsigned *prio, unsigned *rr_quantum)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    *cls = t->sched_class;
    *prio = t->prio;
    *rr_quantum = t->sched_class == SCHED_RR ? slice_of(t) : 0;
    sched_unlock();
    cpu_irq_restore(f);
}

void sched_preempt_point_leaving(void)
{
    cli();
    const struct cpu_sched *cs = my_cs();
    /* need_resched first: it is the one that is rarely set. */
    if (cs->need_resched && cs->active && cs->preempt_off == 0) {
        sti();
        sched_yield();
        cli();
    }
}

void sched_preempt_point(void)
{
    uint64_t f = cpu_irq_save();
    struct cpu_sched *cs = my_cs();
    bool resched = cs->active && cs->need_resched && cs->preempt_off == 0;
    cpu_irq_restore(f);
    if (resched)
        sched_yield();
}

/* May the tick switch away from cur, interrupted at tf? (See the top of this file.) */
static bool preemptible_at(const struct cpu_sched *cs, const struct thread *cur,
                           const struct trap_frame *tf)
{
    if (cs->preempt_off)
        return false;
    if (trap_from_user(tf) || cur == cs->idle)
        return true;
    if (!(tf->rflags & RFLAGS_IF))
        return false;
    /* A thread woken from the idle loop's halt (the idle thread is matched above; this keeps
     * any other halting context preemptible, by its exact resume address). */
    return cur->kernel_preemptible || tf->rip == (uint64_t)cpu_idle_after_hlt;
}

void sched_yield(void)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    struct cpu_sched *cs = my_cs();
    struct thread *cur = cs->current;
    if (cur != cs->idle) {
        cur->slice_ticks = 0;
        enqueue_locked(cur, false);
        /* enqueue may have picked another CPU (affinity changed): it is READY there and will
         * be taken once this CPU switches away, which the lock hand-over makes safe. */
    }
    schedule_locked();
    sched_unlock();
    cpu_irq_restore(f);
}

/* Blocks cur (sched_lock held) and runs the next thread: `next` when not NULL (the direct
 * hand-off: a thread the caller took off its wait, still BLOCKED but off the sleep list with its
 * wake_rc set, on no run queue, allowed on this CPU), else the scheduler's pick. next's state
 * and CPU are stored once, by switch_locked, instead of READY here and RUNNING there. A wait
 * that cannot begin (cur being ended, its interruptible wait already interrupted) returns at
 * once; `next` is then made READY here and queued at the front instead. cs is this CPU's
 * state, looked up once by the caller: with sched_lock held and interrupts off the CPU cannot
 * change before the switch. `also` (NULL: none): a second lock released with `held`, taken
 * after it. kill_checked: the caller found cur->kill_pending clear with sched_lock held since
 * (it is set only under sched_lock, sched_terminate), so it cannot have changed. */
static inline __attribute__((always_inline)) Retcode
block_locked_to(struct cpu_sched *cs, struct thread *cur, struct spinlock *held,
                struct spinlock *also, uint64_t timeout_ns, struct thread *next, bool kill_checked)
{
    spin_assert_held(&sched_lock);
    if (also)
        spin_unlock(also);
    if (held)
        spin_unlock(held);
    Retcode early = rcOk;
    const uint32_t *intr = __atomic_load_n(&cur->intr_word, __ATOMIC_RELAXED);
    if (!kill_checked && cur->kill_pending)
        early = rcPeerClosed;
    else if (intr != NULL && __atomic_load_n(intr, __ATOMIC_SEQ_CST) != 0)
        early = rcInterrupted; /* an interruptible wait that is already interrupted */
    if (early != rcOk) {
        if (next != NULL) {
            next->cpu = PERCPU(index);
            next->state = THREAD_READY;
            rq_push_front(&cs->rq, &next->rq, RQ_LEVELS - 1);
        }
        return early;
    }
    cur->state = THREAD_BLOCKED;
    cur->wake_rc = rcOk;
    if (timeout_ns) {
        uint64_t now = sched_now_ns();
        cur->deadline_ns = now + timeout_ns < now ? UINT64_MAX : now + timeout_ns;
        sleep_insert_locked(cur);
    }
    if (next != NULL) {
        cs->need_resched = false;
        switch_locked(cs, cur, next, false);
    } else {
        schedule_locked();
    }
    /* Only a wait with a timeout put cur on the sleep list: deadline_ns is set nowhere else,
     * and every wait that set it clears it here before returning, so a thread runs with none. */
    if (timeout_ns)
        sleep_remove_locked(cur);
    return cur->wake_rc;
}

static Retcode block_locked(struct thread *cur, struct spinlock *held, uint64_t timeout_ns)
{
    return block_locked_to(my_cs(), cur, held, NULL, timeout_ns, NULL, false);
}

Retcode sched_block_timeout(struct spinlock *held, uint64_t timeout_ns)
{
    uint64_t f = cpu_irq_save();
    spin_lock(&sched_lock);
    struct thread *cur = my_cs()->current;
    KASSERT(cur != my_cs()->idle);
    Retcode rc = block_locked(cur, held, timeout_ns);
    sched_unlock();
    cpu_irq_restore(f);
    return rc;
}

Retcode sched_block_current(struct spinlock *held)
{
    return sched_block_timeout(held, 0);
}

static bool wake_locked(struct thread *t, Retcode rc)
{
    spin_assert_held(&sched_lock);
    if (t->state != THREAD_BLOCKED)
        return false;
    sleep_remove_locked(t);
    t->wake_rc = rc;
    enqueue_locked(t, false);
    return true;
}

bool sched_wake(struct thread *t, Retcode wake_rc)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    bool ok = wake_locked(t, wake_rc);
    sched_unlock();
    cpu_irq_restore(f);
    return ok;
}

/* sched_lock held, t BLOCKED: t is woken with wake_rc for this CPU (me), which the caller gives
 * it directly, without a pass through the run queue (a hand-off). */
static inline __attribute__((always_inline)) void ready_here_locked(struct thread *t,
                                                                    Retcode wake_rc, unsigned me)
{
    sleep_remove_locked(t);
    t->wake_rc = wake_rc;
    t->cpu = me;
    t->state = THREAD_READY;
}

/* sched_lock held, t BLOCKED: does sched_wake_to give t this CPU now (sched.h)? The same
 * conditions under which a switch_to hand-off is made, plus the priority rules a plain wake-up
 * would apply: t must be placed here and must preempt cur (or, both normal class, tie with it),
 * so the switch only brings forward what the queues would have done at cur's next decision for
 * a more urgent t, and for an equal one lets the woken thread run in cur's place, as the
 * hand-off of every IPC call does. */
static bool wake_hands_over(struct cpu_sched *cs, unsigned me, struct thread *cur,
                            const struct thread *t)
{
    if (cur == cs->idle || cs->preempt_off || cs->offline || cs->rt_throttled ||
        cur->kill_pending || !(t->affinity >> me & 1) || pick_cpu(t) != me)
        return false;
    unsigned lt = level_of(t), lc = level_of(cur);
    if (lt < lc || (lt == lc && (is_rt(t) || is_rt(cur))))
        return false;
    return (int)lt >= rq_top_level(&cs->rq);
}

bool sched_wake_to(struct thread *t, Retcode wake_rc, struct spinlock *held)
{
    uint64_t f = cpu_irq_save();
    spin_lock(&sched_lock);
    unsigned me = PERCPU(index);
    struct cpu_sched *cs = my_cs(); /* this CPU's until the switch: interrupts are off */
    struct thread *cur = cs->current;
    bool ok = t->state == THREAD_BLOCKED;
    if (ok && wake_hands_over(cs, me, cur, t)) {
        ready_here_locked(t, wake_rc, me);
        /* Preempted as by the tick: front of its level with slice left, else the back. */
        enqueue_locked(cur, cur->slice_ticks > 0);
        if (held)
            spin_unlock(held);
        cs->need_resched = false; /* decided: t is at least as urgent as everything queued */
        switch_locked(cs, cur, t, false);
    } else {
        if (ok)
            wake_locked(t, wake_rc);
        if (held)
            spin_unlock(held);
    }
    sched_unlock();
    cpu_irq_restore(f);
    return ok;
}

bool sched_interrupt(struct thread *t)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    bool ok = t->state == THREAD_BLOCKED && __atomic_load_n(&t->intr_word, __ATOMIC_RELAXED) &&
              wake_locked(t, rcInterrupted);
    sched_unlock();
    cpu_irq_restore(f);
    return ok;
}

/* Both entry points' body, inline in each: sched_switch_to (every KSM hand-off, twice a round
 * trip) has no timeout, and with the constant 0 the deadline's insertion and removal fold away
 * (a thread that blocks without a timeout has none: every wait's deadline is removed before
 * it returns, sleep_remove_locked). Interrupts are off already (sched.h), so nothing is saved
 * or restored here: the caller's own save, for the lock it holds, covers the switch. */
static inline __attribute__((always_inline)) Retcode
switch_to(struct thread *t, struct spinlock *held, struct spinlock *also, uint64_t timeout_ns)
{
    const Retcode wake_rc = rcOk;
#ifdef BASTION_LOCK_CHECKS
    if (irqs_enabled())
        panic("sched: a direct switch with interrupts on");
#endif
    spin_lock(&sched_lock);
    unsigned me = PERCPU(index);
    struct cpu_sched *cs = my_cs(); /* this CPU's until the switch: interrupts are off */
    struct thread *cur = cs->current;
    Retcode rc;
    if (t->state == THREAD_BLOCKED && (t->affinity >> me & 1) && !cs->offline &&
        !cs->rt_throttled && !cur->kill_pending) {
        /* Hand-off: the blocking caller gives this CPU straight to t, whatever else is queued
         * (as if t were at the front of the top level), without a pass through the run queue.
         * A throttled CPU takes the general path: its pick prefers normal-class threads. */
        sleep_remove_locked(t);
        t->wake_rc = wake_rc;
        rc = block_locked_to(cs, cur, held, also, timeout_ns, t, true);
    } else {
        wake_locked(t, wake_rc);
        rc = block_locked_to(cs, cur, held, also, timeout_ns, NULL, false);
    }
    sched_unlock();
    return rc;
}

Retcode sched_switch_to(struct thread *t, struct spinlock *held)
{
    return switch_to(t, held, NULL, 0);
}

Retcode sched_switch_to_timeout(struct thread *t, struct spinlock *held, uint64_t timeout_ns)
{
    return switch_to(t, held, NULL, timeout_ns);
}

Retcode sched_switch_to_also(struct thread *t, struct spinlock *held, struct spinlock *also)
{
    return switch_to(t, held, also, 0);
}

_Noreturn void sched_exit_current(void)
{
    cli();
    spin_lock(&sched_lock);
    struct thread *cur = my_cs()->current;
    KASSERT(cur != my_cs()->idle);
    sleep_remove_locked(cur);
    cur->state = THREAD_DEAD;
    schedule_locked();
    panic("sched: dead thread %s ran again", cur->name);
}

Retcode sched_terminate(struct thread *t, int64_t code)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    if (t->state != THREAD_DEAD && !t->kill_pending) {
        t->kill_pending = true;
        t->kill_code = code;
        if (t->state == THREAD_BLOCKED)
            wake_locked(t, rcPeerClosed);
        else if (t->state == THREAD_NEW && t->aspace)
            enqueue_locked(t, false); /* it ends at once (thread_enter_user checks) */
        else if (t->state == THREAD_RUNNING)
            kick_cpu(t->cpu);
    }
    sched_unlock();
    cpu_irq_restore(f);
    return rcOk;
}

void sched_sleep_ns(uint64_t ns)
{
    if (ns == 0) {
        sched_yield();
        return;
    }
    /* Only the deadline and the thread's own end finish a sleep: any other wake-up (a waker
     * that still had this thread in view from an earlier wait) sleeps the rest again. */
    struct thread *self = thread_current();
    uint64_t now = sched_now_ns(), end = now + ns < now ? UINT64_MAX : now + ns;
    while (now < end) {
        if (sched_block_timeout(NULL, end - now) == rcTimeout || thread_should_exit(self))
            return;
        now = sched_now_ns();
    }
}

/* sched_lock held: wakes every thread whose deadline passed with rcTimeout. */
static void expire_timeouts_locked(uint64_t now)
{
    spin_assert_held(&sched_lock);
    while (sleep_list && sleep_list->deadline_ns <= now) {
        struct thread *t = sleep_list;
        sleep_list = t->sleep_next;
        t->deadline_ns = 0;
        t->sleep_next = NULL;
        if (t->state == THREAD_BLOCKED) {
            t->wake_rc = rcTimeout;
            enqueue_locked(t, false);
        }
    }
}

/*
 * sched_lock held, on every tick of an active CPU: the real-time bandwidth (sched.h), kept in
 * time, not ticks, so that ticks a loaded host delivers late or merged still count for what
 * they lasted. The time since the last tick is charged to what ran at it: a real-time thread's
 * time makes the CPU owe normal-class time (5 ns for every 95), anything else pays it back.
 * Owing 50 ms (after 950 ms of real time with nothing else) throttles the CPU until the debt
 * is paid; the debt never grows past that, so a real-time thread that ran alone meanwhile is
 * not punished later.
 */
static void rt_bandwidth_tick_locked(struct cpu_sched *cs, struct thread *cur, uint64_t now)
{
    spin_assert_held(&sched_lock);
    const uint64_t owed_max = SCHED_RT_PERIOD_NS - SCHED_RT_RUNTIME_NS;
    uint64_t delta = cs->last_tick_ns != 0 && now > cs->last_tick_ns ? now - cs->last_tick_ns : 0;
    cs->last_tick_ns = now;
    if (cur != cs->idle && is_rt(cur)) {
        cs->rt_owed_ns += delta * owed_max / SCHED_RT_RUNTIME_NS;
        if (cs->rt_owed_ns >= owed_max) {
            cs->rt_owed_ns = owed_max;
            cs->rt_throttled = true;
        }
    } else {
        cs->rt_owed_ns = delta >= cs->rt_owed_ns ? 0 : cs->rt_owed_ns - delta;
        if (cs->rt_throttled && cs->rt_owed_ns == 0) {
            cs->rt_throttled = false;
            if (rq_top_level(&cs->rq) > (int)level_of(cur))
                cs->need_resched = true; /* a real-time thread waited out the throttle */
        }
    }
    if (cs->rt_throttled) {
        cs->rt_throttled_ticks++;
        unsigned me = PERCPU(index);
        if (cur != cs->idle && is_rt(cur) && rq_find_matching(&cs->rq, normal_here_accept, &me))
            cs->need_resched = true; /* a normal thread waits here: it runs now */
    }
}

/* What pull_locked looks for on another CPU's queue. */
struct pull_want {
    unsigned cpu; /* the pulling CPU: the thread's affinity must allow it */
    int floor;    /* only a thread queued above this level */
    bool normal_only;
};

static bool pull_accept(struct rq_node *n, void *ctx)
{
    const struct pull_want *w = ctx;
    const struct thread *t = thread_of(n);
    return (int)n->level > w->floor && (t->affinity >> w->cpu & 1) != 0 &&
           !(w->normal_only && is_rt(t));
}

/* sched_lock held: does the thread n queued on CPU o wait there, rather than run at o's next
 * decision? It waits behind a thread at least as urgent, and a real-time one waits while o's
 * real-time bandwidth is used up. (An idle o with a queued thread is switching to it.) */
static bool waits_there(const struct cpu_sched *o, struct rq_node *n)
{
    if (o->current == o->idle)
        return false;
    return level_of(o->current) >= n->level || (o->rt_throttled && is_rt(thread_of(n)));
}

/*
 * sched_lock held. Priorities hold across CPUs: a ready thread waits only while every CPU it may
 * run on runs something at least as urgent. Each CPU's tick calls this with the level it would
 * run next (its current thread's, or the top of its own queue; -1 when idle): the most urgent
 * thread queued on another CPU above that level, behind a thread at least as urgent there (else
 * its own CPU switches to it anyway), moves to this CPU's queue. A CPU whose real-time
 * bandwidth is used up takes no real-time thread (it would not run it). Returns whether one
 * moved; the caller reschedules.
 */
static bool pull_locked(int floor)
{
    spin_assert_held(&sched_lock);
    unsigned me = PERCPU(index);
    struct cpu_sched *cs = my_cs();
    if (cs->offline)
        return false;
    struct pull_want want = {.cpu = me, .floor = floor, .normal_only = cs->rt_throttled};
    struct rq_node *best = NULL;
    unsigned from = 0;
    for (unsigned i = 0; i < MAX_CPUS; i++) {
        struct cpu_sched *o = &cpus[i];
        if (i == me || !o->active || rq_top_level(&o->rq) <= want.floor)
            continue;
        struct rq_node *n = rq_find_matching(&o->rq, pull_accept, &want);
        if (n == NULL || !waits_there(o, n))
            continue;
        best = n;
        from = i;
        want.floor = n->level; /* another CPU must offer a more urgent one */
    }
    if (best == NULL)
        return false;
    rq_remove(&cpus[from].rq, best);
    struct thread *t = thread_of(best);
    t->cpu = me;
    rq_push_back(&cs->rq, best, level_of(t));
    return true;
}

/* sched_lock held: the level of what this CPU runs after this tick if nothing else comes (-1:
 * idle). Throttled, that is a normal-class thread: its current one, else its most urgent
 * queued one (schedule_locked picks those first). */
static int next_level_locked(struct cpu_sched *cs, struct thread *cur)
{
    if (cs->rt_throttled) {
        if (cur != cs->idle && !is_rt(cur))
            return (int)level_of(cur);
        unsigned me = PERCPU(index);
        struct rq_node *n = rq_find_matching(&cs->rq, normal_here_accept, &me);
        return n ? (int)n->level : -1;
    }
    int top = rq_top_level(&cs->rq);
    if (cur != cs->idle && (int)level_of(cur) > top)
        return (int)level_of(cur);
    return top;
}

/* A thread whose CPU is no longer in its affinity, or is offline, must leave at the next
 * decision point. */
static bool must_leave(const struct thread *t)
{
    return !(t->affinity >> PERCPU(index) & 1) || my_cs()->offline;
}

void sched_tick(struct trap_frame *tf)
{
    struct cpu_sched *cs = my_cs();
    if (!cs->active)
        return;
    spin_lock(&sched_lock);
    struct thread *cur = cs->current;
    cur->ticks_run++;
    uint64_t now = sched_now_ns();
    expire_timeouts_locked(now);
    rt_bandwidth_tick_locked(cs, cur, now);
    if (pull_locked(next_level_locked(cs, cur)))
        cs->need_resched = true;
    if (cur == cs->idle) {
        cs->idle_ticks++;
        if (cs->rq.count)
            cs->need_resched = true;
    } else if (cur->sched_class != SCHED_FIFO) {
        if (cur->slice_ticks > 0)
            cur->slice_ticks--;
        /* Slice over: round robin if another thread waits at this level or above. */
        if (cur->slice_ticks == 0 && rq_top_level(&cs->rq) >= (int)level_of(cur))
            cs->need_resched = true;
    }
    if (cur != cs->idle && must_leave(cur))
        cs->need_resched = true;
    int top = rq_top_level(&cs->rq);
    /* Throttled, a running normal thread is not preempted by queued real-time ones (the pick
     * would choose it again), only by a more urgent normal one, which enqueue_locked kicks. */
    if (top > (int)level_of(cur) && cur != cs->idle && !(cs->rt_throttled && !is_rt(cur)))
        cs->need_resched = true;

    bool from_user = trap_from_user(tf);
    if (cs->need_resched && preemptible_at(cs, cur, tf)) {
        /* Preempted with slice left: front of its level; slice used up: back, and a fresh
         * slice when it next runs (schedule_locked). */
        if (cur != cs->idle)
            enqueue_locked(cur, cur->slice_ticks > 0 && !must_leave(cur));
        schedule_locked();
    } else if (cur != cs->idle && cur->slice_ticks == 0 && cur->sched_class != SCHED_FIFO) {
        cur->slice_ticks = slice_of(cur); /* alone at its level: keeps the CPU */
    }
    sched_unlock();
    /* Returning to user mode: a terminated thread ends here instead. */
    if (from_user && my_cs()->current->kill_pending) {
        sti();
        thread_exit(my_cs()->current->kill_code);
    }
}

/* Reschedule IPI: another CPU queued something more urgent here. */
static void sched_start_cpu(void);

static void resched_ipi(struct trap_frame *tf)
{
    lapic_eoi();
    struct cpu_sched *cs = cpu_sched_bind();
    if (!cs->active) {
        /* An AP that has not joined yet: sched_init() kicked it so that it joins now instead
         * of at its first tick. */
        sched_start_cpu();
        return;
    }
    spin_lock(&sched_lock);
    struct thread *cur = cs->current;
    if (cs->need_resched && preemptible_at(cs, cur, tf)) {
        if (cur != cs->idle)
            enqueue_locked(cur, true);
        schedule_locked();
    }
    sched_unlock();
    if (trap_from_user(tf) && my_cs()->current->kill_pending) {
        sti();
        thread_exit(my_cs()->current->kill_code);
    }
}

static void idle_loop(void *unused)
{
    (void)unused;
    cpu_idle_forever();
}

/* IA32_TSC_AUX = this CPU's index, so that user code can ask RDTSCP (ecx) where it runs, as
 * on Linux. Only when the CPU has RDTSCP (CPUID 0x80000001 EDX bit 27). */
#define MSR_TSC_AUX 0xC0000103u
static void tsc_aux_init_cpu(void)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000u, 0, &a, &b, &c, &d);
    if (a < 0x80000001u)
        return;
    cpuid(0x80000001u, 0, &a, &b, &c, &d);
    if (d & (1u << 27))
        wrmsr(MSR_TSC_AUX, PERCPU(index));
}

/* First tick on a CPU: the context that was interrupted (its idle loop) becomes its idle
 * thread, and the CPU's system-call entry is programmed. */
static void sched_start_cpu(void)
{
    unsigned me = PERCPU(index);
    struct cpu_sched *cs = cpu_sched_bind();
    if (!cs->idle) {
        struct thread *idle = thread_adopt_boot_context(me, "idle");
        if (!idle)
            return; /* no memory: this CPU stays out of scheduling */
        cs->idle = idle;
        cs->current = idle;
        PERCPU(current_thread) = idle;
    }
    syscall_init_cpu();
    fpu_init_cpu();
    tsc_aux_init_cpu();
    aspace_init_cpu();
    rq_init(&cs->rq);
    spin_lock(&sched_lock);
    cs->active = true;
    update_usable(me);
    spin_unlock(&sched_lock);
}

/* The security channel's watchdog (security/ksm_handoff.c), when linked in: it fails questions
 * that waited for the KSM too long, from the tick and without sched_lock (it takes a lock below
 * it), so that no question needs a timeout of its own on the sleep list. */
extern void ksm_handoff_tick(uint64_t now_ns) __attribute__((weak));

static void tick_hook(struct trap_frame *tf)
{
    if (!cpu_sched_bind()->active)
        sched_start_cpu();
    sampling_tick(tf); /* before the scheduler may switch away from what the tick interrupted */
    if (ksm_handoff_tick)
        ksm_handoff_tick(sched_now_ns());
    sched_tick(tf);
}

void sched_init(void)
{
    boot_tsc = rdtsc();
    cpu_sched_bind();
    for (unsigned i = 0; i < MAX_CPUS; i++)
        rq_init(&cpus[i].rq);
    thread_init();
    /* CPU 0: kmain's context becomes an ordinary thread ("kmain", lowest priority, so that it
     * can block in tests), and a separate idle thread is made for the CPU. */
    struct thread *kmain_thread = thread_adopt_boot_context(0, "kmain");
    struct thread *idle0;
    if (!kmain_thread || thread_create_kernel("idle", idle_loop, NULL, 0, &idle0) != rcOk)
        panic("sched: no memory for CPU 0's first threads");
    kmain_thread->affinity = THREAD_AFFINITY_ALL;
    thread_unref(idle0); /* the scheduler's reference keeps it */
    cpus[0].idle = idle0;
    cpus[0].current = kmain_thread;
    PERCPU(current_thread) = kmain_thread;
    uint64_t f = cpu_irq_save();
    sched_start_cpu();
    cpu_irq_restore(f);
    idt_set_irq_handler(SCHED_RESCHED_VECTOR, resched_ipi);
    timer_set_tick_hook(tick_hook);
    /* Each AP joins at its first tick or at this kick, whichever comes first (under emulation
     * the tick may be a whole tick period away, spent spinning below); wait (at most 100 ms) so
     * that threads created right after this can be placed on every CPU. */
    for (unsigned i = 1; i < percpu_count(); i++)
        lapic_send_ipi(smp_apic_id(i), SCHED_RESCHED_VECTOR);
    uint64_t until = sched_now_ns() + 100000000ull;
    for (;;) {
        unsigned active = 0;
        for (unsigned i = 0; i < MAX_CPUS; i++)
            active += cpus[i].active;
        if (active >= percpu_count() || sched_now_ns() > until)
            break;
        cpu_pause();
    }
    kprintf("sched: per-CPU run queues, %u levels (normal 0-31, FIFO 32-63), %u ms slices\n",
            RQ_LEVELS, SCHED_SLICE_TICKS * 1000u / TIMER_HZ);
}

uint64_t sched_context_switches(unsigned cpu)
{
    return cpu < MAX_CPUS ? cpus[cpu].switches : 0;
}
uint64_t sched_idle_ticks(unsigned cpu)
{
    return cpu < MAX_CPUS ? cpus[cpu].idle_ticks : 0;
}
uint64_t sched_rt_throttled_ticks(unsigned cpu)
{
    return cpu < MAX_CPUS ? cpus[cpu].rt_throttled_ticks : 0;
}

uint64_t sched_cpus_online(void)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    uint64_t m = 0;
    for (unsigned i = 0; i < MAX_CPUS && i < 64; i++)
        if (usable(i))
            m |= 1ull << i;
    sched_unlock();
    cpu_irq_restore(f);
    return m;
}

Retcode sched_set_affinity(struct thread *t, uint64_t mask)
{
    uint64_t f = spin_lock_irqsave(&sched_lock);
    uint64_t online = 0;
    for (unsigned i = 0; i < MAX_CPUS && i < 64; i++)
        if (usable(i))
            online |= 1ull << i;
    Retcode r = (mask & online) == 0 ? rcInvalidArgument : rcOk;
    if (r == rcOk) {
        t->affinity = mask & online;
        if (t->state == THREAD_READY && t->rq.queued) {
            rq_remove(&cpus[t->cpu].rq, &t->rq);
            enqueue_locked(t, false);
        } else if (t->state == THREAD_RUNNING) {
            kick_cpu(t->cpu);
        }
    }
    sched_unlock();
    cpu_irq_restore(f);
    return r;
}

/* thread_any() filter: a live thread that could run on no CPU of the mask *arg. */
static bool stranded(struct thread *t, void *arg)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        if (cpus[i].idle == t)
            return false; /* each CPU's own idle thread stays with it */
    return t->state != THREAD_DEAD && (t->affinity & *(const uint64_t *)arg) == 0;
}

Retcode sched_cpu_set_offline(unsigned cpu, bool offline)
{
    if (cpu >= MAX_CPUS || cpu >= 64)
        return rcInvalidArgument;
    uint64_t f = spin_lock_irqsave(&sched_lock);
    Retcode r = rcOk;
    if (!cpus[cpu].active)
        r = rcInvalidArgument; /* no such CPU, or it never joined */
    else if (cpus[cpu].offline == offline)
        r = rcOk;
    else if (offline && cpu == 0)
        r = rcAccessDenied; /* the boot CPU: every device interrupt is routed to it */
    else if (offline) {
        uint64_t left = 0;
        for (unsigned i = 0; i < MAX_CPUS && i < 64; i++)
            if (i != cpu && usable(i))
                left |= 1ull << i;
        /* Affinity is honoured, never broken: a thread allowed only on CPUs that would all be
         * offline keeps this one online. */
        if (thread_any(stranded, &left))
            r = rcResourceBusy;
        else {
            cpus[cpu].offline = true;
            update_usable(cpu);
            kick_cpu(cpu); /* its running thread and queue move at its next decision */
        }
    } else {
        cpus[cpu].offline = false; /* it takes threads again at the next placement or pull */
        update_usable(cpu);
    }
    sched_unlock();
    cpu_irq_restore(f);
    return r;
}

bool sched_cpu_vacated(unsigned cpu)
{
    if (cpu >= MAX_CPUS)
        return true;
    uint64_t f = spin_lock_irqsave(&sched_lock);
    bool done =
        !cpus[cpu].active || (cpus[cpu].current == cpus[cpu].idle && cpus[cpu].rq.count == 0);
    sched_unlock();
    cpu_irq_restore(f);
    return done;
}
