/* Kernel object header: reference counting, SIDs and object ids (contract in kobj.h). */
#include "obj/kobj.h"

/* Never reused for the kernel's lifetime. A 64-bit koid cannot wrap in practice (2^64 objects);
 * the 32-bit SID space can, so it is checked. */
static uint64_t next_koid = 1;
static uint32_t next_sid = KOBJ_SID_FIRST;

static Retcode sid_alloc(kobj_sid_t *out)
{
    uint32_t sid = __atomic_load_n(&next_sid, __ATOMIC_RELAXED);
    do {
        if (sid == UINT32_MAX) /* UINT32_MAX is kept out: it reads as an invalid handle value */
            return rcOverflow;
    } while (!__atomic_compare_exchange_n(&next_sid, &sid, sid + 1, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    *out = sid;
    return rcOk;
}

Retcode kobj_init(struct kobj *obj, const struct kobj_ops *ops, kobj_sid_t sid,
                  struct kmem_account *acct, size_t charge)
{
    if (obj == NULL || ops == NULL || ops->destroy == NULL || ops->type == KOBJ_ANY ||
        ops->type >= KOBJ_TYPE_COUNT || charge > UINT32_MAX - KOBJ_END_CHARGE)
        return rcInvalidArgument;
    if (sid == KOBJ_SID_NONE) {
        Retcode rc = sid_alloc(&sid);
        if (rc != rcOk)
            return rc;
    }
    Retcode rc = kmem_charge(acct, KOBJ_END_CHARGE);
    if (rc != rcOk)
        return rc;
    rc = kmem_account_get(acct);
    if (rc != rcOk) {
        kmem_uncharge(acct, KOBJ_END_CHARGE);
        return rc;
    }
    obj->ops = ops;
    obj->refs = 1;
    obj->sid = sid;
    obj->koid = __atomic_fetch_add(&next_koid, 1, __ATOMIC_RELAXED);
    obj->account = acct;
    obj->charge = acct != NULL ? (uint32_t)charge + KOBJ_END_CHARGE : 0;
    obj->end = NULL;
    return rcOk;
}

Retcode kobj_ref(struct kobj *obj)
{
    uint32_t refs = __atomic_load_n(&obj->refs, __ATOMIC_RELAXED);
    do {
        if (refs == 0)
            return rcInvalidArgument;
        if (refs >= KOBJ_REFS_MAX)
            return rcOverflow;
    } while (!__atomic_compare_exchange_n(&obj->refs, &refs, refs + 1, true, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    return rcOk;
}

static const struct kobj_end_keeper *end_keeper; /* set once at start */

void kobj_set_end_keeper(const struct kobj_end_keeper *keeper)
{
    __atomic_store_n(&end_keeper, keeper, __ATOMIC_RELEASE);
}

Retcode kobj_end_reserve(struct kobj *obj)
{
    const struct kobj_end_keeper *k = __atomic_load_n(&end_keeper, __ATOMIC_ACQUIRE);
    if (k == NULL)
        return rcOk; /* no monitor to tell */
    struct kobj_end *end = k->alloc();
    if (end == NULL)
        return rcOutOfMemory;
    Retcode rc = kmem_account_get(obj->account);
    if (rc != rcOk) {
        k->free(end);
        return rc;
    }
    end->next = NULL;
    end->account = obj->account;
    end->sid = obj->sid;
    end->type = (uint8_t)kobj_type(obj); /* < 256: see the enum */
    struct kobj_end *none = NULL;
    if (!__atomic_compare_exchange_n(&obj->end, &none, end, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        /* Another thread showed it first: its note serves. */
        kmem_account_put(end->account);
        k->free(end);
        return rcOk;
    }
    /* The note takes the object's share of the charge: the object returns the rest when it
     * goes, the note its share when the monitor has it. Only the note's maker writes here, and
     * the destruction reads after the last reference drops (ordered by the count). */
    if (obj->account != NULL)
        __atomic_sub_fetch(&obj->charge, KOBJ_END_CHARGE, __ATOMIC_RELAXED);
    return rcOk;
}

struct kobj_end *kobj_take_end(struct kobj *obj)
{
    return __atomic_exchange_n(&obj->end, NULL, __ATOMIC_ACQ_REL);
}

void kobj_end_free(struct kobj_end *end)
{
    if (end == NULL)
        return;
    struct kmem_account *acct = end->account;
    const struct kobj_end_keeper *k = __atomic_load_n(&end_keeper, __ATOMIC_ACQUIRE);
    k->free(end); /* a note exists only where a keeper made it */
    kmem_uncharge(acct, KOBJ_END_CHARGE);
    kmem_account_put(acct);
}

void kobj_unref(struct kobj *obj)
{
    if (__atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* Read what we need before destroy frees the memory the header lives in. */
    struct kmem_account *acct = obj->account;
    size_t charge = __atomic_load_n(&obj->charge, __ATOMIC_RELAXED);
    /* Taken, not read: a destroy that only queues the object (a process's, to its reaper) leaves
     * the header to code that may look for the note again (kobj_take_end). */
    struct kobj_end *end = kobj_take_end(obj);
    obj->ops->destroy(obj);
    kmem_uncharge(acct, charge);
    kmem_account_put(acct);
    if (end != NULL)
        __atomic_load_n(&end_keeper, __ATOMIC_ACQUIRE)->ended(end);
}

uint32_t kobj_refcount(const struct kobj *obj)
{
    return __atomic_load_n(&obj->refs, __ATOMIC_RELAXED);
}
