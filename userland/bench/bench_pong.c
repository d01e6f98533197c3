/*
 * bench_pong: the pong of futex_rtt (docs/benchmarks.md), a process of its own. bench_main
 * creates an MDL page, transfers its handle here under the name "futex" and maps it too; this
 * program maps it and answers every ping: wait while the word is 0, store 0, wake. Word 1 set
 * means stop (checked after every wake-up). Exit codes: 0 stopped as asked; 2-4 setup failed
 * (no handle, no mapping, a Sync call failed).
 */
#include <user/core.h>
#include <user/start.h>
#include <user/vmm.h>

int main(void)
{
    uint32_t h;
    uint64_t va = 0;
    if (start_connection("futex", &h) != rcOk)
        return 2;
    if (core_mdl_map(h, 0, USER_PAGE_SIZE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va) != rcOk)
        return 3;
    volatile uint32_t *word = (volatile uint32_t *)(uintptr_t)va;
    volatile uint32_t *stop = word + 1;
    for (;;) {
        while (*word == 0) {
            Retcode r = core_sync_wait(word, 0, kl_core_Types_InfiniteTimeout);
            if (r != rcOk && r != rcResourceBusy) /* busy: the word changed before the wait */
                return 4;
        }
        if (*stop)
            break;
        *word = 0;
        if (core_sync_wake(word, 1, NULL) != rcOk)
            return 4;
    }
    (void)core_vmm_free(va, USER_PAGE_SIZE);
    return 0;
}
