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
#include <stdint.h>

#include <bastion/retcode.h>

#include "arch/x86_64/spinlock.h"

/* With one receiver per CPU in the KSM, this many lets one process use them all on a 4-CPU
 * machine, and no more. */
#define KSM_GATE_PER_PROCESS 4u

struct ksm_gate_waiter;

struct ksm_gate {
    struct spinlock lock;
    uint32_t inflight;                   /* questions past the gate; guarded by lock */
    struct ksm_gate_waiter *head, *tail; /* askers waiting, oldest first; guarded by lock */
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

/* Passes the gate, waiting for a free place if need be. rcOk: the caller holds a place and
 * must give it back with ksm_gate_leave(); rcPeerClosed: the calling thread is being ended
 * while it waited (it holds no place). */
Retcode ksm_gate_enter(struct ksm_gate *g);
void ksm_gate_leave(struct ksm_gate *g);

/* Questions of g past the gate now (diagnostics, tests). */
uint32_t ksm_gate_inflight(struct ksm_gate *g);

#endif
