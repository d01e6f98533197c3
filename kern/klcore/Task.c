/*
 * kl.core.Task: Create, Resume, Exit, Terminate, GetExitInfo, GetName, GetPath, GetPid,
 * TransferHandle, SetEnv, FreeSelfEnv (proc/process.h does the work), and the handler table of
 * the whole interface, whose other methods live by concept in Task_build.c (an empty process
 * built by hand, GetElfSyms), Task_prio.c (the initial thread's priority and class),
 * Task_list.c (GetTasksList) and Task_freeze.c (frozen processes: GetThreadContext,
 * GetNextVmRegion, TerminateAfterFreezing).
 *
 * Task.Create: `eiid` is the class, `path` the ROMFS file; an empty process (flags
 * BASTION_TASK_CREATE_EMPTY, or an empty path: <bastion/task.h>) is built by its creator with
 * LoadSeg and the rest before Resume; BASTION_TASK_CREATE_FREEZE_ON_FAULT freezes it at a fatal
 * fault instead of ending it (proc/process_freeze.c); BASTION_TASK_CREATE_TEE_PARTITION makes
 * it the TEE partition (proc/tee_partition.h; rcResourceBusy while another is); priority 0
 * means the default; no other flag is defined; the class may not be the kernel's ("kl.core.Core": rcAccessDenied). The child is CREATED: give it handles (TransferHandle, Handle.Connect) and its
 * start-up data (SetEnv), then Resume. GetPid with the invalid handle value names the caller.
 */
#include <bastion/task.h>

#include "klcore/Task.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "proc/process.h"
#include "proc/tee_partition.h"
#include "security/core_log.h"
#include "security/hook.h"
#include "security/ksm_channel.h"
#include "proc/thread.h"

static Retcode get_task(struct core_ctx *c, idl_handle_t h, uint32_t need, struct process **p)
{
    return core_get(c, h.handle, KOBJ_TASK, need, (void **)p);
}

static Retcode Create(void *ctx, const char *name, const char *eiid, const char *path,
                      kl_core_Types_Size stack_size, kl_core_Types_Priority priority,
                      uint32_t flags, idl_handle_t *child, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    child->handle = HANDLE_INVALID;
    child->rights = 0;
    if ((flags & ~(BASTION_TASK_CREATE_EMPTY | BASTION_TASK_CREATE_FREEZE_ON_FAULT |
                   BASTION_TASK_CREATE_TEE_PARTITION)) != 0 ||
        priority > THREAD_PRIO_MAX) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    if (strcmp(eiid, SEC_KERNEL_CLASS) == 0) {
        /* The kernel's own class: a process under it would pass for the kernel in policy. */
        *rc = rcAccessDenied;
        return rcOk;
    }
    struct process *p;
    unsigned prio = priority ? priority : THREAD_PRIO_DEFAULT;
    Retcode r = (flags & BASTION_TASK_CREATE_EMPTY)
                    ? process_create_empty(c->proc, name, eiid, path, stack_size, prio, &p)
                    : process_create(c->proc, name, eiid, path, stack_size, prio, &p);
    if (r == rcOk) {
        /* Not running yet: nothing reads the flag before Resume. */
        p->freeze_on_fault = (flags & BASTION_TASK_CREATE_FREEZE_ON_FAULT) != 0;
        /* The one TEE partition (proc/tee_partition.h); its mark goes with its teardown. */
        if (flags & BASTION_TASK_CREATE_TEE_PARTITION) {
            r = tee_partition_claim(p);
            if (r == rcOk)
                core_log_tee(p);
        }
        if (r == rcOk)
            r = core_install(c, p, HR_TASK_FULL, &child->handle, &child->rights);
        if (r != rcOk)
            process_terminate(p, PROC_EXIT_TERMINATED, r, NULL);
        process_unref(p); /* the handle holds it (or it goes now) */
    }
    *rc = r;
    return rcOk;
}

static Retcode Resume(void *ctx, idl_handle_t task, kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = get_task(ctx, task, HR_TASK_RESUME, &p);
    if (r == rcOk) {
        r = process_start(p);
        process_unref(p);
    }
    *rc = r;
    return rcOk;
}

static Retcode Exit(void *ctx, kl_core_Types_ExitCode status, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    process_terminate(c->proc, PROC_EXIT_NORMAL, status, NULL);
    c->exit_thread = true;
    c->exit_code = status;
    *rc = rcOk;
    return rcOk;
}

static Retcode Terminate(void *ctx, idl_handle_t task, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct process *p;
    Retcode r = get_task(c, task, HR_TASK_TERMINATE, &p);
    if (r == rcOk && p != c->proc && ksm_is_self(p->label)) {
        /* Nobody ends the security monitor: no process gets a handle to it (the kernel starts
         * it), and should one ever, this refuses anyway. */
        process_unref(p);
        r = rcAccessDenied;
    } else if (r == rcOk) {
        process_terminate(p, PROC_EXIT_TERMINATED, -1, NULL);
        if (p == c->proc) {
            c->exit_thread = true;
            c->exit_code = -1;
        }
        process_unref(p);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetExitInfo(void *ctx, idl_handle_t task, kl_core_Task_TaskExitReason *status,
                           struct kl_core_Task_TaskExitInfo *info, kl_core_Types_Retcode *rc)
{
    struct process *p;
    memset(info, 0, sizeof *info);
    *status = 0;
    Retcode r = get_task(ctx, task, HR_READ, &p);
    if (r == rcOk) {
        spin_lock(&p->lock);
        /* Ended means torn down: its threads gone, its handles closed and its quota back with
         * its creator (process_teardown), so that what a creator does next does not race the
         * reaper. Until then (running, not started, or ending) rcResourceBusy; a frozen
         * process has faulted and is kept for inspection: its reason is known at once. */
        if (p->state != PROC_DEAD && !p->frozen) {
            r = rcResourceBusy;
        } else {
            *status = p->exit_reason;
            switch (p->exit_reason) {
            case PROC_EXIT_NORMAL:
                info->tag = kl_core_Task_TaskExitInfo_exitCode_TAG;
                info->u.exitCode = p->exit_code;
                break;
            case PROC_EXIT_TERMINATED:
                info->tag = kl_core_Task_TaskExitInfo_terminated_TAG;
                info->u.terminated = p->exit_code;
                break;
            default:
                info->tag = kl_core_Task_TaskExitInfo_fault_TAG;
                info->u.fault.vector = p->fault.vector;
                info->u.fault.errorCode = p->fault.error_code;
                info->u.fault.address = p->fault.address;
                info->u.fault.ip = p->fault.ip;
                break;
            }
        }
        spin_unlock(&p->lock);
        process_unref(p);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetName(void *ctx, const char **name, kl_core_Types_Retcode *rc)
{
    *name = ((struct core_ctx *)ctx)->proc->name;
    *rc = rcOk;
    return rcOk;
}

static Retcode GetPath(void *ctx, const char **path, kl_core_Types_Retcode *rc)
{
    *path = ((struct core_ctx *)ctx)->proc->path;
    *rc = rcOk;
    return rcOk;
}

/* The pid of the process behind the caller's handle task (0 on failure). Out of line: its
 * reference is a stack slot whose address is taken, which cost the caller's own pid (GetPid's
 * common case) a stack-protected frame. */
static __attribute__((noinline)) Retcode pid_of_task(struct core_ctx *c, idl_handle_t task,
                                                     kl_core_Types_Pid *pid)
{
    struct process *p;
    Retcode r = get_task(c, task, HR_READ, &p);
    if (r == rcOk) {
        *pid = p->pid;
        process_unref(p);
    }
    return r;
}

/* Kept a function of its own in the link-time optimised kernel: bench/trace/run.sh stops at it
 * to record one period of the core_call benchmark row (one call each). */
static __attribute__((noinline)) Retcode GetPid(void *ctx, idl_handle_t task,
                                                kl_core_Types_Pid *pid, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *pid = 0;
    if (task.handle == HANDLE_INVALID) {
        *pid = c->proc->pid;
        *rc = rcOk;
        return rcOk;
    }
    *rc = pid_of_task(c, task, pid);
    return rcOk;
}

static Retcode TransferHandle(void *ctx, idl_handle_t task, idl_handle_t src,
                              idl_handle_t src_badge, kl_core_Types_Rights dst_rights,
                              kl_core_Types_HandleValue *dst, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *dst = HANDLE_INVALID;
    struct process *p;
    Retcode r = get_task(c, task, HR_TASK_HANDLES, &p);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    struct kobj *badge = NULL;
    if (src_badge.handle != HANDLE_INVALID)
        r = core_get(c, src_badge.handle, KOBJ_BADGE, HR_BADGE_TAG, (void **)&badge);
    if (r == rcOk && p->state != PROC_CREATED)
        r = rcResourceBusy; /* only into a process that does not run yet */
    if (r == rcOk) {
        handle_t h;
        spin_lock(&handle_tree_lock);
        r = p->handles.ops == NULL ? rcPeerClosed
                                   : handle_transfer(&c->proc->handles, src.handle, &p->handles,
                                                     dst_rights, badge, &h);
        spin_unlock(&handle_tree_lock);
        if (r == rcOk)
            *dst = h;
    }
    if (badge)
        kobj_unref(badge);
    process_unref(p);
    *rc = r;
    return rcOk;
}

static Retcode SetEnv(void *ctx, idl_handle_t task, struct idl_seq env, kl_core_Types_Retcode *rc)
{
    struct process *p;
    Retcode r = get_task(ctx, task, HR_WRITE, &p);
    if (r == rcOk) {
        r = process_set_scp(p, env.data, env.count);
        process_unref(p);
    }
    *rc = r;
    return rcOk;
}

static Retcode FreeSelfEnv(void *ctx, kl_core_Types_Retcode *rc)
{
    struct process *p = ((struct core_ctx *)ctx)->proc;
    spin_lock(&p->lock);
    void *scp = p->scp;
    p->scp = NULL;
    p->scp_len = 0;
    spin_unlock(&p->lock);
    kfree_charged(scp, &p->kmem);
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_Task_ops core_task_ops = {
    .Create = Create,
    .SetEnv = SetEnv,
    .FreeSelfEnv = FreeSelfEnv,
    .Resume = Resume,
    .Exit = Exit,
    .Terminate = Terminate,
    .GetExitInfo = GetExitInfo,
    .GetName = GetName,
    .GetPath = GetPath,
    .TransferHandle = TransferHandle,
    .GetPid = GetPid,
    .VmReserve = task_VmReserve,
    .VmFree = task_VmFree,
    .LoadSeg = task_LoadSeg,
    .LoadElfHdr = task_LoadElfHdr,
    .LoadElfSyms = task_LoadElfSyms,
    .SetEntry = task_SetEntry,
    .ReseedAslr = task_ReseedAslr,
    .GetElfSyms = task_GetElfSyms,
    .GetInitialThreadPriority = task_GetInitialThreadPriority,
    .SetInitialThreadPriority = task_SetInitialThreadPriority,
    .SetInitialThreadSchedPolicy = task_SetInitialThreadSchedPolicy,
    .GetTasksList = task_GetTasksList,
    .GetThreadContext = task_GetThreadContext,
    .GetNextVmRegion = task_GetNextVmRegion,
    .TerminateAfterFreezing = task_TerminateAfterFreezing,
};
