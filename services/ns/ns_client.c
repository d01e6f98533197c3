/* The name server's client library: see ns_client.h. */
#include "ns_client.h"

#include <stdbool.h>
#include <string.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/start.h>

#include "kl/core/NameServer.edl.h"
#include "kl/ns/NameServer.idl.h"

#define NS_CONNECT_TRIES 50u /* as cm_connect_retry: about 5 s for the name server to start */
#define NS_CONNECT_RETRY_MS 100u

static bool denied(Retcode r)
{
    return r == rcSecurityDisallow || r == rcNoKsm;
}

/* One round of CM.Connect: the SDK's task name, then Bastion's. A name that no process has
 * (rcNotFound) or that the policy does not let this program ask for sends it on to the other;
 * the first other answer counts. Both denied: the denial. Otherwise the name server may still
 * come under a name that was not there: rcNotFound, and the caller asks again. */
static Retcode connect_by_name(uint32_t msecs, uint32_t *h, uint32_t *riid)
{
    Retcode first = cm_connect(NS_TASK_NAME_SDK, NS_SERVICE, msecs, h, riid);
    if (first != rcNotFound && !denied(first))
        return first;
    Retcode second = cm_connect(NS_TASK_NAME, NS_SERVICE, msecs, h, riid);
    if (second != rcNotFound && !denied(second))
        return second;
    return denied(first) && denied(second) ? second : rcNotFound;
}

Retcode ns_create(struct ns_session *s, uint32_t msecs)
{
    return ns_create_named(s, NULL, msecs);
}

Retcode ns_create_named(struct ns_session *s, const char *name, uint32_t msecs)
{
    uint32_t h = kl_core_Types_InvalidHandleValue, riid = 0;
    Retcode r = start_connection(name != NULL ? name : NS_CONNECTION_ID, &h);
    if (r == rcOk) {
        riid = kl_core_NameServer_EP_ns; /* the endpoint the name server serves on every end */
    } else {
        r = rcNotFound;
        for (uint32_t i = 0; i < NS_CONNECT_TRIES && r == rcNotFound; i++) {
            r = name != NULL ? cm_connect(name, NS_SERVICE, msecs, &h, &riid)
                             : connect_by_name(msecs, &h, &riid);
            if (r == rcNotFound)
                core_thread_sleep(NS_CONNECT_RETRY_MS);
        }
        if (r != rcOk)
            return r;
    }
    s->ch.handle = h;
    s->ch.timeout_ms = IPC_FOREVER;
    ipc_client_init(&s->cl, &s->ch, riid, s->req, sizeof s->req, s->res, sizeof s->res);
    return rcOk;
}

/* The call's own Retcode when it went through, else the transport's. */
static Retcode result(Retcode call, int32_t rc)
{
    return call != rcOk ? call : (Retcode)rc;
}

Retcode ns_publish(struct ns_session *s, const char *server, const char *endpoint, const char *type)
{
    int32_t rc = rcFail;
    Retcode r = kl_ns_NameServer_Publish(&s->cl, server, endpoint, type, &rc);
    return result(r, rc);
}

Retcode ns_unpublish(struct ns_session *s, const char *endpoint)
{
    int32_t rc = rcFail;
    Retcode r = kl_ns_NameServer_Unpublish(&s->cl, endpoint, &rc);
    return result(r, rc);
}

Retcode ns_enum_services(struct ns_session *s, const char *type, uint32_t index, char server[64],
                         char endpoint[129])
{
    int32_t rc = rcFail;
    const char *sv = "", *ep = "";
    /* Two statements: as an argument beside the call, rc could be read before the call. */
    Retcode r = kl_ns_NameServer_Enum(&s->cl, type, index, &sv, &ep, &rc);
    r = result(r, rc);
    server[0] = endpoint[0] = 0;
    if (r == rcOk) {
        strncpy(server, sv, 63);
        server[63] = 0;
        strncpy(endpoint, ep, 128);
        endpoint[128] = 0;
    }
    return r;
}

Retcode ns_connect_service(struct ns_session *s, const char *type, const char *server,
                           uint32_t msecs, uint32_t *handle, uint32_t *riid)
{
    char sv[64], ep[129];
    for (uint32_t i = 0;; i++) {
        Retcode r = ns_enum_services(s, type, i, sv, ep);
        if (r != rcOk)
            return r;
        if (server == NULL || strcmp(sv, server) == 0)
            return cm_connect(sv, ep, msecs, handle, riid);
    }
}
