/*
 * Dynamic IPC channels: the connection requests of kl.core.CM (docs/connection-manager.md).
 *
 * A client asks for a channel to a server by the server's process name and an endpoint name
 * (cm_connect); the request waits in the kernel until the server takes it (cm_listen) and
 * answers it (cm_accept makes the channel with ipc_connect, cm_drop refuses it), the client's
 * timeout passes, or either side ends. Nothing here decides who may ask whom: every one of the
 * four calls is a kl.core request the KSM decided before it got here (klcore/CM.c), with the
 * names in the message for the policy's conditions, and every call on the channel made is
 * decided like any other channel's, by the classes of its two ends.
 *
 * Bounds, so that a flooding client neither exhausts kernel memory nor starves other clients
 * of a server: a process has at most CM_CLIENT_PENDING_MAX requests waiting
 * (rcTooManyConnectRequests), a server at most CM_SERVER_PENDING_MAX (rcServerQueueFull), and
 * each request is charged to its client's kernel-memory account (rcQuotaExceeded), as is the
 * channel Accept makes for it.
 */
#ifndef BASTION_IPC_CM_H
#define BASTION_IPC_CM_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "obj/handle.h"

struct process;

#define CM_CLIENT_PENDING_MAX 4u  /* requests one process may have waiting, all servers */
#define CM_SERVER_PENDING_MAX 16u /* requests that may wait for one server, all clients */
#define CM_SERVICE_MAX 128u       /* an endpoint name's bytes (kl.core.Types EndpointNameMax) */

/*
 * CM.Connect, in the calling client's thread: asks the live process named `server` for a
 * channel for endpoint `service` and waits up to msecs milliseconds (0: no limit) for its
 * answer. rcOk: *handle is the client end in the caller's table (HR_IPC_CLIENT), *riid the
 * endpoint id the server gave. Errors: rcInvalidArgument (empty service), rcNotFound (no live
 * process of that name), rcServerGone, rcTooManyConnectRequests, rcServerQueueFull,
 * rcQuotaExceeded, rcTimeout (nobody answered in time: the request is withdrawn),
 * rcConnectDropped, rcPeerClosed (the thread is being terminated), or the code of the channel's
 * creation when Accept failed to make it.
 */
Retcode cm_connect(struct process *client, const char *server, const char *service, uint32_t msecs,
                   handle_t *handle, uint32_t *riid);

/*
 * CM.Listen, in a thread of the server: takes the oldest request for the caller that no Listen
 * took yet, waiting up to msecs (0: no limit), and copies its client's process name and its
 * endpoint name into client[0..client_cap) and service[0..service_cap). The request stays until
 * Accept or Drop answers it or its client gives up. rcTimeout, rcPeerClosed (terminated).
 */
Retcode cm_listen(struct process *server, uint32_t msecs, char *client, size_t client_cap,
                  char *service, size_t service_cap);

/*
 * CM.Accept: answers the oldest waiting request of the process named `client` for `service`
 * with a new channel: to the caller's listener `listener` (a KOBJ_IPC_LISTENER handle with
 * HR_IPC_RECV; *handle = listener), or with HANDLE_INVALID its own server end (*handle, with
 * HR_IPC_SERVER). The client gets its end and riid. The channel is charged to the client.
 * rcBadHandle / rcAccessDenied (listener: not one of the caller's listeners with HR_IPC_RECV;
 * the request stays), rcNoConnectRequest, and ipc_connect's rcQuotaExceeded / rcOutOfMemory
 * (the client's Connect then returns the same code).
 */
Retcode cm_accept(struct process *server, const char *client, const char *service, uint32_t riid,
                  handle_t listener, handle_t *handle);

/* CM.Drop: refuses the oldest waiting request of `client` for `service`: its Connect returns
 * rcConnectDropped. rcNoConnectRequest. */
Retcode cm_drop(struct process *server, const char *client, const char *service);

/* cm_process_exit(p), the reaper's part, is declared in ipc/ipc.h. */

#endif
