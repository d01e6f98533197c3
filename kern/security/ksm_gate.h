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
    /* Questions past the gate (the low bits), and KSM_GATE_WAITERS while an asker waits in the
     * queue. Atomic; every change is one compare-and-swap or atomic update of the whole word, so
     * a change of the count and one of the bit never cross: the count grows only while the bit
     * is clear (up to the bound), the bit is set only under the lock, and a leave that sees it
     * set takes the lock (ksm_gate_leave_slow) and hands its place to the queue's head. */
    uint32_t inflight;
    struct ksm_gate_waiter *head, *tail; /* askers waiting, oldest first; under lock */
};

/* The word's waiters bit (ksm_gate.inflight), set exactly while the queue is not empty. */
#define KSM_GATE_WAITERS 0x80000000u

#define KSM_GATE_INIT                              \
    {                                              \
        .lock = SPINLOCK_INIT(LOCK_LEVEL_KSM_GATE) \
    }

/* Makes a zeroed gate an empty one: its lock gets its level (lib/lock_order.h). */
static inline void ksm_gate_init(struct ksm_gate *g)
{
    spin_init_zeroed(&g->lock, LOCK_LEVEL_KSM_GATE);
}

/* Takes a free place if nobody waits for one: true if taken. A place this finds free was
 * given back while nobody waited (a leave with waiters hands its place to the queue's head
 * instead), so a waiter loses nothing it was owed. */
static inline bool ksm_gate_take_place(struct ksm_gate *g)
{
    uint32_t n = __atomic_load_n(&g->inflight, __ATOMIC_RELAXED);
    while (n < KSM_GATE_PER_PROCESS) /* the waiters bit makes n larger than the bound */
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

/* ksm_gate_leave() when askers wait: under the lock, the place goes to the oldest of them. */
void ksm_gate_leave_slow(struct ksm_gate *g);

/* Gives a place back. With nobody waiting, as almost always, one compare-and-swap and no lock:
 * it sits on every monitored call's path too. */
static inline void ksm_gate_leave(struct ksm_gate *g)
{
    uint32_t n = __atomic_load_n(&g->inflight, __ATOMIC_RELAXED);
    if ((n & KSM_GATE_WAITERS) == 0 &&
        __atomic_compare_exchange_n(&g->inflight, &n, n - 1, false, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED))
        return;
    ksm_gate_leave_slow(g);
}

/* Questions of g past the gate now (diagnostics, tests). */
uint32_t ksm_gate_inflight(struct ksm_gate *g);

#endif
