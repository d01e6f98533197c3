/*
 * The activity counters of a process and of its threads (kl.core.Profiler.ObjectGetStat's
 * task.ipc_calls, task.decisions, task.denials and their thread.* twins, docs/profiler.md).
 *
 * Two copies of each count, on purpose:
 *   - on the process (struct process): atomic adds, no lock. A thread that ends takes nothing
 *     with it, so a process's counts hold every call its threads ever made, also after they
 *     ended and the process was reaped (a parent holding its handle reads them then);
 *   - on the thread (struct thread): only the thread itself writes them (it is always the one
 *     counted: see the callers below), so a relaxed load and store suffice, no locked
 *     instruction; anyone reads them with a relaxed load.
 *
 * Who counts (the invariant the counts rest on):
 *   - activity_count_call: ipc_sys_call (syscall/ipc_calls.c), at the entry of every SYS_CALL a
 *     user thread makes, before any check: calls to the kernel's core endpoints, to the
 *     security interface and to servers, including those refused (bad handle, bad message,
 *     denied). That is the one way a process calls anyone: the kernel's own calls (to the KSM
 *     over the security channel) are no process's.
 *   - activity_count_decision: security_check (security/hook.c), once per decided event
 *     (granted or denied; a question withdrawn before its verdict is none), when the event's
 *     source is the calling thread's process: its requests to the kernel and to servers, its
 *     answers as a server that were not granted in advance, its questions on the security
 *     interface, its Task.Resume of a child (the execute event), and the KSM's own requests
 *     decided by the fixed list. Every caller of security_check that names a source process
 *     asks from a thread of that process; events whose source is the kernel (the kernel's
 *     answers, the KSM's start) are nobody's.
 * The hot path pays one locked add per count on the process and a plain add on the thread.
 */
#ifndef BASTION_PROC_ACTIVITY_H
#define BASTION_PROC_ACTIVITY_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/process.h"
#include "proc/thread.h"

/* A counter of the calling thread's own: no other thread writes it. */
static inline void activity_bump_own(uint64_t *c)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* t (the calling thread, a thread of process p) makes a SYS_CALL. */
static inline void activity_count_call(struct thread *t, struct process *p)
{
    activity_bump_own(&t->ipc_calls);
    __atomic_add_fetch(&p->ipc_calls, 1, __ATOMIC_RELAXED);
}

/* An event whose source is t's process p was decided (denied or granted); t is the calling
 * thread. */
static inline void activity_count_decision(struct thread *t, struct process *p, bool denied)
{
    activity_bump_own(&t->sec_decisions);
    __atomic_add_fetch(&p->sec_decisions, 1, __ATOMIC_RELAXED);
    if (denied) {
        activity_bump_own(&t->sec_denials);
        __atomic_add_fetch(&p->sec_denials, 1, __ATOMIC_RELAXED);
    }
}

#endif
