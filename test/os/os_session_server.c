/*
 * os_session_server (class ostest.SessionServer): user objects and badges from a server's side.
 *
 * First its own checks (result line os_session_server): Handle.CreateUserObject refuses rights
 * outside HR_USER_FULL and a channel that is not one of its own server ends; Handle.CreateBadge
 * refuses a `notify` that is not a notification receiver (rcBadHandle; os_notice uses a real
 * one); copies of a user object made
 * under two badges are revoked badge by badge by Handle.RevokeSubtree, with what was derived
 * from them, while the other badge's and the untagged copies live on.
 *
 * Then it serves ostest.Session on "session" to os_attack_handle: Open hands out a copy of its
 * session object made under the client's badge (READ and TRANSFER only), Check recognises a
 * handle by its SID, Drop revokes the client's copies by the badge. On the same channel it
 * serves ostest.Resource, whose methods only close the handle they receive: the policy alone
 * decides them (by the state of the resource the handle names).
 */
#include <stdio.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>

#include "handle_calls.h"
#include "ostest.h"
#include "ostest/SessionServer.edl.h"

#define SESSION_RIID 1u
#define SESSION_TYPE 0x5e55u

static struct ipc_server srv;
static uint32_t session_root = HANDLE_NONE; /* the user object: the server's root handle */
static uint64_t session_sid;
static uint32_t client_badge = HANDLE_NONE;
static uint32_t client_copy = HANDLE_NONE; /* the copy under client_badge that Open sends */

static bool live(uint32_t h)
{
    uint64_t sid;
    return hc_sid(h, &sid) == rcOk;
}

static bool revoked(uint32_t h)
{
    uint64_t sid;
    return hc_sid(h, &sid) == rcHandleRevoked;
}

static void own_checks(uint32_t listener)
{
    uint32_t h, a, b;
    OT_RC(hc_user_object(SESSION_TYPE, 0, 1, listener, SESSION_RIID, &h), rcInvalidArgument);
    OT_RC(hc_user_object(SESSION_TYPE, HR_READ | (1u << 2), 1, listener, SESSION_RIID, &h),
          rcInvalidArgument);
    OT_RC(hc_badge(HANDLE_NONE, 7, &a), rcOk);
    /* A badge, or nothing, is not a server end. */
    OT_RC(hc_user_object(SESSION_TYPE, HR_USER_FULL, 1, a, SESSION_RIID, &h), rcBadHandle);
    OT_RC(hc_user_object(SESSION_TYPE, HR_USER_FULL, 1, HANDLE_NONE, SESSION_RIID, &h),
          rcBadHandle);
    OT_RC(hc_badge(a, 8, &h), rcBadHandle); /* a badge is no notification receiver */

    uint32_t obj;
    if (!OT_RC(hc_user_object(SESSION_TYPE, HR_USER_FULL, 0x1000, listener, SESSION_RIID, &obj),
               rcOk))
        return;
    OT_RC(hc_badge(HANDLE_NONE, 9, &b), rcOk);
    uint32_t ca, ca2, cb, cn;
    OT_RC(hc_copy(obj, HR_READ | HR_DUPLICATE | HR_TRANSFER, a, &ca), rcOk);
    OT_RC(hc_copy(ca, HR_READ, HANDLE_NONE, &ca2), rcOk); /* derived from a's copy */
    OT_RC(hc_copy(obj, HR_READ | HR_TRANSFER, b, &cb), rcOk);
    OT_RC(hc_copy(obj, HR_READ, HANDLE_NONE, &cn), rcOk);
    /* Rights only shrink. */
    uint32_t wide;
    OT_RC(hc_copy(cb, HR_USER_FULL, HANDLE_NONE, &wide), rcAccessDenied);
    /* Revoke by badge a: its copy and what came of it, nothing else. */
    OT_RC(hc_revoke_subtree(obj, a), rcOk);
    OT_TRUE(revoked(ca));
    OT_TRUE(revoked(ca2));
    OT_TRUE(live(cb));
    OT_TRUE(live(cn));
    OT_TRUE(live(obj));
    /* A copy without HR_REVOKE cannot cut anything off. */
    OT_RC(hc_revoke_subtree(cb, b), rcAccessDenied);
    OT_RC(hc_revoke_subtree(obj, b), rcOk);
    OT_TRUE(revoked(cb));
    OT_TRUE(live(cn));
    /* No badge: every descendant. */
    OT_RC(hc_revoke_subtree(obj, HANDLE_NONE), rcOk);
    OT_TRUE(revoked(cn));
    OT_TRUE(live(obj));
    uint32_t all[] = {ca, ca2, cb, cn, obj, a, b};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        OT_RC(hc_close(all[i]), rcOk);
    uint64_t gone;
    OT_RC(hc_sid(obj, &gone), rcBadHandle); /* closed: its value names nothing */
}

static Retcode open_session(void *ctx, idl_handle_t *session)
{
    (void)ctx;
    session->handle = HANDLE_NONE;
    session->rights = 0;
    Retcode r = rcOk;
    if (client_copy == HANDLE_NONE)
        r = hc_copy(session_root, HR_READ | HR_TRANSFER, client_badge, &client_copy);
    if (r == rcOk) {
        session->handle = client_copy;
        session->rights = HR_READ | HR_TRANSFER;
    }
    return r;
}

static Retcode check(void *ctx, idl_handle_t session, uint32_t *valid)
{
    (void)ctx;
    uint64_t sid = 0;
    *valid = hc_sid(session.handle, &sid) == rcOk && sid == session_sid;
    hc_close(session.handle);
    return rcOk;
}

static Retcode drop(void *ctx, uint32_t *dropped)
{
    (void)ctx;
    *dropped = hc_revoke_subtree(session_root, client_badge) == rcOk;
    if (*dropped && client_copy != HANDLE_NONE) {
        hc_close(client_copy); /* revoked with the client's: its slot goes too */
        client_copy = HANDLE_NONE;
    }
    return rcOk;
}

static const struct ostest_Session_ops ops = {.Open = open_session, .Check = check, .Drop = drop};

/* ostest.Resource: a request that reached the server was granted; the handle it carried is of
 * no further use here. */
static Retcode resource_done(void *ctx, idl_handle_t res)
{
    (void)ctx;
    hc_close(res.handle);
    return rcOk;
}

static const struct ostest_Resource_ops resource_ops = {
    .Open = resource_done, .Use = resource_done, .Close = resource_done};

static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK)
        return rcBadMessage;
    if (h.endpoint_id == ostest_SessionServer_EP_resource)
        return ostest_Resource_dispatch(&resource_ops, ctx, req, len, res, cap, res_len);
    if (h.endpoint_id != ostest_SessionServer_EP_session)
        return rcBadMessage;
    return ostest_Session_dispatch(&ops, ctx, req, len, res, cap, res_len);
}

int main(void)
{
    static _Alignas(8) uint8_t buf[2][1024];
    ot_begin("os_session_server");
    if (!OT_RC(start_connection("session", &srv.listener), rcOk))
        return ot_end();
    own_checks(srv.listener);
    OT_RC(hc_user_object(SESSION_TYPE, HR_USER_FULL, 0x2000, srv.listener, SESSION_RIID,
                         &session_root),
          rcOk);
    OT_RC(hc_sid(session_root, &session_sid), rcOk);
    OT_RC(hc_badge(HANDLE_NONE, 1, &client_badge), rcOk);
    ot_end(); /* its own checks are done; serving is os_attack_handle's to judge */
    srv.dispatch = dispatch;
    srv.buf[0] = buf[0];
    srv.buf[1] = buf[1];
    srv.cap = sizeof buf[0];
    Retcode r = ipc_serve(&srv);
    printf("os_session_server: ipc_serve ended: %s\n", retcode_name(r));
    return 1;
}
