/* The system (wall) clock over the monotonic one (contract in wallclock.h). */
#include "lib/wallclock.h"

#define NS_PER_SEC 1000000000ll

/* Correction due over `elapsed` ns at rate ns-per-second, without overflowing. */
static uint64_t due(uint64_t elapsed, uint64_t rate)
{
    return elapsed / NS_PER_SEC * rate + elapsed % NS_PER_SEC * rate / NS_PER_SEC;
}

void wallclock_advance(struct wallclock *w, uint64_t now)
{
    if (now <= w->last_ns)
        return;
    if (w->adj_left_ns != 0) {
        uint64_t left = w->adj_left_ns < 0 ? (uint64_t)-w->adj_left_ns : (uint64_t)w->adj_left_ns;
        uint64_t step = due(now - w->last_ns, w->slew_ns);
        if (step == 0)
            return; /* keep last_ns: the fraction accrues until a whole ns is due */
        if (step > left)
            step = left;
        if (w->adj_left_ns < 0) {
            w->offset_ns -= (int64_t)step;
            w->adj_left_ns += (int64_t)step;
        } else {
            w->offset_ns += (int64_t)step;
            w->adj_left_ns -= (int64_t)step;
        }
    }
    w->last_ns = now;
}

int64_t wallclock_now(struct wallclock *w, uint64_t now)
{
    wallclock_advance(w, now);
    return (int64_t)now + w->offset_ns;
}

Retcode wallclock_set(struct wallclock *w, uint64_t now, int64_t secs, uint32_t nsecs)
{
    if (nsecs >= NS_PER_SEC)
        return rcInvalidArgument;
    if (secs < 0 || secs > WALLCLOCK_SECS_MAX)
        return rcOutOfRange;
    w->offset_ns = secs * NS_PER_SEC + (int64_t)nsecs - (int64_t)now;
    w->adj_left_ns = 0;
    w->last_ns = now;
    return rcOk;
}

Retcode wallclock_adjust(struct wallclock *w, uint64_t now, int64_t sec, int64_t nsec,
                         uint32_t slew, int64_t *prev_ns)
{
    wallclock_advance(w, now);
    *prev_ns = w->adj_left_ns;
    if (nsec <= -NS_PER_SEC || nsec >= NS_PER_SEC)
        return rcInvalidArgument;
    if (sec < -WALLCLOCK_ADJ_MAX_SEC || sec > WALLCLOCK_ADJ_MAX_SEC || slew > WALLCLOCK_SLEW_MAX_US)
        return rcOutOfRange;
    w->adj_left_ns = sec * NS_PER_SEC + nsec;
    w->slew_ns = (uint64_t)(slew ? slew : WALLCLOCK_SLEW_DEFAULT_US) * 1000u;
    w->last_ns = now;
    return rcOk;
}

int64_t wallclock_left(struct wallclock *w, uint64_t now)
{
    wallclock_advance(w, now);
    return w->adj_left_ns;
}

#ifndef BASTION_HOST
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "sched/sched.h"

static struct spinlock clock_lock = SPINLOCK_INIT(LOCK_LEVEL_WALLCLOCK);
static struct wallclock the_clock; /* clock_lock */

Retcode wallclock_init(void)
{
    int64_t secs = 0;
    Retcode rc = rtc_read(&secs);
    if (rc != rcOk) {
        kprintf("time: the CMOS clock is unreadable (%s): the system time starts at 1970\n",
                retcode_name(rc));
        secs = 0;
    }
    uint64_t f = spin_lock_irqsave(&clock_lock);
    (void)wallclock_set(&the_clock, sched_now_ns(), secs, 0);
    spin_unlock_irqrestore(&clock_lock, f);
    if (rc == rcOk)
        kprintf("time: system time %ld s since 1970 from the CMOS clock\n", (long)secs);
    return rc;
}

int64_t time_realtime_at(uint64_t mono)
{
    uint64_t f = spin_lock_irqsave(&clock_lock);
    int64_t v = wallclock_now(&the_clock, mono);
    spin_unlock_irqrestore(&clock_lock, f);
    return v;
}

int64_t time_realtime_ns(void)
{
    return time_realtime_at(sched_now_ns());
}

Retcode time_set(int64_t secs, uint32_t nsecs)
{
    uint64_t f = spin_lock_irqsave(&clock_lock);
    Retcode rc = wallclock_set(&the_clock, sched_now_ns(), secs, nsecs);
    spin_unlock_irqrestore(&clock_lock, f);
    return rc;
}

Retcode time_adjust(int64_t sec, int64_t nsec, uint32_t slew, int64_t *prev_ns)
{
    uint64_t f = spin_lock_irqsave(&clock_lock);
    Retcode rc = wallclock_adjust(&the_clock, sched_now_ns(), sec, nsec, slew, prev_ns);
    spin_unlock_irqrestore(&clock_lock, f);
    return rc;
}

int64_t time_adjust_left(void)
{
    uint64_t f = spin_lock_irqsave(&clock_lock);
    int64_t v = wallclock_left(&the_clock, sched_now_ns());
    spin_unlock_irqrestore(&clock_lock, f);
    return v;
}
#endif
