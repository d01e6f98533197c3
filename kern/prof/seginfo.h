/*
 * The ELF segments loaders register for sample profiling (kl.core.Profiler.LoadSegInfo,
 * UnloadSegInfo): per process, at most BASTION_PROF_SEGMENTS_MAX of them (<bastion/profiler.h>),
 * each charged to the kernel memory of the process it describes and freed when that process
 * is torn down. They let a reader of a sampling container name the code of its samples: the
 * sampler copies a listed process's segments into its container (prof/sampling.h).
 *
 * Lock: segs_lock (LOCK_LEVEL_PROF_SEGS, interrupts off) guards the list; the sampler's lock is
 * taken under it when a segment enters the rings of the sessions that list its process.
 */
#ifndef BASTION_PROF_SEGINFO_H
#define BASTION_PROF_SEGINFO_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct process;
struct bastion_prof_record;

/* Registers a segment of p (the caller checked its rights on p's handle). Errors:
 * rcInvalidArgument (size 0, a range past the user half or wrapping), rcAlreadyExists (p has
 * a segment at addr with that size), rcSegInfoFull, rcPeerClosed (p is being torn down),
 * rcQuotaExceeded / rcOutOfMemory (p's kernel memory). */
Retcode seginfo_load(struct process *p, uint64_t addr, uint64_t size, uint64_t offset,
                     uint32_t flags, const uint8_t *build_id, size_t build_id_len);

/* Forgets p's segment at addr of that size: rcNotFound if there is none. */
Retcode seginfo_unload(struct process *p, uint64_t addr, uint64_t size);

/* Calls emit(record, arg) for each segment of process `pid`, as a BASTION_PROF_SEGMENT record,
 * under segs_lock (emit may take only the sampler's lock). */
void seginfo_emit(uint32_t pid, void (*emit)(const struct bastion_prof_record *r, void *arg),
                  void *arg);

/* Process teardown: frees p's segments. */
void seginfo_process_exit(struct process *p);

#endif
