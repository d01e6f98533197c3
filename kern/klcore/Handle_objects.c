/*
 * kl.core.Handle.CreateUserObject and CreateBadge: the two kinds of object a process makes only to
 * hand out handles to (Handle.c holds the handler table and declares these in its own block).
 *
 * A user object (KOBJ_USER) stands for a resource a server keeps itself (a session, a file of
 * its own file system ...). The kernel knows nothing of the resource: it keeps the server's
 * `type`, `context` and `riid` values and the identity (koid) of the server's IPC channel end
 * the object was made on. What the kernel adds is the handle machinery: the server's root handle
 * (with the rights it asked for, a subset of HR_USER_FULL) can be copied and sent to clients
 * with fewer rights, and each copy is a descendant that the server can revoke (Handle.Revoke,
 * or RevokeSubtree by badge); a client can neither make one (only this method does, and only on
 * its caller's own server channel end), nor widen its rights, nor reach a sibling. A client that
 * passes the handle back in a request lets the server tell the resource by the handle's SID
 * (Handle.GetSidByHandle: one SID per object, whatever the number of handles).
 *
 * A badge (KOBJ_BADGE) is a resource transfer context: a copy or transfer tagged with it
 * (Handle.Copy's copyBadge, Task.TransferHandle's srcBadge) can later be revoked, with
 * everything derived from it, by RevokeSubtree(handle, badge), leaving what other badges tagged.
 * A server makes one badge per client and so tells its clients' handles apart. `badgeContext` is
 * kept with it. `notify`, when not InvalidHandleValue, is a notification receiver (kl.core.Notice,
 * HR_WRITE) that gets an entry (the badge, NoticeObjectEnded, evId = notifyContext): it learns
 * when the badge's last handle is closed. The entry is charged to the receiver's creator like
 * any other; if it cannot be added the badge is not made.
 *
 * Both kinds raise NoticeObjectEnded when their last handle goes (their destroy hook), so that
 * a receiver subscribed to them (Notice.SubscribeToObject) learns it; a user object's owner
 * raises the object's own events with Notice.SetObjectEvent.
 *
 * Both are charged to the caller's kernel-memory account (kobj_new) and freed with their last
 * handle.
 */
#include "klcore/Handle.h"
#include "obj/kobj_new.h"
#include "obj/notice.h"
#include "proc/process.h"

struct user_object {
    struct kobj obj; /* first: KOBJ_USER */
    uint32_t type;
    uint32_t riid;
    uint64_t context;
    uint64_t channel_koid; /* the server channel end (server or listener) it was made on */
};

struct badge {
    struct kobj obj; /* first: KOBJ_BADGE */
    uint64_t context;
};

static void free_destroy(struct kobj *obj)
{
    notice_raise(obj->koid, NOTICE_EV_OBJECT_ENDED, true);
    kobj_free_mem(obj);
}
static const struct kobj_ops user_object_ops = {KOBJ_USER, "user-object", free_destroy};
static const struct kobj_ops badge_ops = {KOBJ_BADGE, "badge", free_destroy};

Retcode core_handle_CreateUserObject(void *ctx, uint32_t type, kl_core_Types_Rights rights,
                                     kl_core_Types_VirtAddr context, idl_handle_t ipc_channel,
                                     kl_core_Types_Riid riid, idl_handle_t *handle,
                                     kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    if (rights == 0 || (rights & ~HR_USER_FULL) != 0) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    /* The caller's own server end: a listener or a server channel end it receives on. */
    struct kobj *ch;
    Retcode r = core_get(c, ipc_channel.handle, KOBJ_IPC_LISTENER, HR_IPC_RECV, (void **)&ch);
    if (r == rcBadHandle)
        r = core_get(c, ipc_channel.handle, KOBJ_IPC_SERVER, HR_IPC_RECV, (void **)&ch);
    if (r != rcOk) {
        *rc = r;
        return rcOk;
    }
    uint64_t koid = ch->koid;
    kobj_unref(ch);
    struct user_object *u = NULL;
    r = kobj_new(sizeof *u, &user_object_ops, &c->proc->kmem, (void **)&u);
    if (r == rcOk) {
        u->type = type;
        u->riid = riid;
        u->context = context;
        u->channel_koid = koid;
        r = core_install(c, u, rights, &handle->handle, &handle->rights);
        kobj_unref(&u->obj); /* the handle holds its own; on failure this frees it */
    }
    *rc = r;
    return rcOk;
}

Retcode core_handle_CreateBadge(void *ctx, idl_handle_t notify,
                                kl_core_Types_NoticeEntryId notify_context,
                                kl_core_Types_VirtAddr badge_context, idl_handle_t *badge,
                                kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    badge->handle = HANDLE_INVALID;
    badge->rights = 0;
    struct notice_receiver *recv = NULL;
    if (notify.handle != HANDLE_INVALID) {
        Retcode r = core_get(c, notify.handle, KOBJ_NOTICE, HR_WRITE, (void **)&recv);
        if (r != rcOk) {
            *rc = r;
            return rcOk;
        }
    }
    struct badge *b = NULL;
    Retcode r = kobj_new(sizeof *b, &badge_ops, &c->proc->kmem, (void **)&b);
    if (r == rcOk) {
        b->context = badge_context;
        /* No reference is needed to keep the badge: ours lasts until install. */
        if (recv != NULL)
            r = notice_subscribe(recv, b->obj.koid, NOTICE_EV_OBJECT_ENDED, notify_context, NULL,
                                 NULL);
        if (r == rcOk)
            r = core_install(c, b, HR_BADGE_FULL, &badge->handle, &badge->rights);
        kobj_unref(&b->obj);
    }
    if (recv != NULL)
        kobj_unref(notice_kobj(recv));
    *rc = r;
    return rcOk;
}
