/* The name server's client library: see ns_client.h. */
#include "ns_client.h"

#include <string.h>

#include <user/cm.h>
#include <user/core.h>

#include "kl/ns/NS.edl.h"
#include "kl/ns/NameServer.idl.h"

Retcode ns_create(struct ns_session *s, uint32_t msecs)
{
    uint32_t riid = 0;
    /* Started together with its clients, the name server may not be there yet. */
    Retcode r = cm_connect_retry(NS_TASK_NAME, NS_SERVICE, msecs, &s->ch, &riid);
    if (r != rcOk)
        return r;
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
