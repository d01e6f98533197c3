/*
 * A process's security label: what the security channel says about it in every request
 * (docs/security-model.md). Shared, reference counted, by the process and by the ports of the
 * servers it runs, so that a request to a server names the server's class without a reference
 * on the server process (which may be gone while clients still hold the channel).
 *
 * class_id is the KSM's id of the class, learned from the verdict of the process's execute
 * event (KSM_PROTO_CLASS_UNKNOWN until then, and for classes the policy does not know: the
 * KSM denies everything such a process does). Written once, read without a lock.
 *
 * It lives with the kernel objects, below both IPC and the security hook: a port holds its
 * server's label and the hook reads labels, and neither needs the other for it.
 */
#ifndef BASTION_OBJ_LABEL_H
#define BASTION_OBJ_LABEL_H

#include <stdint.h>

#include <bastion/retcode.h>

#include "obj/account.h"
#include "security/ksm_gate.h"

#define SEC_LABEL_NAME_MAX 63 /* = PROCESS_NAME_MAX */

struct sec_label {
    uint32_t refs;     /* atomic */
    uint32_t class_id; /* atomic; KSM_PROTO_CLASS_* or the table's id */
    uint32_t sid;      /* its process's SID, set before the process is first named to the KSM */
    char name[SEC_LABEL_NAME_MAX + 1]; /* the task name, for audit records */
    struct ksm_gate gate;              /* its questions to the KSM (security/ksm_gate.h) */
    struct kmem_account *account;      /* charged for this label (a reference), or NULL */
    uint32_t counts_slot; /* atomic; the class's slot in security/class_counts.c, 0: not
                           * looked up yet (the class never changes, so it is looked up once) */
};

/* A new label (one reference) with class KSM_PROTO_CLASS_UNKNOWN, charged to `acct` (NULL: the
 * kernel's own). A process's label is charged to its creator's account, as the process object
 * is, not to the process's own: ports keep the label after the process and its account end.
 * The label holds a reference on the account and gives the charge back with its last
 * reference. Errors: rcQuotaExceeded, rcOutOfMemory, kmem_account_get's. */
struct sec_label *sec_label_new(const char *name, struct kmem_account *acct, Retcode *rc);
void sec_label_get(struct sec_label *l);
void sec_label_put(struct sec_label *l); /* NULL is ignored */

static inline uint32_t sec_label_class(const struct sec_label *l)
{
    return __atomic_load_n(&l->class_id, __ATOMIC_ACQUIRE);
}

#endif
