/* Kernel-memory accounts (see account.h for the contract). Lock-free: atomics only. */
#include <stdbool.h>

#include "obj/account.h"

void kmem_account_init(struct kmem_account *acct, uint64_t limit,
                       void (*release)(struct kmem_account *acct))
{
    acct->used = 0;
    acct->limit = limit;
    acct->peak = 0;
    acct->refs = 1;
    acct->release = release;
}

Retcode kmem_charge(struct kmem_account *acct, size_t bytes)
{
    if (acct == NULL)
        return rcOk;
    uint64_t used = __atomic_load_n(&acct->used, __ATOMIC_RELAXED);
    for (;;) {
        uint64_t limit = __atomic_load_n(&acct->limit, __ATOMIC_RELAXED);
        /* Written to avoid overflow: used + bytes > limit  <=>  bytes > limit - used. */
        if (used > limit || (uint64_t)bytes > limit - used)
            return rcQuotaExceeded;
        if (__atomic_compare_exchange_n(&acct->used, &used, used + bytes, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            break;
    }
    uint64_t now = used + bytes;
    uint64_t peak = __atomic_load_n(&acct->peak, __ATOMIC_RELAXED);
    while (now > peak &&
           !__atomic_compare_exchange_n(&acct->peak, &peak, now, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
        ;
    return rcOk;
}

void kmem_uncharge(struct kmem_account *acct, size_t bytes)
{
    if (acct == NULL)
        return;
    uint64_t used = __atomic_load_n(&acct->used, __ATOMIC_RELAXED);
    for (;;) {
        uint64_t next = (uint64_t)bytes > used ? 0 : used - bytes;
        if (__atomic_compare_exchange_n(&acct->used, &used, next, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return;
    }
}

Retcode kmem_account_get(struct kmem_account *acct)
{
    if (acct == NULL)
        return rcOk;
    uint32_t refs = __atomic_load_n(&acct->refs, __ATOMIC_RELAXED);
    do {
        if (refs == 0)
            return rcInvalidArgument; /* already released: a use after free in the caller */
        if (refs == UINT32_MAX)
            return rcOverflow;
    } while (!__atomic_compare_exchange_n(&acct->refs, &refs, refs + 1, true, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    return rcOk;
}

void kmem_account_put(struct kmem_account *acct)
{
    if (acct == NULL)
        return;
    if (__atomic_sub_fetch(&acct->refs, 1, __ATOMIC_ACQ_REL) == 0 && acct->release != NULL)
        acct->release(acct);
}
