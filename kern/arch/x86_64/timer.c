/*
 * LAPIC timer calibration and the per-CPU tick (see timer.h).
 *
 * Calibration: the timer counts down from 0xFFFFFFFF, masked, in one-shot mode across TSC
 * windows (tsc_measure_hz(): five 500 us windows, median kept; the TSC was calibrated just
 * before, against the HPET or the PIT). TIMER_HZ then needs
 * rate / TIMER_HZ counts per period. With divide-by-16 a 32-bit count covers over a minute
 * even at a 1 GHz bus, so the window never wraps.
 *
 * Invariant: ticks[i] is written only by CPU i (in its timer interrupt) and read by anyone;
 * an aligned 64-bit store is atomic on x86-64, so readers never see a torn value.
 */
#include "arch/x86_64/timer.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "lib/kprintf.h"
#include "lib/random.h"
#include "panic.h"

#define DIVIDE_BY_16 0x3 /* LAPIC divide configuration encoding */
#define DIVIDER 16u

static uint64_t lapic_rate;   /* counts per second after the divider */
static uint32_t period_count; /* initial count for one tick */
static volatile uint64_t ticks[SMP_MAX_CPUS];

static void (*tick_hook)(struct trap_frame *tf);

static void timer_handler(struct trap_frame *tf)
{
    unsigned cpu = this_cpu()->index;
    if (cpu < SMP_MAX_CPUS)
        ticks[cpu] = ticks[cpu] + 1;
    random_add_timing(rdtsc());
    lapic_eoi();
    void (*hook)(struct trap_frame *) = __atomic_load_n(&tick_hook, __ATOMIC_ACQUIRE);
    if (hook)
        hook(tf);
}

void timer_set_tick_hook(void (*fn)(struct trap_frame *tf))
{
    __atomic_store_n(&tick_hook, fn, __ATOMIC_RELEASE);
}

static void lapic_count_start(void *ctx)
{
    (void)ctx;
    lapic_write(LAPIC_REG_TIMER_INIT, 0xFFFFFFFFu);
}

static uint64_t lapic_count_stop(void *ctx)
{
    (void)ctx;
    uint32_t left = lapic_read(LAPIC_REG_TIMER_CUR);
    lapic_write(LAPIC_REG_TIMER_INIT, 0); /* stop */
    return 0xFFFFFFFFu - left;
}

static void start_periodic(void)
{
    lapic_write(LAPIC_REG_TIMER_DIV, DIVIDE_BY_16);
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_PERIODIC | TIMER_VECTOR);
    lapic_write(LAPIC_REG_TIMER_INIT, period_count);
}

void timer_init(void)
{
    lapic_write(LAPIC_REG_TIMER_DIV, DIVIDE_BY_16);
    lapic_write(LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | TIMER_VECTOR); /* one-shot, silent */
    lapic_rate = tsc_measure_hz(lapic_count_start, lapic_count_stop, NULL);
    if (lapic_rate < TIMER_HZ)
        panic("timer: LAPIC timer calibration failed (%lu Hz measured against the TSC)",
              (unsigned long)lapic_rate);
    uint64_t pc = lapic_rate / TIMER_HZ;
    period_count = pc > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)pc;

    idt_set_irq_handler(TIMER_VECTOR, timer_handler);
    start_periodic();
    kprintf("timer: LAPIC timer %lu.%03lu MHz (bus %lu MHz / %u, calibrated against the TSC), "
            "%u Hz tick = %u counts\n",
            (unsigned long)(lapic_rate / 1000000), (unsigned long)(lapic_rate / 1000 % 1000),
            (unsigned long)((lapic_rate * DIVIDER + 500000) / 1000000), DIVIDER, TIMER_HZ,
            period_count);
}

void timer_init_ap(void)
{
    start_periodic();
}

uint64_t timer_ticks(unsigned cpu)
{
    return cpu < SMP_MAX_CPUS ? ticks[cpu] : 0;
}

uint64_t timer_lapic_hz(void)
{
    return lapic_rate;
}
