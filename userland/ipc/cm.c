/* Wrappers of kl.core.CM's methods (<user/cm.h>); buffers on the caller's stack, as in
 * core.c, so that they are reentrant. */
#include <string.h>

#include <user/cm.h>
#include <user/core.h>

Retcode cm_connect(const char *server, const char *service, uint32_t msecs, uint32_t *handle,
                   uint32_t *riid)
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

/* Started together with its clients, a server may not listen yet (rcNotFound): asked again
 * CM_CONNECT_RETRY_MS apart, CM_CONNECT_TRIES times at most, so a server that never comes
 * does not hold its client for ever. */
Retcode cm_connect_retry(const char *server, const char *service, uint32_t msecs,
                         struct ipc_channel *ch, uint32_t *riid)
{
    uint32_t h = kl_core_Types_InvalidHandleValue;
    Retcode r = rcNotFound;
    for (uint32_t i = 0; i < CM_CONNECT_TRIES && r == rcNotFound; i++) {
        r = cm_connect(server, service, msecs, &h, riid);
        if (r == rcNotFound)
            core_thread_sleep(CM_CONNECT_RETRY_MS);
    }
    ch->handle = h;
    ch->timeout_ms = IPC_FOREVER;
    return r;
}

/* The strings the proxy returns point into this call's response buffer: copied out, bounded,
 * before the buffer goes with the stack frame. */
Retcode cm_listen(uint32_t msecs, char client[CM_NAME_MAX + 1], char service[CM_SERVICE_MAX + 1])
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    const char *c = "", *s = "";
    Retcode r = core_result(kl_core_CM_Listen(&cl, "", msecs, &c, &s, &rc), &rc);
    client[0] = service[0] = 0;
    if (r == rcOk) {
        strncpy(client, c, CM_NAME_MAX);
        client[CM_NAME_MAX] = 0;
        strncpy(service, s, CM_SERVICE_MAX);
        service[CM_SERVICE_MAX] = 0;
    }
    return r;
}

Retcode cm_accept(const char *client, const char *service, uint32_t riid, uint32_t listener,
                  uint32_t *handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {kl_core_Types_InvalidHandleValue, 0};
    Retcode r = core_result(
        kl_core_CM_Accept(&cl, client, service, riid, core_handle_arg(listener), &h, &rc), &rc);
    *handle = h.handle;
    return r;
}

Retcode cm_drop(const char *client, const char *service)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_CM_Drop(&cl, client, service, &rc), &rc);
}
