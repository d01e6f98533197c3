/* A process's IPC interrupt word (contract in interrupt.h). */
#include "ipc/interrupt.h"

#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

Retcode ipc_sync_count_take(struct process *p)
{
    uint32_t n = __atomic_load_n(&p->ipc_sync_objects, __ATOMIC_RELAXED);
    do {
        if (n >= IPC_SYNC_MAX)
            return rcTooManySyncObjects;
    } while (!__atomic_compare_exchange_n(&p->ipc_sync_objects, &n, n + 1, false, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    return rcOk;
}

void ipc_sync_count_drop(struct process *p)
{
    __atomic_sub_fetch(&p->ipc_sync_objects, 1, __ATOMIC_RELAXED);
}

void ipc_interrupt_raise(struct process *p)
{
    /* The word first, then the waiters: a thread that blocks after this store sees it under
     * sched_lock, one blocked before it is woken below (sched_interrupt()). */
    __atomic_add_fetch(&p->ipc_interrupts, 1, __ATOMIC_SEQ_CST);
    spin_lock(&p->lock);
    for (uint32_t i = 0; i < p->nthreads; i++)
        (void)sched_interrupt(p->threads[i]);
    spin_unlock(&p->lock);
}

void ipc_interrupt_lower(struct process *p)
{
    __atomic_sub_fetch(&p->ipc_interrupts, 1, __ATOMIC_SEQ_CST);
}

const uint32_t *ipc_interrupt_word(void)
{
    struct process *p = thread_current()->proc;
    return p != NULL ? &p->ipc_interrupts : NULL;
}
