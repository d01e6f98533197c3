/*
 * bench_main: Bastion's side of the benchmark (docs/benchmarks.md). Times each operation
 * with rdtsc exactly like the Linux program bench/linux/bench.c (bench_timing.h: the loop and
 * the BENCH lines), and prints BENCH-END bastion at the very end.
 *
 * Argument: "--short" (the ctest run) divides every sample count by 100 (at least 3).
 * Kernel parameter bench.nomon=1 (read with HAL.GetEnv; set only by the menus of the images on
 * kernel-nomon.elf): the kernel has no security monitor, so only the rows the monitor is in run,
 * each named <row>_nomon; the difference to <row> is the monitor's share (docs/benchmarks.md).
 * Connection "bench": the channel to bench_echo (ipc_rtt, ipc_rtt_4k).
 * futex_rtt's other side is bench_pong, a process this program starts and shares an MDL page
 * with (VMM.MdlCreate/MdlMap, the handle passed by Task.TransferHandle).
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/scp.h>
#include <user/start.h>
#include <user/syscall.h>
#include <user/thread.h>
#include <user/vmm.h>

#include <bastion/rights.h>

#include "bench_futex.h"
#include "bench_spawn.h"
#include "bench_timing.h"

/* bench.nomon=1: the rows' names get the suffix "_nomon", and rows the monitor is not in are
 * skipped (their numbers would only repeat the monitored image's). */
static int nomon;

/* bench.nomon: "1" means the kernel is kernel-nomon.elf (its menu says so). Absent or anything
 * else: the normal kernel. The parameter is read rather than guessed from timings so that a
 * row's name never depends on how fast it was; bench/bastion/run.sh checks it against the
 * kernel's own banner. */
static int read_nomon(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    const char *value = NULL;
    Retcode r = core_result(kl_core_HAL_GetEnv(&cl, "bench.nomon", &value, &rc), &rc);
    if (r == rcNotFound)
        return 0;
    if (r != rcOk) {
        printf("bench: HAL.GetEnv(bench.nomon): %s; assuming the kernel with the monitor\n",
               retcode_name(r));
        return 0;
    }
    return strcmp(value, "1") == 0;
}

/* null_syscall: SYS_NULL, kernel entry and exit only. */
static Retcode op_null(void)
{
    return sys_null();
}

/* core_call: Task.GetPid(INVALID handle = this process) through the generated kl.core proxy:
 * marshal, SYS_CALL on the kernel handle, routing, the security hook and its KSM round trip
 * (none in kernel-nomon), dispatch, a handler that reads one field, the response, unmarshal. */
static Retcode op_core_call(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_Pid pid = 0;
    return core_result(kl_core_Task_GetPid(&cl, core_handle_arg(0xffffffffu), &pid, &rc), &rc);
}

/* core_call_flood: core_call timed, each sample right after a yield, while bench_flood (another
 * process of 64 threads, the most a process may have: 63 of them flooding) makes the same
 * monitored call from every thread in turn. The monitor's per-process gate bounds what the
 * flood does to this process's decisions; the slowest sample is printed beside the row (the
 * bound docs/security-model.md states). */
static Retcode close_handle(uint32_t h, Retcode r);

#define FLOOD_KMEM (4ull << 20) /* 64 threads' kernel charge (~17 KiB each) and more */
#define FLOOD_RAM (8ull << 20)  /* 64 stacks of 16 KiB, the image */
#define FLOODERS 63 /* with its main thread, 64: PROCESS_MAX_THREADS, the most a process may have */

/* Starts bench_flood with a page it counts its calls (word 0) and running threads (word 1) in,
 * and waits until its 63 flooding threads are ready and let go. */
static Retcode flood_start(struct idl_client *cl, uint32_t *task, volatile uint32_t **progress,
                           uint64_t *va)
{
    kl_core_Types_Retcode rc = rcFail;
    uint32_t mdl;
    Retcode r = core_mdl_create(USER_PAGE_SIZE, BASTION_VMM_READ | BASTION_VMM_WRITE, &mdl);
    if (r != rcOk)
        return r;
    r = core_mdl_map(mdl, 0, USER_PAGE_SIZE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, va);
    if (r != rcOk)
        return close_handle(mdl, r);
    *progress = (volatile uint32_t *)(uintptr_t)*va;
    idl_handle_t child = {0};
    r = core_result(
        kl_core_Task_Create(cl, "BenchFlood", "bench.Flood", "bench_flood", 0, 10, 0, &child, &rc),
        &rc);
    if (r != rcOk)
        return close_handle(mdl, r);
    *task = child.handle;
    kl_core_Types_HandleValue theirs = kl_core_Types_InvalidHandleValue;
    r = core_result(kl_core_Task_TransferHandle(cl, core_handle_arg(child.handle),
                                                core_handle_arg(mdl),
                                                core_handle_arg(kl_core_Types_InvalidHandleValue),
                                                HR_MEMORY_MAP | HR_READ | HR_WRITE, &theirs, &rc),
                    &rc);
    r = close_handle(mdl, r);
    _Alignas(8) uint8_t blob[128];
    struct scp_builder b;
    size_t len = 0;
    scp_init(&b, blob, sizeof blob, FLOOD_KMEM, FLOOD_RAM);
    scp_arg(&b, "bench_flood");
    scp_conn(&b, "flood", theirs);
    if (r == rcOk)
        r = scp_finish(&b, &len);
    if (r == rcOk)
        r = core_result(kl_core_Task_SetEnv(cl, core_handle_arg(child.handle),
                                            (struct idl_seq){.data = blob, .count = (uint32_t)len},
                                            &rc),
                        &rc);
    if (r == rcOk)
        r = core_result(kl_core_Task_Resume(cl, core_handle_arg(child.handle), &rc), &rc);
    /* Its threads are created one by one, then all let go at once (word 2). */
    for (unsigned i = 0; r == rcOk && ((*progress)[1] < FLOODERS || (*progress)[2] == 0); i++)
        r = i < 10000 ? core_thread_sleep(1) : rcTimeout;
    return r;
}

static void core_call_flood(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    uint32_t flood = kl_core_Types_InvalidHandleValue;
    volatile uint32_t *progress = NULL;
    uint64_t va = 0;
    Retcode r = flood_start(&cl, &flood, &progress, &va);
    if (r != rcOk) {
        bench_error("core_call_flood", "start bench_flood and its 63 flooding threads", r);
    } else {
        unsigned n = bench_count(1000);
        uint32_t before = progress[0];
        bench_run_after_yield("core_call_flood", 1000, op_core_call, "Task.GetPid");
        uint32_t during = progress[0] - before;
        /* bench_run sorted the samples: the last is the slowest. */
        printf("bench: core_call_flood slowest=%llu of n=%u; the 63 flooding threads of "
               "bench_flood made %u calls meanwhile\n",
               (unsigned long long)bench_samples[n - 1], n, (unsigned)during);
        if (during == 0)
            bench_error("core_call_flood", "the flood made no call while the row ran", rcFail);
    }
    if (flood != kl_core_Types_InvalidHandleValue) {
        (void)core_result(kl_core_Task_Terminate(&cl, core_handle_arg(flood), &rc), &rc);
        (void)close_handle(flood, rcOk);
    }
    if (va != 0)
        (void)core_vmm_free(va, USER_PAGE_SIZE);
}

/* ipc_rtt / ipc_rtt_4k: a raw SYS_CALL to bench_echo, which answers with the same message. */
static uint32_t echo_handle;
static _Alignas(8) uint8_t ipc_req[IDL_HEADER_SIZE + 4096], ipc_res[IDL_HEADER_SIZE + 4096];
static size_t ipc_len;

static void ipc_prepare(uint32_t arena)
{
    struct idl_header h = {.endpoint_id = 0,
                           .method_id = 0,
                           .fixed_size = 0,
                           .arena_size = arena,
                           .handle_count = 0,
                           .flags = 0,
                           .reserved = 0};
    memcpy(ipc_req, &h, sizeof h);
    memset(ipc_req + IDL_HEADER_SIZE, 0x5a, arena);
    ipc_len = IDL_HEADER_SIZE + arena;
}

static Retcode op_ipc(void)
{
    size_t got = 0;
    Retcode r = sys_call(echo_handle, ipc_req, ipc_len, ipc_res, sizeof ipc_res, &got, 0);
    if (r == rcOk && got != ipc_len)
        return rcBadMessage;
    return r;
}

/* futex_rtt: ping (this process) and pong (bench_pong, another process) over one word of an
 * MDL page both map, with Sync.Wait/Wake (the kernel keys the word by its physical address),
 * in the protocol of bench_futex.h: a call only when the other side announced a wait. */
static volatile uint32_t *futex_word;

static Retcode op_futex(void)
{
    volatile uint32_t *w = futex_word;
    Retcode r = bench_futex_set(&w[BENCH_FUTEX_TURN], &w[BENCH_FUTEX_PONG_WAITS], 1);
    if (r != rcOk)
        return r;
    return bench_futex_wait_while(&w[BENCH_FUTEX_TURN], &w[BENCH_FUTEX_PING_WAITS], 1);
}

/* Task.GetExitInfo until `task` ended, Thread.Sleep(0) between polls; rcFail unless it
 * returned 0. */
static Retcode wait_exit0(struct idl_client *cl, uint32_t task)
{
    kl_core_Types_Retcode rc = rcFail;
    for (;;) {
        kl_core_Task_TaskExitReason why;
        struct kl_core_Task_TaskExitInfo info;
        Retcode r =
            core_result(kl_core_Task_GetExitInfo(cl, core_handle_arg(task), &why, &info, &rc), &rc);
        if (r == rcOk)
            return why == kl_core_Task_TaskExitNormal && info.u.exitCode == 0 ? rcOk : rcFail;
        if (r != rcResourceBusy)
            return r;
        r = core_thread_sleep(0);
        if (r != rcOk)
            return r;
    }
}

/* Creates the shared page, maps it, starts bench_pong with the page's handle ("futex"). On
 * rcOk *task is bench_pong's task handle and futex_word points into the page. */
static Retcode futex_setup(struct idl_client *cl, uint32_t *task, uint64_t *va)
{
    kl_core_Types_Retcode rc = rcFail;
    uint32_t mdl;
    Retcode r = core_mdl_create(USER_PAGE_SIZE, BASTION_VMM_READ | BASTION_VMM_WRITE, &mdl);
    if (r != rcOk)
        return r;
    r = core_mdl_map(mdl, 0, USER_PAGE_SIZE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, va);
    if (r != rcOk)
        return close_handle(mdl, r);
    futex_word = (volatile uint32_t *)(uintptr_t)*va;
    idl_handle_t child = {0};
    r = core_result(
        kl_core_Task_Create(cl, "BenchPong", "bench.Pong", "bench_pong", 0, 10, 0, &child, &rc),
        &rc);
    if (r != rcOk)
        return close_handle(mdl, r);
    *task = child.handle;
    kl_core_Types_HandleValue theirs = kl_core_Types_InvalidHandleValue;
    /* Map, read and write only: bench_pong cannot hand the page on. */
    r = core_result(kl_core_Task_TransferHandle(cl, core_handle_arg(child.handle),
                                                core_handle_arg(mdl),
                                                core_handle_arg(kl_core_Types_InvalidHandleValue),
                                                HR_MEMORY_MAP | HR_READ | HR_WRITE, &theirs, &rc),
                    &rc);
    r = close_handle(mdl, r); /* the mapping holds the page from now on */
    _Alignas(8) uint8_t blob[128];
    struct scp_builder b;
    size_t len = 0;
    scp_init(&b, blob, sizeof blob, 0, 0);
    scp_arg(&b, "bench_pong");
    scp_conn(&b, "futex", theirs);
    if (r == rcOk)
        r = scp_finish(&b, &len);
    if (r == rcOk)
        r = core_result(kl_core_Task_SetEnv(cl, core_handle_arg(child.handle),
                                            (struct idl_seq){.data = blob, .count = (uint32_t)len},
                                            &rc),
                        &rc);
    if (r == rcOk)
        r = core_result(kl_core_Task_Resume(cl, core_handle_arg(child.handle), &rc), &rc);
    return r;
}

/* Handle.Close of h; returns `r` if that was a failure already, else Close's outcome. */
static Retcode close_handle(uint32_t h, Retcode r)
{
    CORE_CLIENT(hc, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    Retcode c = core_result(kl_core_Handle_Close(&hc, core_handle_arg(h), &rc), &rc);
    return r != rcOk ? r : c;
}

/* thread_create: Thread.Create of a thread that returns at once, Thread.Wait for it, close its
 * handle (thread_join does the wait and the close). */
static int nothing(void *arg)
{
    (void)arg;
    return 0;
}

/* 16 KiB, not the 64 KiB default: the stacks of ended threads stay allocated (see main). */
#define THREAD_STACK (16u * 1024u)

static Retcode op_thread(void)
{
    struct thread t;
    Retcode r = thread_create(&t, nothing, NULL, THREAD_PRIO_DEFAULT, THREAD_STACK);
    if (r != rcOk)
        return r;
    int code = -1;
    r = thread_join(&t, kl_core_Types_InfiniteTimeout, &code);
    return close_handle(t.handle, r);
}

/* The receiver process_create waits on (Notice.Create once, at its first run); each child's
 * entry leaves it when its end event has been fetched, so the runs do not fill it up. */
static uint32_t child_ends = kl_core_Types_InvalidHandleValue;

static Retcode wait_child_end(uint32_t child)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    Retcode r = rcOk;
    if (child_ends == kl_core_Types_InvalidHandleValue) {
        idl_handle_t h = {kl_core_Types_InvalidHandleValue, 0};
        r = core_result(kl_core_Notice_Create(&cl, &h, &rc), &rc);
        if (r != rcOk)
            return r;
        child_ends = h.handle;
    }
    r = core_result(kl_core_Notice_SubscribeToObject(&cl, core_handle_arg(child_ends),
                                                     core_handle_arg(child),
                                                     kl_core_Notice_NoticeObjectEnded, 1, &rc),
                    &rc);
    if (r != rcOk)
        return r;
    struct idl_seq ev = {0};
    return core_result(kl_core_Notice_GetEvent(&cl, core_handle_arg(child_ends),
                                               kl_core_Types_InfiniteTimeout, &ev, &rc),
                       &rc);
}

/* process_create: Task.Create of bench_exit0 from ROMFS, SetEnv (argv), Resume; then one
 * Notice.GetEvent on a receiver subscribed to the child's end (wait_child_end) and one
 * GetExitInfo for its exit code; then Handle.Close of the task handle. */
static Retcode op_process(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t child = {0};
    Retcode r = core_result(
        kl_core_Task_Create(&cl, "BenchChild", "bench.Exit0", "bench_exit0", 0, 10, 0, &child, &rc),
        &rc);
    if (r != rcOk)
        return r;
    r = bench_spawn_start(&cl, child.handle, "bench_exit0", 0, 0);
    if (r == rcOk)
        r = wait_child_end(child.handle);
    if (r == rcOk) {
        kl_core_Task_TaskExitReason why;
        struct kl_core_Task_TaskExitInfo info;
        r = core_result(
            kl_core_Task_GetExitInfo(&cl, core_handle_arg(child.handle), &why, &info, &rc), &rc);
        if (r == rcOk && (why != kl_core_Task_TaskExitNormal || info.u.exitCode != 0))
            r = rcFail;
    }
    return close_handle(child.handle, r);
}

/* mem_page / mem_1m: VMM.Allocate with COMMIT (reserve and back), one write per 4 KiB page,
 * VMM.Free. */
static uint64_t mem_size;

static Retcode op_mem(void)
{
    uint64_t va = 0;
    Retcode r = core_vmm_allocate(0, mem_size,
                                  BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_COMMIT, &va);
    if (r != rcOk)
        return r;
    for (uint64_t off = 0; off < mem_size; off += USER_PAGE_SIZE)
        *(volatile uint8_t *)(uintptr_t)(va + off) = 1;
    return core_vmm_free(va, mem_size);
}

int main(int argc, char **argv)
{
    unsigned divisor = argc > 1 && strcmp(argv[1], "--short") == 0 ? 100 : 1;
    nomon = read_nomon();
    bench_timing_init(divisor, nomon ? "_nomon" : "");
    printf("BENCH-BEGIN bastion samples/%u%s\n", divisor, nomon ? " nomon" : "");
    /* Context for the boot row (bench/bastion/run.sh turns Einit's "all started" line into it):
     * what came before the kernel, which that row leaves out and Linux's boot_to_init includes. */
    printf("bench: the kernel's first instruction ran at TSC %llu (firmware and GRUB before it)\n",
           (unsigned long long)start_boot_tsc());

    /* Not mediated: the same in both kernels. */
    if (!nomon)
        bench_run("null_syscall", 10000, op_null, "SYS_NULL");
    bench_run("core_call", 1000, op_core_call, "Task.GetPid");

    Retcode r = start_connection("bench", &echo_handle);
    if (r != rcOk) {
        bench_error("ipc_rtt", "no connection \"bench\"", r);
        bench_error("ipc_rtt_4k", "no connection \"bench\"", r);
    } else {
        ipc_prepare(0);
        bench_run("ipc_rtt", 1000, op_ipc, "Call");
        /* With 4 KiB the copies dominate; the monitor's share is the empty round trip's. */
        if (!nomon) {
            ipc_prepare(4096);
            bench_run("ipc_rtt_4k", 1000, op_ipc, "Call");
        }
    }

    {
        CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
        uint32_t pong = kl_core_Types_InvalidHandleValue;
        uint64_t va = 0;
        r = futex_setup(&cl, &pong, &va);
        if (r != rcOk) {
            bench_error("futex_rtt", "start bench_pong with a shared page", r);
        } else {
            bench_run("futex_rtt", 1000, op_futex, "Sync");
            /* Stop, then ping once more: bench_pong checks the stop word after every wait. */
            futex_word[BENCH_FUTEX_STOP] = 1;
            (void)bench_futex_set(&futex_word[BENCH_FUTEX_TURN],
                                  &futex_word[BENCH_FUTEX_PONG_WAITS], 1);
            r = wait_exit0(&cl, pong);
            if (r != rcOk)
                bench_error("futex_rtt", "bench_pong's exit", r);
        }
        if (pong != kl_core_Types_InvalidHandleValue)
            (void)close_handle(pong, rcOk);
        if (va != 0)
            (void)core_vmm_free(va, USER_PAGE_SIZE);
    }

    /* Memory before thread_create: every ended thread leaves its stack region (and ~4.5 KiB of
     * kernel memory) behind in this process, which makes every later VMM call slower.
     * Without the monitor only process_create of these runs: it makes the most mediated
     * requests (a start and about ten core calls) of the rows with a target. */
    if (!nomon) {
        mem_size = USER_PAGE_SIZE;
        bench_run("mem_page", 1000, op_mem, "VMM");
        mem_size = 1024 * 1024;
        bench_run("mem_1m", 100, op_mem, "VMM");

        bench_run("thread_create", 1000, op_thread, "Thread.Create/Wait");
    }
    bench_run("process_create", 250, op_process, "Task");
    /* The monitor's fairness, only where there is a monitor; last, because its 64-thread process
     * leaves the kernel's caches and the monitor's state other than it found them, and the rows
     * before it must measure what they always did. */
    if (!nomon)
        core_call_flood();

    /* No boot row here: Einit printed "all started <N> ticks after the kernel's first
     * instruction" before this program ran, and bench/bastion/run.sh makes the row from it. */
    printf("BENCH-END bastion\n");
    return 0;
}
