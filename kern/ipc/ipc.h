/*
 * Synchronous IPC: channels, and the Call / Recv / Reply exchange over them (docs/ipc.md).
 *
 * Objects (obj/kobj.h types):
 *   KOBJ_IPC_CLIENT    a client end: Call sends on it. Many client ends may lead to one port.
 *   KOBJ_IPC_SERVER    a server end of a single channel: Recv/Reply on it.
 *   KOBJ_IPC_LISTENER  a listener: the server side shared by many channels (one server, many
 *                      clients). Both server kinds own one ipc_port, the queue of requests.
 * When the server-side object dies (its last handle closed or revoked, or its process reaped),
 * the port is closed: queued and future calls fail with rcPeerClosed. A client end that dies
 * leaves the port alone.
 *
 * The exchange (call.c): the Call system call (syscall/ipc_calls.c) copies the request into the
 * kernel, checks its layout (ipc/msg.h) and has the security hook decide it; IPC then hands it
 * to a receiver waiting on the port and switches to that thread directly (or queues it), and
 * blocks until the reply, a failure, the port's closing or its timeout. Recv takes a request,
 * moves its handles into the receiver's table, copies it out, and gives the receiver a reply
 * token; the receiving process keeps the call until it replies (any thread of it, any order).
 * Reply has the answer checked (ipc_answer_check(), below, unless the call may send its kind
 * unchecked), sends it back the same way and wakes the caller; ReplyRecv does both and, when the next receive has to
 * wait anyway, switches straight back to the caller. IPC itself decides nothing: it knows no
 * policy, no verdict and no monitor.
 *
 * Lock order (lib/lock_order.h, docs/locks.md): handle_tree_lock -> handle table locks ->
 * process lock -> port lock -> sched_lock. A port lock is taken with interrupts off and only
 * sched_lock is taken under it; handles move and messages are copied with no port lock held.
 */
#ifndef BASTION_IPC_IPC_H
#define BASTION_IPC_IPC_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "obj/handle.h"

struct process;

/*
 * Handle.Connect: creates a channel between `server` and `client`.
 * listener: a listener handle value in the server's table to connect to, or HANDLE_INVALID to
 * create a new listener there (its value in *out_listener). With create_server_end != 0 and no
 * listener wanted the channel gets its own server end instead (value in *out_server_end,
 * *out_listener = HANDLE_INVALID). *out_client: the client end in the client's table.
 * Everything is charged to `charge_to` (the caller). Errors: rcBadHandle / rcAccessDenied (a
 * listener value that is not one of the server's listeners with HR_IPC_RECV),
 * rcQuotaExceeded, rcOutOfMemory.
 */
Retcode ipc_connect(struct process *charge_to, struct process *server, handle_t listener,
                    uint32_t create_server_end, struct process *client, handle_t *out_listener,
                    handle_t *out_server_end, handle_t *out_client);

/*
 * The kinds of answer, for the answers a call may send unchecked (ipc_call_port's
 * `unchecked_answers`: the request's check said so, for instance because the policy grants them
 * with the request). Every other answer goes to the check its Reply caller gives.
 */
#define IPC_ANSWER_RESPONSE 1u /* an answer without IDL_FLAG_ERROR */
#define IPC_ANSWER_ERROR 2u    /* an error answer (IDL_FLAG_ERROR) */

static inline uint32_t ipc_answer_kind(const struct idl_header *h)
{
    return (h->flags & IDL_FLAG_ERROR) ? IPC_ANSWER_ERROR : IPC_ANSWER_RESPONSE;
}

/*
 * A server's answer as Reply hands it to its check, before it has any effect (before its handles
 * move): the answering and the answered process, and the answer's checked header and bytes (in
 * the kernel; handle values still the server's).
 */
struct ipc_answer {
    struct process *server;
    struct process *client;
    const struct idl_header *h;
    const void *msg;
    size_t len;
};

/*
 * The check of every answer to a process that is not of a kind its call may send unchecked:
 * rcOk lets it through; any other code fails the call with it, and Reply returns it to the
 * server. IPC only declares it: the layer that decides defines it (security/message_check.c,
 * which asks the security hook), so IPC calls it without knowing what decides, and without
 * an indirect call on the path of every round trip.
 */
Retcode ipc_answer_check(const struct ipc_answer *a);

struct thread;
/* Called by thread_exit() (proc/thread.c) before the thread is gone; no locks held. */
void ipc_thread_exit(struct thread *t);

/* Called by the reaper once no thread of p runs: fails every call p received and did not
 * answer with rcPeerClosed, so that no client waits for a dead server. */
void ipc_process_exit(struct process *p);

/* Called by the reaper once no thread of p runs (ipc/cm.c): every kl.core.CM connection
 * request still waiting for p fails with rcServerGone and its client wakes. Declared here, not
 * in ipc/cm.h, so that the process code includes only this header of kern/ipc. */
void cm_process_exit(struct process *p);

#endif
