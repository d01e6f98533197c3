/*
 * The 8254 programmable interval timer, used only as a reference clock for calibrating the
 * TSC and the LAPIC timer. Channel 2 is used in one-shot mode with its gate driven through
 * port 0x61 and its output polled there, so no PIT interrupt is ever needed (channel 0 and
 * IRQ 0 stay masked).
 *
 * Not reentrant: called on the BSP during boot only.
 */
#ifndef BASTION_ARCH_X86_64_PIT_H
#define BASTION_ARCH_X86_64_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u   /* input clock of every channel */
#define PIT_MAX_US 54000u /* a 16-bit count lasts at most ~54.9 ms */

/* Count the PIT loads for a wait of `us` microseconds (1..PIT_MAX_US); 0 if out of range. */
uint16_t pit_count_for_us(uint32_t us);

/* Load channel 2 with `count` and open its gate: counting starts now. */
void pit_oneshot_start(uint16_t count);

/* True once the count started by pit_oneshot_start() reached zero. */
bool pit_oneshot_done(void);

/*
 * Rate in Hz of some counter, measured over PIT_CAL_RUNS windows of PIT_CAL_WINDOW_US each;
 * the median is kept, so one window stretched by a host preemption (QEMU TCG) does not skew
 * it. For each window: the PIT starts, start(ctx) starts or samples the counter, and when the
 * window closes stop(ctx) returns how far the counter moved. Returns 0 if it never moved.
 */
#define PIT_CAL_RUNS 5
#define PIT_CAL_WINDOW_US 10000u
uint64_t pit_measure_hz(void (*start)(void *ctx), uint64_t (*stop)(void *ctx), void *ctx);

/*
 * Channel 0 (wired to ISA IRQ 0) as a one-shot: its output rises once, `count` PIT clocks from
 * now, and stays high. Used to check interrupt routing end to end (ioapic_init()).
 */
void pit_ch0_oneshot(uint16_t count);

/* Busy-wait `us` microseconds (1..PIT_MAX_US; longer waits are done in pieces). */
void pit_wait_us(uint32_t us);

#endif
