/*
 * os_ipc_fast (class ostest.IpcFast): the IPC fast path (docs/ipc.md#the-fast-path) and each
 * way out of it, on a channel to itself ("loop": Einit gives it both the client end and the
 * listener; the one a Recv works on is the listener). Raw header-only Echo requests
 * (ostest.Probe) and bare response headers, decided by the KSM like any other process's.
 * Checks:
 *   - round trips with a server thread in ReplyRecv: the request handed to the waiting
 *     receiver, the answer straight back;
 *   - tokens: a token answered once, one never issued, and ReplyRecv with either, get
 *     rcNotFound (nothing received);
 *   - a reply after its caller timed out gets rcReplyLost (the caller rcTimeout), and a
 *     ReplyRecv with it still receives;
 *   - two receiver threads: each gets one of two calls, and each answers the other's (a call
 *     belongs to the process, not to the thread that received it);
 *   - the client end closed while its call is in the server: the call is still answered (the
 *     call keeps its port), and the closed handle is refused afterwards;
 *   - the lookup's checks: a copy without HR_IPC_CALL (rcAccessDenied), the listener
 *     (rcAccessDenied), a revoked copy (rcHandleRevoked), no handle (rcBadHandle);
 *   - a request larger than the receiver's buffer, an answer larger than the caller's;
 *   - calls without a timeout, which the monitor sends on to the waiting receiver as it grants
 *     them: six held unanswered at once (more than the four places of this process's gate in
 *     front of the monitor, given back at each grant) leave another thread's core call free,
 *     and are then answered.
 */
#include <string.h>

#include <bastion/rights.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "handle_calls.h"
#include "ostest.h"
#include "ostest/ProbeServer.edl.h"

#define WAIT_MS 10000u /* every wait's own bound: the test fails, it does not hang */
#define ROUND_TRIPS 300

static uint32_t client_h, listener_h;

static const struct idl_header req_h = {.endpoint_id = ostest_ProbeServer_EP_probe,
                                        .method_id = ostest_Probe_Echo_MID};
static const struct idl_header resp_h = {.endpoint_id = ostest_ProbeServer_EP_probe,
                                         .method_id = ostest_Probe_Echo_MID,
                                         .flags = IDL_FLAG_RESPONSE};

/* ---- helpers ------------------------------------------------------------------------------- */

static bool start(struct thread *t, thread_fn fn, void *arg)
{
    return OT_RC(thread_create(t, fn, arg, THREAD_PRIO_DEFAULT, 0), rcOk);
}

static void join(struct thread *t)
{
    int code = -1;
    OT_RC(thread_join(t, 3 * WAIT_MS, &code), rcOk);
}

/* A client thread: one header-only call on `handle` with its own bound and answer room. */
struct caller {
    uint32_t handle, timeout_ms, res_cap;
    volatile int done;
    volatile Retcode rc;
    size_t len;
    _Alignas(8) uint8_t res[64];
};

static int call_thread(void *arg)
{
    struct caller *c = arg;
    c->rc = ipc_call(c->handle, &req_h, sizeof req_h, c->res, c->res_cap, &c->len, c->timeout_ms);
    c->done = 1;
    return 0;
}

static bool start_caller_cap(struct thread *t, struct caller *c, uint32_t handle,
                             uint32_t timeout_ms, uint32_t res_cap)
{
    *c = (struct caller){.handle = handle, .timeout_ms = timeout_ms, .res_cap = res_cap};
    return start(t, call_thread, c);
}

static bool start_caller(struct thread *t, struct caller *c, uint32_t handle, uint32_t timeout_ms)
{
    return start_caller_cap(t, c, handle, timeout_ms, sizeof c->res);
}

static Retcode recv_one(uint64_t *token, uint32_t ms)
{
    _Alignas(8) uint8_t buf[64];
    size_t len = 0;
    return ipc_recv(listener_h, buf, sizeof buf, &len, token, ms);
}

/* ---- the checks ---------------------------------------------------------------------------- */

static volatile int served;

/* Answers with ReplyRecv until a receive times out (nothing more to serve). */
static int echo_server(void *arg)
{
    (void)arg;
    _Alignas(8) uint8_t buf[64];
    uint64_t token = 0;
    for (;;) {
        size_t len = 0;
        memcpy(buf, &resp_h, sizeof resp_h); /* the answer goes out of the receive buffer */
        Retcode r = ipc_reply_recv(token, buf, token != 0 ? sizeof resp_h : 0, listener_h,
                                   sizeof buf, &len, &token, 500);
        if (r != rcOk)
            return r == rcTimeout ? 0 : 1;
        served++;
    }
}

static void round_trips(void)
{
    struct thread s;
    served = 0;
    if (!start(&s, echo_server, NULL))
        return;
    int ok = 0;
    for (int i = 0; i < ROUND_TRIPS; i++) {
        _Alignas(8) uint8_t res[64];
        size_t len = 0;
        if (ipc_call(client_h, &req_h, sizeof req_h, res, sizeof res, &len, WAIT_MS) == rcOk &&
            len == sizeof resp_h && memcmp(res, &resp_h, sizeof resp_h) == 0)
            ok++;
    }
    OT_EQ(ok, ROUND_TRIPS);
    join(&s);
    OT_EQ(served, ROUND_TRIPS);
}

static void tokens(void)
{
    struct thread t;
    struct caller c;
    if (!start_caller(&t, &c, client_h, WAIT_MS))
        return;
    uint64_t token = 0;
    if (!OT_RC(recv_one(&token, WAIT_MS), rcOk)) {
        join(&t);
        return;
    }
    OT_RC(ipc_reply(token, &resp_h, sizeof resp_h), rcOk);
    join(&t);
    OT_RC(c.rc, rcOk);
    /* Answered once: the token is gone, for Reply and ReplyRecv alike. */
    OT_RC(ipc_reply(token, &resp_h, sizeof resp_h), rcNotFound);
    _Alignas(8) uint8_t buf[64];
    size_t len = 0;
    uint64_t next = 0;
    memcpy(buf, &resp_h, sizeof resp_h);
    OT_RC(ipc_reply_recv(token, buf, sizeof resp_h, listener_h, sizeof buf, &len, &next, 100),
          rcNotFound);
    /* Never issued. */
    OT_RC(ipc_reply(token + 1000000, &resp_h, sizeof resp_h), rcNotFound);
}

/* The callers' timeout: long enough that the receiver, running on a loaded host, has the call
 * well before it runs out (it must receive it first), short enough not to slow the run. */
#define SHORT_CALL_MS 1000u

static void reply_after_timeout(void)
{
    struct thread t;
    struct caller c;
    if (!start_caller(&t, &c, client_h, SHORT_CALL_MS))
        return;
    uint64_t token = 0;
    if (!OT_RC(recv_one(&token, WAIT_MS), rcOk)) {
        join(&t);
        return;
    }
    join(&t); /* its timeout runs out while we hold the call */
    OT_RC(c.rc, rcTimeout);
    OT_RC(ipc_reply(token, &resp_h, sizeof resp_h), rcReplyLost);
    OT_RC(ipc_reply(token, &resp_h, sizeof resp_h), rcNotFound);

    /* ReplyRecv: the answer is lost, the receive half still receives the next call. */
    struct thread t2, t3;
    struct caller c2, c3;
    if (!start_caller(&t2, &c2, client_h, SHORT_CALL_MS))
        return;
    token = 0;
    if (!OT_RC(recv_one(&token, WAIT_MS), rcOk)) {
        join(&t2);
        return;
    }
    join(&t2);
    OT_RC(c2.rc, rcTimeout);
    if (!start_caller(&t3, &c3, client_h, WAIT_MS))
        return;
    _Alignas(8) uint8_t buf[64];
    size_t len = 0;
    uint64_t next = 0;
    memcpy(buf, &resp_h, sizeof resp_h);
    OT_RC(ipc_reply_recv(token, buf, sizeof resp_h, listener_h, sizeof buf, &len, &next, WAIT_MS),
          rcReplyLost);
    OT_EQ(len, sizeof req_h);
    OT_RC(ipc_reply(next, &resp_h, sizeof resp_h), rcOk);
    join(&t3);
    OT_RC(c3.rc, rcOk);
}

/* Two receivers, each answering the call the other received. */
static volatile uint64_t got[2];
static volatile int swap_go;

static int swap_receiver(void *arg)
{
    int me = (int)(uintptr_t)arg;
    uint64_t token = 0;
    if (recv_one(&token, WAIT_MS) != rcOk)
        return 1;
    got[me] = token;
    for (int i = 0; i < 1000 && !swap_go; i++)
        core_thread_sleep(10);
    while (got[1 - me] == 0)
        core_thread_sleep(10);
    return ipc_reply(got[1 - me], &resp_h, sizeof resp_h) == rcOk ? 0 : 2;
}

static void second_receiver(void)
{
    struct thread r0, r1, t0, t1;
    struct caller c0, c1;
    got[0] = got[1] = 0;
    swap_go = 0;
    if (!start(&r0, swap_receiver, (void *)0))
        return;
    if (!start(&r1, swap_receiver, (void *)1))
        return;
    core_thread_sleep(200); /* both wait in Recv */
    if (!start_caller(&t0, &c0, client_h, WAIT_MS) || !start_caller(&t1, &c1, client_h, WAIT_MS))
        return;
    for (int i = 0; i < 500 && (got[0] == 0 || got[1] == 0); i++)
        core_thread_sleep(10);
    OT_TRUE(got[0] != 0 && got[1] != 0 && got[0] != got[1]);
    swap_go = 1;
    int code0 = -1, code1 = -1;
    OT_RC(thread_join(&r0, 3 * WAIT_MS, &code0), rcOk);
    OT_RC(thread_join(&r1, 3 * WAIT_MS, &code1), rcOk);
    OT_EQ(code0, 0);
    OT_EQ(code1, 0);
    join(&t0);
    join(&t1);
    OT_RC(c0.rc, rcOk);
    OT_RC(c1.rc, rcOk);
}

static void closed_client_end(void)
{
    uint32_t copy = HANDLE_NONE;
    if (!OT_RC(hc_copy(client_h, HR_IPC_CLIENT, HANDLE_NONE, &copy), rcOk))
        return;
    struct thread t;
    struct caller c;
    if (!start_caller(&t, &c, copy, WAIT_MS))
        return;
    uint64_t token = 0;
    if (!OT_RC(recv_one(&token, WAIT_MS), rcOk)) {
        join(&t);
        return;
    }
    OT_RC(hc_close(copy), rcOk); /* the caller's handle, while its call is ours */
    OT_RC(ipc_reply(token, &resp_h, sizeof resp_h), rcOk);
    join(&t);
    OT_RC(c.rc, rcOk);
    OT_EQ(c.len, sizeof resp_h);
    _Alignas(8) uint8_t res[64];
    size_t len = 0;
    OT_RC(ipc_call(copy, &req_h, sizeof req_h, res, sizeof res, &len, 100), rcBadHandle);
}

static void lookup_checks(void)
{
    _Alignas(8) uint8_t res[64];
    size_t len = 0;
    uint32_t nocall = HANDLE_NONE;
    if (OT_RC(hc_copy(client_h, HR_IPC_CLIENT & ~HR_IPC_CALL, HANDLE_NONE, &nocall), rcOk)) {
        OT_RC(ipc_call(nocall, &req_h, sizeof req_h, res, sizeof res, &len, 100), rcAccessDenied);
        ot_close_handles(&nocall, 1);
    }
    OT_RC(ipc_call(listener_h, &req_h, sizeof req_h, res, sizeof res, &len, 100), rcAccessDenied);
    OT_RC(ipc_call(0x7FFFFFF0u, &req_h, sizeof req_h, res, sizeof res, &len, 100), rcBadHandle);
    /* A copy of a copy, revoked by its parent: refused as revoked. */
    uint32_t parent = HANDLE_NONE, child = HANDLE_NONE;
    if (OT_RC(hc_copy(client_h, HR_IPC_CLIENT, HANDLE_NONE, &parent), rcOk) &&
        OT_RC(hc_copy(parent, HR_IPC_CLIENT, HANDLE_NONE, &child), rcOk)) {
        OT_RC(hc_revoke(parent), rcOk);
        OT_RC(ipc_call(child, &req_h, sizeof req_h, res, sizeof res, &len, 100), rcHandleRevoked);
    }
    ot_close_handles(&child, 1);
    ot_close_handles(&parent, 1);
    /* The receive side's lookup: a client end cannot receive. */
    uint64_t token = 0;
    _Alignas(8) uint8_t buf[64];
    OT_RC(ipc_recv(client_h, buf, sizeof buf, &len, &token, 100), rcAccessDenied);
}

static void sizes(void)
{
    /* The request does not fit the receiver's buffer: both sides hear of it. */
    struct thread t;
    struct caller c;
    if (!start_caller(&t, &c, client_h, WAIT_MS))
        return;
    _Alignas(8) uint8_t small[16];
    size_t len = 0;
    uint64_t token = 0;
    OT_RC(ipc_recv(listener_h, small, sizeof small, &len, &token, WAIT_MS), rcBufferTooSmall);
    OT_EQ(len, sizeof req_h);
    join(&t);
    OT_RC(c.rc, rcBufferTooSmall);

    /* The answer does not fit the caller's buffer: the caller rcBufferTooSmall, the server's
     * reply is lost. */
    if (!start_caller_cap(&t, &c, client_h, WAIT_MS, sizeof resp_h))
        return;
    token = 0;
    if (!OT_RC(recv_one(&token, WAIT_MS), rcOk)) {
        join(&t);
        return;
    }
    struct {
        struct idl_header h;
        uint8_t arena[8];
    } big = {.h = resp_h};
    big.h.arena_size = sizeof big.arena;
    OT_RC(ipc_reply(token, &big, sizeof big), rcReplyLost);
    join(&t);
    OT_RC(c.rc, rcBufferTooSmall);
}

/* The receiver of forwarded calls: takes `HELD` calls one by one and keeps them unanswered. */
#define HELD 6
static volatile uint64_t held[HELD];
static volatile int held_count;

static int holding_receiver(void *arg)
{
    (void)arg;
    for (int i = 0; i < HELD; i++) {
        uint64_t token = 0;
        if (recv_one(&token, WAIT_MS) != rcOk)
            return 1;
        held[i] = token;
        held_count = i + 1;
    }
    return 0;
}

static volatile int probe_done;

static int probe_core_call(void *arg)
{
    (void)arg;
    core_thread_sleep(1); /* Thread.Sleep: a core call the monitor decides */
    probe_done = 1;
    return 0;
}

static void forwarded_calls(void)
{
    struct thread r, t[HELD], probe;
    struct caller c[HELD];
    held_count = 0;
    probe_done = 0;
    if (!start(&r, holding_receiver, NULL))
        return;
    /* One at a time, each after the receiver waits again: every call finds it waiting when the
     * monitor grants it, so the monitor's receiver sends each one on. */
    int started = 0;
    for (int i = 0; i < HELD; i++) {
        core_thread_sleep(50);
        if (!start_caller(&t[i], &c[i], client_h, IPC_FOREVER))
            break;
        started++;
        for (int w = 0; w < 500 && held_count <= i; w++)
            core_thread_sleep(10);
    }
    OT_EQ(held_count, HELD);
    /* All held, none answered: this process still gets its decisions. */
    if (start(&probe, probe_core_call, NULL)) {
        for (int w = 0; w < 500 && !probe_done; w++)
            core_thread_sleep(10);
        OT_TRUE(probe_done);
        join(&probe);
    }
    for (int i = 0; i < held_count; i++)
        OT_RC(ipc_reply(held[i], &resp_h, sizeof resp_h), rcOk);
    join(&r);
    for (int i = 0; i < started; i++) {
        join(&t[i]);
        OT_RC(c[i].rc, rcOk);
        OT_EQ(c[i].len, sizeof resp_h);
    }
}

int main(void)
{
    ot_begin("os_ipc_fast");
    /* Both ends are named "loop": the one a Recv works on is the listener. */
    uint32_t n = start_connection_count(), ends[2], found = 0;
    for (uint32_t i = 0; i < n && found < 2; i++) {
        const char *name = NULL;
        uint32_t h = 0;
        if (start_connection_at(i, &name, &h) == rcOk && name != NULL && strcmp(name, "loop") == 0)
            ends[found++] = h;
    }
    if (!OT_EQ(found, 2))
        return ot_end();
    uint64_t token = 0;
    _Alignas(8) uint8_t buf[64];
    size_t len = 0;
    bool first_listens = ipc_recv(ends[0], buf, sizeof buf, &len, &token, 1) == rcTimeout;
    listener_h = first_listens ? ends[0] : ends[1];
    client_h = first_listens ? ends[1] : ends[0];
    OT_RC(ipc_recv(listener_h, buf, sizeof buf, &len, &token, 1), rcTimeout);
    round_trips();
    tokens();
    reply_after_timeout();
    second_receiver();
    closed_client_end();
    lookup_checks();
    sizes();
    forwarded_calls();
    return ot_end();
}
