/* The gate in front of the KSM (ksm_gate.h). */
#include "security/ksm_gate.h"

#include "arch/x86_64/cpu.h"
#include "proc/thread.h"
#include "sched/sched.h"

/* An asker waiting at a gate: lives on its own stack while it waits. */
struct ksm_gate_waiter {
    struct thread *thread;
    struct ksm_gate_waiter *next; /* the gate's lock */
    bool admitted; /* set under the gate's lock by the leaver that handed it its place */
};

/* Under the lock: the waiters bit follows the queue (set while it is not empty). */
static void set_waiters_locked(struct ksm_gate *g, bool on)
{
    if (on)
        __atomic_fetch_or(&g->inflight, KSM_GATE_WAITERS, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&g->inflight, ~KSM_GATE_WAITERS, __ATOMIC_RELAXED);
}

Retcode ksm_gate_enter_slow(struct ksm_gate *g)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&g->lock);
    /* Every place was taken (or others wait). Set the bit while it still is, in one
     * compare-and-swap with the count: from then on a leave takes this lock and sees this
     * waiter, so its wake cannot be lost; a leave that came first left a place to take. */
    uint32_t n = __atomic_load_n(&g->inflight, __ATOMIC_RELAXED);
    for (;;) {
        if (n < KSM_GATE_PER_PROCESS) {
            if (__atomic_compare_exchange_n(&g->inflight, &n, n + 1, true, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED)) {
                spin_unlock(&g->lock);
                cpu_irq_restore(fl);
                return rcOk;
            }
        } else if ((n & KSM_GATE_WAITERS) != 0 ||
                   __atomic_compare_exchange_n(&g->inflight, &n, n | KSM_GATE_WAITERS, true,
                                               __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            break;
        }
    }
    struct ksm_gate_waiter w = {.thread = thread_current()};
    if (g->tail != NULL)
        g->tail->next = &w;
    else
        g->head = &w;
    g->tail = &w;
    /* Released once this thread is marked blocked: a leaver's wake cannot be lost. */
    Retcode rc = sched_block_current(&g->lock);
    cpu_irq_restore(fl);
    fl = cpu_irq_save();
    spin_lock(&g->lock);
    if (w.admitted) {
        /* The place is ours (a leaver passed it on), even if we were ended meanwhile. */
        spin_unlock(&g->lock);
        cpu_irq_restore(fl);
        if (rc == rcOk)
            return rcOk;
        ksm_gate_leave(g);
        return rcPeerClosed;
    }
    /* Woken without a place: only termination does that. Leave the queue. */
    struct ksm_gate_waiter **pp = &g->head, *prev = NULL;
    while (*pp != NULL && *pp != &w) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp == &w) {
        *pp = w.next;
        if (g->tail == &w)
            g->tail = prev;
        if (g->head == NULL)
            set_waiters_locked(g, false);
    }
    spin_unlock(&g->lock);
    cpu_irq_restore(fl);
    return rc == rcOk ? rcPeerClosed : rc;
}

void ksm_gate_leave_slow(struct ksm_gate *g)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&g->lock);
    struct ksm_gate_waiter *w = g->head;
    if (w == NULL) {
        /* The waiters left meanwhile (ended): the place is given back. */
        __atomic_sub_fetch(&g->inflight, 1, __ATOMIC_RELEASE);
    } else {
        /* Hand the place straight to the oldest waiter: the count stays as it is. */
        g->head = w->next;
        if (g->head == NULL) {
            g->tail = NULL;
            set_waiters_locked(g, false);
        }
        w->admitted = true;
        sched_wake(w->thread, rcOk);
    }
    spin_unlock(&g->lock);
    cpu_irq_restore(fl);
}

uint32_t ksm_gate_inflight(struct ksm_gate *g)
{
    return __atomic_load_n(&g->inflight, __ATOMIC_RELAXED) & ~KSM_GATE_WAITERS;
}
