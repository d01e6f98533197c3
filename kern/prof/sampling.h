/*
 * Sample profiling (kl.core.Profiler.Sampling*): the timer tick of each CPU records which user
 * code runs, for the processes a profiler listed, into that profiler's container.
 *
 * A session belongs to one process (its owner, the caller of its methods); at most
 * PROF_SESSIONS exist at once, and a session lives until its owner is torn down. It holds:
 *   - the pid list (SamplingAddPidToList, at most BASTION_PROF_PIDS_MAX): only the owner itself
 *     and the processes it created may be listed (rcNotProfilable otherwise), so a profiler
 *     never learns addresses of a process it does not control, whatever the policy grants; an
 *     empty list samples nothing;
 *   - the container (SamplingStart: contSize bytes of kernel memory charged to the owner), a
 *     ring of struct bastion_prof_record (<bastion/profiler.h>) that keeps the oldest records:
 *     when it is full, new samples are dropped until a reader makes room;
 *   - the CPU mask: a tick on a CPU outside it records nothing.
 * On each tick that interrupts user code of a listed process on a CPU in the mask, a running
 * session gets one sample record: pid, thread id, the user instruction pointer, the CPU and the
 * time; with BASTION_PROF_CONF_CALLCHAIN, followed by frames records of the interrupted
 * thread's callers (its user frame-pointer chain, read with copy_from_user before the lock,
 * at most BASTION_PROF_CHAIN_MAX), pushed with the sample or not at all. SamplingStart's interval is the spec's
 * fictitious parameter: samples come at the timer tick's rate (TIMER_HZ).
 *
 * Lock: sampler_lock (LOCK_LEVEL_PROF_SAMPLER, interrupts off, a leaf) guards every session;
 * the tick takes it, everyone else with interrupts off.
 */
#ifndef BASTION_PROF_SAMPLING_H
#define BASTION_PROF_SAMPLING_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct process;
struct trap_frame;
struct bastion_prof_record;

#define PROF_SESSIONS 4

/* SamplingStart: a new, empty container of cont_size bytes (replacing the caller's previous
 * one) and sampling on the CPUs of `cpus` (the caller keeps only online ones). Errors:
 * rcInvalidArgument (a conf bit other than BASTION_PROF_CONF_CALLCHAIN; cont_size below one record or above
 * BASTION_PROF_CONTAINER_MAX; cpus 0),
 * rcResourceBusy (the caller's sampling already runs), rcProfilerBusy, rcQuotaExceeded /
 * rcOutOfMemory (the caller's kernel memory). */
Retcode sampling_start(struct process *p, uint32_t conf, uint64_t cpus, uint64_t cont_size);

/* SamplingStop: no more samples; what the container holds stays readable.
 * rcProfilerNotStarted if the caller never started. */
Retcode sampling_stop(struct process *p);

/* SamplingRead: moves the oldest records of the caller's container, whole ones, into the user
 * buffer [buf, buf + size), waiting up to timeout_ms for the first one while sampling runs;
 * *real_size = bytes written. bounce: a kernel buffer of bounce_size bytes (at least one
 * record) the records pass through. Errors: rcProfilerNotStarted, rcBufferTooSmall (size below
 * one record), rcTimeout (sampling runs and nothing came in time), rcPeerClosed (the calling
 * thread is being terminated), the user copy's codes (the records of that copy are lost). After SamplingStop an empty container gives rcOk and 0. */
Retcode sampling_read(struct process *p, uint64_t buf, uint64_t size, uint32_t timeout_ms,
                      void *bounce, size_t bounce_size, uint64_t *real_size);

/* SamplingAddPidToList: rcNotFound (no live process has that pid), rcNotProfilable,
 * rcPidListFull, rcProfilerBusy; listing a pid twice is rcOk. The listed process's registered
 * segments enter the container (if it has one). */
Retcode sampling_add_pid(struct process *p, uint32_t pid);

/* SamplingClearPidList: the caller's session samples nothing more (rcOk without a session). */
Retcode sampling_clear_pids(struct process *p);

/* The timer tick of this CPU, before the scheduler's; interrupts off. */
void sampling_tick(const struct trap_frame *tf);

/* A segment was registered (prof/seginfo.c, under its lock): its record enters the container
 * of every session that lists its process. */
void sampling_segment_added(const struct bastion_prof_record *r);

/* Process teardown: p's session (if any) and its container go; its segments too. */
void prof_process_exit(struct process *p);

#endif
