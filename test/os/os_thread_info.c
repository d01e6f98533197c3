/*
 * os_thread_info: Thread.GetInfo on a thread of another process while that process ends and is
 * torn down (kern/klcore/Thread.c: the thread holds its process's memory, GetInfo pins the address
 * space, and the reaper destroys the space only once no pin is left; kern/proc/process.h).
 *
 * A chain of generations, each a process of this program (class ostest.ThreadInfo): generation
 * g touches pages at spread addresses (so that destroying its address space takes a while),
 * starts a thread that only sleeps, creates generation g + 1 with a read-only handle to that
 * thread and a shared page (Task.TransferHandle), starts it, waits until g + 1 says on the
 * shared page that it is watching, and exits. Generation g + 1 calls GetInfo on the handle from
 * two threads without pause while g exits and is torn down, until both have seen its stack
 * gone, and checks every answer: always rcOk with the thread's tid, a stack while the process
 * lived, none once its address space is gone (never another process's: the next generation
 * maps a page where the old thread's stack was, in case the kernel read the new process's
 * space through freed memory of the old one). The last generation
 * prints the result line; a generation that saw a failure stops the chain, so the line never
 * appears. With the kernel's checks on (aspace_query asserts a live address space) a query of
 * a space being destroyed panics the kernel.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/scp.h>
#include <user/start.h>
#include <user/thread.h>
#include <user/vmm.h>
#include <bastion/vmm.h>

#include "ostest.h"
#include <bastion/rights.h>
#include "spawn.h"

#define GENERATIONS 8
/* Limits are carved out of the creator's (the quota tree): generation g gets its creator's
 * limits less what the creator keeps for itself, so that the chain's root (init.yaml) covers all
 * eight at once. What one generation needs: about 200 KiB of kernel memory, 4 MiB of RAM. */
#define GEN_KMEM(g) (4096ull * 1024 - (uint64_t)(g)*400 * 1024)
#define GEN_RAM(g) ((64ull << 20) - (uint64_t)(g) * (7ull << 20))
#define SPREAD_PAGES 24
#define WATCH_MAX_MS 20000 /* the longest a generation waits for its predecessor to end */
/* The watchers keep the KSM busy (every GetInfo is a decision): the chain starts once the
 * image's timing-sensitive IPC tests are past their first seconds. */
#define START_DELAY_MS 3000
#define PAGE 4096ull

#define H(v) core_handle_arg(v)

static uint32_t watched; /* the previous generation's thread */
static volatile int stop;
/* The page shared with the previous and with the next generation: word 0 = "watching". */
static volatile uint32_t *prev_flag, *next_flag;

struct watch_result {
    uint64_t calls, with_stack, without_stack, bad_rc, bad_tid, stack_after_gone;
    uint64_t stack_base; /* the stack GetInfo showed while the process lived */
    uint32_t tid;
};
static struct watch_result results[2];

static Retcode get_info(uint32_t h, struct kl_core_Thread_ThreadInfo *info)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    memset(info, 0, sizeof *info);
    return core_result(kl_core_Thread_GetInfo(&cl, H(h), info, &rc), &rc);
}

static int watcher(void *arg)
{
    struct watch_result *w = arg;
    bool gone = false;
    while (!stop) {
        struct kl_core_Thread_ThreadInfo info;
        Retcode r = get_info(watched, &info);
        w->calls++;
        if (r != rcOk) {
            w->bad_rc++;
            continue;
        }
        if (w->tid == 0)
            w->tid = info.tid;
        if (info.tid != w->tid || info.tid == 0)
            w->bad_tid++;
        if (info.stackSize != 0) {
            w->with_stack++;
            w->stack_base = info.stackBase;
            if (gone)
                w->stack_after_gone++; /* a stack again, after it was gone: another space */
        } else {
            w->without_stack++;
            gone = true;
        }
    }
    return 0;
}

static int sleeper(void *arg)
{
    (void)arg;
    for (;;)
        core_thread_sleep(1000);
    return 0;
}

/* Pages at random places of the heap window: many page tables for the teardown to walk. */
static void spread_pages(void)
{
    for (int i = 0; i < SPREAD_PAGES; i++) {
        uint64_t va = 0;
        if (core_vmm_allocate(0, 4096, BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_COMMIT,
                              &va) != rcOk)
            break;
        *(volatile uint8_t *)(uintptr_t)va = 1;
    }
}

static bool all_seen(int started, bool gone)
{
    for (int i = 0; i < started; i++)
        if (gone ? results[i].without_stack == 0 : results[i].calls == 0)
            return false;
    return true;
}

static volatile uint32_t *map_flag(uint32_t mdl)
{
    uint64_t va = 0;
    if (!OT_RC(core_mdl_map(mdl, 0, PAGE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va), rcOk))
        return NULL;
    return (volatile uint32_t *)(uintptr_t)va;
}

static Retcode close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, H(h), &rc), &rc);
}

/* The previous generation's thread, watched until its process has been torn down. Returns
 * the base of the thread's stack as GetInfo showed it while the process lived (0: none). */
static uint64_t watch_previous(void)
{
    uint32_t flag = 0;
    if (!OT_RC(start_connection("thread", &watched), rcOk) ||
        !OT_RC(start_connection("flag", &flag), rcOk))
        return 0;
    prev_flag = map_flag(flag);
    if (prev_flag == NULL)
        return 0;
    struct thread w[2];
    int started = 0;
    for (int i = 0; i < 2; i++)
        if (OT_RC(thread_create(&w[i], watcher, &results[i], 10, 0), rcOk))
            started++;
    /* Both are calling GetInfo: let the previous generation end. */
    int waited = 0;
    while (!all_seen(started, false) && waited++ < WATCH_MAX_MS)
        core_thread_sleep(1);
    prev_flag[0] = 1;
    core_sync_wake(&prev_flag[0], 1, NULL);
    while (!all_seen(started, true) && waited++ < WATCH_MAX_MS)
        core_thread_sleep(1);
    stop = 1;
    for (int i = 0; i < started; i++)
        OT_RC(thread_join(&w[i], 5000, NULL), rcOk);
    for (int i = 0; i < started; i++) {
        struct watch_result *r = &results[i];
        OT_TRUE(r->calls > 0);
        OT_TRUE(r->without_stack > 0); /* it saw the process gone */
        OT_EQ(r->bad_rc, 0);
        OT_EQ(r->bad_tid, 0);
        OT_EQ(r->stack_after_gone, 0);
    }
    struct kl_core_Thread_ThreadInfo info;
    if (OT_RC(get_info(watched, &info), rcOk)) {
        OT_EQ(info.stackBase, 0);
        OT_EQ(info.stackSize, 0);
    }
    /* The shared page was the previous process's (charged to it): give it up, so that
     * nothing but its thread keeps that process's memory. */
    OT_RC(core_vmm_free((uint64_t)(uintptr_t)prev_flag, PAGE), rcOk);
    OT_RC(close_handle(flag), rcOk);
    return results[0].stack_base != 0 ? results[0].stack_base : results[1].stack_base;
}

static Retcode transfer(uint32_t task, uint32_t h, uint32_t rights, uint32_t *theirs)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    kl_core_Types_HandleValue v = kl_core_Types_InvalidHandleValue;
    Retcode r =
        core_result(kl_core_Task_TransferHandle(
                        &cl, H(task), H(h), H(kl_core_Types_InvalidHandleValue), rights, &v, &rc),
                    &rc);
    *theirs = v;
    return r;
}

/* Creates generation gen with a read-only handle to a thread of ours and the shared page,
 * starts it, and waits until it watches. bait: the stack base of the thread we watched; the
 * new process maps a page there first thing, so that if the kernel looked at the new
 * process's address space for the old thread (its process's memory reused), GetInfo would
 * show that page. */
static void start_next(int gen, uint64_t bait)
{
    struct thread t;
    uint32_t mdl = 0;
    if (!OT_RC(thread_create(&t, sleeper, NULL, 10, 0), rcOk) ||
        !OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &mdl), rcOk) ||
        (next_flag = map_flag(mdl)) == NULL)
        return;
    char name[32], arg[40];
    snprintf(name, sizeof name, "ThreadInfo%d", gen);
    snprintf(arg, sizeof arg, "%d:%llx", gen, (unsigned long long)bait);
    uint32_t task = 0, their_thread = 0, their_flag = 0;
    if (!OT_RC(spawn(name, "ostest.ThreadInfo", "os_thread_info", arg, 1, &task), rcOk) ||
        !OT_RC(transfer(task, t.handle, HR_READ, &their_thread), rcOk) ||
        !OT_RC(transfer(task, mdl, HR_MEMORY_MAP | HR_READ | HR_WRITE, &their_flag), rcOk))
        return;
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    _Alignas(8) uint8_t blob[256];
    struct scp_builder b;
    size_t len = 0;
    scp_init(&b, blob, sizeof blob, GEN_KMEM(gen), GEN_RAM(gen));
    scp_arg(&b, name);
    scp_arg(&b, arg);
    scp_conn(&b, "thread", their_thread);
    scp_conn(&b, "flag", their_flag);
    if (!OT_RC(scp_finish(&b, &len), rcOk) ||
        !OT_RC(core_result(
                   kl_core_Task_SetEnv(&cl, H(task),
                                       (struct idl_seq){.data = blob, .count = (uint32_t)len}, &rc),
                   &rc),
               rcOk) ||
        !OT_RC(core_result(kl_core_Task_Resume(&cl, H(task), &rc), &rc), rcOk))
        return;
    for (int waited = 0; next_flag[0] == 0 && waited < WATCH_MAX_MS; waited += 100)
        (void)core_sync_wait(&next_flag[0], 0, 100);
    OT_EQ(next_flag[0], 1);
    /* The new process has its bait page where the old thread's stack was: the old thread
     * still shows no stack. */
    struct kl_core_Thread_ThreadInfo info;
    if (bait != 0 && OT_RC(get_info(watched, &info), rcOk)) {
        OT_EQ(info.stackBase, 0);
        OT_EQ(info.stackSize, 0);
    }
}

int main(int argc, char **argv)
{
    int gen = argc > 1 ? atoi(argv[1]) : 0;
    const char *colon = argc > 1 ? strchr(argv[1], ':') : NULL;
    uint64_t bait = colon != NULL ? strtoul(colon + 1, NULL, 16) : 0;
    if (bait != 0) {
        uint64_t va = 0;
        (void)core_vmm_allocate(bait, PAGE,
                                BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_COMMIT, &va);
    }
    /* Only the last generation prints the test's result line. */
    ot_begin(gen == GENERATIONS ? "os_thread_info" : "os_thread_info_generation");
    uint64_t prev_stack = 0;
    if (gen > 0)
        prev_stack = watch_previous();
    if (gen == 0)
        core_thread_sleep(START_DELAY_MS);
    if (gen < GENERATIONS) {
        /* A failure ends the chain here: the result line never appears. */
        if (gen > 0 && ot_end() != 0)
            return 1;
        spread_pages();
        start_next(gen + 1, prev_stack);
        return 0; /* ends while the next generation watches */
    }
    uint64_t calls = results[0].calls + results[1].calls;
    printf("os_thread_info: %d generations ended while watched (last: %llu GetInfo calls)\n",
           GENERATIONS, (unsigned long long)calls);
    return ot_end();
}
