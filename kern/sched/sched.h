/*
 * The scheduler: preemptive, priority-based, one run queue per CPU.
 *
 * Classes and levels: a normal thread of priority p (0..31) is queued at level p and gets a
 * time slice of SCHED_SLICE_TICKS timer ticks, after which it goes to the back of its level;
 * a FIFO (real-time) thread is queued at level 32 + p and keeps the CPU until it blocks or
 * yields or a more urgent thread becomes ready; a round-robin (RR, real-time) thread is queued
 * at the same levels as FIFO and behaves like one, except that after its quantum it goes to
 * the back of its level. The most urgent ready thread always runs:
 * a thread that becomes ready on a CPU running something less urgent preempts it at once
 * (on another CPU: through a reschedule IPI), so a low-priority busy loop never delays a
 * higher priority by more than the IPI latency.
 *
 * Real-time bandwidth: the one exception to that rule. Each CPU lets its real-time threads
 * (FIFO and RR) take at most SCHED_RT_RUNTIME_NS of every SCHED_RT_PERIOD_NS (950 ms of every
 * second, as Linux's sched_rt_runtime_us / sched_rt_period_us defaults): real-time time makes
 * the CPU owe normal-class time, 5 ns for every 95, and owing 50 ms throttles it until other
 * threads (or idle) have run that long: meanwhile it runs its ready normal-class threads
 * first, and a real-time thread only when no normal one is ready there. So a granted real-time
 * busy loop, even one on every CPU, cannot starve the rest of the system forever. The time is
 * measured (sched_now_ns), not counted in ticks, so late or merged ticks do not stretch it.
 *
 * CPUs: each CPU's idle thread is the context that called sched_start_cpu() (the BSP's kmain
 * tail, each AP's idle loop); it halts with interrupts on. A thread is placed on the least
 * loaded CPU its affinity allows. Priorities hold across CPUs: at every tick a CPU takes the
 * most urgent thread that waits on another CPU's queue, when it is more urgent than what this
 * CPU would run and its affinity allows this CPU (migration; an idle CPU takes any waiting one).
 *
 * Locks: one lock, sched_lock (sched.c), protects every CPU's run queue, every thread's
 * scheduling fields and the sleep list; it is taken with interrupts off and held across a
 * context switch. Order (lib/lock_order.h): the lock of the object a thread waits on (port,
 * exit, gate, sync bucket ...) before sched_lock; only allocator and leaf locks after it.
 */
#ifndef BASTION_SCHED_SCHED_H
#define BASTION_SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "arch/x86_64/spinlock.h"

struct thread;
struct trap_frame;

#define SCHED_SLICE_TICKS 2              /* normal-class time slice: 20 ms at 100 Hz */
#define SCHED_RR_QUANTUM_DEFAULT 10      /* RR-class quantum when none is asked: 100 ms at 100 Hz */
#define SCHED_RR_QUANTUM_MAX 100         /* the longest RR quantum: 1 s at 100 Hz */
#define SCHED_RT_PERIOD_NS 1000000000ull /* real-time bandwidth period: 1 s */
#define SCHED_RT_RUNTIME_NS 950000000ull /* real-time run time per period and CPU: 950 ms */
#define SCHED_RESCHED_VECTOR 0xF1        /* IPI: "look at your run queue" */

/* Global set-up on the BSP after timer_init() and before smp_start_aps(): run queues, the
 * tick hook, the reschedule IPI; the calling context becomes CPU 0's first thread. */
void sched_init(void);

/* True once the calling CPU takes part in scheduling. */
bool sched_cpu_active(void);

/* Monotonic time in nanoseconds since boot (TSC based). */
uint64_t sched_now_ns(void);

/* Called by the timer on every tick of every CPU (interrupts off, after EOI). */
void sched_tick(struct trap_frame *tf);

/* A safe point (no lock held): switches if something more urgent became ready on this CPU
 * meanwhile. The system-call exit path calls it. */
void sched_preempt_point(void);

/* The same at the end of a system call, called with interrupts on; returns with them off, as
 * the return to user mode needs them, so that the check and the return share one cli. */
void sched_preempt_point_leaving(void);

/* Puts the calling thread at the back of its level and runs the most urgent ready thread. */
void sched_yield(void);

/*
 * Blocks the calling thread until sched_wake(). `held` (may be NULL) is a lock the caller holds
 * that protects the condition it waits for; it is released after the thread is marked blocked,
 * so a sched_wake() by someone who takes `held` first cannot be lost. The lock is NOT re-taken.
 * Returns the wake_rc given to sched_wake() (rcPeerClosed when the thread is terminated).
 */
Retcode sched_block_current(struct spinlock *held);

/* The same with a timeout: rcTimeout if nobody woke it within timeout_ns (0: no timeout). */
Retcode sched_block_timeout(struct spinlock *held, uint64_t timeout_ns);

/*
 * Makes a BLOCKED thread ready; it returns wake_rc from its sched_block*(). Returns false if the
 * thread was not blocked (already woken, e.g. by its timeout, or never blocked): exactly one
 * waker succeeds.
 */
bool sched_wake(struct thread *t, Retcode wake_rc);

/*
 * sched_wake, but the woken thread gets this CPU at once, before the caller returns, when the
 * scheduler would have preferred it here anyway: it is placed on this CPU (its affinity allows
 * it and pick_cpu chooses it), nothing queued here is more urgent, and it is more urgent than
 * the caller or, both in the normal class, as urgent (a real-time thread of equal priority
 * waits for its turn, as POSIX says). The caller is then preempted as by a tick: queued at the
 * front of its level with slice left, at the back without, and runs again when the woken
 * thread blocks or is preempted. Otherwise t is woken as sched_wake does (queued, here or on
 * another CPU). `held` (may be NULL), a lock the caller holds that t waits under, is released
 * in either case, before the switch. Returns false if t was not BLOCKED.
 */
bool sched_wake_to(struct thread *t, Retcode wake_rc, struct spinlock *held);

/*
 * Direct hand-off for IPC: the calling thread blocks (releasing `held` as in
 * sched_block_current) and t, which must be BLOCKED, is woken with rcOk and runs on this CPU
 * at once without a pass
 * through the run queues (its affinity permitting; otherwise it is woken normally). Returns
 * what the caller's own eventual wake-up gives. Called with interrupts off, as every caller
 * holds `held` (taken with them saved and off) and restores them itself afterwards: the switch
 * neither saves nor restores them (checked in the kernels with lock checks).
 */
Retcode sched_switch_to(struct thread *t, struct spinlock *held);
/* The same, but the caller's own wait ends with rcTimeout after timeout_ns (0: no timeout). */
Retcode sched_switch_to_timeout(struct thread *t, struct spinlock *held, uint64_t timeout_ns);
/* sched_switch_to releasing a second lock `also` (taken after `held`) with it: for a waker that
 * must hold the lock t waits under until t is switched to or woken, so that t can neither leave
 * its wait nor begin another meanwhile (the monitor's receiver sending a call on, held under the
 * hand-off's lock and the port's: security/ksm_handoff.h). */
Retcode sched_switch_to_also(struct thread *t, struct spinlock *held, struct spinlock *also);

/* Sleeps at least ns nanoseconds, however often the thread is woken meanwhile; less only when
 * the thread is being ended (thread_should_exit). */
void sched_sleep_ns(uint64_t ns);

/* Enqueues a NEW or woken thread on a CPU its affinity allows (thread.c uses it). */
void sched_make_ready(struct thread *t);

/* Re-evaluates where t should run after its priority, class or affinity changed. */
void sched_requeue(struct thread *t);

/*
 * Sets t's class and priority (0..THREAD_PRIO_MAX) together, under the scheduler's lock, and
 * re-evaluates where it runs. rr_quantum: the RR class's quantum in ticks
 * (1..SCHED_RR_QUANTUM_MAX), 0 for the other classes. rcInvalidArgument for anything else.
 */
Retcode sched_set_policy(struct thread *t, unsigned cls, unsigned prio, unsigned rr_quantum);
/* Reads t's class, priority and RR quantum (ticks; 0 for the other classes) as one. */
void sched_get_policy(struct thread *t, unsigned *cls, unsigned *prio, unsigned *rr_quantum);

/* The CPUs that take threads: joined the scheduler and not offline (bit i: CPU i). */
uint64_t sched_cpus_online(void);

/* Sets t's affinity to mask cut to the online CPUs, under the scheduler's lock (so that it
 * cannot race a CPU going offline), and moves t if needed. rcInvalidArgument: no online CPU in
 * mask. */
Retcode sched_set_affinity(struct thread *t, uint64_t mask);

/*
 * Takes a CPU offline (offline = true) or brings it back. An offline CPU stays powered and
 * takes its timer tick and IPIs, but runs only its idle thread (it halts): its queued threads
 * and its running one move to online CPUs their affinity allows at its next decision (a thread
 * running in user mode at once, through the reschedule IPI; one in the kernel when it leaves
 * it), and placement and pulling skip it. Refused: CPU 0 (rcAccessDenied: every device
 * interrupt is routed to it, and it is always the last CPU online), a CPU that never joined
 * (rcInvalidArgument), and a CPU whose going would leave some thread without an online CPU its
 * affinity allows (rcResourceBusy: affinity is never broken). Already so: rcOk.
 */
Retcode sched_cpu_set_offline(unsigned cpu, bool offline);

/* True once the CPU runs its idle thread with nothing queued (an offline CPU has emptied). */
bool sched_cpu_vacated(unsigned cpu);

/* Ticks this CPU spent throttled (real-time bandwidth used up) since boot, for tests. */
uint64_t sched_rt_throttled_ticks(unsigned cpu);

/* Ends the calling thread (thread_exit() after its bookkeeping): it becomes DEAD and never
 * runs again; its CPU drops the scheduler's reference once it has switched away. */
_Noreturn void sched_exit_current(void);

/* Marks t for termination with `code` and wakes it with rcPeerClosed if it is blocked, or
 * interrupts its CPU if it is running (see thread_terminate()). */
Retcode sched_terminate(struct thread *t, int64_t code);

/*
 * Interruptible waits (IPC, kern/ipc/interrupt.c). A thread that sets its intr_word
 * (proc/thread.h) to a word before sched_block*() or sched_switch_to*() does not block when the
 * word is non-zero (checked under sched_lock): the call returns rcInterrupted at once, after
 * releasing `held` as usual. sched_interrupt() wakes t with rcInterrupted if it is blocked with
 * an intr_word set, and returns whether it did. A waker that makes the word non-zero first and
 * then calls sched_interrupt() for every thread that may wait on it never loses one: either the
 * thread's check under sched_lock sees the word, or the thread was blocked when the waker
 * looked.
 */
bool sched_interrupt(struct thread *t);

/* Per-CPU counters for diagnostics and tests. */
uint64_t sched_context_switches(unsigned cpu);
uint64_t sched_idle_ticks(unsigned cpu);

/* Internal: first code a new thread runs (context.asm calls it). */
void sched_switch_tail(void);

#endif
