/*
 * The time-stamp counter: the kernel's fine-grained clock (and the unit in which performance
 * is measured under QEMU's -icount). tsc_calibrate() finds its frequency once on the BSP:
 * from CPUID leaf 0x15 (crystal ratio) or 0x16 (base frequency) when the CPU enumerates them,
 * otherwise by counting TSC ticks across HPET-timed windows, or PIT-timed ones on a machine
 * without an HPET.
 */
#ifndef BASTION_ARCH_X86_64_TSC_H
#define BASTION_ARCH_X86_64_TSC_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"

/* Not serialising: may be reordered with neighbouring loads; fine for delays and statistics. */
static inline uint64_t tsc_read(void)
{
    return rdtsc();
}

/* Find the TSC frequency and print it with its source. BSP only, before timer_init(). */
void tsc_calibrate(void);

/* Ticks per second (0 before tsc_calibrate()). */
uint64_t tsc_hz(void);

/* "cpuid-15h", "cpuid-16h", "hpet" or "pit": where tsc_hz() came from. */
const char *tsc_source(void);

/* Nanoseconds for `ticks` TSC ticks (saturates instead of overflowing). */
uint64_t tsc_ticks_to_ns(uint64_t ticks);

/*
 * Rate in Hz of another counter measured against the TSC, once its rate is known: the same
 * contract as pit_measure_hz() (start/stop, median of the runs), over TSC_CAL_RUNS windows of
 * TSC_CAL_WINDOW_US. The LAPIC timer is calibrated this way: the TSC is already a calibrated
 * clock with nanosecond resolution, so half a millisecond measures it to a few parts in 10^5.
 */
#define TSC_CAL_RUNS 5
#define TSC_CAL_WINDOW_US 500u
uint64_t tsc_measure_hz(void (*start)(void *ctx), uint64_t (*stop)(void *ctx), void *ctx);

/* Busy-wait at least `us` microseconds; any CPU, after tsc_calibrate(). */
void tsc_delay_us(uint64_t us);

#endif
