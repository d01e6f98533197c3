/*
 * os_attack_time (class ostest.AttackTime): the abuses the danger texts of kl.core.Time name,
 * "allows the system time to be set / changed", by a program that may read the clock and ask
 * what adjustment is left (GetSystemTimeAdj, Profiler "time." counters) but was not given the
 * right to set it (test/os/policy/ostest.psl):
 *
 *   Time.SetSystemTime     to 1970, to 1973, to 2223: each rcSecurityDisallow, and the clock is
 *                          nowhere near the time asked (os_time, the image's time daemon, moves
 *                          it meanwhile, but never there);
 *   Time.SetSystemTimeAdj  a +-10^6 s slew at the largest rate: rcSecurityDisallow, and
 *                          GetSystemTimeAdj never reports more than os_time's own second.
 *
 * After each, the probe server (another process) must still answer. What a program with the
 * right cannot do with it, break others' timeouts, os_time shows (a sleep and a Thread.Wait
 * timeout keep their length across a set of +1 day and -1 day).
 */
#include <stdint.h>
#include <stdio.h>

#include "ostest.h"
#include "time_calls.h"

/* os_time, the time daemon of this image, sets the clock too (to its start, to 2033, a day either
 * side of those) and slews it by a second: the attacker's times are ones it never sets, so what
 * is checked is that the clock is nowhere near them, and that the slew left is never the
 * attacker's. */
#define FAR_PAST 123456789ll    /* 1973 */
#define FAR_FUTURE 8000000000ll /* 2223 */

static bool clock_not_at(int64_t secs)
{
    int64_t now = realtime_ns() / NS_PER_SEC;
    int64_t d = now > secs ? now - secs : secs - now;
    return ot_check(d > SECS_PER_DAY, __LINE__, "the clock is not where the attacker set it",
                    "reads %lld s, asked %lld s", (long long)now, (long long)secs);
}

static bool set_time(void)
{
    bool ok = OT_TRUE(realtime_ns() / NS_PER_SEC > FAR_PAST + SECS_PER_DAY);
    ok &= OT_RC(time_set(0, 0), rcSecurityDisallow);
    ok &= clock_not_at(0);
    ok &= OT_RC(time_set(FAR_PAST, 0), rcSecurityDisallow);
    ok &= clock_not_at(FAR_PAST);
    ok &= OT_RC(time_set(FAR_FUTURE, 0), rcSecurityDisallow);
    ok &= clock_not_at(FAR_FUTURE);
    ok &= OT_RC(time_set(-1, 1000000000u), rcSecurityDisallow);
    return ok;
}

static bool set_adjust(void)
{
    int64_t left = -1;
    bool ok = OT_RC(time_adjust(1000000, 0, 100000, NULL), rcSecurityDisallow);
    ok &= OT_RC(time_adjust_left(&left), rcOk);
    ok &= ot_check(left < 2 * NS_PER_SEC && left > -2 * NS_PER_SEC, __LINE__,
                   "no slew of the attacker's", "%lld ns left", (long long)left);
    ok &= OT_RC(time_adjust(-1000000, 0, 100000, NULL), rcSecurityDisallow);
    ok &= OT_RC(time_adjust_left(&left), rcOk);
    ok &= ot_check(left < 2 * NS_PER_SEC && left > -2 * NS_PER_SEC, __LINE__,
                   "no slew of the attacker's", "%lld ns left", (long long)left);
    return ok;
}

int main(void)
{
    ot_begin("os_attack_time");
    bool ok = set_time();
    ot_attack("kl.core.Time.SetSystemTime", ok && ot_bystander_served());
    ok = set_adjust();
    ot_attack("kl.core.Time.SetSystemTimeAdj", ok && ot_bystander_served());
    return ot_end();
}
