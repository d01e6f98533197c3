/*
 * kl.core.CM for userland: dynamic connections (docs/connection-manager.md). Each call returns
 * the method's own Retcode when the call went through, else the transport's
 * (rcSecurityDisallow when the policy denied it). Buffers live on the caller's stack, so the
 * calls are reentrant.
 *   cm_connect: asks `server` (a task name) for its endpoint `service`, waiting up to msecs for
 *     its Accept or Drop; the client end in *handle, the server's endpoint id in *riid.
 *   cm_connect_retry: cm_connect into a client channel (its end in ch->handle, ch->timeout_ms
 *     IPC_FOREVER, as ipc_connect), asked again while `server` does not run yet (rcNotFound),
 *     CM_CONNECT_TRIES times CM_CONNECT_RETRY_MS apart at most (about 5 s): for clients
 *     started together with their server.
 *   cm_listen: the next connection request to this process, waiting up to msecs: the client's
 *     name in client[CM_NAME_MAX + 1], the endpoint it asked in service[CM_SERVICE_MAX + 1].
 *   cm_accept: answers a request with listener (or kl_core_Types_InvalidHandleValue for a
 *     server end of its own, returned in *handle), the endpoint's id riid going to the client.
 *   cm_drop: refuses a request.
 */
#ifndef USER_CM_H
#define USER_CM_H

#include <stdint.h>

#include <bastion/retcode.h>
#include <user/ipc.h>

#define CM_NAME_MAX 64     /* a task name's bytes, without its NUL (kl.core.Types ServerNameMax) */
#define CM_SERVICE_MAX 128 /* an endpoint name's bytes, without its NUL (EndpointNameMax) */
#define CM_CONNECT_TRIES 50u     /* cm_connect_retry's tries at most */
#define CM_CONNECT_RETRY_MS 100u /* its wait between two */

Retcode cm_connect(const char *server, const char *service, uint32_t msecs, uint32_t *handle,
                   uint32_t *riid);
Retcode cm_connect_retry(const char *server, const char *service, uint32_t msecs,
                         struct ipc_channel *ch, uint32_t *riid);
Retcode cm_listen(uint32_t msecs, char client[CM_NAME_MAX + 1], char service[CM_SERVICE_MAX + 1]);
Retcode cm_accept(const char *client, const char *service, uint32_t riid, uint32_t listener,
                  uint32_t *handle);
Retcode cm_drop(const char *client, const char *service);

#endif
