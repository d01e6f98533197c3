/*
 * The gate in front of the KSM: at most KSM_GATE_PER_PROCESS questions of one process are with
 * the monitor (queued on the security channel or being decided) at any time; the process's
 * further askers wait at its own gate, in order, and are let through one by one as its earlier
 * questions are answered.
 *
 * Why: the security channel's queue is FIFO and shared by every process. Without a bound, one
 * process with many threads could fill it and push every other process's decision behind all
 * of its own (past the verdict timeout, which fails closed: a denial of service on everyone).
 * With the gate, a bystander's question waits behind at most KSM_GATE_PER_PROCESS questions of
 * each other process, whatever their thread counts. A thread has at most one question at a
 * time (it waits for its verdict), so the per-thread bound is one.
 *
 * The gate lives in the asking process's label (security/label.h). No lock is held across the
 * wait; the gate's own lock is taken with interrupts off and is a leaf.
 */
#ifndef BASTION_SECURITY_KSM_GATE_H
#define BASTION_SECURITY_KSM_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "arch/x86_64/spinlock.h"

/* With one receiver per CPU in the KSM, this many lets one process use them all on a 4-CPU
 * machine, and no more. */
#define KSM_GATE_PER_PROCESS 4u

struct ksm_gate_waiter;

struct ksm_gate {
    struct spinlock lock;
    uint32_t inflight; /* questions past the gate: atomic; grows by compare-and-swap (up to the
                          bound), shrinks under lock */
    struct ksm_gate_waiter *head, *tail; /* askers waiting, oldest first; written under lock */
};

#define KSM_GATE_INIT                              \
    {                                              \
        .lock = SPINLOCK_INIT(LOCK_LEVEL_KSM_GATE) \
    }

/* Makes a zeroed gate an empty one: its lock gets its level (lib/lock_order.h). */
static inline void ksm_gate_init(struct ksm_gate *g)
{
    spin_init_zeroed(&g->lock, LOCK_LEVEL_KSM_GATE);
}

/* Takes a free place if nobody waits for one: true if taken. The count only grows by this
 * compare-and-swap, bounded by KSM_GATE_PER_PROCESS, and only shrinks under the lock (leave),
 * so a place is never taken twice. Without the lock it may pass a waiter that queued a moment
 * ago; that waiter queued because every place was taken, and a place this finds free was given
 * back before it queued (a leave under the lock hands its place to the queue's head instead of
 * giving it back), so the waiter loses nothing it was owed. */
static inline bool ksm_gate_take_place(struct ksm_gate *g)
{
    uint32_t n = __atomic_load_n(&g->inflight, __ATOMIC_RELAXED);
    while (n < KSM_GATE_PER_PROCESS && __atomic_load_n(&g->head, __ATOMIC_RELAXED) == NULL)
        if (__atomic_compare_exchange_n(&g->inflight, &n, n + 1, true, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            return true;
    return false;
}

/* ksm_gate_enter() when no place could be taken at once: under the lock, queueing if need be. */
Retcode ksm_gate_enter_slow(struct ksm_gate *g);

/* Passes the gate, waiting for a free place if need be. rcOk: the caller holds a place and
 * must give it back with ksm_gate_leave(); rcPeerClosed: the calling thread is being ended
 * while it waited (it holds no place). The common case (a free place, nobody waiting) takes no
 * lock: it sits on every monitored call's path. */
static inline Retcode ksm_gate_enter(struct ksm_gate *g)
{
    return ksm_gate_take_place(g) ? rcOk : ksm_gate_enter_slow(g);
}
void ksm_gate_leave(struct ksm_gate *g);

/* Questions of g past the gate now (diagnostics, tests). */
uint32_t ksm_gate_inflight(struct ksm_gate *g);

#endif
