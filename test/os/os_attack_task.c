/*
 * os_attack_task: a launcher program's abuse of the methods that build, tune and list processes
 * (policy ostest.psl: ostest.AttackTask may create processes of any class, but may start only
 * ostest.AttackTaskChild; initial priorities up to 10, time-sharing only; GetTasksList; small
 * quotas). Each attack is followed by a call of the bystander (os_probe_server):
 *
 *   LoadSeg     an empty process of the privileged class ostest.Core, loaded with a real program
 *               by hand: Resume is refused by the execute rule of its class (the class given at
 *               Create is what the policy decides on, whatever was loaded), it never runs; W+X
 *               segments, segments into a started process or one the kernel loaded: refused
 *   SetEntry    an entry point in a data page, or in a started process: refused
 *   VmReserve   region records in an empty child until its quota (carved out of ours) stops
 *               them; a started child: refused
 *   VmFree      holes in a started child or in one the kernel loaded: refused
 *   SetInitialThreadPriority, SetInitialThreadSchedPolicy
 *               priority 31 and FIFO real time for a child: refused by the policy
 *   GetTasksList
 *               a thousand calls: each answered, nothing left charged to us afterwards
 *   GetThreadContext, GetNextVmRegion, TerminateAfterFreezing
 *               a running child's registers and regions: refused (rcNotFrozen); a frozen
 *               child's through a handle copy without HR_TASK_FROZEN: refused (rcAccessDenied);
 *               region copies of a frozen child in a loop: they stop at our own quota
 *               (rcQuotaExceeded), the child ends with its own handle
 */
#include <stdio.h>
#include <string.h>

#include <bastion/rights.h>
#include <bastion/task.h>
#include <user/core.h>
#include <user/task_list.h>
#include <user/vmm.h>

#include "elf_spawn.h"
#include "net_priority.h"
#include "ostest.h"
#include "spawn.h"
#include "task_calls.h"

static uint64_t kmem_used(void)
{
    uint64_t v[4] = {0};
    uint32_t n = 0;
    (void)ot_counters("task.", v, 4, &n);
    return n >= 2 ? v[1] : 0;
}

/* A started child of the class we may start, built by hand (os_child, waiting until
 * terminated): an empty process that runs now. */
static bool started_child(uint32_t *task)
{
    struct elf_spawn_diag why;
    return OT_RC(elf_spawn("TaskVictim", "ostest.AttackTaskChild", "os_child", 0, 10, 0, task, NULL,
                           &why),
                 rcOk) &&
           OT_RC(spawn_set_env(*task, "TaskVictim", "wait", NULL, 0), rcOk) &&
           OT_RC(task_resume(*task), rcOk);
}

/* The quota of the children it ended comes back once the kernel's reaper has freed them. */
static void settle(void)
{
    core_thread_sleep(300);
}

static bool attack_load_seg(uint32_t started, uint32_t loaded, uint32_t mdl)
{
    bool ok = true;
    uint32_t t;
    struct elf_spawn_diag why;
    /* A privileged class built by hand: everything loads, nothing starts. */
    if (OT_RC(elf_spawn("Escape1", "ostest.Core", "os_child", 0, 10, 0, &t, NULL, &why), rcOk)) {
        ok &= OT_RC(task_resume(t), rcSecurityDisallow);
        kl_core_Task_TaskExitReason reason = 0;
        struct kl_core_Task_TaskExitInfo info;
        ok &= OT_RC(spawn_wait(t, 5000, &reason, &info), rcOk);
        ok &= OT_EQ(reason, kl_core_Task_TaskExitTerminated);
        ot_close_handles(&t, 1);
    } else {
        ok = false;
    }
    if (OT_RC(task_create("Escape2", "ostest.AttackTaskChild", "", &t), rcOk)) {
        uint64_t base = 0;
        ok &= OT_RC(task_vm_reserve(t, 0, 4096, 0, &base), rcOk);
        ok &=
            OT_RC(task_load_seg(t, mdl, base, 4096, 0, 4096, TASK_SEG_R | TASK_SEG_W | TASK_SEG_X),
                  rcWxViolation);
        (void)task_terminate(t);
        ot_close_handles(&t, 1);
    } else {
        ok = false;
    }
    ok &= OT_RC(task_load_seg(started, mdl, 0x400000, 4096, 0, 4096, TASK_SEG_R | TASK_SEG_X),
                rcResourceBusy);
    ok &= OT_RC(task_load_seg(loaded, mdl, 0x400000, 4096, 0, 4096, TASK_SEG_R | TASK_SEG_X),
                rcNotEmptyTask);
    return ok;
}

static bool attack_set_entry(uint32_t started, uint32_t mdl)
{
    bool ok = true;
    uint32_t t;
    if (OT_RC(task_create("Entry1", "ostest.AttackTaskChild", "", &t), rcOk)) {
        uint64_t base = 0;
        ok &= OT_RC(task_vm_reserve(t, 0, 4096, 0, &base), rcOk);
        ok &= OT_RC(task_load_seg(t, mdl, base, 4096, 0, 4096, TASK_SEG_R | TASK_SEG_W), rcOk);
        ok &= OT_RC(task_set_entry(t, base, 0), rcOutOfRange); /* data: never an entry */
        ok &= OT_RC(task_resume(t), rcNoEntryPoint);
        ot_close_handles(&t, 1);
    } else {
        ok = false;
    }
    ok &= OT_RC(task_set_entry(started, 0x400000, 0), rcResourceBusy);
    return ok;
}

static uint32_t exhaust_task;
static uint64_t exhaust_at;
static Retcode one_region(uint32_t *h)
{
    /* Every other page, so that no two records merge. */
    exhaust_at += 2 * 4096;
    *h = 0;
    return task_vm_reserve(exhaust_task, exhaust_at, 4096, 0, NULL);
}

static bool attack_vm_reserve(uint32_t started)
{
    bool ok = true;
    if (OT_RC(task_create("Regions1", "ostest.AttackTaskChild", "", &exhaust_task), rcOk)) {
        static uint32_t none[1];
        Retcode last = rcOk;
        exhaust_at = 0x1000000;
        /* ot_exhaust stores handles; the regions have none: keep writing slot 0. */
        uint32_t made = 0;
        while (made < 200000 && (last = one_region(none)) == rcOk)
            made++;
        printf("os_attack_task: %u regions reserved in an empty child, then %s\n", made,
               retcode_name(last));
        ok &= OT_RC(last, rcQuotaExceeded);
        ok &= OT_TRUE(made > 0 && made < 200000);
        ok &= OT_RC(task_terminate(exhaust_task), rcOk);
        ot_close_handles(&exhaust_task, 1);
    } else {
        ok = false;
    }
    ok &= OT_RC(task_vm_reserve(started, 0, 4096, 0, NULL), rcResourceBusy);
    return ok;
}

static bool attack_vm_free(uint32_t started, uint32_t loaded)
{
    bool ok = OT_RC(task_vm_free(started, 0x400000, 4096), rcResourceBusy);
    ok &= OT_RC(task_vm_free(loaded, 0x400000, 4096), rcNotEmptyTask);
    return ok;
}

static bool attack_priority(uint32_t loaded)
{
    bool ok = OT_RC(task_set_prio(loaded, 31), rcSecurityDisallow);
    ok &= OT_RC(task_set_prio(loaded, 5), rcOk);
    uint32_t prio = 0;
    ok &= OT_RC(task_get_prio(loaded, &prio), rcOk);
    ok &= OT_EQ(prio, 5);
    return ok;
}

static bool attack_sched_policy(uint32_t loaded)
{
    bool ok = OT_RC(task_set_policy(loaded, kl_core_Types_SchedPolicyFifo, 10), rcSecurityDisallow);
    ok &=
        OT_RC(task_set_policy(loaded, kl_core_Types_SchedPolicyTimeshare, 31), rcSecurityDisallow);
    ok &= OT_RC(task_set_policy(loaded, kl_core_Types_SchedPolicyTimeshare, 4), rcOk);
    return ok;
}

static bool attack_tasks_list(void)
{
    static struct task_list list;
    uint64_t before = kmem_used();
    uint32_t answered = 0;
    for (int i = 0; i < 1000; i++)
        if (task_list_read(&list) == rcOk && list.count > 0)
            answered++;
    uint64_t after = kmem_used();
    printf("os_attack_task: GetTasksList answered %u of 1000 calls; kernel memory %llu -> %llu\n",
           answered, (unsigned long long)before, (unsigned long long)after);
    bool ok = OT_EQ(answered, 1000);
    ok &= OT_EQ(after, before);
    return ok;
}

/* A child created to freeze at a fault, which faults (os_crash reads address 0). */
static bool frozen_child(uint32_t *task)
{
    if (!OT_RC(task_create_flags("TaskFrozen", "ostest.AttackTaskChild", "os_crash",
                                 BASTION_TASK_CREATE_FREEZE_ON_FAULT, task),
               rcOk))
        return false;
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    return OT_RC(spawn_set_env(*task, "TaskFrozen", "null", NULL, 0), rcOk) &&
           OT_RC(task_resume(*task), rcOk) && OT_RC(spawn_wait(*task, 10000, &why, &info), rcOk) &&
           OT_EQ(why, kl_core_Task_TaskExitException);
}

/* Registers, regions and the end of a process: not while it runs, not without the right. */
static void attack_freezing(uint32_t started)
{
    struct kl_core_Task_ThreadContext ctx;
    uint64_t next = 0, size = 0;
    uint32_t flags = 0, mdl = 0, frozen = 0, weak = kl_core_Types_InvalidHandleValue;
    bool ctx_ok = OT_RC(task_thread_context(started, 0, &ctx), rcNotFrozen);
    bool reg_ok = OT_RC(task_next_region(started, 0, &next, &size, &flags, &mdl), rcNotFrozen);
    bool end_ok = OT_RC(task_terminate_frozen(started), rcNotFrozen);
    if (frozen_child(&frozen) &&
        OT_RC(handle_copy(frozen, HR_READ | HR_TASK_TERMINATE, &weak), rcOk)) {
        ctx_ok &= OT_RC(task_thread_context(weak, 0, &ctx), rcAccessDenied);
        reg_ok &= OT_RC(task_next_region(weak, 0, &next, &size, &flags, &mdl), rcAccessDenied);
        end_ok &= OT_RC(task_terminate_frozen(weak), rcAccessDenied);
        /* Copies of its biggest copied region, kept, until our own quota stops them. */
        static uint32_t copies[4096];
        uint32_t made = 0;
        Retcode last = rcOk;
        uint64_t after = 0, target = 0, best = 0;
        while (task_next_region(frozen, after, &next, &size, &flags, &mdl) == rcOk) {
            if (mdl != kl_core_Types_InvalidHandleValue && size > best) {
                best = size;
                target = next;
            }
            ot_close_handles(&mdl, 1);
            after = next + size;
        }
        while (made < 4096 &&
               (last = task_next_region(frozen, target, &next, &size, &flags, &copies[made])) ==
                   rcOk &&
               copies[made] != kl_core_Types_InvalidHandleValue)
            made++;
        ot_close_handles(copies, made);
        printf("os_attack_task: %u copies of a frozen child's %llu-byte region, then %s\n", made,
               (unsigned long long)best, retcode_name(last));
        reg_ok &= OT_RC(last, rcQuotaExceeded);
        reg_ok &= OT_TRUE(made > 0 && made < 4096);
        /* Its own handle still may. */
        ctx_ok &= OT_RC(task_thread_context(frozen, 0, &ctx), rcOk);
        end_ok &= OT_RC(task_terminate_frozen(frozen), rcOk);
    } else {
        ctx_ok = reg_ok = end_ok = false;
    }
    uint32_t h[2] = {weak, frozen};
    ot_close_handles(h, 2);
    bool served = ot_bystander_served();
    ot_attack("kl.core.Task.GetThreadContext", ctx_ok && served);
    ot_attack("kl.core.Task.GetNextVmRegion", reg_ok && served);
    ot_attack("kl.core.Task.TerminateAfterFreezing", end_ok && served);
}

int main(void)
{
    ot_begin("os_attack_task");
    /* Its loops keep a CPU busy for seconds under TCG: at the network tests' priority they
     * share the CPUs with os_cpus's priority-2 workers instead of starving them. */
    OT_RC(net_test_lower_priority(), rcOk);
    uint32_t started = kl_core_Types_InvalidHandleValue, loaded = kl_core_Types_InvalidHandleValue;
    uint32_t mdl = kl_core_Types_InvalidHandleValue;
    uint64_t va = 0;
    /* First, while its children do not hold half of its kernel memory: an answer of 17 KiB
     * and the call's scratch are charged to it for each call. */
    ot_attack("kl.core.Task.GetTasksList", attack_tasks_list() && ot_bystander_served());
    bool ready = started_child(&started);
    ready &= OT_RC(task_create("TaskLoaded", "ostest.AttackTaskChild", "os_child", &loaded), rcOk);
    ready &= OT_RC(core_mdl_create(4096, BASTION_VMM_READ | BASTION_VMM_WRITE, &mdl), rcOk);
    ready &= OT_RC(core_mdl_map(mdl, 0, 4096, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va), rcOk);
    if (ready) {
        memset((void *)(uintptr_t)va, 0xc3, 4096);
        /* While its quota is whole: each child takes half of what is left. */
        attack_freezing(started);
        settle();
        ot_attack("kl.core.Task.LoadSeg",
                  attack_load_seg(started, loaded, mdl) && ot_bystander_served());
        settle();
        ot_attack("kl.core.Task.SetEntry", attack_set_entry(started, mdl) && ot_bystander_served());
        settle();
        ot_attack("kl.core.Task.VmReserve", attack_vm_reserve(started) && ot_bystander_served());
        ot_attack("kl.core.Task.VmFree", attack_vm_free(started, loaded) && ot_bystander_served());
        ot_attack("kl.core.Task.SetInitialThreadPriority",
                  attack_priority(loaded) && ot_bystander_served());
        ot_attack("kl.core.Task.SetInitialThreadSchedPolicy",
                  attack_sched_policy(loaded) && ot_bystander_served());
    }
    (void)task_terminate(started);
    (void)task_terminate(loaded);
    uint32_t h[3] = {started, loaded, mdl};
    ot_close_handles(h, 3);
    return ot_end();
}
