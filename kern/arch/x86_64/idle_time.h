/*
 * Idle time to the TSC tick: how long each CPU was halted in its idle loop.
 *
 * The idle loop (cpu_idle_forever, idle_time.c; the only place the kernel halts with interrupts
 * on) stamps the TSC just before it halts; the first interrupt or exception on that CPU closes
 * the period (idle_time_end, at the top of trap_dispatch), so the handler that woke the CPU and
 * everything after it count as busy, as on Linux, where tick_nohz_irq_enter closes the idle
 * period. Invariant: halt_tsc != 0 only from the stamp until the CPU's next trap; only the CPU
 * itself writes its fields. (An NMI between the stamp and the hlt ends the period early, and
 * that halt goes uncounted: a rounding, never idle time counted twice.)
 *
 * Why: a benchmark that waits for packets from the host (bench/net) must count the instructions
 * the guest executes for a request and not the halts between packets. The scheduler's
 * idle_ticks counts timer ticks (10 ms each), far too coarse for that. Read through the
 * Profiler counter "sched.idle_tsc" (klcore/Profiler.c).
 */
#ifndef BASTION_ARCH_X86_64_IDLE_TIME_H
#define BASTION_ARCH_X86_64_IDLE_TIME_H

#include <stdint.h>
#include <stdnoreturn.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

/* Interrupts on, halt until the next interrupt, forever: an idle CPU, each halt counted as idle
 * time (idle_time.c). */
noreturn void cpu_idle_forever(void);

/* The address right after the idle loop's hlt: the RIP an interrupt that woke a halted CPU
 * saves (a label in idle_time.c's asm, so the scheduler knows an idle halt by its exact
 * address, not by looking at the byte before the RIP, which any instruction can end with). */
extern const char cpu_idle_after_hlt[];

/* Ends this CPU's halt, if it was halted: called first on every trap. */
static inline __attribute__((always_inline)) void idle_time_end(void)
{
    struct percpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    if (__builtin_expect(c->halt_tsc != 0, 0)) {
        c->idle_tsc += rdtsc() - c->halt_tsc;
        c->halt_tsc = 0;
    }
}

/* Ticks every CPU spent halted, summed over the CPUs set up (halts that have ended; the
 * caller's own CPU is running, so with one CPU the sum is exact to the tick). */
static inline uint64_t idle_time_total(void)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < percpu_count(); i++) {
        struct percpu *c = percpu_get(i);
        if (c)
            sum += __atomic_load_n(&c->idle_tsc, __ATOMIC_RELAXED);
    }
    return sum;
}

#endif
