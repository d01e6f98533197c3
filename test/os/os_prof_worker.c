/*
 * os_prof_worker (class ostest.ProfWorker): the busy process os_prof samples. It spins in
 * prof_worker_spin, a function of its own that os_prof finds by name in this file's symbol
 * table, until it is terminated.
 *
 * Run as "os_prof_worker calls" (os_prof's ProfCaller) it is the process whose activity
 * counters os_prof reads after it has ended: it makes PROF_CALLER_CALLS core calls its policy
 * grants (HAL.GetEntropy) and one it denies (Task.GetName), then exits with 0 if each got the
 * answer it should (1 if a granted one failed, 2 if the denied one was not refused).
 */
#include <stdint.h>
#include <string.h>

#include <user/core.h>

#include "prof_calls.h"

/* Not static, not inlined: its symbol is what os_prof names the samples with. */
__attribute__((noinline)) void prof_worker_spin(volatile uint64_t *count);

void prof_worker_spin(volatile uint64_t *count)
{
    for (;;)
        (*count)++;
}

static int calls(void)
{
    int bad = 0;
    uint64_t word;
    for (unsigned i = 0; i < PROF_CALLER_CALLS; i++)
        if (core_get_entropy(&word, sizeof word) != rcOk) /* one call for 8 bytes */
            bad = 1;
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    const char *name = NULL;
    if (core_result(kl_core_Task_GetName(&cl, &name, &rc), &rc) != rcSecurityDisallow)
        bad = bad ? bad : 2;
    return bad;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "calls") == 0)
        return calls();
    static volatile uint64_t count;
    prof_worker_spin(&count);
    return 0;
}
