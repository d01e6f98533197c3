/*
 * Path profiling for the benchmarks (docs/benchmarks.md, "Where a core call's ticks go"):
 * PROF_MARK(i) records the TSC in prof_marks[i] when the kernel is built with
 * -DBASTION_CORE_PROF, and compiles to nothing otherwise. Marks are global, not per CPU: they
 * are meant for the one-CPU benchmark image, where one request runs at a time.
 *
 * Marks of the security round trip, in path order (security/ksm_handoff.c; read by
 * security/ksm_channel.c):
 *   PROF_KSM_CALL      the question is handed to a waiting receiver, the switch to it begins
 *   PROF_KSM_RX_WOKE   the receiver runs again in the kernel (the switch is done)
 *   PROF_KSM_RX_LEAVE  the question is copied to the KSM; SYS_KSM_WAIT returns to user mode
 *   PROF_KSM_RX_ENTER  the next SYS_KSM_WAIT, with the verdict, is in the kernel
 *   PROF_KSM_REPLY     the verdict is read and checked, the lock taken
 *   PROF_KSM_SWITCH    the receiver switches back to the asker
 */
#ifndef BASTION_LIB_PROF_H
#define BASTION_LIB_PROF_H

#include <stdint.h>

enum {
    PROF_KSM_CALL,
    PROF_KSM_RX_WOKE,
    PROF_KSM_RX_LEAVE,
    PROF_KSM_RX_ENTER,
    PROF_KSM_REPLY,
    PROF_KSM_SWITCH,
    PROF_MARKS
};

#ifdef BASTION_CORE_PROF
extern uint64_t prof_marks[PROF_MARKS];
#define PROF_MARK(i) (prof_marks[(i)] = __builtin_ia32_rdtsc())

#define PROF_STAGES_MAX 10
/* Running means of a path's stages: add one sample of nstages durations; every 1,000 samples
 * prints "<tag> <stage> <mean> ..." and starts over. */
struct prof_average {
    const char *tag;
    const char *const *stage; /* nstages names */
    unsigned nstages;
    uint64_t sum[PROF_STAGES_MAX];
    uint64_t n;
};
void prof_average_add(struct prof_average *a, const uint64_t *durations);
#else
#define PROF_MARK(i) ((void)0)
#endif

#endif
