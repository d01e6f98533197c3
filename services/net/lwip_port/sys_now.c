/*
 * lwIP's clock, sys_now(): milliseconds from the TSC, its rate measured once against
 * Thread.Sleep.
 *
 * The kernel offers user programs no clock method, but every CPU's TSC runs at one constant
 * rate (the kernel relies on the same for its own timer calibration). The first call sleeps
 * CALIBRATION_MS and counts the TSC ticks that passed; a sleep lasts at least what was asked,
 * so the measured rate can only be too high, and lwIP's timers then fire late, never early.
 * lwIP needs only a monotonic millisecond count that wraps at 2^32 (its timers compare
 * differences), which this gives.
 */
#include <stdint.h>

#include <user/core.h>

#include "lwip/sys.h"

#define CALIBRATION_MS 20u

static uint64_t tsc_per_ms;
static uint64_t tsc_origin;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Measure the TSC rate; on a refused sleep, assume 1 GHz rather than divide by zero. */
static void calibrate(void)
{
    uint64_t t0 = rdtsc();
    Retcode rc = core_thread_sleep(CALIBRATION_MS);
    uint64_t ticks = rdtsc() - t0;
    tsc_per_ms = (rc == rcOk && ticks >= CALIBRATION_MS) ? ticks / CALIBRATION_MS : 1000000u;
    tsc_origin = t0;
}

u32_t sys_now(void)
{
    if (tsc_per_ms == 0)
        calibrate();
    return (u32_t)((rdtsc() - tsc_origin) / tsc_per_ms);
}
