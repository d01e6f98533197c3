/*
 * Kl.core.Task, the initial thread of a process that has not started: GetInitialThreadPriority,
 * SetInitialThreadPriority, SetInitialThreadSchedPolicy. The values are kept in the process
 * (main_prio, main_class, main_rr_quantum) and given to its main thread at Task.Resume
 * (process_start, by sched_set_policy); once it started they are that thread's business
 * (kl.core.Thread): rcResourceBusy.
 *
 * Classes: time-sharing, FIFO and round-robin real time (SCHED_NORMAL, SCHED_FIFO, SCHED_RR),
 * decoded by sched_param_decode as Thread.SetSchedPolicy decodes them (the RR quantum in ms,
 * 0: the default, at most 1000), so a process started in a class passed the checks of a
 * thread switched to it later. Raising a priority or asking for real time is what the policy
 * watches (message.priority, message.policy): the kernel bounds the value only.
 */
#include "klcore/Task.h"
#include "klcore/sched_param.h"
#include "proc/process.h"
#include "proc/thread.h"

Retcode task_GetInitialThreadPriority(void *ctx, idl_handle_t task,
                                      kl_core_Types_Priority *priority, kl_core_Types_Retcode *rc)
{
    struct process *p;
    *priority = 0;
    Retcode r = task_get(ctx, task, HR_READ, &p);
    if (r == rcOk) {
        spin_lock(&p->lock);
        *priority = p->main_prio;
        spin_unlock(&p->lock);
        process_unref(p);
    }
    *rc = r;
    return rcOk;
}

#define KEEP_CLASS (~0u)

/* Sets the main thread's class and RR quantum (cls KEEP_CLASS: both unchanged) and priority of
 * a process not started yet. */
static Retcode set_initial(struct core_ctx *c, idl_handle_t task, unsigned cls, unsigned quantum,
                           unsigned prio)
{
    if (prio > THREAD_PRIO_MAX)
        return rcInvalidArgument;
    struct process *p;
    Retcode r = task_get(c, task, HR_WRITE, &p);
    if (r != rcOk)
        return r;
    spin_lock(&p->lock);
    if (p->state != PROC_CREATED) {
        r = rcResourceBusy;
    } else {
        p->main_prio = prio;
        if (cls != KEEP_CLASS) {
            p->main_class = cls;
            p->main_rr_quantum = quantum;
        }
    }
    spin_unlock(&p->lock);
    process_unref(p);
    return r;
}

Retcode task_SetInitialThreadPriority(void *ctx, idl_handle_t task, kl_core_Types_Priority priority,
                                      kl_core_Types_Retcode *rc)
{
    *rc = set_initial(ctx, task, KEEP_CLASS, 0, priority);
    return rcOk;
}

Retcode task_SetInitialThreadSchedPolicy(void *ctx, idl_handle_t task,
                                         kl_core_Types_SchedPolicy policy,
                                         kl_core_Types_Priority priority,
                                         const struct kl_core_Types_SchedParam *params,
                                         kl_core_Types_Retcode *rc)
{
    unsigned cls, quantum;
    Retcode r = sched_param_decode(policy, params, &cls, &quantum);
    if (r == rcOk)
        r = set_initial(ctx, task, cls, quantum, priority);
    *rc = r;
    return rcOk;
}
