/* bench_timing: the timing loop and the BENCH lines of Bastion's benchmark programs. */
#include "bench_timing.h"

#include <stdio.h>

#include <user/core.h>

uint64_t bench_samples[BENCH_SAMPLES_MAX];

static unsigned divisor = 1;
static const char *suffix = "";

void bench_timing_init(unsigned d, const char *s)
{
    divisor = d ? d : 1;
    suffix = s ? s : "";
}

unsigned bench_count(unsigned nominal)
{
    unsigned n = nominal / divisor;
    if (n < 3)
        n = 3;
    return n > BENCH_SAMPLES_MAX ? BENCH_SAMPLES_MAX : n;
}

static unsigned warmup(unsigned n)
{
    unsigned w = n / 10;
    return w < 2 ? 2 : w;
}

/* Shell sort: fast enough for 10000 samples, no library needed. */
static void sort(uint64_t *a, unsigned n)
{
    for (unsigned gap = n / 2; gap > 0; gap /= 2)
        for (unsigned i = gap; i < n; i++) {
            uint64_t v = a[i];
            unsigned j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap)
                a[j] = a[j - gap];
            a[j] = v;
        }
}

static void report(const char *name, unsigned n)
{
    sort(bench_samples, n);
    printf("BENCH %s%s median=%llu min=%llu n=%u\n", name, suffix,
           (unsigned long long)bench_samples[(n - 1) / 2], (unsigned long long)bench_samples[0], n);
}

void bench_error(const char *name, const char *what, Retcode r)
{
    printf("BENCH-ERROR %s%s %s: %s\n", name, suffix, what, retcode_name(r));
}

static void error_at(const char *name, const char *what, Retcode r, const char *phase, unsigned i)
{
    printf("BENCH-ERROR %s%s %s: %s (%s iteration %u)\n", name, suffix, what, retcode_name(r),
           phase, i);
}

/* The loop of both runs: `yield` says whether a Thread.Sleep(0) precedes every call. */
static void run(const char *name, unsigned nominal, Retcode (*op)(void), const char *what,
                int yield)
{
    unsigned n = bench_count(nominal);
    for (unsigned i = 0, w = warmup(n); i < w; i++) {
        Retcode r = yield ? core_thread_sleep(0) : rcOk;
        if (r == rcOk)
            r = op();
        if (r != rcOk) {
            error_at(name, what, r, "warm-up", i);
            return;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (yield) {
            Retcode r = core_thread_sleep(0);
            if (r != rcOk) {
                error_at(name, "Thread.Sleep(0)", r, "sample", i);
                return;
            }
        }
        uint64_t t0 = bench_rdtsc();
        Retcode r = op();
        uint64_t t1 = bench_rdtsc();
        if (r != rcOk) {
            error_at(name, what, r, "sample", i);
            return;
        }
        bench_samples[i] = t1 - t0;
    }
    report(name, n);
}

void bench_run(const char *name, unsigned nominal, Retcode (*op)(void), const char *what)
{
    run(name, nominal, op, what, 0);
}

void bench_run_after_yield(const char *name, unsigned nominal, Retcode (*op)(void),
                           const char *what)
{
    run(name, nominal, op, what, 1);
}
