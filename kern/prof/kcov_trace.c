/*
 * The coverage hook of the coverage kernel: gcc's -fsanitize-coverage=trace-pc calls
 * __sanitizer_cov_trace_pc at every basic block of kernel-kcov.elf, and this appends the
 * caller's PC to the current thread's area while that thread collects (prof/kcov.h).
 *
 * Fast path, no lock: one load of the count of collecting threads (0 nearly always), then the
 * thread's own area, written only by that thread. Interrupt handlers (the thread's irq_depth,
 * counted by trap_dispatch) and kernel threads are skipped: what is collected is the thread's
 * own system calls and faults. An interrupt that arrives between the load of the count and its
 * store is skipped too, so it cannot tear an entry; a PC beyond the area's cap is dropped.
 *
 * The other kernels are built without the flag and nothing calls it there.
 */
#include "prof/kcov.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "proc/thread.h"

#ifdef BASTION_KCOV
extern uint32_t kcov_collectors; /* prof/kcov.c */

/* This file calls no function, not even an inline one: in the coverage kernel gcc may keep an
 * inline helper (this_cpu, wrmsr) out of line, and that copy calls the hook, which would call
 * it again without end. The per-CPU record and the MSR are reached with their instructions. */
KCOV_NO_TRACE static inline __attribute__((always_inline)) struct thread *current_thread(void)
{
    struct percpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c->current_thread;
}

void __sanitizer_cov_trace_pc(void);

KCOV_NO_TRACE void __sanitizer_cov_trace_pc(void)
{
    if (__atomic_load_n(&kcov_collectors, __ATOMIC_RELAXED) == 0)
        return;
    struct thread *t = current_thread();
    if (t == NULL || t->irq_depth != 0)
        return;
    struct kcov_area *a = __atomic_load_n(&t->kcov, __ATOMIC_ACQUIRE);
    if (a == NULL)
        return;
    uint64_t n = a->count;
    if (n >= a->cap)
        return;
    a->pcs[n] = (uint64_t)__builtin_return_address(0);
    __atomic_store_n(&a->count, n + 1, __ATOMIC_RELAXED);
}

/* What an AP's GS base points at until percpu_init_ap sets its own record: `self` and nothing
 * else, so the hook above sees no current thread. */
static struct percpu ap_early_record = {.self = &ap_early_record};

KCOV_NO_TRACE void kcov_ap_early(void)
{
    uint64_t v = (uint64_t)&ap_early_record;
    __asm__ volatile("wrmsr" ::"c"(MSR_GS_BASE), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
                     : "memory");
}
#endif
