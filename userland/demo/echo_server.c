/*
 * echo_server: serves echo.Echo on the listener Einit made for the channel "echo". Every client
 * of "echo" (init.yaml: EchoClient1, EchoClient2, Untrusted) reaches this one listener, so one
 * thread answers them all, in arrival order. Shutdown stops it; the demo policy lets no class
 * call it (the untrusted program tries).
 *
 * It also stops by itself once its clients are done, when ECHO_STOP_IDLE_MS (init.yaml `env`)
 * names a quiet period: a second thread (stop_when_idle) watches the count of answered
 * requests, and once that count has been above 0 and unchanged for the period, it sets an IPC
 * synchronization object of the process (kl.core.IPC.SetInterrupt): the main thread's wait for
 * the next request (Recv in ipc_serve) returns rcInterrupted, and the server reports
 * "stopped after N requests: interrupted" and exits with status 0. A client whose first request
 * comes after such a quiet period finds it gone: the period must outlast the clients' start.
 *
 * Sessions tell its clients apart, since a request does not say who sent it: Open makes a user
 * object per session (kl.core.Handle.CreateUserObject, on its own listener) and a badge
 * (CreateBadge), and sends the client a copy of the object made under that badge, with READ and
 * TRANSFER only. The client passes that handle back with each EchoIn; the server recognises the
 * session by the handle's SID (GetSidByHandle) and closes the handle it received. Close revokes
 * the session's handles by its badge (RevokeSubtree): the client's copy, and anything it derived
 * from it, stops working, and no other session's handle is touched.
 */
#include <stdio.h>
#include <stdlib.h>

#include <bastion/rights.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "echo/Server.edl.h"

#define ECHO_MSG_MAX 1024u

#define ECHO_SESSIONS 8u
#define NO_HANDLE kl_core_Types_InvalidHandleValue

/* One open session: the user object (root handle), its badge, the copy sent under the badge
 * (kept to send again and revoked with the client's), and the object's SID. */
struct session {
    uint32_t id; /* 0: free */
    uint32_t root, badge, copy;
    uint64_t sid;
};

struct echo_state {
    const char *me;
    uint64_t served;
    int verbose;
    struct ipc_server *srv;
    struct session sessions[ECHO_SESSIONS];
    uint32_t next_id;
};

/* kl.core.Handle through the server's own handle to the kernel. */
static Retcode handle_close(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

static Retcode handle_sid(uint32_t h, uint64_t *sid)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Handle_GetSidByHandle(&cl, core_handle_arg(h), sid, &rc), &rc);
}

static Retcode session_make(struct echo_state *st, struct session *s)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t root = {NO_HANDLE, 0}, badge = {NO_HANDLE, 0}, copy = {NO_HANDLE, 0};
    uint32_t id = ++st->next_id;
    Retcode r = core_result(kl_core_Handle_CreateUserObject(&cl, 1, HR_USER_FULL, id,
                                                            core_handle_arg(st->srv->listener),
                                                            echo_Server_EP_echo, &root, &rc),
                            &rc);
    if (r == rcOk)
        r = core_result(
            kl_core_Handle_CreateBadge(&cl, core_handle_arg(NO_HANDLE), 0, id, &badge, &rc), &rc);
    if (r == rcOk)
        r = core_result(kl_core_Handle_Copy(&cl, core_handle_arg(root.handle),
                                            HR_READ | HR_TRANSFER, core_handle_arg(badge.handle),
                                            &copy, &rc),
                        &rc);
    uint64_t sid = 0;
    if (r == rcOk)
        r = handle_sid(root.handle, &sid);
    if (r != rcOk) {
        uint32_t made[] = {copy.handle, badge.handle, root.handle};
        for (unsigned i = 0; i < 3; i++)
            if (made[i] != NO_HANDLE)
                (void)handle_close(made[i]);
        return r;
    }
    *s = (struct session){id, root.handle, badge.handle, copy.handle, sid};
    return rcOk;
}

/* The open session the received handle names, or NULL; closes the received handle. */
static struct session *session_of(struct echo_state *st, idl_handle_t h)
{
    uint64_t sid = 0;
    Retcode r = handle_sid(h.handle, &sid);
    (void)handle_close(h.handle);
    for (unsigned i = 0; r == rcOk && i < ECHO_SESSIONS; i++)
        if (st->sessions[i].id != 0 && st->sessions[i].sid == sid)
            return &st->sessions[i];
    return NULL;
}

static Retcode echo(void *ctx, const char *text, const char **reply, uint64_t *served)
{
    struct echo_state *st = ctx;
    if (st->verbose)
        printf("%s: echo \"%s\"\n", st->me, text);
    *reply = text; /* a view into the request: copied into the reply after we return */
    *served = st->served++;
    return rcOk;
}

static Retcode echo_shutdown(void *ctx, uint64_t *served)
{
    struct echo_state *st = ctx;
    printf("%s: asked to shut down\n", st->me);
    *served = st->served;
    st->srv->stop = true; /* ipc_serve returns after this reply */
    return rcOk;
}

static Retcode echo_open(void *ctx, idl_handle_t *session, uint32_t *id)
{
    struct echo_state *st = ctx;
    session->handle = NO_HANDLE;
    session->rights = 0;
    *id = 0;
    for (unsigned i = 0; i < ECHO_SESSIONS; i++) {
        struct session *s = &st->sessions[i];
        if (s->id != 0)
            continue;
        Retcode r = session_make(st, s);
        if (r != rcOk) {
            printf("%s: no session: %s\n", st->me, retcode_name(r));
            return r;
        }
        session->handle = s->copy;
        session->rights = HR_READ | HR_TRANSFER;
        *id = s->id;
        printf("%s: session %u opened\n", st->me, (unsigned)s->id);
        return rcOk;
    }
    return rcQuotaExceeded; /* every session in use */
}

static Retcode echo_in(void *ctx, idl_handle_t session, const char *text, const char **reply,
                       uint32_t *id)
{
    struct echo_state *st = ctx;
    struct session *s = session_of(st, session);
    *id = s != NULL ? s->id : 0;
    *reply = text;
    st->served++;
    return rcOk;
}

static Retcode echo_close(void *ctx, idl_handle_t session, uint32_t *id)
{
    struct echo_state *st = ctx;
    struct session *s = session_of(st, session);
    *id = 0;
    if (s == NULL)
        return rcOk;
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    Retcode r = core_result(
        kl_core_Handle_RevokeSubtree(&cl, core_handle_arg(s->root), core_handle_arg(s->badge), &rc),
        &rc);
    printf("%s: session %u closed, its handles revoked by its badge: %s\n", st->me, (unsigned)s->id,
           retcode_name(r));
    *id = s->id;
    (void)handle_close(s->copy);
    (void)handle_close(s->badge);
    (void)handle_close(s->root);
    *s = (struct session){0};
    return rcOk;
}

static const struct echo_Echo_ops echo_ops = {.Echo = echo,
                                              .Shutdown = echo_shutdown,
                                              .Open = echo_open,
                                              .EchoIn = echo_in,
                                              .Close = echo_close};

/* Routes by endpoint id (echo.Server has one endpoint) to the generated dispatcher. */
static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK || h.endpoint_id != echo_Server_EP_echo)
        return rcBadMessage;
    return echo_Echo_dispatch(&echo_ops, ctx, req, len, res, cap, res_len);
}

/* The watcher's look at the request count: every ECHO_IDLE_TICK_MS (the stop comes at most one
 * tick after the quiet period). */
#define ECHO_IDLE_TICK_MS 250u

struct idle_stop {
    const char *me;
    const struct ipc_server *srv;
    uint32_t idle_ms;
    uint32_t sync;      /* the IPC synchronization object it sets */
    volatile bool done; /* it set it: the main thread's rcInterrupted is the planned stop */
};

static int stop_when_idle(void *arg)
{
    struct idle_stop *w = arg;
    uint64_t seen = 0;
    uint32_t quiet = 0;
    for (;;) {
        Retcode r = core_thread_sleep(ECHO_IDLE_TICK_MS);
        if (r != rcOk)
            return (int)r;
        /* Written by the main thread only; an aligned 64-bit load sees one whole value. */
        uint64_t now = __atomic_load_n(&w->srv->served, __ATOMIC_RELAXED);
        quiet = now == seen ? quiet + ECHO_IDLE_TICK_MS : 0;
        seen = now;
        if (seen > 0 && quiet >= w->idle_ms)
            break;
    }
    printf("%s: no request for %u ms, stopping\n", w->me, (unsigned)w->idle_ms);
    w->done = true;
    CORE_CLIENT(cl, kl_core_Core_EP_ipc_IPC, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    Retcode r = core_result(kl_core_IPC_SetInterrupt(&cl, core_handle_arg(w->sync), &rc), &rc);
    if (r != rcOk)
        printf("%s: IPC.SetInterrupt failed: %s\n", w->me, retcode_name(r));
    return (int)r;
}

/* Starts the watcher when ECHO_STOP_IDLE_MS names a period (1 ms .. 1 hour). */
static Retcode start_idle_stop(struct idle_stop *w, struct thread *t)
{
    const char *v = getenv("ECHO_STOP_IDLE_MS");
    if (v == NULL)
        return rcOk;
    long ms = strtol(v, NULL, 10);
    if (ms < 1 || ms > 3600L * 1000L)
        return rcInvalidArgument;
    w->idle_ms = (uint32_t)ms;
    CORE_CLIENT(cl, kl_core_Core_EP_ipc_IPC, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {NO_HANDLE, 0};
    Retcode r = core_result(kl_core_IPC_CreateSyncObject(&cl, &h, &rc), &rc);
    if (r != rcOk)
        return r;
    w->sync = h.handle;
    return thread_create(t, stop_when_idle, w, THREAD_PRIO_DEFAULT, 16u * 1024u);
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    static _Alignas(8) uint8_t buf[2][ECHO_MSG_MAX];
    struct echo_state st = {.me = argc > 0 ? argv[0] : "echo_server",
                            .verbose = getenv("ECHO_VERBOSE") != NULL};
    struct ipc_server srv = {
        .dispatch = dispatch,
        .ctx = &st,
        .buf = {buf[0], buf[1]},
        .cap = sizeof buf[0],
    };
    st.srv = &srv;
    if (start_connection("echo", &srv.listener) != rcOk) {
        printf("%s: no listener named \"echo\" (does a client in init.yaml connect to it?)\n",
               st.me);
        return 1;
    }
    printf("%s: serving echo.Echo on channel \"echo\"\n", st.me);
    static struct idle_stop idle;
    static struct thread watcher;
    idle = (struct idle_stop){.me = st.me, .srv = &srv, .sync = NO_HANDLE};
    Retcode r = start_idle_stop(&idle, &watcher);
    if (r != rcOk)
        printf("%s: no stop on a quiet period (ECHO_STOP_IDLE_MS): %s\n", st.me, retcode_name(r));
    r = ipc_serve(&srv);
    bool planned = r == rcInterrupted && idle.done;
    printf("%s: stopped after %llu requests: %s\n", st.me, (unsigned long long)srv.served,
           planned ? "interrupted" : retcode_name(r));
    return r == rcOk || planned ? 0 : 1;
}
