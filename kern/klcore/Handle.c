/*
 * kl.core.Handle: Copy, Close, Connect, Revoke, RevokeSubtree, GetSidByHandle (obj/handle.h
 * does the work; this file takes the derivation lock and maps the parameters; the revokes
 * raise NoticeHandleRevoked, below).
 * SecurityConnect hands out the security interface (security/sec_iface.h).
 * CreateUserObject and CreateBadge make user objects and badges (Handle_objects.c).
 */
#include "klcore/Handle.h"
#include "klcore/klcore.h"
#include "ipc/ipc.h"
#include "obj/notice.h"
#include "proc/process.h"
#include "security/sec_iface.h"

/* A badge parameter: HANDLE_INVALID for none, else a KOBJ_BADGE handle of the caller with
 * HR_BADGE_TAG (tagging handles with it, or selecting them by it). */
static Retcode get_badge(struct core_ctx *c, idl_handle_t b, struct kobj **badge)
{
    *badge = NULL;
    if (b.handle == HANDLE_INVALID)
        return rcOk;
    return core_get(c, b.handle, KOBJ_BADGE, HR_BADGE_TAG, (void **)badge);
}

static Retcode Copy(void *ctx, idl_handle_t in, kl_core_Types_Rights rights,
                    idl_handle_t copy_badge, idl_handle_t *out, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    out->handle = HANDLE_INVALID;
    out->rights = 0;
    struct kobj *badge;
    Retcode r = get_badge(c, copy_badge, &badge);
    if (r == rcOk) {
        handle_t h;
        spin_lock(&handle_tree_lock);
        r = handle_copy(&c->proc->handles, in.handle, rights, badge, &h);
        spin_unlock(&handle_tree_lock);
        if (r == rcOk) {
            out->handle = h;
            out->rights = rights;
        }
        if (badge)
            kobj_unref(badge);
    }
    *rc = r;
    return rcOk;
}

static Retcode Close(void *ctx, idl_handle_t handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    if (handle.handle == c->proc->core_handle) {
        /* Closing its only way to the kernel would leave the process unable to even exit. */
        *rc = rcAccessDenied;
        return rcOk;
    }
    spin_lock(&handle_tree_lock);
    *rc = handle_close(&c->proc->handles, handle.handle);
    spin_unlock(&handle_tree_lock);
    return rcOk;
}

static Retcode Connect(void *ctx, idl_handle_t server, kl_core_Types_HandleValue sr_listener,
                       uint32_t create_sr_endpoint, idl_handle_t client,
                       kl_core_Types_HandleValue *out_listener,
                       kl_core_Types_HandleValue *out_sr_endpoint,
                       kl_core_Types_HandleValue *out_cl_endpoint, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *out_listener = *out_sr_endpoint = *out_cl_endpoint = HANDLE_INVALID;
    struct process *sp, *cp;
    Retcode r = core_get(c, server.handle, KOBJ_TASK, HR_TASK_HANDLES, (void **)&sp);
    if (r == rcOk) {
        r = core_get(c, client.handle, KOBJ_TASK, HR_TASK_HANDLES, (void **)&cp);
        if (r == rcOk) {
            r = ipc_connect(c->proc, sp, sr_listener, create_sr_endpoint, cp, out_listener,
                            out_sr_endpoint, out_cl_endpoint);
            process_unref(cp);
        }
        process_unref(sp);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetSidByHandle(void *ctx, idl_handle_t handle, kl_core_Types_Sid *sid,
                              kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    kobj_sid_t s = KOBJ_SID_NONE;
    *rc = handle_get_sid(&c->proc->handles, handle.handle, &s);
    *sid = s;
    return rcOk;
}

/*
 * Revoke and RevokeSubtree raise NoticeHandleRevoked on the handle's object when they revoked at
 * least one handle (every handle of a derivation tree names one object): a receiver subscribed
 * to the object learns that handles to it were taken away. Whether any was revoked is read
 * from h's direct children under the derivation lock, before and after (a revoked handle
 * leaves the tree; Revoke revokes every child, RevokeSubtree those of the badge). The object is
 * held from before the revoke until after the event, so that its end, when the revoke took its
 * last handle, comes after the revocation (both on one entry when it asked for both).
 */
static uint32_t children_of(struct handle_table *t, handle_t h)
{
    uint32_t n = 0;
    return handle_tree_info(t, h, &n, NULL, NULL) == rcOk ? n : 0;
}

static Retcode revoke(struct core_ctx *c, handle_t h, const struct kobj *badge, bool subtree)
{
    struct kobj *o = NULL;
    if (handle_get(&c->proc->handles, h, KOBJ_ANY, HR_NONE, &o, NULL) != rcOk)
        o = NULL; /* the revoke below names the error */
    spin_lock(&handle_tree_lock);
    uint32_t before = children_of(&c->proc->handles, h);
    Retcode r = subtree ? handle_revoke_subtree(&c->proc->handles, h, badge)
                        : handle_revoke(&c->proc->handles, h);
    uint32_t after = subtree && r == rcOk ? children_of(&c->proc->handles, h) : 0;
    spin_unlock(&handle_tree_lock);
    if (o != NULL) {
        if (r == rcOk && after < before)
            notice_raise(o->koid, NOTICE_EV_HANDLE_REVOKED, false);
        kobj_unref(o);
    }
    return r;
}

static Retcode Revoke(void *ctx, idl_handle_t handle, kl_core_Types_Retcode *rc)
{
    *rc = revoke(ctx, handle.handle, NULL, false);
    return rcOk;
}

static Retcode RevokeSubtree(void *ctx, idl_handle_t handle, idl_handle_t badge,
                             kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    struct kobj *b;
    Retcode r = get_badge(c, badge, &b);
    if (r == rcOk) {
        r = revoke(c, handle.handle, b, true);
        if (b)
            kobj_unref(b);
    }
    *rc = r;
    return rcOk;
}

static Retcode SecurityConnect(void *ctx, idl_handle_t *client, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    client->handle = HANDLE_INVALID;
    client->rights = 0;
    *rc = core_install(c, sec_iface_object(), HR_IPC_CLIENT, &client->handle, &client->rights);
    return rcOk;
}

const struct kl_core_Handle_ops core_handle_ops = {
    .CreateUserObject = core_handle_CreateUserObject,
    .CreateBadge = core_handle_CreateBadge,
    .SecurityConnect = SecurityConnect,
    .Copy = Copy,
    .Close = Close,
    .Connect = Connect,
    .GetSidByHandle = GetSidByHandle,
    .Revoke = Revoke,
    .RevokeSubtree = RevokeSubtree,
};
