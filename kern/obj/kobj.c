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
        ops->type >= KOBJ_TYPE_COUNT || charge > UINT32_MAX)
        return rcInvalidArgument;
    if (sid == KOBJ_SID_NONE) {
        Retcode rc = sid_alloc(&sid);
        if (rc != rcOk)
            return rc;
    }
    Retcode rc = kmem_account_get(acct);
    if (rc != rcOk)
        return rc;
    obj->ops = ops;
    obj->refs = 1;
    obj->sid = sid;
    obj->koid = __atomic_fetch_add(&next_koid, 1, __ATOMIC_RELAXED);
    obj->account = acct;
    obj->charge = acct != NULL ? (uint32_t)charge : 0;
    obj->shown = false;
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

static void (*end_observer)(kobj_sid_t sid, enum kobj_type type); /* set once at start */

void kobj_set_end_observer(void (*observer)(kobj_sid_t sid, enum kobj_type type))
{
    __atomic_store_n(&end_observer, observer, __ATOMIC_RELEASE);
}

void kobj_unref(struct kobj *obj)
{
    if (__atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* Read what we need before destroy frees the memory the header lives in. */
    struct kmem_account *acct = obj->account;
    size_t charge = obj->charge;
    bool shown = __atomic_load_n(&obj->shown, __ATOMIC_RELAXED);
    kobj_sid_t sid = obj->sid;
    enum kobj_type type = kobj_type(obj);
    obj->ops->destroy(obj);
    kmem_uncharge(acct, charge);
    kmem_account_put(acct);
    void (*observer)(kobj_sid_t, enum kobj_type) = __atomic_load_n(&end_observer, __ATOMIC_ACQUIRE);
    if (shown && observer != NULL)
        observer(sid, type);
}

uint32_t kobj_refcount(const struct kobj *obj)
{
    return __atomic_load_n(&obj->refs, __ATOMIC_RELAXED);
}
