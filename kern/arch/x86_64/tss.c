/* Per-CPU TSS setup. */
#include "arch/x86_64/tss.h"

#include "arch/x86_64/percpu.h"
#include "lib/string.h"

void tss_init(struct percpu *p)
{
    memset(&p->tss, 0, sizeof p->tss);
    for (int i = 0; i < IST_COUNT; i++)
        p->tss.ist[i] = (uint64_t)(p->ist_stack[i] + IST_STACK_SIZE);
    memset(p->io_bitmap, 0xFF, sizeof p->io_bitmap);
    p->io_loaded_version = 0;
    p->io_loaded_span = 0;
    p->tss.iomap_base = TSS_IOMAP_NONE;
}
