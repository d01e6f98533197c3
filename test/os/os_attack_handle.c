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
 *
 * Then state per resource in the running KSM (resource_state): the policy's res_flow keeps a
 * Flow machine per resource, found by the SID the kernel shows the KSM in place of a handle in
 * the message (docs/policy-language.md, "State per resource"), so the server's ostest.Resource.Use
 * is granted only between an Open and a Close of the resource the handle names: not for one
 * never opened, nor for a second resource while the first is open, nor after its Close; a copy
 * of the handle (another value, the same resource) finds the same state.
 *
 * Then the audit of res_flow's methods through the real KSM (resource_audit): the policy's
 * profile res_audit logs each granted res_flow rule of ostest.Resource, except while the
 * resource's machine is "open" (omit). On a fresh resource, Open, Use and Close are all granted;
 * the kss log (kl.core.Audit, the kernel's ring) then holds one record of Open with
 * "res_flow.init(->closed) granted; res_flow.enter(closed->open) granted" and none of Use
 * (allow in "open") or Close (open->closed): their machine was "open" before the call, and no
 * other part of the profile logs a grant. A ring that lost records meanwhile (the image's other
 * tests deny many requests) proves nothing either way: the check is made again on another
 * resource.
 *
 * Last, resources' ends (resource_ends): res_flow has room for 8 machines, and 16 more user
 * objects opened and closed one after another each get one, because the kernel reports the end
 * of an object the monitor was shown and the KSM drops its machine.
 */
#include <stdio.h>
#include <string.h>

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

/* A call of ostest.Resource on the session server, with handle h passed as HR_READ. */
typedef Retcode (*resource_method)(struct idl_client *cl, idl_handle_t res);
static Retcode r_call(resource_method m, uint32_t h)
{
    _Alignas(8) uint8_t req[256], res[256];
    struct idl_client cl;
    ipc_client_init(&cl, &session_ch, ostest_SessionServer_EP_resource, req, sizeof req, res,
                    sizeof res);
    return m(&cl, (idl_handle_t){h, HR_READ});
}

static bool resource_state(void)
{
    const uint32_t rights = HR_READ | HR_DUPLICATE | HR_TRANSFER;
    uint32_t a = HANDLE_NONE, a2 = HANDLE_NONE, b = HANDLE_NONE;
    uint64_t sid_a = 0, sid_a2 = 1, sid_b = 0;
    bool ok = OT_RC(hc_user_object(1, rights, 0xa, own_listener, 1, &a), rcOk) &&
              OT_RC(hc_user_object(1, rights, 0xb, own_listener, 1, &b), rcOk) &&
              OT_RC(hc_copy(a, rights, HANDLE_NONE, &a2), rcOk) && OT_RC(hc_sid(a, &sid_a), rcOk) &&
              OT_RC(hc_sid(a2, &sid_a2), rcOk) && OT_RC(hc_sid(b, &sid_b), rcOk);
    /* Two resources, and a second handle to the first: what the KSM will see. */
    ok = ok && OT_EQ(sid_a, sid_a2) && OT_TRUE(sid_a != sid_b) && OT_TRUE(a != a2);
    if (!ok)
        return false;
    /* Never opened: no machine, nothing to use or close. */
    ok &= OT_RC(r_call(ostest_Resource_Use, a), rcSecurityDisallow);
    ok &= OT_RC(r_call(ostest_Resource_Close, a), rcSecurityDisallow);
    /* Open a: Use is served, as often as asked, and through the copy too. */
    ok &= OT_RC(r_call(ostest_Resource_Open, a), rcOk);
    ok &= OT_RC(r_call(ostest_Resource_Use, a), rcOk);
    ok &= OT_RC(r_call(ostest_Resource_Use, a2), rcOk);
    ok &= OT_RC(r_call(ostest_Resource_Open, a2), rcSecurityDisallow); /* open already */
    /* b keeps a state of its own: still no machine. */
    ok &= OT_RC(r_call(ostest_Resource_Use, b), rcSecurityDisallow);
    ok &= OT_RC(r_call(ostest_Resource_Open, b), rcOk);
    ok &= OT_RC(r_call(ostest_Resource_Use, b), rcOk);
    /* Close a (through the copy): "closed" again; b stays open. */
    ok &= OT_RC(r_call(ostest_Resource_Close, a2), rcOk);
    ok &= OT_RC(r_call(ostest_Resource_Use, a), rcSecurityDisallow);
    ok &= OT_RC(r_call(ostest_Resource_Close, a), rcSecurityDisallow); /* closed -> closed: none */
    ok &= OT_RC(r_call(ostest_Resource_Use, b), rcOk);
    ok &= OT_RC(r_call(ostest_Resource_Close, b), rcOk);
    ok &= OT_RC(r_call(ostest_Resource_Use, b), rcSecurityDisallow);
    /* The denials were the policy's, not a broken server: another call is still served. */
    uint32_t v = 0;
    ok &= OT_RC(s_check(a, HR_READ, &v), rcOk) && OT_EQ(v, 0);
    ok = ot_bystander_served() && ok;
    uint32_t all[] = {a, a2, b};
    ot_close_handles(all, 3);
    if (ok)
        printf("os_attack_handle: resource state: Use denied before Open, served while open, "
               "denied for another resource and after Close\n");
    return ok;
}

/* What the kss log holds of this process's ostest.Resource calls (records of resource.<m>:). */
struct resource_records {
    uint32_t open, open_audited, use, close;
    uint32_t dropped;
    char open_line[300]; /* the last audited Open, from "granted" on */
};

#define RESOURCE_RECORD                                                                  \
    " request AttackHandle[ostest.AttackHandle] -> SessionServer[ostest.SessionServer] " \
    "resource."

/* Reads h to its end and counts the records of our Resource calls; open_audited: Open's records
 * that carry res_flow's two methods after the rule that granted it. */
static void resource_records_read(uint32_t h, struct resource_records *out)
{
    static char line[1100];
    *out = (struct resource_records){0};
    while (ot_audit_read(h, line, sizeof line, &out->dropped) == rcOk) {
        const char *m = strstr(line, RESOURCE_RECORD);
        if (m == NULL)
            continue;
        m += strlen(RESOURCE_RECORD);
        if (strncmp(m, "Open: ", 6) == 0) {
            out->open++;
            if (strstr(m, "Open: granted by rule at ostest.psl:") == m &&
                strstr(m, "; res_flow.init(->closed) granted; "
                          "res_flow.enter(closed->open) granted") != NULL) {
                out->open_audited++;
                snprintf(out->open_line, sizeof out->open_line, "%s",
                         strstr(line, " granted ") + 1);
            }
        } else if (strncmp(m, "Use: ", 5) == 0) {
            out->use++;
        } else if (strncmp(m, "Close: ", 7) == 0) {
            out->close++;
        }
    }
}

static bool resource_audit(void)
{
    const uint32_t rights = HR_READ | HR_DUPLICATE | HR_TRANSFER;
    uint32_t log = HANDLE_NONE;
    if (!OT_RC(ot_audit_open_kss(&log), rcOk))
        return false;
    bool ok = true, seen = false;
    struct resource_records rec = {0};
    /* At most 6 resources: res_flow has room for 8, resource_state took 2. */
    for (int attempt = 0; attempt < 6 && ok && !seen; attempt++) {
        uint32_t c = HANDLE_NONE;
        if (!OT_RC(hc_user_object(1, rights, 0xc0 + (uint64_t)attempt, own_listener, 1, &c), rcOk))
            return false;
        resource_records_read(log, &rec); /* to its end: only what follows counts */
        ok &= OT_RC(r_call(ostest_Resource_Open, c), rcOk);
        ok &= OT_RC(r_call(ostest_Resource_Use, c), rcOk);
        ok &= OT_RC(r_call(ostest_Resource_Close, c), rcOk);
        resource_records_read(log, &rec);
        ok &= OT_RC(hc_close(c), rcOk);
        seen = rec.dropped == 0; /* else a record may be lost, or missing for that reason */
        if (!seen)
            printf("os_attack_handle: kss lost %u records meanwhile, again\n", rec.dropped);
    }
    ok &= OT_TRUE(seen);
    /* Open: one record, with its methods; Use and Close omitted (their machine was "open"). */
    ok &= OT_EQ(rec.open, 1) && OT_EQ(rec.open_audited, 1);
    ok &= OT_EQ(rec.use, 0);
    ok &= OT_EQ(rec.close, 0);
    ok &= OT_RC(ot_audit_close(log), rcOk);
    if (ok)
        printf("os_attack_handle: res_flow audit: Open's init and enter in the kss log, Use and "
               "Close omitted while open: %s\n",
               rec.open_line);
    return ok;
}

/* The end of a resource frees its state in the KSM: res_flow has room for 8 resources, and
 * resource_state and resource_audit took up to 8 of them with user objects that are gone now.
 * Each of 16 more rounds makes a user object, opens, uses and closes it through the server and
 * closes it: every Open is granted only if the machines of the objects that ended were dropped
 * (the kernel reports the end of an object the monitor was shown; the next request carries it). */
static bool resource_ends(void)
{
    const uint32_t rights = HR_READ | HR_DUPLICATE | HR_TRANSFER;
    bool ok = true;
    int opened = 0;
    for (int round = 0; round < 16 && ok; round++) {
        uint32_t c = HANDLE_NONE;
        if (!OT_RC(hc_user_object(1, rights, 0xe0 + (uint64_t)round, own_listener, 1, &c), rcOk))
            return false;
        ok &= OT_RC(r_call(ostest_Resource_Open, c), rcOk);
        ok &= OT_RC(r_call(ostest_Resource_Use, c), rcOk);
        ok &= OT_RC(r_call(ostest_Resource_Close, c), rcOk);
        ok &= OT_RC(hc_close(c), rcOk);
        opened += ok;
    }
    ok = ot_bystander_served() && ok;
    if (ok)
        printf("os_attack_handle: resource ends: %d resources opened one after another in a "
               "machine table of 8\n",
               opened);
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
    bool own = OT_RC(start_connection("own", &own_listener), rcOk);
    ok &= own && own_objects();
    ot_attack("kl.core.Handle.CreateUserObject", ok && ot_bystander_served());
    ok = badges();
    ot_attack("kl.core.Handle.CreateBadge", ok && ot_bystander_served());
    if (own && resource_state()) {
        resource_audit();
        resource_ends();
    }
    return ot_end();
}
