/*
 * A futex-based mutex over kl.core.Sync Wait/Wake: uncontended lock and unlock are one atomic
 * instruction each and never enter the kernel; a contended lock sleeps in Sync.Wait.
 *
 * The word is 0 (free), 1 (held, nobody waiting) or 2 (held, maybe waiters). Invariant: a
 * thread only sleeps on the value 2, and whoever finds 2 on unlock wakes one sleeper, so no
 * wake-up is lost (the kernel re-checks the word under its own lock before sleeping).
 * Not recursive. Any thread may unlock (no owner is recorded).
 */
#ifndef USER_MUTEX_H
#define USER_MUTEX_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t word;
} mutex_t;

#define MUTEX_INIT \
    {              \
        0          \
    }

void mutex_lock(mutex_t *m);
/* true if it took the lock without waiting. */
bool mutex_trylock(mutex_t *m);
void mutex_unlock(mutex_t *m);

#endif
