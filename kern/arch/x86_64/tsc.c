/*
 * TSC frequency discovery.
 *
 * CPUID 0x15 gives TSC = crystal * EBX / EAX exactly when ECX (the crystal) is enumerated;
 * CPUID 0x16 EAX gives the base frequency in MHz, which equals the TSC rate on the CPUs that
 * have it but not 0x15's crystal. Hypervisors and older CPUs often offer neither: then the TSC
 * is measured against the HPET (five 1 ms windows) and, on a machine without one, against the
 * PIT (five 10 ms windows: its 1.19 MHz clock needs the longer window for the same precision).
 */
#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/pit.h"
#include "lib/kprintf.h"

static uint64_t tsc_freq;
static const char *tsc_from = "none";

static uint64_t from_cpuid(void)
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    uint32_t max_leaf = a;
    if (max_leaf >= 0x15) {
        cpuid(0x15, 0, &a, &b, &c, &d);
        if (a != 0 && b != 0 && c != 0) {
            tsc_from = "cpuid-15h";
            return (uint64_t)c * b / a;
        }
    }
    if (max_leaf >= 0x16) {
        cpuid(0x16, 0, &a, &b, &c, &d);
        if ((a & 0xFFFF) != 0) {
            tsc_from = "cpuid-16h";
            return (uint64_t)(a & 0xFFFF) * 1000000u;
        }
    }
    return 0;
}

static void tsc_start(void *ctx)
{
    *(uint64_t *)ctx = tsc_read();
}

static uint64_t tsc_stop(void *ctx)
{
    return tsc_read() - *(uint64_t *)ctx;
}

void tsc_calibrate(void)
{
    tsc_freq = from_cpuid();
    if (tsc_freq == 0) {
        uint64_t t0;
        if (hpet_present()) {
            tsc_freq = hpet_measure_hz(tsc_start, tsc_stop, &t0);
            tsc_from = "hpet";
        } else {
            tsc_freq = pit_measure_hz(tsc_start, tsc_stop, &t0);
            tsc_from = "pit";
        }
    }
    kprintf("tsc: %lu.%03lu MHz (%s)%s\n", (unsigned long)(tsc_freq / 1000000),
            (unsigned long)(tsc_freq / 1000 % 1000), tsc_from,
            cpu_features.invariant_tsc ? ", invariant" : "");
}

uint64_t tsc_hz(void)
{
    return tsc_freq;
}

const char *tsc_source(void)
{
    return tsc_from;
}

uint64_t tsc_ticks_to_ns(uint64_t ticks)
{
    if (tsc_freq == 0)
        return 0;
    /* Split to keep ticks * 1e9 from overflowing for large tick counts. */
    uint64_t sec = ticks / tsc_freq, rem = ticks % tsc_freq;
    if (sec > UINT64_MAX / 1000000000u)
        return UINT64_MAX;
    return sec * 1000000000u + rem * 1000000000u / tsc_freq;
}

uint64_t tsc_measure_hz(void (*start)(void *ctx), uint64_t (*stop)(void *ctx), void *ctx)
{
    uint64_t window = tsc_freq / 1000000u * TSC_CAL_WINDOW_US;
    uint64_t v[TSC_CAL_RUNS];
    for (int i = 0; i < TSC_CAL_RUNS; i++) {
        uint64_t t0 = tsc_read();
        start(ctx);
        uint64_t t1;
        do {
            cpu_pause();
            t1 = tsc_read();
        } while (t1 - t0 < window);
        uint64_t moved = stop(ctx);
        /* moved * tsc_freq stays far below 2^64: a counter of < 10 GHz over a 500 us window
         * moves < 5e6, times a TSC of < 1e10 Hz. */
        v[i] = moved * tsc_freq / (t1 - t0);
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) { /* insertion sort */
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
    return v[TSC_CAL_RUNS / 2];
}

void tsc_delay_us(uint64_t us)
{
    uint64_t start = tsc_read();
    uint64_t ticks = tsc_freq / 1000000u * us;
    while (tsc_read() - start < ticks)
        cpu_pause();
}
