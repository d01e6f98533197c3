/* Security labels (label.h). */
#include "obj/label.h"

#include <bastion/ksm_proto.h>

#include "lib/string.h"
#include "mm/slab.h"

struct sec_label *sec_label_new(const char *name, struct kmem_account *acct, Retcode *rc)
{
    if (acct != NULL && (*rc = kmem_account_get(acct)) != rcOk)
        return NULL;
    struct sec_label *l = kmalloc_charged(sizeof *l, acct, rc);
    if (l == NULL) {
        if (acct != NULL)
            kmem_account_put(acct);
        return NULL;
    }
    memset(l, 0, sizeof *l);
    l->account = acct;
    l->refs = 1;
    ksm_gate_init(&l->gate);
    l->class_id = KSM_PROTO_CLASS_UNKNOWN;
    size_t n = strnlen(name, SEC_LABEL_NAME_MAX);
    memcpy(l->name, name, n);
    l->name[n] = 0;
    return l;
}

void sec_label_get(struct sec_label *l)
{
    __atomic_add_fetch(&l->refs, 1, __ATOMIC_RELAXED);
}

void sec_label_put(struct sec_label *l)
{
    if (l == NULL || __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    struct kmem_account *acct = l->account;
    kfree_charged(l, acct);
    if (acct != NULL)
        kmem_account_put(acct);
}
