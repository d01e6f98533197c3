/* bench_idle: one of the processes bench_scale fills the system with. It waits on a word nobody
 * wakes, holding what an idle process holds (its address space, one thread, its handles and
 * the monitor's state for its SID), until bench_scale ends it. */
#include <user/core.h>

int main(void)
{
    static volatile uint32_t never;
    for (;;)
        (void)core_sync_wait(&never, 0, kl_core_Types_InfiniteTimeout);
}
