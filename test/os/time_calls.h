/*
 * kl.core.Time as one-line calls and the clocks a program reads (Profiler.GetCounters
 * "time.realtime_ns", "time.monotonic_ns"), for os_time and os_attack_time. Each call returns
 * core_result() of the generated proxy (rcSecurityDisallow when the policy denied it).
 */
#ifndef OSTEST_TIME_CALLS_H
#define OSTEST_TIME_CALLS_H

#include <stdint.h>

#include <user/core.h>

#include "ostest.h"

#define NS_PER_SEC 1000000000ll
#define NS_PER_MS 1000000ll
#define SECS_PER_DAY 86400ll

static inline uint64_t clock_counter(const char *name)
{
    uint64_t v = 0;
    uint32_t n = 0;
    return ot_counters(name, &v, 1, &n) == rcOk && n == 1 ? v : 0;
}

/* The system (wall) clock, ns since 1970; the monotonic clock, ns since boot. */
static inline int64_t realtime_ns(void)
{
    return (int64_t)clock_counter("time.realtime_ns");
}
static inline int64_t monotonic_ns(void)
{
    return (int64_t)clock_counter("time.monotonic_ns");
}

/* Both clocks in one call (the kernel reports them for one instant): what a rate is measured
 * with, since two calls could be preempted between them. */
static inline void clock_pair(int64_t *real, int64_t *mono)
{
    uint64_t v[2] = {0, 0};
    uint32_t n = 0;
    (void)ot_counters("time.", v, 2, &n);
    *real = (int64_t)v[0];
    *mono = (int64_t)v[1];
}

static inline Retcode time_set(int64_t secs, uint32_t nsecs)
{
    CORE_CLIENT(cl, kl_core_Core_EP_time_Time, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Time_SetSystemTime(&cl, secs, nsecs, &rc), &rc);
}

/* Sets the clock to ns since 1970. */
static inline Retcode time_set_ns(int64_t ns)
{
    return time_set(ns / NS_PER_SEC, (uint32_t)(ns % NS_PER_SEC));
}

static inline Retcode time_adjust(int64_t sec, int64_t nsec, uint32_t slew, int64_t *prev_ns)
{
    CORE_CLIENT(cl, kl_core_Core_EP_time_Time, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Time_TimeAdj adj = {sec, nsec}, prev = {0, 0};
    Retcode r = core_result(kl_core_Time_SetSystemTimeAdj(&cl, &adj, slew, &prev, &rc), &rc);
    if (prev_ns)
        *prev_ns = prev.sec * NS_PER_SEC + prev.nsec;
    return r;
}

static inline Retcode time_adjust_left(int64_t *left_ns)
{
    CORE_CLIENT(cl, kl_core_Core_EP_time_Time, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    struct kl_core_Time_TimeAdj adj = {0, 0};
    Retcode r = core_result(kl_core_Time_GetSystemTimeAdj(&cl, &adj, &rc), &rc);
    *left_ns = adj.sec * NS_PER_SEC + adj.nsec;
    return r;
}

static inline Retcode sleep_ms(uint32_t ms)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Thread_Sleep(&cl, ms, &rc), &rc);
}

#endif
