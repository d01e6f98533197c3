/* The futex mutex of <user/mutex.h> (the three-state scheme from Drepper's "Futexes Are
 * Tricky"). */
#include <user/core.h>
#include <user/mutex.h>

bool mutex_trylock(mutex_t *m)
{
    uint32_t expected = 0;
    return __atomic_compare_exchange_n(&m->word, &expected, 1, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

void mutex_lock(mutex_t *m)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(&m->word, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    /* Contended: announce a waiter (2) and sleep while it stays 2. */
    if (c != 2)
        c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        Retcode r = core_sync_wait(&m->word, 2, kl_core_Types_InfiniteTimeout);
        if (r != rcOk && r != rcTimeout && r != rcResourceBusy)
            __asm__ volatile("pause"); /* the kernel refused to sleep: spin instead of failing */
        c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
    }
}

void mutex_unlock(mutex_t *m)
{
    if (__atomic_fetch_sub(&m->word, 1, __ATOMIC_RELEASE) != 1) {
        __atomic_store_n(&m->word, 0, __ATOMIC_RELEASE);
        core_sync_wake(&m->word, 1, NULL);
    }
}
