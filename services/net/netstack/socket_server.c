/* Net.Socket served over lwIP's raw API (socket_server.h). */
#include <stdio.h>
#include <string.h>

#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "net/NetStack.edl.h"
#include "net/Socket.idl.h"
#include "socket_sock.h"
#include "socket_table.h"
#include "stack_stats.h"

#include "socket_server.h"

/* The largest request and answer: a Send or Recv with DataMax bytes and the fixed part. */
#define SOCK_MSG_MAX (net_Socket_DataMax + 256u)
/* Stack of a receiver thread: the dispatcher's frames only; its buffers are static. */
#define RECEIVER_STACK (32u * 1024u)

mutex_t stack_lock = MUTEX_INIT;

static struct sock_table table;
static struct sock socks[SOCK_TOTAL_MAX];

/* A call kept until it can be answered: its reply token, which client sent it, when its time
 * runs out, and the request itself, run again through the dispatcher. */
struct sock_wait {
    int active;
    int forever;
    uint32_t client;
    uint32_t number; /* the socket it waits on: one wait per socket */
    uint64_t token;
    uint32_t deadline; /* sys_now() ms */
    size_t len;
    _Alignas(8) uint8_t req[SOCK_MSG_MAX];
};
/* One wait per socket, and one Poll per client. */
#define WAITS_MAX (SOCK_TOTAL_MAX + SOCK_CLIENTS_MAX)
static struct sock_wait waits[WAITS_MAX];
static int waiting;

/* One request being run: who sent it, whether it is a replay, and what the handler decided. */
struct sock_call {
    uint32_t client;
    int replay;      /* run again from a kept wait */
    int expired;     /* ... whose time ran out */
    int keep;        /* the handler asks to keep the call */
    uint32_t number; /* the socket it waits on */
    uint32_t timeout_ms;
};

struct client {
    uint32_t index;
    uint32_t listener;
    const char *name;
    struct thread thread;
    _Alignas(8) uint8_t req[SOCK_MSG_MAX];
    _Alignas(8) uint8_t res[SOCK_MSG_MAX];
};
static struct client clients[SOCK_CLIENTS_MAX];
static uint32_t client_count;
/* Answers of replayed calls: built and sent under stack_lock. */
static _Alignas(8) uint8_t replay_res[SOCK_MSG_MAX];
static uint8_t data_out[net_Socket_DataMax];

static struct sock_wait *wait_of(uint32_t client, uint32_t number);

static Retcode find(struct sock_call *c, uint32_t number, struct sock **out)
{
    uint32_t slot;
    Retcode r = sock_table_find(&table, c->client, number, &slot);
    if (r == rcOk)
        *out = &socks[slot];
    return r;
}

/* The call cannot finish now: keep it (rcOk, nothing answered yet), or answer rcWouldBlock
 * (timeout 0) / rcTimeout (its time ran out) in *rc. */
static void wait_or(struct sock_call *c, uint32_t number, uint32_t timeout_ms, Retcode now,
                    uint32_t *rc)
{
    if (timeout_ms == 0) {
        *rc = (uint32_t)now;
    } else if (c->expired) {
        *rc = rcTimeout;
    } else if (!c->replay && wait_of(c->client, number)) {
        *rc = rcResourceBusy; /* one waiting call per socket */
    } else {
        c->keep = 1;
        c->number = number;
        c->timeout_ms = timeout_ms;
        *rc = rcOk;
    }
}

static Retcode h_socket(void *ctx, uint32_t protocol, uint32_t *number, uint32_t *rc)
{
    struct sock_call *c = ctx;
    *number = 0;
    if (protocol != net_Socket_Tcp && protocol != net_Socket_Udp) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    uint32_t slot;
    Retcode r = sock_table_alloc(&table, c->client, number, &slot);
    if (r == rcOk && (r = sock_open(&socks[slot], protocol, slot, c->client)) != rcOk) {
        sock_table_free(&table, slot);
        *number = 0;
    }
    *rc = (uint32_t)r;
    return rcOk;
}

static Retcode h_bind(void *ctx, uint32_t number, uint32_t address, uint16_t port, uint16_t *bound,
                      uint32_t *rc)
{
    struct sock *s;
    *bound = 0;
    Retcode r = find(ctx, number, &s);
    *rc = (uint32_t)(r == rcOk ? sock_bind(s, address, port, bound) : r);
    return rcOk;
}

static Retcode h_listen(void *ctx, uint32_t number, uint32_t backlog, uint32_t *rc)
{
    struct sock *s;
    Retcode r = find(ctx, number, &s);
    *rc = (uint32_t)(r == rcOk ? sock_listen(s, backlog) : r);
    return rcOk;
}

static Retcode h_accept(void *ctx, uint32_t number, uint32_t timeout_ms, uint32_t *conn,
                        uint32_t *peer_address, uint16_t *peer_port, uint32_t *rc)
{
    struct sock_call *c = ctx;
    struct sock *s;
    *conn = *peer_address = 0;
    *peer_port = 0;
    Retcode r = find(c, number, &s);
    if (r == rcOk) {
        uint32_t slot;
        r = sock_accept(s, &slot);
        if (r == rcOk) {
            *conn = table.number[slot];
            sock_peer(&socks[slot], peer_address, peer_port);
        }
    }
    if (r == rcWouldBlock)
        wait_or(c, number, timeout_ms, r, rc);
    else
        *rc = (uint32_t)r;
    return rcOk;
}

static Retcode h_connect(void *ctx, uint32_t number, uint32_t address, uint16_t port,
                         uint32_t timeout_ms, uint32_t *rc)
{
    struct sock_call *c = ctx;
    struct sock *s = NULL;
    Retcode r = find(c, number, &s);
    if (r == rcOk)
        r = c->replay ? sock_connect_result(s) : sock_connect(s, address, port);
    if (r == rcInProgress) {
        wait_or(c, number, timeout_ms, rcInProgress, rc);
        if (*rc == (uint32_t)rcTimeout)
            sock_connect_abandon(s);
    } else {
        *rc = (uint32_t)r;
    }
    return rcOk;
}

static Retcode h_send(void *ctx, uint32_t number, struct idl_seq data, uint32_t address,
                      uint16_t port, uint32_t timeout_ms, uint32_t *sent, uint32_t *rc)
{
    struct sock_call *c = ctx;
    struct sock *s;
    *sent = 0;
    Retcode r = find(c, number, &s);
    if (r == rcOk)
        r = sock_send(s, data.data, data.count, address, port, sent);
    if (r == rcWouldBlock)
        wait_or(c, number, timeout_ms, r, rc);
    else
        *rc = (uint32_t)r;
    return rcOk;
}

static Retcode h_recv(void *ctx, uint32_t number, uint32_t max, uint32_t timeout_ms,
                      struct idl_seq *data, uint32_t *address, uint16_t *port, uint32_t *rc)
{
    struct sock_call *c = ctx;
    struct sock *s;
    uint32_t got = 0;
    *address = 0;
    *port = 0;
    if (max > net_Socket_DataMax)
        max = net_Socket_DataMax;
    Retcode r = find(c, number, &s);
    if (r == rcOk)
        r = sock_recv(s, data_out, max, &got, address, port);
    *data = (struct idl_seq){.data = data_out, .count = r == rcOk ? got : 0};
    if (r == rcWouldBlock)
        wait_or(c, number, timeout_ms, r, rc);
    else
        *rc = (uint32_t)r;
    return rcOk;
}

static Retcode h_shutdown(void *ctx, uint32_t number, uint32_t how, uint32_t *rc)
{
    struct sock *s;
    Retcode r = find(ctx, number, &s);
    *rc = (uint32_t)(r == rcOk ? sock_shutdown(s, how) : r);
    return rcOk;
}

/* Frees a socket and, for a listener, the connections that waited in its backlog. */
static void release(uint32_t slot)
{
    uint32_t pending;
    while (sock_backlog_pop(&socks[slot], &pending) == rcOk) {
        sock_close(&socks[pending]);
        sock_table_free(&table, pending);
    }
    sock_close(&socks[slot]);
    sock_table_free(&table, slot);
}

static Retcode h_close(void *ctx, uint32_t number, uint32_t *rc)
{
    struct sock_call *c = ctx;
    uint32_t slot;
    Retcode r = sock_table_find(&table, c->client, number, &slot);
    if (r == rcOk)
        release(slot);
    /* A call waiting on it is run again by socket_server_poll() right after this request:
     * it then finds no socket and is answered rcBadHandle. */
    *rc = (uint32_t)r;
    return rcOk;
}

static Retcode h_set_option(void *ctx, uint32_t number, uint32_t option, uint32_t value,
                            uint32_t *rc)
{
    struct sock *s;
    Retcode r = find(ctx, number, &s);
    *rc = (uint32_t)(r == rcOk ? sock_set_option(s, option, value) : r);
    return rcOk;
}

static Retcode h_get_option(void *ctx, uint32_t number, uint32_t option, uint32_t *value,
                            uint32_t *rc)
{
    struct sock *s;
    *value = 0;
    Retcode r = find(ctx, number, &s);
    *rc = (uint32_t)(r == rcOk ? sock_get_option(s, option, value) : r);
    return rcOk;
}

static Retcode h_status(void *ctx, uint32_t number, uint32_t *events, uint32_t *rc)
{
    struct sock *s;
    *events = 0;
    Retcode r = find(ctx, number, &s);
    if (r == rcOk)
        *events = sock_events(s);
    *rc = (uint32_t)r;
    return rcOk;
}

/* The wait of a client's Poll: number 0, which no socket has. */
#define POLL_WAIT 0u
static uint32_t poll_revents[net_Socket_PollMax];

static Retcode h_poll(void *ctx, struct idl_seq sockets, struct idl_seq events, uint32_t timeout_ms,
                      struct idl_seq *revents, uint32_t *ready, uint32_t *rc)
{
    struct sock_call *c = ctx;
    uint32_t n = sockets.count, count = 0;
    *revents = (struct idl_seq){.data = poll_revents, .count = 0};
    *ready = 0;
    if (events.count != n || n > net_Socket_PollMax) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t number, want;
        struct sock *s;
        /* The arrays lie in the request as it came: copied, not cast, whatever their
         * alignment. */
        memcpy(&number, (const uint8_t *)sockets.data + 4 * i, 4);
        memcpy(&want, (const uint8_t *)events.data + 4 * i, 4);
        if (find(c, number, &s) != rcOk)
            poll_revents[i] = net_Socket_EvInvalid;
        else
            poll_revents[i] = sock_events(s) & (want | net_Socket_EvHangup | net_Socket_EvError);
        count += poll_revents[i] != 0;
    }
    revents->count = n;
    *ready = count;
    *rc = rcOk;
    if (count == 0 && timeout_ms != 0 && !c->expired)
        wait_or(c, POLL_WAIT, timeout_ms, rcOk, rc); /* kept, or rcResourceBusy */
    return rcOk;
}

static Retcode h_get_name(void *ctx, uint32_t number, uint32_t peer, uint32_t *address,
                          uint16_t *port, uint32_t *rc)
{
    struct sock *s;
    *address = 0;
    *port = 0;
    Retcode r = find(ctx, number, &s);
    if (r == rcOk)
        r = peer ? sock_peer(s, address, port) : sock_local(s, address, port);
    *rc = (uint32_t)r;
    return rcOk;
}

/* The counters: lwIP's per layer and the stack's own. Whom to tell is the policy's affair (it
 * grants GetStats to the status page alone); the stack answers any client that gets here. */
static Retcode h_get_stats(void *ctx, struct net_Socket_Stats *stats, uint32_t *rc)
{
    (void)ctx;
    memset(stats, 0, sizeof *stats);
    stack_stats_layers(stats);
    stats->sockets = table.used;
    stats->socketsMax = SOCK_TOTAL_MAX;
    stats->clients = client_count;
    stats->waitingCalls = (uint32_t)waiting;
    /* With a NIC its interface is the default one (netstack.c); the loopback interface alone
     * leaves none. */
    stats->nicLinkUp =
        netif_default && netif_is_up(netif_default) && netif_is_link_up(netif_default);
    *rc = rcOk;
    return rcOk;
}

static const struct net_Socket_ops ops = {
    .Socket = h_socket,
    .Bind = h_bind,
    .Listen = h_listen,
    .Accept = h_accept,
    .Connect = h_connect,
    .Send = h_send,
    .Recv = h_recv,
    .Shutdown = h_shutdown,
    .Close = h_close,
    .SetOption = h_set_option,
    .GetOption = h_get_option,
    .Status = h_status,
    .GetName = h_get_name,
    .Poll = h_poll,
    .GetStats = h_get_stats,
};

static Retcode dispatch(struct sock_call *c, const void *req, size_t len, void *res,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK || h.endpoint_id != net_NetStack_EP_socket)
        return rcBadMessage;
    return net_Socket_dispatch(&ops, c, req, len, res, SOCK_MSG_MAX, res_len);
}

static struct sock_wait *wait_of(uint32_t client, uint32_t number)
{
    for (uint32_t i = 0; i < WAITS_MAX; i++)
        if (waits[i].active && waits[i].client == client && waits[i].number == number)
            return &waits[i];
    return NULL;
}

/* Keeps call c (its request req, token) as a wait. false when the socket already has one or
 * the request is larger than a wait holds (neither happens: wait_or refused the first, and
 * the receive buffer is no larger than a wait's): the caller answers with an error header. */
static int keep(const struct sock_call *c, const void *req, size_t len, uint64_t token)
{
    if (wait_of(c->client, c->number) || len > SOCK_MSG_MAX)
        return 0;
    for (uint32_t i = 0; i < WAITS_MAX; i++) {
        struct sock_wait *w = &waits[i];
        if (w->active)
            continue;
        w->active = 1;
        w->client = c->client;
        w->number = c->number;
        w->token = token;
        w->forever = c->timeout_ms == net_Socket_Forever;
        w->deadline = sys_now() + c->timeout_ms;
        w->len = len;
        memcpy(w->req, req, len);
        waiting++;
        return 1;
    }
    return 0;
}

/* Answers a request refused before any handler ran, or one that asked to wait where no wait
 * could be kept: the same answer with rc rcResourceBusy is not at hand, so an error header. */
static void answer_error(const void *req, size_t len, uint64_t token, void *res)
{
    size_t n = ipc_error_header(req, len, res, SOCK_MSG_MAX);
    (void)ipc_reply(token, res, n);
}

void socket_server_poll(void)
{
    /* A replay may complete another wait's condition (a Close frees a listener's backlog):
     * go round until a pass answers nothing. */
    for (int again = 1; again && waiting > 0;) {
        again = 0;
        for (uint32_t i = 0; i < WAITS_MAX; i++) {
            struct sock_wait *w = &waits[i];
            if (!w->active)
                continue;
            struct sock_call c = {.client = w->client, .replay = 1};
            c.expired = !w->forever && (int32_t)(sys_now() - w->deadline) >= 0;
            size_t res_len = 0;
            Retcode r = dispatch(&c, w->req, w->len, replay_res, &res_len);
            if (r == rcOk && c.keep)
                continue; /* still waiting */
            w->active = 0;
            waiting--;
            again = 1;
            if (r != rcOk)
                res_len = ipc_error_header(w->req, w->len, replay_res, SOCK_MSG_MAX);
            (void)ipc_reply(w->token, replay_res, res_len); /* a caller gone is its own affair */
        }
    }
}

uint32_t socket_server_next_deadline(void)
{
    uint32_t soonest = UINT32_MAX, now = sys_now();
    for (uint32_t i = 0; i < WAITS_MAX; i++) {
        const struct sock_wait *w = &waits[i];
        if (!w->active || w->forever)
            continue;
        int32_t left = (int32_t)(w->deadline - now);
        uint32_t ms = left < 0 ? 0 : (uint32_t)left;
        if (ms < soonest)
            soonest = ms;
    }
    return soonest;
}

/* One client's receiver: takes a request, runs it under the lock, answers or keeps it. */
static int receive_loop(void *arg)
{
    struct client *cl = arg;
    for (;;) {
        size_t len = 0, res_len = 0;
        uint64_t token = 0;
        Retcode r = ipc_recv(cl->listener, cl->req, sizeof cl->req, &len, &token, IPC_FOREVER);
        if (r == rcBufferTooSmall || r == rcPeerClosed)
            continue; /* the kernel failed a too-large request back to its sender */
        if (r != rcOk) {
            printf("netstack: client channel %s failed: %s\n", cl->name, retcode_name(r));
            return 1;
        }
        struct sock_call c = {.client = cl->index};
        mutex_lock(&stack_lock);
        r = dispatch(&c, cl->req, len, cl->res, &res_len);
        int kept = r == rcOk && c.keep && keep(&c, cl->req, len, token);
        int busy = r == rcOk && c.keep && !kept;
        /* What this request sent goes out now on the loopback interface, and may complete
         * other clients' waits (or this client's, after a Close). */
        netif_poll_all();
        socket_server_poll();
        mutex_unlock(&stack_lock);
        if (kept)
            continue;
        if (busy || r != rcOk)
            answer_error(cl->req, len, token, cl->res);
        else
            (void)ipc_reply(token, cl->res, res_len);
    }
}

static int client_channel(const char *name)
{
    return strcmp(name, "net") == 0 || strncmp(name, "net.", 4) == 0;
}

struct sock *socket_server_adopt(uint32_t client, uint32_t *slot)
{
    uint32_t number;
    return sock_table_alloc(&table, client, &number, slot) == rcOk ? &socks[*slot] : NULL;
}

void socket_server_drop(uint32_t slot)
{
    sock_table_free(&table, slot);
}

Retcode socket_server_start(uint32_t priority, uint32_t *count)
{
    uint32_t n = 0;
    sock_table_init(&table);
    for (uint32_t i = 0; i < start_connection_count() && n < SOCK_CLIENTS_MAX; i++) {
        const char *name;
        uint32_t handle;
        if (start_connection_at(i, &name, &handle) != rcOk || !client_channel(name))
            continue;
        clients[n].index = n;
        clients[n].listener = handle;
        clients[n].name = name;
        n++;
    }
    *count = n;
    client_count = n;
    if (n == 0)
        return rcNotFound;
    for (uint32_t i = 0; i < n; i++) {
        Retcode r =
            thread_create(&clients[i].thread, receive_loop, &clients[i], priority, RECEIVER_STACK);
        if (r != rcOk)
            return r;
    }
    return rcOk;
}
