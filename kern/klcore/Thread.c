/*
 * kl.core.Thread: Create, OpenCurrent, Suspend, Resume, Terminate, Exit, Wait, SetPriority,
 * GetAffinity, SetAffinity, SetTls, Sleep, GetInfo, DetachIrq, SetSchedPolicy, GetSchedPolicy.
 *
 * Thread.SetSchedPolicy: the thread's class (SchedPolicyTimeshare, SchedPolicyFifo,
 * SchedPolicyRoundRobin: the scheduler's normal, FIFO and RR classes, sched/sched.h) and its
 * priority in that class (0..THREAD_PRIO_MAX) at once. param's tag must be the policy; the
 * timeshare and fifo members must be 0; roundRobin.quantum is in milliseconds (0: 100 ms),
 * rounded up to whole ticks, at most 1000 ms. The real-time classes run within the kernel's
 * real-time bandwidth (950 ms of every second per CPU); who may ask for them is the policy's
 * decision (the policy sees policy and priority). Needs HR_THREAD_SETUP on the thread handle;
 * GetSchedPolicy needs HR_READ and gives the quantum back in milliseconds.
 *
 * Thread.DetachIrq: the calling thread lets go of the interrupt it is attached to
 * (IO.AttachIrq, dev/irq.h), which is masked; rcNotFound when it is attached to none.
 *
 * Thread.Create: the kernel reserves and commits the new thread's stack in the caller's address
 * space (stackSize bytes, 0: THREAD_USER_STACK_DEFAULT, with an inaccessible guard page below)
 * at a random place of the heap window, as VMM.Allocate(anywhere) places regions (ASLR: no
 * thread's stack lies at a predictable distance from another's or from the image),
 * and the thread starts at `routine` with rdi = context and rsp + 8 16-byte aligned (as after a
 * call); context2 is stored at [rsp + 8] (rsi is not set). Priority 0..THREAD_PRIO_MAX.
 * Suspend suspends the calling thread until another thread calls Resume on it.
 */
#include "dev/irq.h"
#include "klcore/klcore.h"
#include "klcore/sched_param.h"
#include "mm/aspace.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

#define THREAD_USER_STACK_DEFAULT (64ull * 1024)
#define THREAD_USER_STACK_MAX (16ull * 1024 * 1024)

static Retcode get_thread(struct core_ctx *c, idl_handle_t h, uint32_t need, struct thread **t)
{
    return core_get(c, h.handle, KOBJ_THREAD, need, (void **)t);
}

static Retcode Create(void *ctx, idl_handle_t *thread, kl_core_Types_Tid *tid,
                      kl_core_Types_Priority priority, kl_core_Types_Size stack_size,
                      kl_core_Types_VirtAddr routine, kl_core_Types_VirtAddr context,
                      kl_core_Types_VirtAddr context2, uint32_t flags, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    thread->handle = HANDLE_INVALID;
    thread->rights = 0;
    *tid = 0;
    if (flags != 0 || priority > THREAD_PRIO_MAX || stack_size > THREAD_USER_STACK_MAX) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    if (stack_size == 0)
        stack_size = THREAD_USER_STACK_DEFAULT;
    stack_size = (stack_size + 4095u) & ~4095ull;
    process_forget_dead_threads(c->proc);
    struct aspace *as = c->proc->as;
    uint64_t base;
    Retcode r =
        core_reserve_anywhere(as, stack_size + 4096u, BASTION_VMM_READ | BASTION_VMM_WRITE, &base);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    /* The lowest page stays reserved, uncommitted and inaccessible: the guard. */
    r = aspace_protect(as, base, 4096u, 0);
    if (r == rcOk)
        r = aspace_commit(as, base + 4096u, stack_size);
    uint64_t top = base + 4096u + stack_size;
    if (r == rcOk)
        r = aspace_write(as, top - 16u, &context2, sizeof context2);
    struct thread *t = NULL;
    if (r == rcOk)
        r = thread_create_user(c->proc, routine, context, top - 16u, priority, &t);
    if (r == rcOk) {
        t->user_stack_region = base;
        t->user_stack_region_size = stack_size + 4096u;
    }
    if (r == rcOk)
        r = process_add_thread(c->proc, t);
    uint32_t hv = HANDLE_INVALID;
    if (r == rcOk)
        r = core_install(c, t, HR_THREAD_FULL, &hv, NULL);
    if (r == rcOk)
        r = thread_start(t);
    if (r == rcOk) {
        thread->handle = hv;
        thread->rights = HR_THREAD_FULL;
        *tid = (uint32_t)t->tid;
    } else {
        /* A created thread that never started holds nothing but its object; the stack is
         * released here, so the process must not free it again when it forgets the thread. */
        if (t != NULL)
            t->user_stack_region_size = 0;
        (void)aspace_free(as, base, stack_size + 4096u);
    }
    if (t != NULL)
        thread_unref(t);
    *rc = r;
    return rcOk;
}

static Retcode OpenCurrent(void *ctx, idl_handle_t *thread, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = core_install(c, c->thread, HR_THREAD_FULL, &thread->handle, &thread->rights);
    return rcOk;
}

/* Suspended threads, waiting for Resume. */
static struct spinlock suspend_lock = SPINLOCK_INIT(LOCK_LEVEL_SUSPEND);
struct suspended {
    struct suspended *next; /* suspend_lock */
    struct thread *t;
};
static struct suspended *suspended_head; /* suspend_lock */

static Retcode Suspend(void *ctx, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct suspended s = {NULL, c->thread};
    uint64_t fl = spin_lock_irqsave(&suspend_lock);
    s.next = suspended_head;
    suspended_head = &s;
    Retcode w = sched_block_current(&suspend_lock);
    cpu_irq_restore(fl);
    /* Resume unlinks s before waking; a termination does not. */
    fl = spin_lock_irqsave(&suspend_lock);
    for (struct suspended **pp = &suspended_head; *pp != NULL; pp = &(*pp)->next)
        if (*pp == &s) {
            *pp = s.next;
            break;
        }
    spin_unlock_irqrestore(&suspend_lock, fl);
    *rc = w;
    return rcOk;
}

static Retcode Resume(void *ctx, idl_handle_t thread, kl_core_Types_Retcode *rc)
{
    struct thread *t;
    Retcode r = get_thread(ctx, thread, HR_THREAD_SUSPEND, &t);
    if (r == rcOk) {
        r = rcInvalidArgument; /* not suspended */
        uint64_t fl = spin_lock_irqsave(&suspend_lock);
        for (struct suspended **pp = &suspended_head; *pp != NULL; pp = &(*pp)->next)
            if ((*pp)->t == t) {
                *pp = (*pp)->next;
                sched_wake(t, rcOk);
                r = rcOk;
                break;
            }
        spin_unlock_irqrestore(&suspend_lock, fl);
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

static Retcode Terminate(void *ctx, idl_handle_t thread, kl_core_Types_ExitCode code,
                         kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct thread *t;
    Retcode r = get_thread(c, thread, HR_THREAD_TERMINATE, &t);
    if (r == rcOk) {
        if (t == c->thread) {
            c->exit_thread = true; /* ends after the reply is discarded (core.c) */
            c->exit_code = code;
        } else {
            r = thread_terminate(t, code);
        }
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

static Retcode Exit(void *ctx, kl_core_Types_ExitCode code, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    c->exit_thread = true;
    c->exit_code = code;
    *rc = rcOk;
    return rcOk;
}

static Retcode Wait(void *ctx, idl_handle_t thread, kl_core_Types_Msecs msec,
                    kl_core_Types_ExitCode *code, kl_core_Types_Retcode *rc)
{
    struct thread *t;
    *code = 0;
    Retcode r = get_thread(ctx, thread, HR_READ, &t);
    if (r == rcOk) {
        int64_t c64 = 0;
        r = thread_wait(t, (uint64_t)msec * 1000000ull, &c64);
        *code = (int32_t)c64;
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

static Retcode SetPriority(void *ctx, idl_handle_t thread, kl_core_Types_Priority priority,
                           kl_core_Types_Retcode *rc)
{
    struct thread *t;
    Retcode r = get_thread(ctx, thread, HR_THREAD_SETUP, &t);
    if (r == rcOk) {
        r = thread_set_priority(t, priority);
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetAffinity(void *ctx, idl_handle_t thread, kl_core_Types_CpuMask *mask,
                           kl_core_Types_Retcode *rc)
{
    struct thread *t;
    *mask = 0;
    Retcode r = get_thread(ctx, thread, HR_READ, &t);
    if (r == rcOk) {
        *mask = __atomic_load_n(&t->affinity, __ATOMIC_RELAXED);
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

/* The mask is cut to the CPUs online; none of them in it: rcInvalidArgument. The thread moves
 * at its CPU's next decision (before a running caller returns to user mode). */
static Retcode SetAffinity(void *ctx, idl_handle_t thread, kl_core_Types_CpuMask mask,
                           kl_core_Types_Retcode *rc)
{
    struct thread *t;
    Retcode r = get_thread(ctx, thread, HR_THREAD_SETUP, &t);
    if (r == rcOk) {
        r = thread_set_affinity(t, mask);
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

static Retcode SetTls(void *ctx, kl_core_Types_VirtAddr va, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = thread_set_tls(c->thread, va);
    return rcOk;
}

static Retcode Sleep(void *ctx, kl_core_Types_Msecs mdelay, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    sched_sleep_ns((uint64_t)mdelay * 1000000ull);
    *rc = rcOk;
    return rcOk;
}

static Retcode GetInfo(void *ctx, idl_handle_t thread, struct kl_core_Thread_ThreadInfo *info,
                       kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct thread *t;
    info->stackBase = 0;
    info->stackSize = 0;
    info->tid = 0;
    Retcode r = get_thread(c, thread, HR_READ, &t);
    if (r == rcOk) {
        info->tid = (uint32_t)t->tid;
        /* The user stack is the region holding the initial stack pointer. t may belong to
         * another process that is ending at this moment: its memory is held by t (proc/
         * thread.h), its address space is pinned here or already gone (no stack then). */
        struct process *p = t->proc;
        struct aspace *as = p != NULL && t->user_stack != 0 ? process_aspace_pin(p) : NULL;
        struct aspace_info ai;
        if (as != NULL) {
            if (aspace_query(as, t->user_stack, &ai) == rcOk && ai.state != VR_FREE) {
                info->stackBase = ai.base;
                info->stackSize = ai.size;
            }
            process_aspace_unpin(p);
        }
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

static Retcode DetachIrq(void *ctx, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = irq_detach_thread(c->thread);
    return rcOk;
}

static Retcode SetSchedPolicy(void *ctx, idl_handle_t thread, kl_core_Types_SchedPolicy policy,
                              kl_core_Types_Priority priority,
                              const struct kl_core_Types_SchedParam *param,
                              kl_core_Types_Retcode *rc)
{
    unsigned cls, quantum;
    Retcode r = sched_param_decode(policy, param, &cls, &quantum);
    struct thread *t;
    if (r == rcOk)
        r = get_thread(ctx, thread, HR_THREAD_SETUP, &t);
    if (r == rcOk) {
        r = sched_set_policy(t, cls, priority, quantum);
        thread_unref(t);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetSchedPolicy(void *ctx, idl_handle_t thread, kl_core_Types_SchedPolicy *policy,
                              kl_core_Types_Priority *priority,
                              struct kl_core_Types_SchedParam *param, kl_core_Types_Retcode *rc)
{
    *policy = 0;
    *priority = 0;
    param->tag = 0;
    param->u.roundRobin.quantum = 0;
    struct thread *t;
    Retcode r = get_thread(ctx, thread, HR_READ, &t);
    if (r == rcOk) {
        unsigned cls, prio, quantum;
        sched_get_policy(t, &cls, &prio, &quantum);
        thread_unref(t);
        *priority = prio;
        sched_param_encode(cls, quantum, policy, param);
    }
    *rc = r;
    return rcOk;
}

const struct kl_core_Thread_ops core_thread_ops = {
    .SetSchedPolicy = SetSchedPolicy,
    .GetSchedPolicy = GetSchedPolicy,
    .DetachIrq = DetachIrq,
    .Create = Create,
    .OpenCurrent = OpenCurrent,
    .Suspend = Suspend,
    .Resume = Resume,
    .Terminate = Terminate,
    .Exit = Exit,
    .Wait = Wait,
    .SetPriority = SetPriority,
    .GetAffinity = GetAffinity,
    .SetAffinity = SetAffinity,
    .SetTls = SetTls,
    .Sleep = Sleep,
    .GetInfo = GetInfo,
};
