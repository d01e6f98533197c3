/*
 * The scheduling parameters of kl.core (Types.SchedPolicy, Types.SchedParam) in the scheduler's
 * terms: one decoding for Thread.SetSchedPolicy and Task.SetInitialThreadSchedPolicy, so that a
 * thread started with a class gets exactly the checks of one switched to it later.
 */
#ifndef BASTION_KLCORE_SCHED_PARAM_H
#define BASTION_KLCORE_SCHED_PARAM_H

#include "klcore/klcore.h"

/* policy and param as the scheduler's class (*cls: SCHED_NORMAL, SCHED_FIFO, SCHED_RR) and RR
 * quantum in ticks (*quantum: 0 for the other classes). param's tag must be the policy; the
 * timeshare and fifo members must be 0; roundRobin.quantum is in milliseconds (0: the default
 * quantum), rounded up to whole ticks, at most SCHED_RR_QUANTUM_MAX ticks' worth.
 * rcInvalidArgument otherwise (*cls and *quantum are then unspecified). The priority is not
 * looked at: sched_set_policy and the Task methods bound it. */
Retcode sched_param_decode(kl_core_Types_SchedPolicy policy,
                           const struct kl_core_Types_SchedParam *param, unsigned *cls,
                           unsigned *quantum);

/* The scheduler's class and quantum (ticks) back as policy and param (quantum in ms). */
void sched_param_encode(unsigned cls, unsigned quantum, kl_core_Types_SchedPolicy *policy,
                        struct kl_core_Types_SchedParam *param);

#endif
