/* Path profiling (prof.h): only in kernels built with -DBASTION_CORE_PROF. */
#ifdef BASTION_CORE_PROF
#include "lib/prof.h"

#include "lib/kprintf.h"

uint64_t prof_marks[PROF_MARKS];

void prof_average_add(struct prof_average *a, const uint64_t *durations)
{
    for (unsigned i = 0; i < a->nstages && i < PROF_STAGES_MAX; i++)
        a->sum[i] += durations[i];
    if (++a->n < 1000)
        return;
    kprintf("%s", a->tag);
    for (unsigned i = 0; i < a->nstages && i < PROF_STAGES_MAX; i++) {
        kprintf(" %s %lu", a->stage[i], (unsigned long)(a->sum[i] / a->n));
        a->sum[i] = 0;
    }
    kprintf("\n");
    a->n = 0;
}
#endif
