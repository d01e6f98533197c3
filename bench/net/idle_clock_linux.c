/*
 * bench/net/idle_clock_linux.c: the idle clock (idle_clock.h) of Linux: CPU 0's idle time from
 * /proc/timer_list, the line ".idle_sleeptime : <N> nsecs" of its "cpu: 0" section.
 *
 * Linux accounts it in tick-sched (kernel/time/tick-sched.c): an idle period starts when the
 * idle loop enters (tick_nohz_idle_enter) and ends at the first interrupt
 * (tick_nohz_irq_enter) or when idle exits, so interrupt handlers count as busy. The benchmark
 * runs on one CPU, and the reader is running, so no idle period is open while it reads. Under
 * -icount shift=0 a nanosecond of Linux's clock is one TSC tick up to the kernel's calibration of
 * the TSC (a few parts per million). /proc/stat's idle column would do in jiffies (4 ms); far too
 * coarse for one request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idle_clock.h"

int idle_clock_read(uint64_t *ticks)
{
    FILE *f = fopen("/proc/timer_list", "r");
    if (!f) {
        perror("bench-net: /proc/timer_list");
        return -1;
    }
    char line[256];
    int in_cpu0 = 0, found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "cpu: ", 5) == 0)
            in_cpu0 = atoi(line + 5) == 0;
        const char *k = strstr(line, ".idle_sleeptime");
        if (in_cpu0 && k) {
            const char *colon = strchr(k, ':');
            if (colon) {
                *ticks = strtoull(colon + 1, NULL, 10);
                found = 1;
            }
        }
    }
    fclose(f);
    if (!found)
        fprintf(stderr, "bench-net: no .idle_sleeptime for cpu 0 in /proc/timer_list\n");
    return found ? 0 : -1;
}
