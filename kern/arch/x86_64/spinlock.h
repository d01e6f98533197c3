/*
 * Spinlocks: test-and-test-and-set, for short critical sections on SMP.
 *
 * Rules: never sleep while holding one; take locks only in increasing level order (every lock
 * is created with its level, lib/lock_order.h; docs/locks.md lists them all); a lock also taken
 * in an interrupt handler must be taken with spin_lock_irqsave() everywhere else, or the handler
 * can interrupt its own CPU's holder and spin forever.
 *
 * In a kernel built with BASTION_LOCK_CHECKS each lock also records its level and the CPU that
 * holds it, and lib/lock_check.c checks the order at every acquisition and the holder at every
 * release and spin_assert_held(). Elsewhere the level is stated in the source only: the struct
 * and every operation are the same as without it.
 */
#ifndef BASTION_ARCH_X86_64_SPINLOCK_H
#define BASTION_ARCH_X86_64_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "lib/lock_order.h"

struct spinlock {
    volatile uint32_t locked;
#ifdef BASTION_LOCK_CHECKS
    uint16_t level; /* enum lock_level */
    uint16_t owner; /* the holder's CPU index + 1; 0: free or taken before per-CPU data */
#endif
};

#ifdef BASTION_LOCK_CHECKS
#define SPINLOCK_INIT(lvl)                      \
    {                                           \
        .locked = 0, .level = (lvl), .owner = 0 \
    }
static inline void spin_init(struct spinlock *l, enum lock_level level)
{
    l->locked = 0;
    l->level = (uint16_t)level;
    l->owner = 0;
}
/* For a lock in memory already zeroed (a free lock): gives it its level. */
static inline void spin_init_zeroed(struct spinlock *l, enum lock_level level)
{
    l->level = (uint16_t)level;
}
/* lib/lock_check.c: order and holder checks; each panics with the locks named. */
void lock_check_acquire(const struct spinlock *l);
void lock_check_taken(struct spinlock *l);
void lock_check_release(struct spinlock *l);
void lock_check_held(const struct spinlock *l, const char *what, const char *file, int line);
/* May this CPU take a lock of `level` now (for the self-test of the check itself)? */
bool lock_order_allows(unsigned level);
/* The scheduler is about to switch threads: this CPU must hold sched_lock and nothing else (a
 * thread never sleeps holding a spinlock). */
void lock_check_switch(void);
#define LOCK_CHECK_SWITCH() lock_check_switch()
#define LOCK_CHECK_ACQUIRE(l) lock_check_acquire(l)
#define LOCK_CHECK_TAKEN(l) lock_check_taken(l)
#define LOCK_CHECK_RELEASE(l) lock_check_release(l)
/* The lock is held by this CPU (by anyone, before per-CPU data exists). For the top of every
 * *_locked function. */
#define spin_assert_held(l) lock_check_held((l), #l, __FILE__, __LINE__)
#else
#define SPINLOCK_INIT(lvl) \
    {                      \
        0                  \
    }
static inline void spin_init(struct spinlock *l, enum lock_level level)
{
    (void)level;
    l->locked = 0;
}
static inline void spin_init_zeroed(struct spinlock *l, enum lock_level level)
{
    (void)l;
    (void)level;
}
#define LOCK_CHECK_ACQUIRE(l) ((void)0)
#define LOCK_CHECK_TAKEN(l) ((void)0)
#define LOCK_CHECK_RELEASE(l) ((void)0)
#define LOCK_CHECK_SWITCH() ((void)0)
#define spin_assert_held(l) ((void)sizeof(l))
#endif

static inline bool spin_trylock(struct spinlock *l)
{
    bool got = __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
    if (got)
        LOCK_CHECK_TAKEN(l);
    return got;
}

static inline void spin_lock(struct spinlock *l)
{
    LOCK_CHECK_ACQUIRE(l);
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0)
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_pause();
    LOCK_CHECK_TAKEN(l);
}

static inline void spin_unlock(struct spinlock *l)
{
    LOCK_CHECK_RELEASE(l);
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const struct spinlock *l)
{
    return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

/* Disables interrupts, then locks; returns the saved flags for spin_unlock_irqrestore(). */
static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
    uint64_t flags = cpu_irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
    spin_unlock(l);
    cpu_irq_restore(flags);
}

#endif
