/*
 * os_prof_worker (class ostest.ProfWorker): the busy process os_prof samples. It spins in
 * prof_worker_spin, a function of its own that os_prof finds by name in this file's symbol
 * table, until it is terminated.
 */
#include <stdint.h>

/* Not static, not inlined: its symbol is what os_prof names the samples with. */
__attribute__((noinline)) void prof_worker_spin(volatile uint64_t *count);

void prof_worker_spin(volatile uint64_t *count)
{
    for (;;)
        (*count)++;
}

int main(void)
{
    static volatile uint64_t count;
    prof_worker_spin(&count);
    return 0;
}
