/*
 * os_attack_handle (class ostest.AttackHandle): the abuses of kl.core.Handle.CreateUserObject
 * and CreateBadge, by a client of os_session_server whose policy (test/os/policy/ostest.psl)
 * grants it both methods (a program may well keep resources of its own), under a small
 * kernel-memory quota (init.yaml):
 *
 *   CreateUserObject  forging the server's objects: one made on its client end of the server's
 *                     channel is refused (rcBadHandle: not a server end it receives on); a
 *                     guessed handle value or a handle of another object does not pass for the
 *                     session; the session it was given cannot be widened (Copy), nor its
 *                     descendants revoked (Revoke, RevokeSubtree), and the server's revocation
 *                     by badge reaches it; "a multitude of objects": user objects on a server
 *                     end it does not have are refused before any memory is taken, and those
 *                     on a listener of its own stop at its own quota (rcQuotaExceeded);
 *   CreateBadge       "a multitude of objects": badges until its own quota stops it
 *                     (rcQuotaExceeded); a badge of its own does not select the server's
 *                     handles.
 *
 * After each, the probe server (another process) must still answer.
 */
#include <stdio.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>

#include "handle_calls.h"
#include "ostest.h"
#include "ostest/SessionServer.edl.h"

#define MAX_OBJECTS 4096u
static uint32_t handles[MAX_OBJECTS];

static struct ipc_channel session_ch;

static Retcode s_open(uint32_t *session)
{
    _Alignas(8) uint8_t req[256], res[256];
    struct idl_client cl;
    ipc_client_init(&cl, &session_ch, ostest_SessionServer_EP_session, req, sizeof req, res,
                    sizeof res);
    idl_handle_t h = {HANDLE_NONE, 0};
    Retcode r = ostest_Session_Open(&cl, &h);
    *session = h.handle;
    return r;
}

static Retcode s_check(uint32_t h, uint32_t rights, uint32_t *valid)
{
    _Alignas(8) uint8_t req[256], res[256];
    struct idl_client cl;
    ipc_client_init(&cl, &session_ch, ostest_SessionServer_EP_session, req, sizeof req, res,
                    sizeof res);
    *valid = 0xFFu;
    return ostest_Session_Check(&cl, (idl_handle_t){h, rights}, valid);
}

static Retcode s_drop(uint32_t *dropped)
{
    _Alignas(8) uint8_t req[256], res[256];
    struct idl_client cl;
    ipc_client_init(&cl, &session_ch, ostest_SessionServer_EP_session, req, sizeof req, res,
                    sizeof res);
    return ostest_Session_Drop(&cl, dropped);
}

static Retcode make_badge(uint32_t *h)
{
    return hc_badge(HANDLE_NONE, 0, h);
}

static bool user_objects(void)
{
    uint32_t s = HANDLE_NONE, v, h, mine;
    bool ok = OT_RC(ipc_connect(&session_ch, "session"), rcOk);
    /* Forging: a user object on its end of the server's channel. */
    ok &=
        OT_RC(hc_user_object(0x5e55u, HR_USER_FULL, 0x2000, session_ch.handle, 1, &h), rcBadHandle);
    ok &= OT_RC(s_open(&s), rcOk);
    ok &= OT_RC(s_check(s, HR_READ, &v), rcOk) && OT_EQ(v, 1);
    /* A guessed value does not even leave this process; a badge of its own is no session. */
    ok &= OT_FAILS(s_check(0x4321u, HR_READ, &v));
    ok &= OT_RC(make_badge(&mine), rcOk);
    ok &= OT_RC(s_check(mine, HR_TRANSFER, &v), rcOk) && OT_EQ(v, 0);
    /* Widening and revoking what it was given. */
    ok &= OT_RC(hc_copy(s, HR_READ, HANDLE_NONE, &h), rcAccessDenied); /* no HR_DUPLICATE */
    ok &= OT_RC(hc_revoke(s), rcAccessDenied);                         /* no HR_REVOKE */
    ok &= OT_RC(hc_revoke_subtree(s, mine), rcAccessDenied);
    ok &= OT_RC(hc_revoke_subtree(s, HANDLE_NONE), rcAccessDenied);
    ok &= OT_RC(s_check(s, HR_READ, &v), rcOk) && OT_EQ(v, 1);
    /* The server's revocation by badge reaches it. */
    ok &= OT_RC(s_drop(&v), rcOk) && OT_EQ(v, 1);
    uint64_t sid;
    ok &= OT_RC(hc_sid(s, &sid), rcHandleRevoked);
    ok &= OT_RC(hc_close(s), rcOk);
    /* And a fresh session works again. */
    ok &= OT_RC(s_open(&s), rcOk);
    ok &= OT_RC(s_check(s, HR_READ, &v), rcOk) && OT_EQ(v, 1);
    ok &= OT_RC(hc_close(s), rcOk);
    ok &= OT_RC(hc_close(mine), rcOk);
    /* No server end of its own: no user object at all, however many it asks for. */
    uint32_t refused = 0;
    for (unsigned i = 0; i < 1000; i++)
        refused += hc_user_object(1, HR_READ, i, session_ch.handle, 1, &h) == rcBadHandle;
    ok &= OT_EQ(refused, 1000);
    return ok;
}

/* User objects on its own listener (SessionServer's connection "own"): until its quota. */
static uint32_t own_listener = HANDLE_NONE;
static Retcode make_user_object(uint32_t *h)
{
    return hc_user_object(1, HR_READ | HR_TRANSFER, 0, own_listener, 1, h);
}

static bool own_objects(void)
{
    if (!OT_RC(start_connection("own", &own_listener), rcOk))
        return false;
    Retcode last;
    uint32_t n = ot_exhaust("kl.core.Handle.CreateUserObject", make_user_object, handles,
                            MAX_OBJECTS, &last);
    bool ok = OT_TRUE(n > 0) && last == rcQuotaExceeded;
    ok = ot_bystander_served() && ok;
    ot_close_handles(handles, n);
    uint32_t again = HANDLE_NONE;
    ok &= OT_RC(make_user_object(&again), rcOk);
    ok &= OT_RC(hc_close(again), rcOk);
    return ok;
}

static bool badges(void)
{
    Retcode last;
    uint32_t n = ot_exhaust("kl.core.Handle.CreateBadge", make_badge, handles, MAX_OBJECTS, &last);
    bool ok = OT_TRUE(n > 0) && last == rcQuotaExceeded;
    ok = ot_bystander_served() && ok;
    ot_close_handles(handles, n);
    uint32_t again = HANDLE_NONE;
    ok &= OT_RC(make_badge(&again), rcOk);
    ok &= OT_RC(hc_close(again), rcOk);
    return ok;
}

int main(void)
{
    ot_begin("os_attack_handle");
    bool ok = user_objects();
    ok &= own_objects();
    ot_attack("kl.core.Handle.CreateUserObject", ok && ot_bystander_served());
    ok = badges();
    ot_attack("kl.core.Handle.CreateBadge", ok && ot_bystander_served());
    return ot_end();
}
