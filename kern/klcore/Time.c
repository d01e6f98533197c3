/*
 * kl.core.Time: setting and gradually adjusting the system (wall) clock (lib/wallclock.h).
 *
 *   SetSystemTime(secs, nsecs)       the clock reads secs.nsecs from now on; an adjustment under
 *                                    way is cancelled. rcInvalidArgument: nsecs >= 10^9.
 *                                    rcOutOfRange: secs < 0 or past 2262 (WALLCLOCK_SECS_MAX).
 *   SetSystemTimeAdj(adj, slew)      as adjtime(3): the clock is moved by adj (sec*10^9+nsec ns,
 *                                    either sign) at slew us per second (0: 500 us/s; at most
 *                                    100000 us/s, rcOutOfRange above), replacing any adjustment
 *                                    under way; prev is what was left of that one. adj 0 only
 *                                    cancels. rcInvalidArgument: |nsec| >= 10^9; rcOutOfRange:
 *                                    |sec| > 10^6.
 *   GetSystemTimeAdj()               what is left of the adjustment under way.
 *
 * The wall clock is an offset over the monotonic clock: timeouts and sleeps (sched_now_ns) never
 * see it move. Programs read it through Profiler.GetCounters "time.realtime_ns".
 */
#include "klcore/klcore.h"
#include "lib/wallclock.h"

#define NS_PER_SEC 1000000000ll

static void split(int64_t ns, struct kl_core_Time_TimeAdj *out)
{
    /* sec and nsec carry the same sign, |nsec| < 10^9 */
    out->sec = ns / NS_PER_SEC;
    out->nsec = ns % NS_PER_SEC;
}

static Retcode SetSystemTime(void *ctx, int64_t secs, uint32_t nsecs, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    *rc = time_set(secs, nsecs);
    return rcOk;
}

static Retcode SetSystemTimeAdj(void *ctx, const struct kl_core_Time_TimeAdj *adj, uint32_t slew,
                                struct kl_core_Time_TimeAdj *prev, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    int64_t left = 0;
    *rc = time_adjust(adj->sec, adj->nsec, slew, &left);
    split(left, prev);
    return rcOk;
}

static Retcode GetSystemTimeAdj(void *ctx, struct kl_core_Time_TimeAdj *adj,
                                kl_core_Types_Retcode *rc)
{
    (void)ctx;
    split(time_adjust_left(), adj);
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_Time_ops core_time_ops = {
    .SetSystemTime = SetSystemTime,
    .SetSystemTimeAdj = SetSystemTimeAdj,
    .GetSystemTimeAdj = GetSystemTimeAdj,
};
