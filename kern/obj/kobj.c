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
        ops->type >= KOBJ_TYPE_COUNT)
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
    obj->charge = acct != NULL ? charge : 0;
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

void kobj_unref(struct kobj *obj)
{
    if (__atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* Read what we need before destroy frees the memory the header lives in. */
    struct kmem_account *acct = obj->account;
    size_t charge = obj->charge;
    obj->ops->destroy(obj);
    kmem_uncharge(acct, charge);
    kmem_account_put(acct);
}

uint32_t kobj_refcount(const struct kobj *obj)
{
    return __atomic_load_n(&obj->refs, __ATOMIC_RELAXED);
}
