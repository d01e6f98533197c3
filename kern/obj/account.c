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
    acct->parent = NULL;
    acct->carved = 0;
    acct->closed = false;
    for (int k = 0; k < KMEM_COUNTED_KINDS; k++)
        acct->counted[k] = 0;
}

/* Adds `bytes` to acct->used if that keeps used <= limit; the one place a charge is decided, so
 * that a concurrent charge, a hold (resize, close) and the limit check are all one CAS. */
static bool add_within_limit(struct kmem_account *acct, uint64_t bytes, uint64_t *now)
{
    uint64_t used = __atomic_load_n(&acct->used, __ATOMIC_RELAXED);
    for (;;) {
        uint64_t limit = __atomic_load_n(&acct->limit, __ATOMIC_RELAXED);
        /* Written to avoid overflow: used + bytes > limit  <=>  bytes > limit - used. */
        if (used > limit || bytes > limit - used)
            return false;
        if (__atomic_compare_exchange_n(&acct->used, &used, used + bytes, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            *now = used + bytes;
            return true;
        }
    }
}

Retcode kmem_charge(struct kmem_account *acct, size_t bytes)
{
    if (acct == NULL)
        return rcOk;
    uint64_t now;
    if (!add_within_limit(acct, bytes, &now))
        return rcQuotaExceeded;
    uint64_t peak = __atomic_load_n(&acct->peak, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&acct->peak, &peak, now, true,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    return rcOk;
}

/* Subtracts up to `bytes` from *field, saturating at 0; returns what was subtracted. */
static uint64_t sub_saturating(uint64_t *field, uint64_t bytes)
{
    uint64_t v = __atomic_load_n(field, __ATOMIC_RELAXED);
    for (;;) {
        uint64_t n = bytes > v ? v : bytes;
        if (__atomic_compare_exchange_n(field, &v, v - n, true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return n;
    }
}

/* A closed account gives what is returned to it back to its parent. The limit drops first, so
 * that no charge fits into the room before the parent has it back. */
static void uncharge_closed(struct kmem_account *acct, uint64_t bytes)
{
    uint64_t n = sub_saturating(&acct->limit, bytes);
    (void)sub_saturating(&acct->used, bytes);
    if (acct->parent != NULL) {
        (void)sub_saturating(&acct->carved, n);
        kmem_uncharge(acct->parent, n);
    }
}

void kmem_uncharge(struct kmem_account *acct, size_t bytes)
{
    if (acct == NULL)
        return;
    if (__atomic_load_n(&acct->closed, __ATOMIC_ACQUIRE)) {
        uncharge_closed(acct, bytes);
        return;
    }
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
    /* A loop, not recursion: a chain of carved accounts may be as deep as quota allows. */
    while (acct != NULL) {
        if (__atomic_sub_fetch(&acct->refs, 1, __ATOMIC_ACQ_REL) != 0)
            return;
        struct kmem_account *parent = acct->parent;
        uint64_t carved = acct->carved;
        acct->parent = NULL;
        acct->carved = 0;
        if (acct->release != NULL)
            acct->release(acct); /* may free acct */
        kmem_uncharge(parent, carved);
        acct = parent;
    }
}

Retcode kmem_account_carve(struct kmem_account *acct, struct kmem_account *parent, uint64_t limit)
{
    if (acct == NULL || acct == parent || acct->parent != NULL || acct->closed)
        return rcInvalidArgument;
    if (parent == NULL) {
        __atomic_store_n(&acct->limit, limit, __ATOMIC_RELEASE);
        return rcOk;
    }
    Retcode rc = kmem_charge(parent, limit);
    if (rc != rcOk)
        return rc;
    rc = kmem_account_get(parent);
    if (rc != rcOk) {
        kmem_uncharge(parent, limit);
        return rc;
    }
    acct->parent = parent;
    acct->carved = limit;
    __atomic_store_n(&acct->limit, limit, __ATOMIC_RELEASE);
    return rcOk;
}

Retcode kmem_account_resize(struct kmem_account *acct, uint64_t limit)
{
    if (acct == NULL)
        return rcInvalidArgument;
    if (__atomic_load_n(&acct->closed, __ATOMIC_ACQUIRE))
        return rcPeerClosed;
    if (acct->parent == NULL) {
        __atomic_store_n(&acct->limit, limit, __ATOMIC_RELEASE);
        return rcOk;
    }
    uint64_t cur = acct->carved;
    if (limit > cur) {
        /* The parent pays first: until it has, the account cannot use the raise. */
        Retcode rc = kmem_charge(acct->parent, limit - cur);
        if (rc != rcOk)
            return rc;
        acct->carved = limit;
        __atomic_add_fetch(&acct->limit, limit - cur, __ATOMIC_ACQ_REL);
    } else if (limit < cur) {
        /* Hold the cut as a charge first: it fits exactly when used <= the new limit, decided
         * by the same CAS every other charge goes through, so none can slip in between. */
        uint64_t cut = cur - limit, now;
        if (!add_within_limit(acct, cut, &now))
            return rcOutOfRange;
        __atomic_sub_fetch(&acct->limit, cut, __ATOMIC_ACQ_REL);
        acct->carved = limit;
        __atomic_sub_fetch(&acct->used, cut, __ATOMIC_ACQ_REL);
        kmem_uncharge(acct->parent, cut);
    }
    return rcOk;
}

void kmem_account_close(struct kmem_account *acct)
{
    if (acct == NULL || __atomic_exchange_n(&acct->closed, true, __ATOMIC_ACQ_REL))
        return;
    /* Hold all the room that is left, so that no charge can take it, then give it back. */
    uint64_t used = __atomic_load_n(&acct->used, __ATOMIC_RELAXED), hold = 0;
    for (;;) {
        uint64_t limit = __atomic_load_n(&acct->limit, __ATOMIC_RELAXED);
        if (used >= limit)
            break;
        if (__atomic_compare_exchange_n(&acct->used, &used, limit, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            hold = limit - used;
            break;
        }
    }
    if (hold != 0)
        uncharge_closed(acct, hold);
}

bool kmem_account_is_closed(const struct kmem_account *acct)
{
    return acct != NULL && __atomic_load_n(&acct->closed, __ATOMIC_ACQUIRE);
}

uint64_t kmem_account_available(const struct kmem_account *acct)
{
    if (acct == NULL)
        return 0;
    uint64_t used = __atomic_load_n(&acct->used, __ATOMIC_RELAXED);
    uint64_t limit = __atomic_load_n(&acct->limit, __ATOMIC_RELAXED);
    return limit > used ? limit - used : 0;
}

_Static_assert(KMEM_COUNTED_KINDS == sizeof(((struct kmem_account *)0)->counted) / sizeof(uint32_t),
               "one counter per counted kind");

Retcode kmem_count_take(struct kmem_account *acct, enum kmem_counted kind, uint32_t max)
{
    if (acct == NULL)
        return rcOk;
    uint32_t *n = &acct->counted[kind];
    uint32_t v = __atomic_load_n(n, __ATOMIC_RELAXED);
    do {
        if (v >= max)
            return rcQuotaExceeded;
    } while (!__atomic_compare_exchange_n(n, &v, v + 1, true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    return rcOk;
}

void kmem_count_give(struct kmem_account *acct, enum kmem_counted kind)
{
    if (acct == NULL)
        return;
    uint32_t *n = &acct->counted[kind];
    uint32_t v = __atomic_load_n(n, __ATOMIC_RELAXED);
    /* Giving back more than was taken is a caller bug: saturate at 0, as kmem_uncharge does. */
    while (v > 0 &&
           !__atomic_compare_exchange_n(n, &v, v - 1, true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        ;
}
