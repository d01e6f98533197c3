/*
 * kl.core.Notice: notification receivers (the object is obj/notice.c; this file checks
 * handles, rights and arguments).
 *
 * Create: a receiver, HR_NOTICE_FULL, charged to the caller (bytes and NOTICE_RECEIVERS_MAX).
 * SubscribeToObject(notify HR_WRITE, object, evMask, evId): the objects that raise events are
 * processes (NoticeObjectEnded, NoticeProcessFrozen; HR_READ on their handle), threads
 * (NoticeObjectEnded, HR_READ), user objects (NoticeObjectEnded and NoticeUserEvents, HR_READ)
 * and badges (NoticeObjectEnded, HR_BADGE_TAG); each also NoticeHandleRevoked (Handle.c raises
 * it). Another object type is rcNotSupported; a mask of no bit, or of a bit the object cannot
 * raise, rcInvalidArgument. Entries are charged to the receiver's creator (bytes,
 * NOTICE_ENTRIES_MAX). A process that has ended or is frozen, a thread that has ended, gives
 * that event at once to an entry that asks for it.
 * Unsubscribe*(notify HR_WRITE): rcNotFound when no entry matched. UnsubscribeFromObject needs no
 * right on the object's handle: it only names the object.
 * GetEvent(notify HR_READ, mdelay): the pending events, up to NoticeEventsMax, waiting up to
 * mdelay ms for one (0: poll, InfiniteTimeout: no limit); rcTimeout when none came.
 * DropAndWake(notify HR_WRITE, finish 0 or 1): see obj/notice.h.
 * SetObjectEvent(object HR_WRITE on a user object, evMask within NoticeUserEvents): the owner
 * of a user object raises its events.
 */
#include "klcore/klcore.h"
#include "obj/handle.h"
#include "obj/notice.h"
#include "proc/process.h"
#include "proc/thread.h"

_Static_assert(kl_core_Notice_NoticeObjectEnded == NOTICE_EV_OBJECT_ENDED, "event bit");
_Static_assert(kl_core_Notice_NoticeHandleRevoked == NOTICE_EV_HANDLE_REVOKED, "event bit");
_Static_assert(kl_core_Notice_NoticeProcessFrozen == NOTICE_EV_PROCESS_FROZEN, "event bit");
_Static_assert(kl_core_Notice_NoticeUserEvents == NOTICE_EV_USER_MASK, "event bits");
_Static_assert(kl_core_Types_InfiniteTimeout == UINT32_MAX, "notice_fetch's no-limit timeout");

static Retcode Create(void *ctx, idl_handle_t *notify, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    notify->handle = HANDLE_INVALID;
    notify->rights = 0;
    struct notice_receiver *r;
    Retcode e = notice_receiver_new(&c->proc->kmem, &r);
    if (e == rcOk) {
        e = core_install(c, r, HR_NOTICE_FULL, &notify->handle, &notify->rights);
        kobj_unref(notice_kobj(r)); /* the handle holds its own; on failure this frees it */
    }
    *rc = e;
    return rcOk;
}

/* The lasting events that have occurred (notice_subscribe's `happened`): the reaper sets
 * PROC_DEAD, the freeze sets `frozen` (never cleared), each before it raises its event. */
static uint32_t process_happened(const void *obj)
{
    const struct process *p = obj;
    uint32_t ev = 0;
    if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == PROC_DEAD)
        ev |= NOTICE_EV_OBJECT_ENDED;
    if (__atomic_load_n(&p->frozen, __ATOMIC_ACQUIRE))
        ev |= NOTICE_EV_PROCESS_FROZEN;
    return ev;
}

static uint32_t thread_happened(const void *obj)
{
    return __atomic_load_n(&((const struct thread *)obj)->exited, __ATOMIC_ACQUIRE)
               ? NOTICE_EV_OBJECT_ENDED
               : 0;
}

static Retcode SubscribeToObject(void *ctx, idl_handle_t notify, idl_handle_t object,
                                 kl_core_Types_EventMask ev_mask, kl_core_Types_NoticeEntryId ev_id,
                                 kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct notice_receiver *r;
    Retcode e = core_get(c, notify.handle, KOBJ_NOTICE, HR_WRITE, (void **)&r);
    if (e != rcOk) {
        *rc = e;
        return rcOk;
    }
    struct kobj *o;
    handle_rights_t rights = 0;
    e = handle_get(&c->proc->handles, object.handle, KOBJ_ANY, HR_NONE, &o, &rights);
    if (e == rcOk) {
        uint32_t may = NOTICE_EV_OBJECT_ENDED | NOTICE_EV_HANDLE_REVOKED;
        uint32_t need = HR_READ;
        uint32_t (*happened)(const void *) = NULL;
        switch (kobj_type(o)) {
        case KOBJ_TASK:
            may |= NOTICE_EV_PROCESS_FROZEN;
            happened = process_happened;
            break;
        case KOBJ_THREAD:
            happened = thread_happened;
            break;
        case KOBJ_USER:
            may |= NOTICE_EV_USER_MASK;
            break;
        case KOBJ_BADGE:
            need = HR_BADGE_TAG;
            break;
        default:
            e = rcNotSupported;
            break;
        }
        if (e == rcOk && !hr_subset(need, rights))
            e = rcAccessDenied;
        if (e == rcOk && (ev_mask == 0 || (ev_mask & ~may) != 0))
            e = rcInvalidArgument;
        /* Our reference keeps o's memory while `happened` reads it. */
        if (e == rcOk)
            e = notice_subscribe(r, o->koid, ev_mask, ev_id, happened, o);
        kobj_unref(o);
    }
    kobj_unref(notice_kobj(r));
    *rc = e;
    return rcOk;
}

static Retcode UnsubscribeFromEvent(void *ctx, idl_handle_t notify,
                                    kl_core_Types_NoticeEntryId ev_id, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct notice_receiver *r;
    Retcode e = core_get(c, notify.handle, KOBJ_NOTICE, HR_WRITE, (void **)&r);
    if (e == rcOk) {
        e = notice_unsubscribe_id(r, ev_id);
        kobj_unref(notice_kobj(r));
    }
    *rc = e;
    return rcOk;
}

static Retcode UnsubscribeFromObject(void *ctx, idl_handle_t notify, idl_handle_t object,
                                     kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct notice_receiver *r;
    Retcode e = core_get(c, notify.handle, KOBJ_NOTICE, HR_WRITE, (void **)&r);
    if (e != rcOk) {
        *rc = e;
        return rcOk;
    }
    struct kobj *o;
    e = core_get(c, object.handle, KOBJ_ANY, HR_NONE, (void **)&o);
    if (e == rcOk) {
        e = notice_unsubscribe_object(r, o->koid);
        kobj_unref(o);
    }
    kobj_unref(notice_kobj(r));
    *rc = e;
    return rcOk;
}

static Retcode GetEvent(void *ctx, idl_handle_t notify, kl_core_Types_Msecs mdelay,
                        struct idl_seq *events, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    events->data = c->scratch;
    events->count = 0;
    struct notice_receiver *r;
    Retcode e = core_get(c, notify.handle, KOBJ_NOTICE, HR_READ, (void **)&r);
    if (e != rcOk) {
        *rc = e;
        return rcOk;
    }
    struct notice_event got[kl_core_Notice_NoticeEventsMax];
    uint32_t n = 0;
    e = notice_fetch(r, got, kl_core_Notice_NoticeEventsMax, &n, mdelay);
    kobj_unref(notice_kobj(r));
    struct kl_core_Notice_NoticeEvent *out = c->scratch;
    _Static_assert(sizeof got / sizeof got[0] * sizeof *out <= 4096, "fits the scratch buffer");
    for (uint32_t i = 0; i < n; i++)
        out[i] = (struct kl_core_Notice_NoticeEvent){got[i].ev_id, got[i].mask, 0};
    events->count = n;
    *rc = e;
    return rcOk;
}

static Retcode DropAndWake(void *ctx, idl_handle_t notify, uint32_t finish,
                           kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    if (finish > 1) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    struct notice_receiver *r;
    Retcode e = core_get(c, notify.handle, KOBJ_NOTICE, HR_WRITE, (void **)&r);
    if (e == rcOk) {
        notice_drop_and_wake(r, finish == 1);
        kobj_unref(notice_kobj(r));
    }
    *rc = e;
    return rcOk;
}

static Retcode SetObjectEvent(void *ctx, idl_handle_t object, kl_core_Types_EventMask ev_mask,
                              kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    if (ev_mask == 0 || (ev_mask & ~NOTICE_EV_USER_MASK) != 0) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    struct kobj *o;
    Retcode e = core_get(c, object.handle, KOBJ_USER, HR_WRITE, (void **)&o);
    if (e == rcOk) {
        notice_raise(o->koid, ev_mask, false);
        kobj_unref(o);
    }
    *rc = e;
    return rcOk;
}

const struct kl_core_Notice_ops core_notice_ops = {
    .Create = Create,
    .SubscribeToObject = SubscribeToObject,
    .UnsubscribeFromEvent = UnsubscribeFromEvent,
    .UnsubscribeFromObject = UnsubscribeFromObject,
    .GetEvent = GetEvent,
    .DropAndWake = DropAndWake,
    .SetObjectEvent = SetObjectEvent,
};
