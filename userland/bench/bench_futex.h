/*
 * bench_futex: the futex protocol of futex_rtt, shared by its two sides (bench_main's ping and
 * bench_pong; bench/linux/bench.c spells out the same protocol over FUTEX_WAIT/FUTEX_WAKE, and
 * docs/benchmarks.md describes it). It is how futex users such as glibc's locks work: a system
 * call only when the other side needs one.
 *
 * The shared page holds four 32-bit words: the turn word both sides wait on (0: pong's turn to
 * wait, 1: ping has pinged), the stop word, and one "waits" flag per side. A waiter sets its
 * flag before every Sync.Wait and clears it after; Wait sleeps only while the turn word still
 * holds the value the waiter saw (the kernel checks it under the bucket lock Wake takes). A
 * waker stores the new turn value and calls Sync.Wake only when the other side's flag is set.
 *
 * No lost wake-up: the waiter's flag store and the waker's turn store are sequentially
 * consistent (x86: xchg), each followed by the load of the other word (the kernel's read of the
 * turn word comes after the locked instructions of the system call's path). Either the waker
 * sees the flag and wakes, or the waiter's Wait sees the new turn value and returns at once
 * (rcResourceBusy). A flag still set by a waiter already past its Wait costs one needless Wake.
 */
#ifndef BENCH_FUTEX_H
#define BENCH_FUTEX_H

#include <stdint.h>

#include <user/core.h>

enum { BENCH_FUTEX_TURN, BENCH_FUTEX_STOP, BENCH_FUTEX_PONG_WAITS, BENCH_FUTEX_PING_WAITS };

/* Returns when *turn != val: waits (flag `waits` announced) while it holds val. rcOk, or the
 * failure of a Sync.Wait. */
static inline Retcode bench_futex_wait_while(volatile uint32_t *turn, volatile uint32_t *waits,
                                             uint32_t val)
{
    while (__atomic_load_n(turn, __ATOMIC_SEQ_CST) == val) {
        __atomic_store_n(waits, 1, __ATOMIC_SEQ_CST);
        Retcode r = core_sync_wait(turn, val, kl_core_Types_InfiniteTimeout);
        __atomic_store_n(waits, 0, __ATOMIC_RELAXED);
        if (r != rcOk && r != rcResourceBusy) /* busy: the word changed before the wait */
            return r;
    }
    return rcOk;
}

/* Stores val in *turn and wakes the other side if its flag `waits` says it waits (or is about
 * to). rcOk, or the failure of the Sync.Wake. */
static inline Retcode bench_futex_set(volatile uint32_t *turn, volatile uint32_t *waits,
                                      uint32_t val)
{
    __atomic_store_n(turn, val, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(waits, __ATOMIC_SEQ_CST) == 0)
        return rcOk;
    return core_sync_wake(turn, 1, NULL);
}

#endif
