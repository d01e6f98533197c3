/*
 * Interrupting a process's blocking IPC (kl.core.IPC, docs/ipc.md#interrupting-call-and-recv).
 *
 * A process's IPC synchronization objects (klcore/IPC.c) are all that sets its interrupt word,
 * p->ipc_interrupts: the number of its objects in the set state. While the word is non-zero no
 * thread of p waits in Call for a server to receive its request, nor in Recv for a request:
 * such a wait ends, or does not begin, with rcInterrupted (call.c marks exactly those waits
 * interruptible, sched.h's intr_word). A Call whose request a server already received waits
 * for its answer as before: it is not interrupted (the spec's rule), unless the interruption
 * reached it while it was still queued, in which case it is withdrawn as a timed-out call is
 * (the server's Reply gets rcReplyLost). The kernel's own calls on a thread's behalf (the
 * security question about each request) are never interrupted.
 *
 * No lock: the counters are atomic; raising wakes the waiters through sched_interrupt(), whose
 * check-before-block under sched_lock makes a wait that starts meanwhile see the word.
 */
#ifndef BASTION_IPC_INTERRUPT_H
#define BASTION_IPC_INTERRUPT_H

#include <stdint.h>

#include <bastion/retcode.h>

struct process;

/* IPC synchronization objects a process may hold at once. The kernel memory of each is charged
 * to its creator; the bound keeps one process's objects from filling its quota only with these
 * and makes the set-state count fit easily. */
#define IPC_SYNC_MAX 32u

/* Counts one more sync object of p: rcTooManySyncObjects at IPC_SYNC_MAX. */
Retcode ipc_sync_count_take(struct process *p);
/* Counts one object of p less (its destruction). */
void ipc_sync_count_drop(struct process *p);

/* One more object of p is set: from now on p's Call and Recv do not wait for the other side,
 * and every thread of p waiting so is woken with rcInterrupted. */
void ipc_interrupt_raise(struct process *p);
/* One set object of p is cleared (or destroyed): with none left set, waits block again. */
void ipc_interrupt_lower(struct process *p);

/* The word the calling thread's interruptible IPC waits use (NULL for a kernel thread). */
const uint32_t *ipc_interrupt_word(void);

#endif
