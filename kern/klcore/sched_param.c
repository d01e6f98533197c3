/*
 * Decoding and encoding of kl.core's scheduling parameters (contract in sched_param.h).
 */
#include "klcore/sched_param.h"
#include "arch/x86_64/timer.h"
#include "proc/thread.h"
#include "sched/sched.h"

Retcode sched_param_decode(kl_core_Types_SchedPolicy policy,
                           const struct kl_core_Types_SchedParam *param, unsigned *cls,
                           unsigned *quantum)
{
    *cls = SCHED_NORMAL;
    *quantum = 0;
    if (param->tag != policy)
        return rcInvalidArgument;
    switch (policy) {
    case kl_core_Types_SchedPolicyTimeshare:
        return param->u.timeshare == 0 ? rcOk : rcInvalidArgument;
    case kl_core_Types_SchedPolicyFifo:
        *cls = SCHED_FIFO;
        return param->u.fifo == 0 ? rcOk : rcInvalidArgument;
    case kl_core_Types_SchedPolicyRoundRobin: {
        uint32_t ms = param->u.roundRobin.quantum;
        /* Bounded before the multiplication, which cannot overflow then. */
        if (ms > SCHED_RR_QUANTUM_MAX * 1000u / TIMER_HZ)
            return rcInvalidArgument;
        *cls = SCHED_RR;
        *quantum = ms == 0 ? SCHED_RR_QUANTUM_DEFAULT : (ms * TIMER_HZ + 999u) / 1000u;
        return rcOk;
    }
    default:
        return rcInvalidArgument;
    }
}

void sched_param_encode(unsigned cls, unsigned quantum, kl_core_Types_SchedPolicy *policy,
                        struct kl_core_Types_SchedParam *param)
{
    switch (cls) {
    case SCHED_FIFO:
        *policy = param->tag = kl_core_Types_SchedPolicyFifo;
        param->u.fifo = 0;
        break;
    case SCHED_RR:
        *policy = param->tag = kl_core_Types_SchedPolicyRoundRobin;
        param->u.roundRobin.quantum = quantum * 1000u / TIMER_HZ;
        break;
    default:
        *policy = param->tag = kl_core_Types_SchedPolicyTimeshare;
        param->u.timeshare = 0;
        break;
    }
}
