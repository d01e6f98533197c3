/*
 * The common case of inter-process IPC, shortened (docs/ipc.md#the-fast-path). What this file
 * holds is the part of the fast path that is not the exchange itself: the handle lookups of
 * SYS_CALL and SYS_RECV/SYS_REPLY_RECV done with the process's handle-table lock taken
 * directly (no indirect call through the table's lock hook) and, for a client end, the
 * reference taken on the port the call record keeps instead of one on the end object, which
 * the call then never needs again. The exchange's own shortcuts (no port lock taken again after
 * a direct switch) are in call.c, where the states they rely on are written.
 *
 * Every check of the general lookup (handle_get) is made: a live handle of the caller's table,
 * the right the operation needs, the object's type; the results and errors are the same.
 */
#ifndef BASTION_IPC_FASTPATH_H
#define BASTION_IPC_FASTPATH_H

#include <bastion/retcode.h>

#include "obj/handle.h"

struct process;
struct ipc_port;
struct kobj;

/*
 * The target of p's SYS_CALL on handle h (HR_IPC_CALL needed). A client end: rcOk, *port with
 * a new reference on the port (for ipc_call_new, which keeps it), *other NULL. Any other
 * object (the kernel's handle, the security interface, or a wrong type, which the caller
 * refuses): rcOk, *port NULL, *other with a new reference on the object. Errors:
 * handle_find_held's, rcOverflow (the object's reference count is saturated).
 */
Retcode ipc_fast_call_target(struct process *p, handle_t h, struct ipc_port **port,
                             struct kobj **other);

/* handle_get(&p->handles, h, KOBJ_ANY, need, obj, NULL) with the table's lock taken directly:
 * *obj with a new reference. The receiving side keeps it for the whole wait: the server object
 * it names must not be destroyed under a waiting receiver (channel.c's server_destroy). */
Retcode ipc_fast_handle_get(struct process *p, handle_t h, handle_rights_t need, struct kobj **obj);

#endif
