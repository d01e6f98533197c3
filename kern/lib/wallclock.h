/*
 * The system (wall) clock: nanoseconds since 1970-01-01 UTC, kept as an offset from the
 * monotonic clock (sched_now_ns(), the TSC since boot), which nothing can set.
 *
 *   realtime = monotonic + offset
 *
 * Setting the time (kl.core.Time.SetSystemTime) replaces the offset; every timeout and sleep of
 * the kernel runs on the monotonic clock and so keeps its length whatever the wall clock does.
 * A gradual adjustment (SetSystemTimeAdj, as adjtime(3)) moves the offset by at most `slew`
 * microseconds per second of monotonic time until the asked amount is applied: the wall clock
 * then runs at (1 +- slew/10^6) of real time, never backwards, never jumping.
 *
 * The arithmetic (struct wallclock and its functions) is pure and host-tested
 * (test/host/kern/lib/test_wallclock.c); the kernel's one clock behind a lock is below.
 */
#ifndef BASTION_LIB_WALLCLOCK_H
#define BASTION_LIB_WALLCLOCK_H

#include <bastion/retcode.h>
#include <stdint.h>

/* Slew bounds, in microseconds of correction per second: slew 0 asks for the default, adjtime's
 * 500 us/s; more than 100000 us/s (the clock running 10% fast or slow) is rcOutOfRange. */
#define WALLCLOCK_SLEW_DEFAULT_US 500u
#define WALLCLOCK_SLEW_MAX_US 100000u
/* The largest adjustment, either sign: 10^6 s (11.6 days; at the default rate it would take 63
 * years). Larger is rcOutOfRange: set the time instead. */
#define WALLCLOCK_ADJ_MAX_SEC 1000000
/* The latest settable time: 2262-04-11, where nanoseconds since 1970 leave int64. */
#define WALLCLOCK_SECS_MAX 9000000000ll

struct wallclock {
    int64_t offset_ns;   /* realtime - monotonic */
    int64_t adj_left_ns; /* correction still to apply, signed */
    uint64_t slew_ns;    /* ns of correction per second of monotonic time while adj_left_ns != 0 */
    uint64_t last_ns;    /* monotonic time up to which the correction was applied */
};

/* Applies the correction due between w->last_ns and now (monotonic). */
void wallclock_advance(struct wallclock *w, uint64_t now);

/* Realtime nanoseconds at monotonic now (advances first). */
int64_t wallclock_now(struct wallclock *w, uint64_t now);

/* Sets realtime to secs.nsecs at monotonic now; cancels an adjustment under way (its remainder
 * is meaningless against the new time, as with settimeofday). rcInvalidArgument: nsecs >= 10^9.
 * rcOutOfRange: secs < 0 or > WALLCLOCK_SECS_MAX. */
Retcode wallclock_set(struct wallclock *w, uint64_t now, int64_t secs, uint32_t nsecs);

/* Starts a gradual adjustment of sec*10^9+nsec ns at slew us/s (0: the default), replacing any
 * under way; *prev_ns gets what was left of that one (also on rcOk with adj 0, which only
 * cancels). rcInvalidArgument: |nsec| >= 10^9. rcOutOfRange: |sec| > WALLCLOCK_ADJ_MAX_SEC,
 * slew > WALLCLOCK_SLEW_MAX_US. On failure nothing changes and *prev_ns is still reported. */
Retcode wallclock_adjust(struct wallclock *w, uint64_t now, int64_t sec, int64_t nsec,
                         uint32_t slew, int64_t *prev_ns);

/* The correction still to apply at monotonic now. */
int64_t wallclock_left(struct wallclock *w, uint64_t now);

#ifndef BASTION_HOST
/* The kernel's clock (one, behind a leaf lock). wallclock_init: from the CMOS RTC at boot, after
 * tsc_calibrate(); when the RTC is unreadable it prints why and starts at 1970 (rcRtcUnreadable
 * returned). The others as above, on sched_now_ns(). */
Retcode wallclock_init(void);
int64_t time_realtime_ns(void);
/* The system clock at monotonic time mono (a sched_now_ns() the caller read): both clocks of one
 * instant, as Profiler.GetCounters reports them. */
int64_t time_realtime_at(uint64_t mono);
Retcode time_set(int64_t secs, uint32_t nsecs);
Retcode time_adjust(int64_t sec, int64_t nsec, uint32_t slew, int64_t *prev_ns);
int64_t time_adjust_left(void);
#endif

#endif
