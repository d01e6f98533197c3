/*
 * The periodic tick: each CPU's LAPIC timer in periodic mode at TIMER_HZ, on TIMER_VECTOR.
 * timer_init() (BSP, once) measures the LAPIC timer's rate against the PIT and starts the BSP's
 * timer; timer_init_ap() starts an AP's with the same count (every LAPIC timer runs off the
 * same bus/core crystal clock). The handler counts ticks per CPU, then calls the scheduler's
 * tick hook (timer_set_tick_hook()).
 */
#ifndef BASTION_ARCH_X86_64_TIMER_H
#define BASTION_ARCH_X86_64_TIMER_H

#include <stdint.h>

#define TIMER_VECTOR 0xF0
#define TIMER_HZ 100

void timer_init(void);
void timer_init_ap(void);

struct trap_frame;

/*
 * Called on every tick of every CPU, after the tick was counted and lapic_eoi() was sent,
 * with interrupts off, on the interrupted context's stack; it may switch threads (hence the EOI
 * first). One hook (the scheduler's, sched_init()); NULL removes it.
 */
void timer_set_tick_hook(void (*fn)(struct trap_frame *tf));

/* Ticks counted so far by logical CPU `cpu` (0 for an index never started). */
uint64_t timer_ticks(unsigned cpu);

/* LAPIC timer input rate in Hz, after the divider (0 before timer_init()). */
uint64_t timer_lapic_hz(void);

#endif
