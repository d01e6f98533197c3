/*
 * kl.core.Handle as one-line calls, for os_session_server and os_attack_handle: each returns
 * core_result() of the generated proxy (rcSecurityDisallow when the policy denied it).
 * HANDLE_NONE stands for "no handle" (InvalidHandleValue) in the badge parameters.
 */
#ifndef OSTEST_HANDLE_CALLS_H
#define OSTEST_HANDLE_CALLS_H

#include <stdint.h>

#include <bastion/rights.h>
#include <user/core.h>

#define HANDLE_NONE 0xFFFFFFFFu

static inline Retcode hc_user_object(uint32_t type, uint32_t rights, uint64_t context,
                                     uint32_t channel, uint32_t riid, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {HANDLE_NONE, 0};
    Retcode r =
        core_result(kl_core_Handle_CreateUserObject(&cl, type, rights, context,
                                                    core_handle_arg(channel), riid, &h, &rc),
                    &rc);
    *out = h.handle;
    return r;
}

static inline Retcode hc_badge(uint32_t notify, uint64_t context, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {HANDLE_NONE, 0};
    Retcode r = core_result(
        kl_core_Handle_CreateBadge(&cl, core_handle_arg(notify), 0, context, &h, &rc), &rc);
    *out = h.handle;
    return r;
}

static inline Retcode hc_copy(uint32_t h, uint32_t rights, uint32_t badge, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t o = {HANDLE_NONE, 0};
    Retcode r = core_result(
        kl_core_Handle_Copy(&cl, core_handle_arg(h), rights, core_handle_arg(badge), &o, &rc), &rc);
    *out = o.handle;
    return r;
}

static inline Retcode hc_close(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

static inline Retcode hc_revoke(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Revoke(&cl, core_handle_arg(h), &rc), &rc);
}

static inline Retcode hc_revoke_subtree(uint32_t h, uint32_t badge)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(
        kl_core_Handle_RevokeSubtree(&cl, core_handle_arg(h), core_handle_arg(badge), &rc), &rc);
}

static inline Retcode hc_sid(uint32_t h, uint64_t *sid)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *sid = 0;
    return core_result(kl_core_Handle_GetSidByHandle(&cl, core_handle_arg(h), sid, &rc), &rc);
}

#endif
