/*
 * kl.core.Notice as one-line calls, for os_notice and os_attack_notice: each returns
 * core_result() of the generated proxy (rcSecurityDisallow when the policy denied it).
 */
#ifndef OSTEST_NOTICE_CALLS_H
#define OSTEST_NOTICE_CALLS_H

#include <stdint.h>

#include <user/core.h>

#define NOTICE_NONE 0xFFFFFFFFu
#define NOTICE_INFINITE kl_core_Types_InfiniteTimeout

static inline Retcode nc_create(uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {NOTICE_NONE, 0};
    Retcode r = core_result(kl_core_Notice_Create(&cl, &h, &rc), &rc);
    *out = h.handle;
    return r;
}

static inline Retcode nc_subscribe(uint32_t notify, uint32_t object, uint32_t mask, uint64_t id)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Notice_SubscribeToObject(&cl, core_handle_arg(notify),
                                                        core_handle_arg(object), mask, id, &rc),
                       &rc);
}

static inline Retcode nc_unsubscribe_id(uint32_t notify, uint64_t id)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Notice_UnsubscribeFromEvent(&cl, core_handle_arg(notify), id, &rc),
                       &rc);
}

static inline Retcode nc_unsubscribe_object(uint32_t notify, uint32_t object)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Notice_UnsubscribeFromObject(&cl, core_handle_arg(notify),
                                                            core_handle_arg(object), &rc),
                       &rc);
}

/* GetEvent: up to kl_core_Notice_NoticeEventsMax events into ev, *n of them. */
static inline Retcode nc_get(uint32_t notify, uint32_t msec, struct kl_core_Notice_NoticeEvent *ev,
                             uint32_t *n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq s = {0};
    *n = 0;
    Retcode r =
        core_result(kl_core_Notice_GetEvent(&cl, core_handle_arg(notify), msec, &s, &rc), &rc);
    if (r == rcOk && s.count <= kl_core_Notice_NoticeEventsMax) {
        /* Copied out of the response buffer, which goes with this frame. */
        __builtin_memcpy(ev, s.data, s.count * sizeof *ev);
        *n = s.count;
    }
    return r;
}

static inline Retcode nc_drop(uint32_t notify, uint32_t finish)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Notice_DropAndWake(&cl, core_handle_arg(notify), finish, &rc), &rc);
}

static inline Retcode nc_set_event(uint32_t object, uint32_t mask)
{
    CORE_CLIENT(cl, kl_core_Core_EP_notice_Notice, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Notice_SetObjectEvent(&cl, core_handle_arg(object), mask, &rc), &rc);
}

/* Handle.Close of any handle of ours. */
static inline Retcode nc_close(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

#endif
