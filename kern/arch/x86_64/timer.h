/*
 * The periodic tick: each CPU's LAPIC timer in periodic mode at TIMER_HZ, on TIMER_VECTOR.
 * timer_init() (BSP, once) measures the LAPIC timer's rate against the PIT and starts the BSP's
 * timer; timer_init_ap() starts an AP's with the same count (every LAPIC timer runs off the
 * same bus/core crystal clock). The handler counts ticks per CPU; the scheduler will hook in
 * here later.
 */
#ifndef BASTION_ARCH_X86_64_TIMER_H
#define BASTION_ARCH_X86_64_TIMER_H

#include <stdint.h>

#define TIMER_VECTOR 0xF0
#define TIMER_HZ 100

void timer_init(void);
void timer_init_ap(void);

/* Ticks counted so far by logical CPU `cpu` (0 for an index never started). */
uint64_t timer_ticks(unsigned cpu);

/* LAPIC timer input rate in Hz, after the divider (0 before timer_init()). */
uint64_t timer_lapic_hz(void);

#endif
