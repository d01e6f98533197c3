/*
 * os_time (class ostest.Time): the system clock and kl.core.Time, with the rights of a time
 * daemon (test/os/policy/ostest.psl: the Time methods, the clocks' counters, its threads).
 *
 *   - the clock starts from the CMOS RTC: QEMU's is the host's time, after 2020;
 *   - SetSystemTime sets it (read back within a second) and refuses nsecs >= 10^9 and secs < 0
 *     with named codes;
 *   - a sleep and a Thread.Wait timeout of this thread last their length while another thread
 *     sets the clock a day ahead and a day back: timeouts run on the monotonic clock;
 *   - SetSystemTimeAdj slews at the asked rate (10% here: 50 ms over 500 ms), GetSystemTimeAdj
 *     and `prev` report what is left, adj 0 cancels, a negative adjustment never runs the clock
 *     backwards, and out-of-range arguments are refused with named codes, changing nothing.
 *
 * At the end the clock is put back where it would have been.
 */
#include <stdint.h>
#include <stdio.h>

#include <user/thread.h>

#include "ostest.h"
#include "time_calls.h"

#define Y2020 1577836800ll
#define Y2100 4102444800ll
#define SLEEP_MS 400
#define SLACK_MS 5000 /* a loaded host may run us late, never early; a day late is the bug */

static int64_t start_real, start_mono;

static bool boot_clock(void)
{
    start_real = realtime_ns();
    start_mono = monotonic_ns();
    printf("os_time: system time at start: %lld s since 1970\n",
           (long long)(start_real / NS_PER_SEC));
    bool ok = OT_TRUE(start_real / NS_PER_SEC > Y2020);
    ok &= OT_TRUE(start_real / NS_PER_SEC < Y2100);
    ok &= OT_TRUE(start_mono > 0);
    return ok;
}

static bool set_time(void)
{
    bool ok = OT_RC(time_set(2000000000, 0), rcOk);
    int64_t r = realtime_ns();
    ok &= ot_check(r >= 2000000000ll * NS_PER_SEC && r < 2000000001ll * NS_PER_SEC, __LINE__,
                   "the clock reads what was set", "%lld", (long long)r);
    ok &= OT_RC(time_set(2000000000, 1000000000u), rcInvalidArgument);
    ok &= OT_RC(time_set(2000000000, 0xFFFFFFFFu), rcInvalidArgument);
    ok &= OT_RC(time_set(-1, 0), rcOutOfRange);
    ok &= OT_RC(time_set(INT64_MAX, 0), rcOutOfRange);
    r = realtime_ns();
    ok &= ot_check(r >= 2000000000ll * NS_PER_SEC && r < 2000000002ll * NS_PER_SEC, __LINE__,
                   "refused settings change nothing", "%lld", (long long)r);
    return ok;
}

/* Another thread moves the clock a day ahead, then a day back, while this one waits. */
static volatile int mover_rc;
static int mover(void *arg)
{
    (void)arg;
    int64_t base = realtime_ns();
    Retcode r = rcOk;
    (void)sleep_ms(100);
    r |= time_set_ns(base + SECS_PER_DAY * NS_PER_SEC);
    (void)sleep_ms(100);
    r |= time_set_ns(base - SECS_PER_DAY * NS_PER_SEC);
    (void)sleep_ms(100);
    r |= time_set_ns(base + 300 * NS_PER_MS);
    mover_rc = r;
    return 0;
}

static volatile int sleeper_release;

/* Outlives any wait on it until released: a fixed sleep could end first on a loaded machine
 * (creating the mover can take longer than the sleep). */
static int sleeper(void *arg)
{
    (void)arg;
    while (!sleeper_release)
        (void)sleep_ms(20);
    return 0;
}

static bool lasts(const char *what, int64_t t0)
{
    int64_t ms = (monotonic_ns() - t0) / NS_PER_MS;
    printf("os_time: %s of %d ms across +1 day / -1 day lasted %lld ms\n", what, SLEEP_MS,
           (long long)ms);
    return ot_check(ms >= SLEEP_MS && ms < SLEEP_MS + SLACK_MS, __LINE__, what, "lasted %lld ms",
                    (long long)ms);
}

static bool timeouts_across_set(void)
{
    struct thread m, s;
    bool ok = OT_RC(thread_create(&m, mover, NULL, THREAD_PRIO_DEFAULT, 0), rcOk);
    int64_t t0 = monotonic_ns();
    ok &= OT_RC(sleep_ms(SLEEP_MS), rcOk);
    ok &= lasts("a sleep", t0);
    ok &= OT_RC(thread_join(&m, 10000, NULL), rcOk);
    ok &= OT_EQ(mover_rc, rcOk);

    /* A timeout: Thread.Wait on a thread that outlives it. */
    ok &= OT_RC(thread_create(&s, sleeper, NULL, THREAD_PRIO_DEFAULT, 0), rcOk);
    ok &= OT_RC(thread_create(&m, mover, NULL, THREAD_PRIO_DEFAULT, 0), rcOk);
    t0 = monotonic_ns();
    ok &= OT_RC(thread_join(&s, SLEEP_MS, NULL), rcTimeout);
    ok &= lasts("a Thread.Wait timeout", t0);
    sleeper_release = 1;
    ok &= OT_RC(thread_join(&m, 10000, NULL), rcOk);
    ok &= OT_RC(thread_join(&s, 10000, NULL), rcOk);
    ok &= ot_bystander_served();
    return ok;
}

static bool adjust(void)
{
    int64_t prev = -1, left = -1;
    bool ok = OT_RC(time_set(2000000000, 0), rcOk);
    ok &= OT_RC(time_adjust_left(&left), rcOk);
    ok &= OT_EQ(left, 0);
    /* +1 s at 100000 us/s: 10% fast for 10 s. */
    ok &= OT_RC(time_adjust(1, 0, 100000, &prev), rcOk);
    ok &= OT_EQ(prev, 0);
    int64_t r0, m0, r1, m1;
    clock_pair(&r0, &m0);
    ok &= OT_RC(sleep_ms(500), rcOk);
    clock_pair(&r1, &m1);
    int64_t dr = r1 - r0, dm = m1 - m0;
    ok &= OT_RC(time_adjust_left(&left), rcOk);
    printf("os_time: slewing +1 s at 100000 us/s: %lld ms of monotonic time moved the clock "
           "%lld ms, %lld ms left\n",
           (long long)(dm / NS_PER_MS), (long long)(dr / NS_PER_MS), (long long)(left / NS_PER_MS));
    /* The clock gained a tenth of the elapsed time (give or take the slew's rounding; both
     * clocks are read in one call, at one instant). */
    ok &= ot_check(dr - dm >= dm / 10 - 2 * NS_PER_MS && dr - dm <= dm / 10 + 2 * NS_PER_MS,
                   __LINE__, "slewed at 10%", "gained %lld ns over %lld ns", (long long)(dr - dm),
                   (long long)dm);
    ok &= ot_check(left > 0 && left < NS_PER_SEC - 40 * NS_PER_MS, __LINE__, "left shrinks", "%lld",
                   (long long)left);
    /* Refused arguments change nothing. */
    ok &= OT_RC(time_adjust(0, NS_PER_SEC, 0, NULL), rcInvalidArgument);
    ok &= OT_RC(time_adjust(0, -NS_PER_SEC, 0, NULL), rcInvalidArgument);
    ok &= OT_RC(time_adjust(1000001, 0, 0, NULL), rcOutOfRange);
    ok &= OT_RC(time_adjust(-1000001, 0, 0, NULL), rcOutOfRange);
    ok &= OT_RC(time_adjust(1, 0, 100001, NULL), rcOutOfRange);
    int64_t left2 = 0;
    ok &= OT_RC(time_adjust_left(&left2), rcOk);
    ok &= ot_check(left2 > 0 && left2 <= left, __LINE__, "refusals keep the adjustment", "%lld",
                   (long long)left2);
    /* adj 0 cancels and reports what was left. */
    ok &= OT_RC(time_adjust(0, 0, 0, &prev), rcOk);
    ok &= ot_check(prev > 0 && prev <= left2, __LINE__, "prev is what was left", "%lld",
                   (long long)prev);
    ok &= OT_RC(time_adjust_left(&left), rcOk);
    ok &= OT_EQ(left, 0);

    /* -1 s at 100000 us/s: 10% slow, never backwards. */
    ok &= OT_RC(time_adjust(-1, 0, 100000, &prev), rcOk);
    ok &= OT_EQ(prev, 0);
    clock_pair(&r0, &m0);
    int64_t last = r0;
    bool forward = true;
    for (int i = 0; i < 100; i++) {
        int64_t r = realtime_ns();
        forward &= r >= last;
        last = r;
        if (i % 10 == 0)
            (void)sleep_ms(50);
    }
    clock_pair(&r1, &m1);
    dr = r1 - r0;
    dm = m1 - m0;
    ok &= ot_check(forward, __LINE__, "a negative slew never runs the clock backwards", NULL);
    ok &=
        ot_check(dm - dr >= dm / 10 - 2 * NS_PER_MS && dm - dr <= dm / 10 + 2 * NS_PER_MS, __LINE__,
                 "slowed by 10%", "lost %lld ns over %lld ns", (long long)(dm - dr), (long long)dm);
    /* A set cancels the slew. */
    ok &= OT_RC(time_set(2000000000, 0), rcOk);
    ok &= OT_RC(time_adjust_left(&left), rcOk);
    ok &= OT_EQ(left, 0);
    return ok;
}

int main(void)
{
    ot_begin("os_time");
    bool ok = boot_clock();
    ok &= set_time();
    ok &= timeouts_across_set();
    ok &= adjust();
    /* Back to where the clock would be. */
    ok &= OT_RC(time_set_ns(start_real + (monotonic_ns() - start_mono)), rcOk);
    (void)ok;
    return ot_end();
}
