/*
 * bench_scale: how Bastion's costs grow (docs/benchmarks.md, "How cost grows"), timed the
 * same way as bench_main's rows (bench_timing.h), in the image bastion-bench-scale.iso.
 *
 *   scale_handle_call_handles<N>  Task.GetPid on the newest of N copies of one task handle
 *                                 (Handle.Copy), a monitored core call whose argument the
 *                                 kernel looks up in a table of N entries;
 *   scale_core_call_procs<N>      core_call (Task.GetPid of itself) with N live processes;
 *   scale_ipc_rtt_procs<N>        an empty round trip to bench_echo with N live processes;
 *   scale_core_call_extra_rules<N>, scale_ipc_rtt_extra_rules<N>
 *                                 only these two, when the kernel parameter bench.rules=<N>
 *                                 says the monitor is ksm_bench_rules<N>: the benchmark policy
 *                                 with N more rules (gen_rules_policy.py).
 *
 * The processes are bench_idle, started until GetTasksList's count at the start plus the ones
 * started reach N: each is an address space, a thread, a handle in this process and a SID the
 * monitor keeps state for. The handle rows stop at 1,000: a process may hold at most
 * PROCESS_HANDLE_LIMIT (1,024) handles, and its children's task handles count too.
 * Prints BENCH-END scale at the end.
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/syscall.h>
#include <user/task_list.h>

#include <bastion/rights.h>

#include "bench_spawn.h"
#include "bench_timing.h"

#define IDLE_MAX 1000u
/* An idle process's limits: what bench_idle holds (measured: its object, thread, kernel
 * stack and tables; its image, stack pages and page tables), with room to spare. */
#define IDLE_KMEM (64u * 1024u)
#define IDLE_RAM (512u * 1024u)

static uint32_t idle_tasks[IDLE_MAX];
static unsigned idle_count;

/* Starts bench_idle number `i` (task name BenchIdle<i>, class bench.Idle). */
static Retcode idle_start(unsigned i)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    char name[24];
    snprintf(name, sizeof name, "BenchIdle%u", i);
    idl_handle_t child = {0};
    Retcode r = core_result(
        kl_core_Task_Create(&cl, name, "bench.Idle", "bench_idle", 0, 10, 0, &child, &rc), &rc);
    if (r != rcOk)
        return r;
    idle_tasks[idle_count++] = child.handle;
    return bench_spawn_start(&cl, child.handle, "bench_idle", IDLE_KMEM, IDLE_RAM);
}

static Retcode close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* ---- the timed operations ---- */

static uint32_t pid_target = kl_core_Types_InvalidHandleValue;

static Retcode op_get_pid(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Pid pid = 0;
    return core_result(kl_core_Task_GetPid(&cl, core_handle_arg(pid_target), &pid, &rc), &rc);
}

static uint32_t echo_handle;
static _Alignas(8) uint8_t ipc_req[IDL_HEADER_SIZE], ipc_res[IDL_HEADER_SIZE];

static Retcode op_ipc(void)
{
    size_t got = 0;
    Retcode r = sys_call(echo_handle, ipc_req, sizeof ipc_req, ipc_res, sizeof ipc_res, &got, 0);
    return r == rcOk && got != sizeof ipc_req ? rcBadMessage : r;
}

/* ---- the rows ---- */

static uint32_t copies[1000];

/* scale_handle_call_handles<N> for N = 10 and 1,000 copies of the first idle process's task
 * handle; the copies are closed again after the rows. */
static void handle_rows(void)
{
    static const unsigned sizes[] = {10, 1000};
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    unsigned made = 0;
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        char row[48];
        snprintf(row, sizeof row, "scale_handle_call_handles%u", sizes[s]);
        Retcode r = rcOk;
        while (r == rcOk && made < sizes[s]) {
            kl_core_Types_Retcode rc = rcFail;
            idl_handle_t o = {kl_core_Types_InvalidHandleValue, 0};
            r = core_result(kl_core_Handle_Copy(&cl, core_handle_arg(idle_tasks[0]), HR_READ,
                                                core_handle_arg(kl_core_Types_InvalidHandleValue),
                                                &o, &rc),
                            &rc);
            if (r == rcOk)
                copies[made++] = o.handle;
        }
        if (r != rcOk) {
            bench_error(row, "Handle.Copy", r);
            break;
        }
        pid_target = copies[made - 1];
        bench_run(row, 1000, op_get_pid, "Task.GetPid(newest copy)");
    }
    while (made > 0)
        (void)close_handle(copies[--made]);
    pid_target = kl_core_Types_InvalidHandleValue;
}

/* scale_core_call_procs<N> and scale_ipc_rtt_procs<N> for N = 10, 100 and 1,000 live
 * processes, `base` of them there before this program started any. */
static void process_rows(unsigned base)
{
    static const unsigned sizes[] = {10, 100, 1000};
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        char row[48];
        Retcode r = rcOk;
        while (r == rcOk && base + idle_count < sizes[s])
            r = idle_start(idle_count);
        snprintf(row, sizeof row, "scale_core_call_procs%u", sizes[s]);
        if (r != rcOk) {
            printf("bench: %u processes live when starting another failed\n", base + idle_count);
            bench_error(row, "Task.Create/SetEnv/Resume of bench_idle", r);
            return;
        }
        bench_run(row, 1000, op_get_pid, "Task.GetPid");
        snprintf(row, sizeof row, "scale_ipc_rtt_procs%u", sizes[s]);
        bench_run(row, 1000, op_ipc, "Call");
    }
}

/* bench.rules: the number of rules the image's policy has beyond bench.psl's, "" when the
 * parameter is absent (the monitor is ksm_bench). */
static const char *read_extra_rules(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    const char *value = NULL;
    Retcode r = core_result(kl_core_HAL_GetEnv(&cl, "bench.rules", &value, &rc), &rc);
    if (r != rcOk || value == NULL)
        return "";
    static char copy[16];
    snprintf(copy, sizeof copy, "%s", value);
    return copy;
}

/* The two timed calls under a policy with `extra` more rules. */
static void rule_rows(const char *extra)
{
    char row[64];
    snprintf(row, sizeof row, "scale_core_call_extra_rules%s", extra);
    bench_run(row, 1000, op_get_pid, "Task.GetPid");
    snprintf(row, sizeof row, "scale_ipc_rtt_extra_rules%s", extra);
    bench_run(row, 1000, op_ipc, "Call");
}

int main(void)
{
    bench_timing_init(1, "");
    printf("BENCH-BEGIN scale\n");
    const char *extra = read_extra_rules();
    static struct task_list list;
    Retcode r = task_list_read(&list);
    if (r != rcOk) {
        bench_error("scale", "Task.GetTasksList", r);
        printf("BENCH-END scale\n");
        return 1;
    }
    unsigned base = list.count;
    printf("bench: %u processes live at the start\n", base);
    r = start_connection("bench", &echo_handle);
    if (r != rcOk)
        bench_error("scale_ipc_rtt", "no connection \"bench\"", r);
    struct idl_header h = {0};
    memcpy(ipc_req, &h, sizeof h);

    if (extra[0] != '\0') {
        rule_rows(extra);
        printf("BENCH-END scale\n");
        return 0;
    }
    r = idle_start(0);
    if (r != rcOk)
        bench_error("scale", "start the first bench_idle", r);
    else {
        handle_rows();
        process_rows(base);
    }

    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    for (unsigned i = 0; i < idle_count; i++) {
        kl_core_Types_Retcode rc = rcFail;
        (void)core_result(kl_core_Task_Terminate(&cl, core_handle_arg(idle_tasks[i]), &rc), &rc);
    }
    printf("BENCH-END scale\n");
    return 0;
}
