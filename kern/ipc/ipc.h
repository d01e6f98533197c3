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
 * The exchange (call.c): Call copies the request into the kernel, checks its layout
 * (ipc/msg.h), passes the security hook, then hands it to a receiver waiting on the port and
 * switches to that thread directly (or queues it), and blocks until the reply, a failure, the
 * port's closing or its timeout. Recv takes a request, moves its handles into the receiver's
 * table, copies it out, and gives the receiver a reply token; the receiving process keeps the
 * call until it replies (any thread of it, any order). Reply sends the response back the same
 * way and wakes the caller; ReplyRecv does both and, when the next receive has to wait anyway,
 * switches straight back to the caller.
 *
 * Lock order (lib/lock_order.h, docs/locks.md): handle_tree_lock -> handle table locks ->
 * process lock -> port lock -> sched_lock. A port lock is taken with interrupts off and only
 * sched_lock is taken under it; handles move and messages are copied with no port lock held.
 */
#ifndef BASTION_IPC_IPC_H
#define BASTION_IPC_IPC_H

#include <stdint.h>

#include <bastion/retcode.h>

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
 * The security channel (security/ksm_link.c): a server end in the KSM's table with receive and
 * reply rights only, and a reference on its port for the kernel, the channel's only client.
 * When the KSM dies its end goes with its handle table, the port closes and the kernel's calls
 * fail with rcPeerClosed. Charged to nobody (it lives as long as the KSM).
 */
struct ipc_port;
Retcode ipc_security_channel(struct process *ksm, handle_t *out_server_end, struct ipc_port **out_port);

struct thread;
/* Called by thread_exit() (proc/thread.c) before the thread is gone; no locks held. */
void ipc_thread_exit(struct thread *t);

/* Called by the reaper once no thread of p runs: fails every call p received and did not
 * answer with rcPeerClosed, so that no client waits for a dead server. */
void ipc_process_exit(struct process *p);

#endif
