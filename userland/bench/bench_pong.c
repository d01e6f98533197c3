/*
 * bench_pong: the pong of futex_rtt (docs/benchmarks.md), a process of its own. bench_main
 * creates an MDL page, transfers its handle here under the name "futex" and maps it too; this
 * program maps it and answers every ping in the protocol of bench_futex.h: wait while the
 * turn word is 0, store 0, wake ping if it announced a wait. The stop word set means stop
 * (checked after every wait). Exit codes: 0 stopped as asked; 2-4 setup failed
 * (no handle, no mapping, a Sync call failed).
 */
#include <user/core.h>
#include <user/start.h>
#include <user/vmm.h>

#include "bench_futex.h"

int main(void)
{
    uint32_t h;
    uint64_t va = 0;
    if (start_connection("futex", &h) != rcOk)
        return 2;
    if (core_mdl_map(h, 0, USER_PAGE_SIZE, 0, BASTION_VMM_READ | BASTION_VMM_WRITE, &va) != rcOk)
        return 3;
    volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)va;
    for (;;) {
        if (bench_futex_wait_while(&w[BENCH_FUTEX_TURN], &w[BENCH_FUTEX_PONG_WAITS], 0) != rcOk)
            return 4;
        if (w[BENCH_FUTEX_STOP])
            break;
        if (bench_futex_set(&w[BENCH_FUTEX_TURN], &w[BENCH_FUTEX_PING_WAITS], 0) != rcOk)
            return 4;
    }
    (void)core_vmm_free(va, USER_PAGE_SIZE);
    return 0;
}
