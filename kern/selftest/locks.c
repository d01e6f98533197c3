/*
 * The lock-order check itself (lib/lock_check.c, kernels built with BASTION_LOCK_CHECKS): the
 * predicate every blocking acquisition panics on. Interrupts off throughout: the levels held are
 * per CPU.
 */
#include "selftest/check.h"

#ifdef BASTION_TEST_HOOKS

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "lib/lock_order.h"

#ifdef BASTION_LOCK_CHECKS
static struct spinlock lo_process = SPINLOCK_INIT(LOCK_LEVEL_PROCESS);
static struct spinlock lo_port = SPINLOCK_INIT(LOCK_LEVEL_PORT);

void selftest_locks(void)
{
    uint64_t f = cpu_irq_save();
    CHECK(lock_order_allows(LOCK_LEVEL_HANDLE_TREE), "nothing held: the lowest level allowed");
    spin_lock(&lo_process);
    spin_assert_held(&lo_process);
    CHECK(lock_order_allows(LOCK_LEVEL_PORT), "process lock, then a port lock: allowed");
    CHECK(!lock_order_allows(LOCK_LEVEL_PROCESS), "a second process lock: refused");
    CHECK(!lock_order_allows(LOCK_LEVEL_HANDLE_TREE), "the handle tree under a process lock: "
                                                      "refused");
    spin_lock(&lo_port);
    CHECK(lock_order_allows(LOCK_LEVEL_SCHED), "port lock, then sched_lock: allowed");
    CHECK(!lock_order_allows(LOCK_LEVEL_ASPACE), "an address space under a port lock: refused");
    spin_unlock(&lo_port);
    CHECK(lock_order_allows(LOCK_LEVEL_ASPACE), "port released: an address space allowed again");
    spin_unlock(&lo_process);
    CHECK(lock_order_allows(LOCK_LEVEL_HANDLE_TREE), "all released: the lowest level allowed "
                                                     "again");
    /* A trylock is not ordered, but what it takes counts as held. */
    CHECK(spin_trylock(&lo_port), "trylock of a free lock");
    CHECK(!lock_order_allows(LOCK_LEVEL_PROCESS), "a process lock under a trylocked port lock: "
                                                  "refused");
    spin_unlock(&lo_port);
    CHECK(lock_order_allows(LOCK_LEVEL_PROCESS), "trylocked lock released");
    cpu_irq_restore(f);
}
#else
void selftest_locks(void)
{
    /* No checks compiled in: nothing to test, and a failure says so rather than a silent pass. */
    CHECK(false, "selftest=locks needs a kernel built with BASTION_LOCK_CHECKS");
}
#endif

#endif
