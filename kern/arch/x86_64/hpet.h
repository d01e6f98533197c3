/*
 * The HPET's main counter as a reference clock for calibration (IA-PC HPET specification 1.0a).
 *
 * The firmware's ACPI "HPET" table gives the register block's address; its capabilities give
 * the counter's period in femtoseconds (at most 100 ns). The kernel uses the main counter only:
 * it never arms a comparator, so no HPET interrupt is ever raised, and it never sets legacy
 * replacement (which would take the PIT's and RTC's interrupt lines away from them).
 * Drivers cannot reach the block: it is no PCI BAR, and io_resources_init() keeps it besides.
 */
#ifndef BASTION_ARCH_X86_64_HPET_H
#define BASTION_ARCH_X86_64_HPET_H

#include <stdbool.h>
#include <stdint.h>

/* Finds the HPET, maps it, makes sure its main counter runs. False (and the kernel falls back
 * to the PIT) when the firmware lists none or the block is not usable. BSP only, once, after
 * acpi_init() and paging_init(). */
bool hpet_init(void);

/* True once hpet_init() found a running counter. */
bool hpet_present(void);

/* The block's physical address (0 when hpet_init() found none), for io_resources_init(). */
uint64_t hpet_phys(void);

/*
 * Rate in Hz of some counter, measured over HPET_CAL_RUNS windows of HPET_CAL_WINDOW_US each
 * (the same contract as pit_measure_hz(): start(ctx) starts or samples the counter, stop(ctx)
 * returns how far it moved; the median is kept so that one window stretched by the host does
 * not skew it). The HPET's 10 ns resolution (QEMU: 100 MHz) is what makes a 1 ms window as good
 * as a 10 ms PIT window: each window is timed by the HPET reads that bracket it, not by the
 * reference's tick edges. Only when hpet_present().
 */
#define HPET_CAL_RUNS 5
#define HPET_CAL_WINDOW_US 1000u
uint64_t hpet_measure_hz(void (*start)(void *ctx), uint64_t (*stop)(void *ctx), void *ctx);

#endif
