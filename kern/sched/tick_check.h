/*
 * The boot's check that every online CPU takes timer interrupts, run beside the boot instead of
 * in its way: a kernel thread looks at each CPU's tick count at least TICK_CHECK_MS after the
 * scheduler started (until each CPU took two, or TICK_CHECK_LIMIT_MS) and prints one line ("timer: ticks in 50 ms: cpu0=5 cpu1=5 ..."), with " (a CPU is
 * not ticking)" appended when one took none. A CPU that does not tick never preempts its
 * threads or ends their sleeps, so the line is the first place to look when a CPU seems stuck.
 */
#ifndef BASTION_SCHED_TICK_CHECK_H
#define BASTION_SCHED_TICK_CHECK_H

#define TICK_CHECK_MS 50u         /* the shortest window */
#define TICK_CHECK_STEP_MS 10u    /* how often the thread looks */
#define TICK_CHECK_LIMIT_MS 2000u /* the longest: a CPU with no tick by then is reported */

/* Takes the tick counts now and starts the thread that reports them. After sched_init(). A
 * thread that cannot be created is reported and the check skipped: the boot does not depend
 * on it. */
void tick_check_start(void);

#endif
