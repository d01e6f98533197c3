/*
 * Preemption control: between sched_preempt_disable() and sched_preempt_enable() the calling
 * thread keeps its CPU even with interrupts on (the tick and the reschedule IPI defer the
 * switch). For code that holds a lock with interrupts on, such as an address space's lock while
 * it waits for a TLB shootdown. Nests. The outermost sched_preempt_enable() switches at once only
 * in a kernel_preemptible thread; every other thread may hold a spinlock around the section and
 * switches at its next preemption point (the return to user mode).
 */
#ifndef BASTION_SCHED_PREEMPT_H
#define BASTION_SCHED_PREEMPT_H

void sched_preempt_disable(void);
void sched_preempt_enable(void);

#endif
