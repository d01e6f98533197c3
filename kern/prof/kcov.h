/*
 * Kernel code coverage of a process's system calls (kcov), served by kl.core.Profiler's
 * KcovAlloc, KcovStart, KcovStop and KcovFree.
 *
 * The coverage kernel (kernel-kcov.elf, built with -fsanitize-coverage=trace-pc and
 * BASTION_KCOV) calls __sanitizer_cov_trace_pc (prof/kcov_trace.c) at every basic block; while
 * the current thread collects, that appends the return address, a kernel PC, to the thread's
 * area. The other kernels carry no such call: there every method answers rcCoverageNotBuilt.
 *
 * Resources: KcovAlloc(numThreads, maxPoints) gives the calling process one pool of numThreads
 * areas of maxPoints PCs each (8 bytes a PC), charged to its kernel-memory account before any
 * memory is taken (rcQuotaExceeded at its limit). Hard caps, whatever the account allows:
 * KCOV_THREADS_MAX areas, KCOV_POINTS_MAX PCs an area, KCOV_PROCESS_BYTES_MAX bytes a process,
 * KCOV_SYSTEM_BYTES_MAX bytes for all processes together (rcKcovTooLarge beyond any of them),
 * and one pool a process (rcKcovAllocated for a second one before KcovFree).
 *
 * Threads: KcovStart gives the calling thread a free area of its process's pool (rcKcovBusy if
 * every area is taken, rcKcovNotAllocated without a pool) and empties it; from then on its
 * system calls append to it, up to maxPoints (later PCs are dropped). KcovStop ends the
 * collection, copies up to the caller's maxPoints PCs to its buffer and gives the area back.
 * KcovFree frees the pool; refused with rcKcovBusy while another thread of the process
 * collects (its system calls write to the area); the caller's own collection is stopped first.
 * A thread that ends while collecting gives its area back (kcov_thread_exit); the pool goes
 * with its process (kcov_process_exit).
 *
 * Locking: the pool pointer and which thread holds which area are guarded by the process's
 * lock (process.lock); an area's PCs are written by its thread only, without a lock, and an
 * area is freed only when no thread holds it.
 */
#ifndef BASTION_PROF_KCOV_H
#define BASTION_PROF_KCOV_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct process;
struct thread;

#define KCOV_THREADS_MAX 8u
#define KCOV_POINTS_MAX 16384u                 /* 128 KiB of PCs an area */
#define KCOV_PROCESS_BYTES_MAX (1024u * 1024u) /* areas of one process */
#define KCOV_SYSTEM_BYTES_MAX (4u * 1024u * 1024u)

/* One thread's PCs: written by that thread only (count first read, the PC stored, then count
 * raised), read by it at KcovStop. */
struct kcov_area {
    uint64_t count; /* PCs stored, <= cap */
    uint64_t cap;
    uint64_t *pcs;         /* cap entries, charged to the process's kernel-memory account */
    struct thread *holder; /* the thread collecting into it, NULL: free (process.lock) */
};

/* Functions that must not call the coverage hook: it reads the per-CPU data through GS, so code
 * that runs before a CPU's GS base is set (an AP's first C function) or that counts interrupt
 * depth (trap_dispatch) carries this. */
#define KCOV_NO_TRACE __attribute__((no_sanitize_coverage))

/* True in the coverage kernel (kernel-kcov.elf). */
bool kcov_built(void);

/* The system-call side: the calling thread p/t. */
Retcode kcov_alloc(struct process *p, uint32_t num_threads, uint64_t max_points);
Retcode kcov_free(struct process *p, struct thread *t);
Retcode kcov_start(struct process *p, struct thread *t);
/* Copies up to max_points PCs to the user buffer `points`; *num gets how many. */
Retcode kcov_stop(struct process *p, struct thread *t, uint64_t points, uint64_t max_points,
                  uint64_t *num);

/* Hooks: a thread ending (its area given back), a process torn down (its pool freed; no thread
 * of it runs any more). */
void kcov_thread_exit(struct thread *t);
void kcov_process_exit(struct process *p);

/* The coverage kernel: an application processor's first C code points its GS base at a
 * per-CPU record with no current thread, so that the hook in the functions it calls before its
 * own record is set up (percpu_init_ap's allocations) finds no collecting thread. */
void kcov_ap_early(void);

/* Bytes all pools hold now (for tests and diagnostics). */
uint64_t kcov_system_bytes(void);

#endif
