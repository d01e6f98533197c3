/*
 * bench/net/idle_clock.h: how long the machine's CPUs have been idle, as its OS counts it.
 *
 * The network benchmark (http_bench_server.c) counts the instructions the guest executes for a
 * request, not the time it halts waiting for the host's next packet: busy = elapsed TSC ticks
 * minus idle ticks over the same window. Under QEMU's -icount shift=0 one TSC tick is one
 * instruction while the CPU runs and one nanosecond of virtual time always, so an idle count in
 * TSC ticks (Bastion) or in nanoseconds (Linux) subtracts directly. One implementation per OS:
 *   idle_clock_linux.c    /proc/timer_list, CPU 0's ".idle_sleeptime" (nanoseconds)
 *   idle_clock_bastion.c  kl.core.Profiler counter "sched.idle_tsc" (TSC ticks, every CPU)
 */
#ifndef BENCH_NET_IDLE_CLOCK_H
#define BENCH_NET_IDLE_CLOCK_H

#include <stdint.h>

/* Idle ticks since boot into *ticks: 0, or -1 (the reason printed) when the OS would not say. */
int idle_clock_read(uint64_t *ticks);

#endif
