/*
 * os_attack_core (class ostest.AttackCore): the abuses the spec's danger texts name for the
 * kernel-object methods an untrusted program may be granted, each with that program's rights
 * only (test/os/policy/ostest.psl) and small quotas (init.yaml: 256 KiB of kernel memory, 4 MiB
 * of RAM). Each attack must end in a named refusal, a bystander process (ProbeServer) must still
 * be served afterwards, and what the attacker took must come back when it lets go.
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/vmm.h>

#include "ostest.h"
#include <bastion/rights.h>
#include "spawn.h"

#define H(v) core_handle_arg(v)
#define PAGE 4096u
#define MAX_OBJECTS 4096u /* far more than the quotas allow: the loops must stop before */

static uint32_t handles[MAX_OBJECTS];

static Retcode mdl_create_page(uint32_t *h)
{
    return core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, h);
}

static uint32_t origin; /* the buffer mdl_clone_page clones */
static Retcode mdl_clone_page(uint32_t *h)
{
    return core_mdl_clone(origin, 0, PAGE, h);
}

static Retcode security_connect(uint32_t *h)
{
    return core_security_connect(h);
}

static Retcode fs_open(uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_fs_FS, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_FS_Open(&cl, "os_attack_core", &out, &rc), &rc);
    *h = out.handle;
    return r;
}

/* One attack of the "exhaust the kernel's memory with a multitude of objects" kind: stopped by
 * the quota, the bystander served, and the same object can be made again once they are closed. */
static void multitude(const char *method, Retcode (*make)(uint32_t *h))
{
    Retcode last;
    uint32_t n = ot_exhaust(method, make, handles, MAX_OBJECTS, &last);
    bool ok = last == rcQuotaExceeded && n > 0;
    ok = ot_bystander_served() && ok;
    ot_close_handles(handles, n);
    uint32_t again = 0;
    ok = OT_RC(make(&again), rcOk) && ok;
    if (again != 0) {
        handles[0] = again;
        ot_close_handles(handles, 1);
    }
    ot_attack(method, ok);
}

/* The priority a plausible untrusted program may have is its default (10): raising a thread
 * above it to starve others is refused by the policy. */
static void priority(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    idl_handle_t self = {0};
    bool ok = OT_RC(core_result(kl_core_Thread_OpenCurrent(&cl, &self, &rc), &rc), rcOk);
    ok = OT_RC(core_result(kl_core_Thread_SetPriority(&cl, H(self.handle), 31, &rc), &rc),
               rcSecurityDisallow) &&
         ok;
    ok = OT_RC(core_result(kl_core_Thread_SetPriority(&cl, H(self.handle), 11, &rc), &rc),
               rcSecurityDisallow) &&
         ok;
    ok = OT_RC(core_result(kl_core_Thread_SetPriority(&cl, H(self.handle), 10, &rc), &rc), rcOk) &&
         ok;
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.Thread.SetPriority", ok);
}

/* Terminating another process needs its handle: every handle value this process could name is
 * either not a task's or not another's. */
static void terminate_others(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    bool ok = true;
    uint32_t refused = 0;
    for (uint32_t v = 1; v < 1024; v++) {
        Retcode r = core_result(kl_core_Task_Terminate(&cl, H(v), &rc), &rc);
        if (r == rcOk) {
            ok = ot_check(false, __LINE__, "Task.Terminate(value)",
                          "handle value %u terminated a task", v);
            break;
        }
        refused++;
    }
    OT_EQ(refused, 1023);
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.Task.Terminate", ok);
}

/* Shared memory the monitor does not see: a second handle to one buffer that may map it. A
 * handle's rights only shrink, so a copy made without HR_MEMORY_MAP can never map (the only way
 * to give the buffer to another process is IPC or Task.TransferHandle, both decided). */
static void mdl_map_rights(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    uint32_t mdl = 0;
    if (!OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &mdl), rcOk))
        return;
    idl_handle_t no_map = {0}, regrow = {0};
    bool ok =
        OT_RC(core_result(kl_core_Handle_Copy(&cl, H(mdl), HR_READ | HR_WRITE | HR_BASIC,
                                              H(kl_core_Types_InvalidHandleValue), &no_map, &rc),
                          &rc),
              rcOk);
    uint64_t va = 0;
    ok = OT_RC(core_mdl_map(no_map.handle, 0, PAGE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va),
               rcAccessDenied) &&
         ok;
    /* A copy of the copy cannot win the right back. */
    ok = OT_RC(core_result(kl_core_Handle_Copy(&cl, H(no_map.handle), HR_READ | HR_MEMORY_MAP,
                                               H(kl_core_Types_InvalidHandleValue), &regrow, &rc),
                           &rc),
               rcAccessDenied) &&
         ok;
    /* The original still maps: the refusal was the right's, not the buffer's. */
    ok =
        OT_RC(core_mdl_map(mdl, 0, PAGE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va), rcOk) && ok;
    if (va != 0)
        (void)core_vmm_free(va, PAGE);
    ok = ot_bystander_served() && ok;
    handles[0] = mdl;
    handles[1] = no_map.handle;
    ot_close_handles(handles, 2);
    ot_attack("kl.core.VMM.MdlMap", ok);
}

/* Running code in a process of a class its policy may not start: Task.Create is granted, the
 * execute event at Resume is not. */
static void resume_refused(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    uint32_t task = 0;
    bool ok = OT_RC(spawn("AttackChild", "ostest.Child", "os_child", NULL, 1, &task), rcOk);
    ok = OT_RC(core_result(kl_core_Task_Resume(&cl, H(task), &rc), &rc), rcSecurityDisallow) && ok;
    if (task != 0) {
        (void)core_result(kl_core_Task_Terminate(&cl, H(task), &rc), &rc);
        handles[0] = task;
        ot_close_handles(handles, 1);
    }
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.Task.Resume", ok);
}

/* A created (never started) child of ours, the target of the two attacks below. */
static uint32_t child;
static uint32_t child_mdl; /* a buffer of ours handed to it again and again */

static Retcode transfer_to_child(uint32_t *h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    kl_core_Types_HandleValue v = kl_core_Types_InvalidHandleValue;
    Retcode r = core_result(kl_core_Task_TransferHandle(&cl, H(child), H(child_mdl),
                                                        H(kl_core_Types_InvalidHandleValue),
                                                        HR_READ, &v, &rc),
                            &rc);
    *h = 0; /* the handle is the child's: nothing of ours to close */
    return r;
}

/* Objects made in (or for) a child of ours, a fresh one for each attack: the child's quota is
 * carved out of ours, so they stop at what we had; ending the child gives it all back. */
static void in_child(const char *name, const char *method, Retcode (*make)(uint32_t *h))
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    if (!OT_RC(spawn(name, "ostest.Child", "os_child", NULL, 1, &child), rcOk))
        return;
    Retcode last;
    uint32_t n = ot_exhaust(method, make, handles, MAX_OBJECTS, &last);
    bool ok = OT_TRUE(n > 0) && last == rcQuotaExceeded;
    ok = ot_bystander_served() && ok;
    ot_attack(method, ok);
    (void)core_result(kl_core_Task_Terminate(&cl, H(child), &rc), &rc);
    handles[0] = child;
    ot_close_handles(handles, 1);
}

static void child_multitudes(void)
{
    if (OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &child_mdl), rcOk)) {
        in_child("AttackCoreChild1", "kl.core.Task.TransferHandle", transfer_to_child);
        handles[0] = child_mdl;
        ot_close_handles(handles, 1);
    }
}

static Retcode transfer(uint32_t task, uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    kl_core_Types_HandleValue v = kl_core_Types_InvalidHandleValue;
    return core_result(kl_core_Task_TransferHandle(&cl, H(task), H(h),
                                                   H(kl_core_Types_InvalidHandleValue), HR_READ, &v,
                                                   &rc),
                       &rc);
}

/* Handing a child what the policy keeps for its parent: the policy lets this class hand its
 * children memory buffers only (`message.srcHandle.type == "memory"`), which it can decide because the
 * kernel shows a core request's handles as what they name (SID, type, rights held). A security
 * interface, the child's own task handle and a value that names nothing are refused by the
 * policy (rcSecurityDisallow), not by the handler; a buffer, and a copy of it (another value,
 * the same object), go through. */
static void transfer_kinds(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc;
    uint32_t task = 0, mdl = 0, sec = 0;
    idl_handle_t copy = {0};
    bool ok = OT_RC(spawn("AttackCoreChild2", "ostest.Child", "os_child", NULL, 1, &task), rcOk);
    ok = OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &mdl), rcOk) && ok;
    ok = OT_RC(core_security_connect(&sec), rcOk) && ok;
    ok = OT_RC(core_result(kl_core_Handle_Copy(&cl, H(mdl), HR_READ | HR_BASIC,
                                               H(kl_core_Types_InvalidHandleValue), &copy, &rc),
                           &rc),
               rcOk) &&
         ok;
    if (ok) {
        ok = OT_RC(transfer(task, mdl), rcOk) && ok;
        ok = OT_RC(transfer(task, copy.handle), rcOk) && ok;
        ok = OT_RC(transfer(task, sec), rcSecurityDisallow) && ok;
        ok = OT_RC(transfer(task, task), rcSecurityDisallow) && ok;
        /* A closed handle's value names nothing: type 0 to the monitor. */
        uint32_t gone = copy.handle;
        handles[0] = copy.handle;
        ot_close_handles(handles, 1);
        copy.handle = 0;
        ok = OT_RC(transfer(task, gone), rcSecurityDisallow) && ok;
    }
    ok = ot_bystander_served() && ok;
    ot_attack("kl.core.Task.TransferHandle", ok);
    if (task != 0) {
        CORE_CLIENT(tc, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
        (void)core_result(kl_core_Task_Terminate(&tc, H(task), &rc), &rc);
    }
    uint32_t n = 0;
    const uint32_t mine[4] = {task, mdl, sec, copy.handle};
    for (uint32_t i = 0; i < 4; i++)
        if (mine[i] != 0)
            handles[n++] = mine[i];
    ot_close_handles(handles, n);
}

int main(void)
{
    ot_begin("os_attack_core");
    multitude("kl.core.VMM.MdlCreate", mdl_create_page);
    if (OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &origin), rcOk)) {
        multitude("kl.core.VMM.MdlClone", mdl_clone_page);
        handles[0] = origin;
        ot_close_handles(handles, 1);
    }
    multitude("kl.core.Handle.SecurityConnect", security_connect);
    multitude("kl.core.FS.Open", fs_open);
    priority();
    terminate_others();
    mdl_map_rights();
    resume_refused();
    child_multitudes();
    transfer_kinds();
    return ot_end();
}
