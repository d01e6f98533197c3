/*
 * os_task_build: processes built by hand through kl.core.Task (policy ostest.psl:
 * ostest.TaskBuild, the methods it calls and nothing else).
 *
 *  - Einit's loader (services/einit/elf_spawn.c) builds os_child from the ROMFS as an empty
 *    process; its initial thread's priority and class are read and set before it starts; it
 *    runs and exits with 2 (its "gift" connection is not there), and nothing can be loaded or
 *    changed in it once started. A second one is started round robin (priority 8, 30 ms) and
 *    reports through its exit code that its thread runs so (Thread.GetSchedPolicy).
 *  - Every build method's refusals on an empty process: flags, alignment, the image window,
 *    taken pages, W+X, a segment past its buffer, pages not reserved or loaded twice, an entry
 *    point outside executable pages, a bad ELF header, symbol tables that are writable or not
 *    whole entries, Resume without an entry point (rcNoEntryPoint), and a process loaded from
 *    a file (rcNotEmptyTask).
 *  - ReseedAslr: two empty processes with one seed get their first region at one address.
 *  - GetElfSyms: this program's own symbol table (Einit loaded it): "main" is where main is.
 *  - GetTasksList: this process (name, class, "running", Einit's pid as its creator) and Einit
 *    (the kernel's: creator 0).
 *  - Freezing: os_crash created with BASTION_TASK_CREATE_FREEZE_ON_FAULT reads address 0 and is
 *    frozen: GetExitInfo reports the page fault, GetThreadContext its registers (rip at the
 *    fault), GetNextVmRegion its regions (code r-x; its stack copied: rsp points into the copy),
 *    TerminateAfterFreezing ends it, and afterwards nothing is frozen to inspect. A second
 *    os_crash with a spinning second thread: both threads' registers are kept (the second's
 *    where the freeze stopped it: its mark in r12, rip in its code, rsp on its own stack).
 */
#include <stdio.h>
#include <string.h>

#include <bastion/task.h>
#include <user/core.h>
#include <user/scp.h>
#include <user/task_list.h>
#include <user/vmm.h>

#include "elf_spawn.h"
#include "net_priority.h"
#include "os_crash.h"
#include "ostest.h"
#include "spawn.h"
#include "task_calls.h"

int main(void);

/* Waits until the ended child `task` is reaped (GetExitInfo answers only then), so that the
 * quota it held is back with this process before the next child takes half of what is left:
 * children closed unwaited would leave the freezing tests too little to start one. */
static void wait_reaped(uint32_t task)
{
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    OT_RC(spawn_wait(task, 10000, &why, &info), rcOk);
}

static void built_child_runs(void)
{
    uint32_t task;
    struct elf_spawn_diag why;
    Retcode r = elf_spawn("Built1", "ostest.Child", "os_child", 0, 10, 0, &task, NULL, &why);
    if (!OT_RC(r, rcOk)) {
        printf("os_task_build: elf_spawn failed at %s\n", why.step ? why.step : "?");
        return;
    }
    uint32_t prio = 0;
    OT_RC(task_get_prio(task, &prio), rcOk);
    OT_EQ(prio, 10);
    OT_RC(task_set_prio(task, 12), rcOk);
    OT_RC(task_get_prio(task, &prio), rcOk);
    OT_EQ(prio, 12);
    OT_RC(task_set_prio(task, 32), rcInvalidArgument);
    OT_RC(task_set_policy(task, kl_core_Types_SchedPolicyTimeshare, 11), rcOk);
    OT_RC(task_get_prio(task, &prio), rcOk);
    OT_EQ(prio, 11);
    /* Round robin is checked as Thread.SetSchedPolicy checks it; built_child_round_robin
     * starts a child in it. */
    OT_RC(task_set_rr(task, 11, 1001), rcInvalidArgument);
    OT_RC(task_set_rr(task, 32, 30), rcInvalidArgument);
    OT_RC(task_set_policy(task, 7, 11), rcInvalidArgument);
    OT_RC(spawn_set_env(task, "Built1", "gift", NULL, 0), rcOk);
    OT_RC(task_resume(task), rcOk);
    /* Started: its image and its first thread's parameters are its own now. */
    OT_RC(task_vm_reserve(task, 0, 4096, 0, NULL), rcResourceBusy);
    OT_RC(task_set_prio(task, 3), rcResourceBusy);
    int32_t code = -1;
    OT_RC(ot_exit_code(task, 10000, &code), rcOk);
    OT_EQ(code, 2); /* os_child: no "gift" connection */
    ot_close_handles(&task, 1);
}

/* A built child's initial thread starts round robin with the quantum asked (30 ms: 3 ticks)
 * and reports it itself (os_child "sched": policy * 1000000 + priority * 10000 + quantum).
 * A later SetInitialThreadPriority keeps the class and quantum. */
static void built_child_round_robin(void)
{
    uint32_t task;
    struct elf_spawn_diag why;
    Retcode r = elf_spawn("Built2", "ostest.Child", "os_child", 0, 10, 0, &task, NULL, &why);
    if (!OT_RC(r, rcOk)) {
        printf("os_task_build: elf_spawn failed at %s\n", why.step ? why.step : "?");
        return;
    }
    OT_RC(task_set_rr(task, 9, 30), rcOk);
    OT_RC(task_set_prio(task, 8), rcOk);
    OT_RC(spawn_set_env(task, "Built2", "sched", NULL, 0), rcOk);
    OT_RC(task_resume(task), rcOk);
    int32_t code = -1;
    OT_RC(ot_exit_code(task, 10000, &code), rcOk);
    OT_EQ(code, (int32_t)(kl_core_Types_SchedPolicyRoundRobin * 1000000 + 8 * 10000 + 30));
    ot_close_handles(&task, 1);
}

static void refusals(void)
{
    uint32_t task, mdl;
    if (!OT_RC(task_create("Empty1", "ostest.Child", "", &task), rcOk))
        return;
    uint64_t base = 0, va = 0;
    OT_RC(task_vm_reserve(task, 0, 4096, BASTION_VMM_READ, NULL), rcInvalidArgument);
    OT_RC(task_vm_reserve(task, 0x1000123, 4096, 0, NULL), rcAlignment);
    OT_RC(task_vm_reserve(task, 0x700000000000ull, 4096, 0, NULL), rcOutOfRange);
    OT_RC(task_vm_reserve(task, 0, 0, 0, NULL), rcInvalidArgument);
    OT_RC(task_vm_reserve(task, 0, 4 * 4096, 0, &base), rcOk);
    OT_TRUE(base >= 0x400000 && base % 4096 == 0);
    OT_RC(task_vm_reserve(task, base + 4096, 4096, 0, NULL), rcAlreadyExists);

    /* A buffer with one page of "code" (ret instructions) and one of data. */
    if (!OT_RC(core_mdl_create(2 * 4096, BASTION_VMM_READ | BASTION_VMM_WRITE, &mdl), rcOk))
        return;
    OT_RC(core_mdl_map(mdl, 0, 2 * 4096, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va), rcOk);
    if (va != 0)
        memset((void *)(uintptr_t)va, 0xc3, 2 * 4096);

    OT_RC(task_load_seg(task, mdl, base, 4096, 0, 4096, TASK_SEG_R | TASK_SEG_W | TASK_SEG_X),
          rcWxViolation);
    OT_RC(task_load_seg(task, mdl, base, 4096, 0, 8192, TASK_SEG_R), rcInvalidArgument);
    OT_RC(task_load_seg(task, mdl, base, 4096, 0, 0, 8), rcInvalidArgument);
    OT_RC(task_load_seg(task, mdl, base, 4096, 4096, 8192, TASK_SEG_R), rcInvalidArgument);
    OT_RC(task_load_seg(task, mdl, base, 3 * 4096, 4096, 2 * 4096, TASK_SEG_R), rcOutOfRange);
    OT_RC(task_load_seg(task, mdl, base + 3 * 4096, 2 * 4096, 0, 4096, TASK_SEG_R), rcNotFound);
    OT_RC(task_load_seg(task, mdl, base, 4096, 0, 4096, TASK_SEG_R | TASK_SEG_X), rcOk);
    OT_RC(task_load_seg(task, mdl, base, 4096, 0, 4096, TASK_SEG_R | TASK_SEG_X), rcAlreadyExists);
    OT_RC(task_load_seg(task, mdl, base + 4096, 4096, 4096, 100, TASK_SEG_R | TASK_SEG_W), rcOk);

    /* The entry point lies in an executable page that was loaded. */
    OT_RC(task_set_entry(task, base + 4096, 0), rcOutOfRange);
    OT_RC(task_set_entry(task, base + 3 * 4096, 0), rcOutOfRange);
    OT_RC(task_set_entry(task, base, 123), rcAlignment);
    OT_RC(task_set_entry(task, base + 16, 0), rcOk);

    static const uint8_t zeros[64];
    OT_RC(task_load_hdr(task, zeros, 64), rcBadFormat);
    OT_RC(task_load_hdr(task, (const void *)(uintptr_t)va, 10), rcInvalidArgument);
    uint8_t hdr[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    hdr[18] = 62;
    OT_RC(task_load_hdr(task, hdr, 64), rcOk);

    /* Symbol tables: read-only, whole 24-byte entries, in reserved pages. */
    OT_RC(task_load_syms(task, mdl, base + 2 * 4096, 48, TASK_SEG_R | TASK_SEG_W, base + 3 * 4096,
                         16),
          rcWxViolation);
    OT_RC(task_load_syms(task, mdl, base + 2 * 4096, 25, TASK_SEG_R, base + 3 * 4096, 16),
          rcBadFormat);
    OT_RC(task_load_syms(task, mdl, base + 2 * 4096, 48, TASK_SEG_R, base + 3 * 4096, 16), rcOk);

    OT_RC(task_reseed(task, "", 0), rcInvalidArgument);
    OT_RC(task_vm_free(task, base, 4 * 4096), rcOk);
    OT_RC(task_vm_free(task, base + 1, 4096), rcAlignment);
    OT_RC(task_vm_reserve(task, base, 4 * 4096, 0, NULL), rcOk);
    OT_RC(task_terminate(task), rcOk);
    OT_RC(task_vm_reserve(task, 0, 4096, 0, NULL), rcResourceBusy);
    wait_reaped(task);
    ot_close_handles(&task, 1);

    /* Resume with no entry point: refused by name, nothing runs. */
    if (OT_RC(task_create("Empty2", "ostest.Child", "", &task), rcOk)) {
        OT_RC(task_resume(task), rcNoEntryPoint);
        wait_reaped(task);
        ot_close_handles(&task, 1);
    }
    /* A process the kernel loaded from its file is not built by hand. */
    if (OT_RC(task_create("Loaded1", "ostest.Child", "os_child", &task), rcOk)) {
        OT_RC(task_vm_reserve(task, 0, 4096, 0, NULL), rcNotEmptyTask);
        OT_RC(task_load_seg(task, mdl, 0x400000, 4096, 0, 4096, TASK_SEG_R), rcNotEmptyTask);
        OT_RC(task_vm_free(task, 0x400000, 4096), rcNotEmptyTask);
        OT_RC(task_terminate(task), rcOk);
        wait_reaped(task);
        ot_close_handles(&task, 1);
    }
    (void)core_vmm_free(va, 2 * 4096);
    ot_close_handles(&mdl, 1);
}

static void reseed(void)
{
    uint32_t a, b;
    uint64_t at_a = 0, at_b = 0, at_c = 0;
    if (!OT_RC(task_create("Seeded1", "ostest.Child", "", &a), rcOk))
        return;
    if (!OT_RC(task_create("Seeded2", "ostest.Child", "", &b), rcOk)) {
        ot_close_handles(&a, 1);
        return;
    }
    OT_RC(task_reseed(a, "one seed", 8), rcOk);
    OT_RC(task_reseed(b, "one seed", 8), rcOk);
    OT_RC(task_vm_reserve(a, 0, 65536, 0, &at_a), rcOk);
    OT_RC(task_vm_reserve(b, 0, 65536, 0, &at_b), rcOk);
    OT_EQ(at_a, at_b);
    OT_RC(task_reseed(b, "another seed", 12), rcOk);
    OT_RC(task_vm_reserve(b, 0, 65536, 0, &at_c), rcOk);
    OT_TRUE(at_c != at_b);
    OT_RC(task_terminate(a), rcOk);
    OT_RC(task_terminate(b), rcOk);
    wait_reaped(a);
    wait_reaped(b);
    uint32_t h[2] = {a, b};
    ot_close_handles(h, 2);
}

/* Finds `name` in this process's own symbol table (GetElfSyms): its address, relocated. */
static void own_symbols(void)
{
    uint64_t reloc = 0, syms = 0, syms_size = 0, strs = 0, strs_size = 0;
    if (!OT_RC(task_elf_syms(&reloc, &syms, &syms_size, &strs, &strs_size), rcOk))
        return;
    OT_TRUE(syms_size > 0 && syms_size % 24 == 0 && strs_size > 0);
    const uint8_t *sym = (const uint8_t *)(uintptr_t)syms;
    const char *str = (const char *)(uintptr_t)strs;
    uint64_t found = 0;
    for (uint64_t i = 0; i < syms_size / 24; i++) {
        uint32_t name;
        uint64_t value;
        memcpy(&name, sym + i * 24, 4);
        memcpy(&value, sym + i * 24 + 8, 8);
        if (name < strs_size && strncmp(str + name, "main", strs_size - name) == 0 &&
            str[name + 4] == 0)
            found = value + reloc;
    }
    OT_EQ(found, (uint64_t)(uintptr_t)&main);
}

static void tasks_list(void)
{
    static struct task_list list;
    if (!OT_RC(task_list_read(&list), rcOk))
        return;
    kl_core_Types_Pid me = 0;
    {
        CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        OT_RC(core_result(kl_core_Task_GetPid(
                              &cl, core_handle_arg(kl_core_Types_InvalidHandleValue), &me, &rc),
                          &rc),
              rcOk);
    }
    /* Five NUL-terminated fields a process, in the order of pids: the walk takes every
     * process and ends exactly at the end of the strings. */
    struct task_list_cursor c = {0, 0};
    struct task_list_entry e;
    uint32_t einit_pid = 0, my_parent = ~0u;
    int seen_me = 0, seen_einit = 0;
    while (task_list_next(&list, &c, &e)) {
        if (e.pid == me) {
            seen_me = strcmp(e.name, "TaskBuild") == 0 &&
                      strcmp(e.class_name, "ostest.TaskBuild") == 0 &&
                      strcmp(e.path, "os_task_build") == 0 && strcmp(e.state, "running") == 0;
            my_parent = e.creator;
        }
        if (strcmp(e.name, "Einit") == 0) {
            seen_einit = e.creator == 0 && strcmp(e.state, "running") == 0;
            einit_pid = e.pid;
        }
    }
    OT_EQ(c.index, list.count);
    OT_EQ(c.off, list.used);
    OT_TRUE(list.count >= 3);
    OT_TRUE(!list.cut);
    OT_TRUE(seen_me);
    OT_TRUE(seen_einit);
    OT_EQ(my_parent, einit_pid);
}

/* Starts the os_crash child `task` (made with BASTION_TASK_CREATE_FREEZE_ON_FAULT) with arg
 * and waits until its fault froze it. False (the child ended, its handle closed) if it did not
 * end, or not by a fault. */
static bool run_until_frozen(uint32_t task, const char *name, const char *arg,
                             struct kl_core_Task_TaskExitInfo *info)
{
    OT_RC(spawn_set_env(task, name, arg, NULL, 0), rcOk);
    OT_RC(task_resume(task), rcOk);
    kl_core_Task_TaskExitReason why = 0;
    if (!OT_RC(spawn_wait(task, 10000, &why, info), rcOk)) {
        (void)task_terminate(task);
        ot_close_handles(&task, 1);
        return false;
    }
    if (OT_EQ(why, kl_core_Task_TaskExitException))
        return true;
    ot_close_handles(&task, 1);
    return false;
}

static void freezing(void)
{
    uint32_t task;
    if (!OT_RC(task_create_flags("Frozen1", "ostest.Crash", "os_crash",
                                 BASTION_TASK_CREATE_FREEZE_ON_FAULT, &task),
               rcOk))
        return;
    struct kl_core_Task_ThreadContext ctx;
    OT_RC(task_thread_context(task, 0, &ctx), rcNotFrozen); /* not started: not frozen */
    struct kl_core_Task_TaskExitInfo info;
    if (!run_until_frozen(task, "Frozen1", "null", &info))
        return;
    OT_EQ(info.u.fault.vector, 14);
    OT_EQ(info.u.fault.address, 0);
    if (OT_RC(task_thread_context(task, 0, &ctx), rcOk)) {
        OT_EQ(ctx.regs.rip, info.u.fault.ip);
        OT_TRUE(ctx.tid != 0 && ctx.regs.rsp != 0);
    }
    struct kl_core_Task_ThreadContext other;
    OT_RC(task_thread_context(task, 1, &other), rcNotFound);
    /* Its regions, in order; the one holding rsp comes with a copy that holds its stack. */
    uint64_t after = 0, next = 0, size = 0;
    uint32_t flags = 0, mdl = 0, regions = 0, code = 0, stack_seen = 0;
    while (regions < 64 && task_next_region(task, after, &next, &size, &flags, &mdl) == rcOk) {
        OT_TRUE(next >= after && size > 0);
        regions++;
        if ((flags & BASTION_VMM_EXECUTE) && !(flags & BASTION_VMM_WRITE))
            code++;
        if (ctx.regs.rsp >= next && ctx.regs.rsp - next < size) {
            uint64_t va = 0;
            if (OT_TRUE(mdl != kl_core_Types_InvalidHandleValue) &&
                OT_RC(core_mdl_map(mdl, 0, size, 0, BASTION_VMM_READ, &va), rcOk)) {
                /* Its stack above rsp holds its frames and start block: not all zero. */
                const uint8_t *b = (const uint8_t *)(uintptr_t)va;
                for (uint64_t k = ctx.regs.rsp - next; k < size && !stack_seen; k++)
                    stack_seen = b[k] != 0;
                /* A copy to read: never writable. */
                uint64_t va2 = 0;
                OT_FAILS(core_mdl_map(mdl, 0, size, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va2));
                (void)core_vmm_free(va, size);
            }
        }
        if (mdl != kl_core_Types_InvalidHandleValue)
            ot_close_handles(&mdl, 1);
        after = next + size;
    }
    OT_TRUE(regions >= 3);
    OT_TRUE(code >= 1);
    OT_TRUE(stack_seen);
    OT_RC(task_terminate_frozen(task), rcOk);
    OT_RC(task_thread_context(task, 0, &ctx), rcNotFrozen);
    OT_RC(task_terminate_frozen(task), rcNotFrozen);
    ot_close_handles(&task, 1);
}

/* The region of the frozen task that holds addr: its base, its flags; 0 when none does. */
static uint64_t region_of(uint32_t task, uint64_t addr, uint32_t *flags_out)
{
    uint64_t after = 0, next = 0, size = 0;
    uint32_t flags = 0, mdl = 0;
    for (unsigned n = 0;
         n < 64 && task_next_region(task, after, &next, &size, &flags, &mdl) == rcOk; n++) {
        if (mdl != kl_core_Types_InvalidHandleValue)
            ot_close_handles(&mdl, 1);
        if (addr >= next && addr - next < size) {
            *flags_out = flags;
            return next;
        }
        after = next + size;
    }
    *flags_out = 0;
    return 0;
}

/* A frozen process of two threads: both threads' registers are kept, the faulting one's at
 * index 0 (rip at the fault), the other's where the freeze stopped it (spinning in its own code
 * with os_crash's mark in r12, on its own stack). */
static void freezing_threads(void)
{
    uint32_t task;
    if (!OT_RC(task_create_flags("Frozen2", "ostest.Crash", "os_crash",
                                 BASTION_TASK_CREATE_FREEZE_ON_FAULT, &task),
               rcOk))
        return;
    struct kl_core_Task_TaskExitInfo info;
    if (!run_until_frozen(task, "Frozen2", "threads", &info))
        return;
    struct kl_core_Task_ThreadContext main_ctx, worker;
    memset(&worker, 0, sizeof worker);
    bool got_main = OT_RC(task_thread_context(task, 0, &main_ctx), rcOk);
    /* The worker stops on its way out of user mode; the freeze waited for it. */
    Retcode r = rcResourceBusy;
    for (int tries = 0; tries < 100 && r == rcResourceBusy; tries++)
        if ((r = task_thread_context(task, 1, &worker)) == rcResourceBusy)
            core_thread_sleep(10);
    bool got_worker = OT_RC(r, rcOk);
    struct kl_core_Task_ThreadContext none;
    OT_RC(task_thread_context(task, 2, &none), rcNotFound);
    if (got_main && got_worker) {
        OT_EQ(main_ctx.regs.rip, info.u.fault.ip);
        OT_TRUE(worker.tid != 0 && worker.tid != main_ctx.tid);
        OT_EQ(worker.regs.r12, OS_CRASH_WORKER_MARK);
        uint32_t fl = 0;
        /* Both run in the program's code, each on its own stack. */
        OT_TRUE(region_of(task, worker.regs.rip, &fl) != 0 && (fl & BASTION_VMM_EXECUTE) &&
                !(fl & BASTION_VMM_WRITE));
        OT_TRUE(region_of(task, main_ctx.regs.rip, &fl) != 0 && (fl & BASTION_VMM_EXECUTE));
        uint64_t main_stack = region_of(task, main_ctx.regs.rsp, &fl);
        OT_TRUE(main_stack != 0 && (fl & BASTION_VMM_WRITE));
        uint64_t worker_stack = region_of(task, worker.regs.rsp, &fl);
        OT_TRUE(worker_stack != 0 && (fl & BASTION_VMM_WRITE));
        OT_TRUE(worker_stack != main_stack);
        OT_TRUE(worker.regs.rsp != main_ctx.regs.rsp);
    }
    OT_RC(task_terminate_frozen(task), rcOk);
    OT_RC(task_thread_context(task, 1, &worker), rcNotFrozen);
    ot_close_handles(&task, 1);
}

int main(void)
{
    ot_begin("os_task_build");
    /* Its loops keep a CPU busy for seconds under TCG: at the network tests' priority they
     * share the CPUs with os_cpus's priority-2 workers instead of starving them. */
    OT_RC(net_test_lower_priority(), rcOk);
    /* First, while no child holds half of its kernel memory: the answer (17 KiB) and the
     * call's scratch are charged to it. */
    tasks_list();
    built_child_runs();
    built_child_round_robin();
    refusals();
    reseed();
    own_symbols();
    freezing();
    freezing_threads();
    return ot_end();
}
