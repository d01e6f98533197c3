/* Charged allocation of kernel objects (contract in kobj_new.h). */
#include "obj/kobj_new.h"

#include "mm/slab.h"

Retcode kobj_new(size_t size, const struct kobj_ops *ops, struct kmem_account *acct, void **out)
{
    size_t charge = kmalloc_charge(size);
    Retcode rc = kmem_charge(acct, charge);
    if (rc != rcOk)
        return rc;
    struct kobj *obj = kzalloc(size);
    if (obj == NULL) {
        kmem_uncharge(acct, charge);
        return rcOutOfMemory;
    }
    rc = kobj_init(obj, ops, KOBJ_SID_NONE, acct, charge);
    if (rc != rcOk) {
        kfree(obj);
        kmem_uncharge(acct, charge);
        return rc;
    }
    *out = obj;
    return rcOk;
}

void kobj_free_mem(void *obj)
{
    kfree(obj);
}
