/*
 * Spinlocks: test-and-test-and-set, for short critical sections on SMP.
 *
 * Rules: never sleep or take a lock of lower rank while holding one; a lock also taken in an
 * interrupt handler must be taken with spin_lock_irqsave() everywhere else, or the handler can
 * interrupt its own CPU's holder and spin forever.
 */
#ifndef BASTION_ARCH_X86_64_SPINLOCK_H
#define BASTION_ARCH_X86_64_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"

struct spinlock {
    volatile uint32_t locked;
};

#define SPINLOCK_INIT {0}

static inline void spin_init(struct spinlock *l) { l->locked = 0; }

static inline bool spin_trylock(struct spinlock *l)
{
    return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock(struct spinlock *l)
{
    while (!spin_trylock(l))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            cpu_pause();
}

static inline void spin_unlock(struct spinlock *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }

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
