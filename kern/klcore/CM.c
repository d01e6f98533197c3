/*
 * kl.core.CM: dynamic IPC channels by name (ipc/cm.h does the work, docs/connection-manager.md).
 *
 * Connect(server, service, msecs) asks the process named `server` for a channel for the endpoint
 * `service` and waits for its answer; Listen(filter, msecs) gives a server the next request
 * (the client's process name and the endpoint); Accept(client, service, id, listener) makes the
 * channel (onto `listener`, or with InvalidHandleValue its own server end) and gives the client
 * its end and `id`; Drop(client, service) refuses it. Like every core method each call is
 * decided by the KSM before it gets here, with its names in the message (a policy can say
 * whom a client may ask, and whom a server may accept); the calls on the channel are decided
 * by the classes of its two ends, as on a channel Einit made.
 */
#include "ipc/cm.h"
#include "klcore/klcore.h"
#include "proc/process.h"

#include <bastion/rights.h>

static Retcode Connect(void *ctx, const char *server, const char *service,
                       kl_core_Types_Msecs msecs, idl_handle_t *handle, kl_core_Types_Riid *id,
                       kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle_t h;
    uint32_t riid;
    *rc = cm_connect(c->proc, server, service, msecs, &h, &riid);
    handle->handle = h;
    handle->rights = *rc == rcOk ? HR_IPC_CLIENT : 0;
    *id = riid;
    return rcOk;
}

/* The names Listen returns sit in the call's scratch buffer (klcore.c), after each other. */
#define LISTEN_CLIENT_CAP (PROCESS_NAME_MAX + 1)
#define LISTEN_SERVICE_CAP (CM_SERVICE_MAX + 1)
_Static_assert(LISTEN_CLIENT_CAP + LISTEN_SERVICE_CAP <= 4096, "Listen's names fit the scratch");

static Retcode Listen(void *ctx, const char *filter, kl_core_Types_Msecs msecs, const char **client,
                      const char **service, kl_core_Types_Retcode *rc)
{
    (void)filter; /* documented as fictitious: every request for the caller is listened to */
    struct core_ctx *c = ctx;
    char *cl = c->scratch, *sv = (char *)c->scratch + LISTEN_CLIENT_CAP;
    cl[0] = sv[0] = 0;
    *client = cl;
    *service = sv;
    *rc = cm_listen(c->proc, msecs, cl, LISTEN_CLIENT_CAP, sv, LISTEN_SERVICE_CAP);
    if (*rc != rcOk)
        cl[0] = sv[0] = 0;
    return rcOk;
}

static Retcode Drop(void *ctx, const char *client, const char *service, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = cm_drop(c->proc, client, service);
    return rcOk;
}

static Retcode Accept(void *ctx, const char *client, const char *service, kl_core_Types_Riid id,
                      idl_handle_t listener, idl_handle_t *handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle_t h;
    *rc = cm_accept(c->proc, client, service, id, listener.handle, &h);
    handle->handle = h;
    handle->rights = *rc != rcOk                         ? 0
                     : listener.handle == HANDLE_INVALID ? HR_IPC_SERVER
                                                         : HR_IPC_LISTENER;
    return rcOk;
}

const struct kl_core_CM_ops core_cm_ops = {
    .Connect = Connect,
    .Listen = Listen,
    .Drop = Drop,
    .Accept = Accept,
};
