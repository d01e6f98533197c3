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

/* `head` is written under the lock and read without it (ksm_gate_take_place): atomic stores. */
static void set_head(struct ksm_gate *g, struct ksm_gate_waiter *w)
{
    __atomic_store_n(&g->head, w, __ATOMIC_RELAXED);
}

Retcode ksm_gate_enter_slow(struct ksm_gate *g)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&g->lock);
    if (ksm_gate_take_place(g)) {
        spin_unlock(&g->lock);
        cpu_irq_restore(fl);
        return rcOk;
    }
    /* Every place is taken (or others wait), and only a leave under this lock gives one back:
     * it will see this waiter. */
    struct ksm_gate_waiter w = {.thread = thread_current()};
    if (g->tail != NULL)
        g->tail->next = &w;
    else
        set_head(g, &w);
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
        if (prev == NULL)
            set_head(g, w.next);
        else
            prev->next = w.next;
        if (g->tail == &w)
            g->tail = prev;
    }
    spin_unlock(&g->lock);
    cpu_irq_restore(fl);
    return rc == rcOk ? rcPeerClosed : rc;
}

void ksm_gate_leave(struct ksm_gate *g)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&g->lock);
    struct ksm_gate_waiter *w = g->head;
    if (w == NULL) {
        __atomic_sub_fetch(&g->inflight, 1, __ATOMIC_RELEASE);
    } else {
        /* Hand the place straight to the oldest waiter: inflight stays as it is. */
        set_head(g, w->next);
        if (g->head == NULL)
            g->tail = NULL;
        w->admitted = true;
        sched_wake(w->thread, rcOk);
    }
    spin_unlock(&g->lock);
    cpu_irq_restore(fl);
}

uint32_t ksm_gate_inflight(struct ksm_gate *g)
{
    return __atomic_load_n(&g->inflight, __ATOMIC_RELAXED);
}
