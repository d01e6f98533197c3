/*
 * lwIP's clock, sys_now(): milliseconds from the TSC at the rate the kernel measured at boot
 * (the start block's tsc_hz, <user/start.h>).
 *
 * Every CPU's TSC runs at one constant rate (the kernel relies on the same for its own timer),
 * so rdtsc scaled by that rate is a monotonic clock that neither load nor a late wake-up can
 * skew. (A rate measured here against a sleep would be skewed by exactly that: a loaded system
 * wakes a 20 ms sleep seconds late, and every lwIP timer and socket timeout then runs that
 * many times too slow.) lwIP needs only a monotonic millisecond count that wraps at 2^32 (its
 * timers compare differences), which this gives.
 */
#include <stdint.h>

#include <user/start.h>

#include "lwip/sys.h"

static uint64_t tsc_per_ms;
static uint64_t tsc_origin;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

u32_t sys_now(void)
{
    if (tsc_per_ms == 0) {
        tsc_per_ms = start_tsc_per_ms();
        tsc_origin = rdtsc();
    }
    return (u32_t)((rdtsc() - tsc_origin) / tsc_per_ms);
}
