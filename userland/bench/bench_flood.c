/*
 * bench_flood: the other process of the core_call_flood row. bench_main starts it; it has 64
 * threads, the most a process may have (PROCESS_MAX_THREADS): its main thread and 63 that make
 * core calls (Task.GetPid: each one a question to the security monitor) until bench_main
 * terminates it. What the row measures is how long bench_main's own
 * monitored call takes meanwhile: the per-process gate in front of the KSM
 * (kern/security/ksm_gate.c) lets at most 4 of this process's questions be with the monitor at
 * a time, so the bystander's question waits behind those 4, not behind 64.
 */
#include <user/core.h>
#include <user/start.h>
#include <user/thread.h>
#include <user/vmm.h>

#define FLOODERS 63 /* with its main thread, 64: PROCESS_MAX_THREADS, the most a process may have */
#define FLOOD_STACK (16u * 1024u)

/* The page bench_main shares with us (connection "flood"): word 0 counts our calls, word 1 our
 * threads ready, word 2 is 1 once all of them may begin, so bench_main sees that the flood is on
 * while it measures. */
enum { W_CALLS, W_READY, W_GO };
static volatile uint32_t *shared;

/* Each thread makes its calls back to back and yields the CPU after each (Thread.Sleep(0)): on
 * the benchmark's one CPU a thread that never yields would run only in its 20 ms slices, one
 * thread at a time; yielding, all 64 keep questions coming in turn, and bench_main's own calls
 * fall among theirs. */
static int flooder(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&shared[W_READY], 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&shared[W_GO], __ATOMIC_ACQUIRE) == 0)
        (void)core_sync_wait(&shared[W_GO], 0, kl_core_Types_InfiniteTimeout);
    for (;;) {
        CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        kl_core_Types_Pid pid = 0;
        (void)core_result(kl_core_Task_GetPid(&cl, core_handle_arg(0xffffffffu), &pid, &rc), &rc);
        __atomic_add_fetch(&shared[W_CALLS], 1, __ATOMIC_RELAXED);
        (void)core_thread_sleep(0);
    }
    return 0;
}

int main(void)
{
    uint32_t page = 0;
    uint64_t va = 0;
    if (start_connection("flood", &page) != rcOk)
        return 1;
    if (core_mdl_map(page, 0, USER_PAGE_SIZE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va) != rcOk)
        return 2;
    shared = (volatile uint32_t *)(uintptr_t)va;
    static struct thread t[FLOODERS];
    for (int i = 0; i < FLOODERS; i++)
        if (thread_create(&t[i], flooder, NULL, THREAD_PRIO_DEFAULT, FLOOD_STACK) != rcOk)
            return 3;
    /* All created (creating them amid a running flood would take 64 rounds of it): go. */
    __atomic_store_n(&shared[W_GO], 1, __ATOMIC_RELEASE);
    (void)core_sync_wake(&shared[W_GO], FLOODERS, NULL);
    /* bench_main terminates us. */
    for (;;)
        core_thread_sleep(1000);
}
