/*
 * bench_timing: how Bastion's benchmark programs time an operation and print it, the same way
 * as the Linux program bench/linux/bench.c (docs/benchmarks.md, "Method"): warm-up iterations
 * (a tenth, at least 2) untimed, then n samples of t1 - t0 around one operation, and one line
 *   BENCH <name><suffix> median=<lower median> min=<minimum> n=<samples>
 * or BENCH-ERROR <name><suffix> <what>: <retcode> when an operation fails (the row then ends).
 * Under QEMU's -icount shift=0 one tick is one guest instruction.
 */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <stdint.h>

#include <bastion/retcode.h>

#define BENCH_SAMPLES_MAX 10000u

/* The samples of the row run last, sorted ascending once it is reported. */
extern uint64_t bench_samples[BENCH_SAMPLES_MAX];

static inline uint64_t bench_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Every later count is divided by `divisor` (the ctest runs: 100) and every row's name gets
 * `suffix` ("_nomon" on the kernel without a monitor; "" otherwise). Call once, first. */
void bench_timing_init(unsigned divisor, const char *suffix);

/* The number of samples for a nominal count (the Linux program's at --iters 1000): divided by
 * the divisor, at least 3, at most BENCH_SAMPLES_MAX. */
unsigned bench_count(unsigned nominal);

/* Times `op` bench_count(nominal) times after the warm-up and prints the row; on a failure,
 * prints BENCH-ERROR with `what` and the iteration instead. */
void bench_run(const char *name, unsigned nominal, Retcode (*op)(void), const char *what);

/* As bench_run, but each call comes right after a yield (Thread.Sleep(0), untimed), so that the
 * other runnable threads take their turn between two samples. */
void bench_run_after_yield(const char *name, unsigned nominal, Retcode (*op)(void),
                           const char *what);

/* BENCH-ERROR <name><suffix> <what>: <retcode>. */
void bench_error(const char *name, const char *what, Retcode r);

#endif
