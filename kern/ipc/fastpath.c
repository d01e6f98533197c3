/* The handle lookups of the IPC fast path (contract in port.h; docs/ipc.md#the-fast-path). */
#include "ipc/port.h"

#include "obj/kobj.h"
#include "proc/process.h"

/* Every process's table is made with process_handle_ops, whose lock hook takes handles_lock:
 * taking that lock here is taking the table's lock. */
Retcode ipc_fast_call_target(struct process *p, handle_t h, struct ipc_port **port,
                             struct kobj **other)
{
    struct kobj *o;
    spin_lock(&p->handles_lock);
    Retcode rc = handle_find_held(&p->handles, h, HR_IPC_CALL, &o);
    if (rc == rcOk) {
        if (kobj_type(o) == KOBJ_IPC_CLIENT) {
            /* The live handle holds the end, the end holds the port: safe under the lock. */
            *port = ((struct ipc_client_obj *)o)->port;
            port_get(*port);
            *other = NULL;
        } else {
            *port = NULL;
            rc = kobj_ref(o);
            *other = o;
        }
    }
    spin_unlock(&p->handles_lock);
    return rc;
}

/* Inline in ipc_reply_recv, its caller on every round trip (port.h). */
__attribute__((always_inline)) inline Retcode
ipc_fast_handle_get(struct process *p, handle_t h, handle_rights_t need, struct kobj **obj)
{
    struct kobj *o;
    spin_lock(&p->handles_lock);
    Retcode rc = handle_find_held(&p->handles, h, need, &o);
    if (rc == rcOk)
        rc = kobj_ref_held(o); /* the live entry holds a reference: refs > 0 under the lock */
    spin_unlock(&p->handles_lock);
    if (rc == rcOk)
        *obj = o;
    return rc;
}
