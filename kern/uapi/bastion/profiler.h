/*
 * The container kl.core.Profiler.SamplingRead fills: a run of fixed-size records, oldest first.
 *
 * A sample record says that a timer tick found thread `tid` of process `pid` running user code
 * at `addr` on CPU `cpu`, at `time_ns` (the monotonic clock). A segment record repeats, for a
 * profiled process, one segment its loader registered with LoadSegInfo (address, size, offset
 * in its ELF file, flags and the first 8 bytes of its build ID), so that a reader can name the
 * code of the samples without asking anything else: the kernel puts a process's segments in
 * the container when the process joins the pid list, when sampling starts, and when a segment
 * of a listed process is registered later. Nothing of a process outside the reader's own pid
 * list ever enters its container.
 * Freestanding: shared by the kernel and user mode.
 */
#ifndef BASTION_PROFILER_H
#define BASTION_PROFILER_H

#include <stdint.h>

#define BASTION_PROF_SAMPLE 1u
#define BASTION_PROF_SEGMENT 2u
/* A frames record follows its sample directly (when the session records call chains): `cpu`
 * says how many of its five words hold a return address (1..5), innermost caller first, in
 * the order tid, addr, size, offset, buildid; a sample's chain takes at most
 * BASTION_PROF_CHAIN_MAX / 5 such records, all pushed with it or none. */
#define BASTION_PROF_FRAMES 3u

/* SamplingStart's conf: record the call chain of each sample (the interrupted thread's
 * frame-pointer chain, read from its user stack, at most BASTION_PROF_CHAIN_MAX callers). */
#define BASTION_PROF_CONF_CALLCHAIN 1u
#define BASTION_PROF_CHAIN_MAX 10u
#define BASTION_PROF_FRAMES_PER_RECORD 5u

struct bastion_prof_record {
    uint16_t kind; /* BASTION_PROF_SAMPLE or BASTION_PROF_SEGMENT */
    uint16_t cpu;  /* sample: the CPU the tick came on; segment: 0 */
    uint32_t pid;
    uint64_t tid;     /* sample: the thread; segment: its flags (LoadSegInfo's) */
    uint64_t addr;    /* sample: the user instruction pointer; segment: its address */
    uint64_t size;    /* sample: time_ns; segment: its size in bytes */
    uint64_t offset;  /* segment: its offset in the ELF file; sample: 0 */
    uint64_t buildid; /* segment: the first 8 bytes of its build ID (little end first) */
};

_Static_assert(sizeof(struct bastion_prof_record) == 48, "the container's record size");

/* SamplingStart's bounds: contSize must hold one record at least and at most this many bytes
 * (the container is kernel memory charged to the caller). */
#define BASTION_PROF_CONTAINER_MAX (64u * 1024u)
/* Processes one sampling session may list (SamplingAddPidToList). */
#define BASTION_PROF_PIDS_MAX 16u
/* Segments LoadSegInfo keeps for one process. */
#define BASTION_PROF_SEGMENTS_MAX 32u

#endif
