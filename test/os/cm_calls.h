/*
 * kl.core.CM as one-line calls, for os_cm, os_cm_server and os_attack_cm. Each returns
 * core_result() of the generated proxy (rcSecurityDisallow when the policy denied it).
 */
#ifndef OSTEST_CM_CALLS_H
#define OSTEST_CM_CALLS_H

#include <string.h>

#include <user/core.h>

/* CM.Connect: the client end in *handle, the server's endpoint id in *riid. */
static inline Retcode cm_connect(const char *server, const char *service, uint32_t msecs,
                                 uint32_t *handle, uint32_t *riid)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {kl_core_Types_InvalidHandleValue, 0};
    kl_core_Types_Riid id = 0;
    Retcode r = core_result(kl_core_CM_Connect(&cl, server, service, msecs, &h, &id, &rc), &rc);
    *handle = h.handle;
    *riid = id;
    return r;
}

/* CM.Listen: the next request's client name and endpoint, copied into client[64], service[129]. */
static inline Retcode cm_listen(uint32_t msecs, char client[64], char service[129])
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    const char *c = "", *s = "";
    Retcode r = core_result(kl_core_CM_Listen(&cl, "", msecs, &c, &s, &rc), &rc);
    client[0] = service[0] = 0;
    if (r == rcOk) {
        strncpy(client, c, 63);
        client[63] = 0;
        strncpy(service, s, 128);
        service[128] = 0;
    }
    return r;
}

/* CM.Accept with our listener (or kl_core_Types_InvalidHandleValue: a server end of its own). */
static inline Retcode cm_accept(const char *client, const char *service, uint32_t riid,
                                uint32_t listener, uint32_t *handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {kl_core_Types_InvalidHandleValue, 0};
    Retcode r = core_result(
        kl_core_CM_Accept(&cl, client, service, riid, core_handle_arg(listener), &h, &rc), &rc);
    *handle = h.handle;
    return r;
}

/* CM.Drop. */
static inline Retcode cm_drop(const char *client, const char *service)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_CM_Drop(&cl, client, service, &rc), &rc);
}

#endif
