/*
 * NameServer (class kl.ns.NS): the name server (docs/connection-manager.md#the-name-server).
 *
 * Its main thread takes connection requests with kl.core.CM.Listen. A request for the endpoint
 * "kl.core.NameServer" is accepted onto a server end of its own, bound to the client's task
 * name as CM.Listen reported it (the kernel's, not the client's word) and to that task's pid,
 * and served by a thread of its own; so every Publish on that channel is checked against the
 * name of the process at its other end. At most NS_SESSIONS_MAX channels are served, one per
 * client process; further requests, a second one from a process that has a channel, and
 * requests for other endpoints are dropped (rcConnectDropped at the client), so one process
 * cannot take every channel.
 *
 * A channel's end: the kernel does not tell a server that its client went away, so each session
 * thread waits for a request at most NS_SESSION_CHECK_MS at a time and then looks whether its
 * client's pid still runs; when it does not, it closes its end and frees its slot for the next
 * client.
 *
 * Ended publishers: before each Enum, and before a Publish gives up on a full table, entries
 * whose (name, pid) is no longer in kl.core.Task.GetTasksList are removed.
 */
#include <stdio.h>
#include <string.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/mutex.h>
#include <user/task_list.h>
#include <user/thread.h>

#include "kl/ns/NS.edl.h"
#include "kl/ns/NameServer.idl.h"
#include "ns_client.h"
#include "ns_table.h"

#define NS_SESSIONS_MAX 8u        /* channels served at once: one per client process */
#define NS_SESSION_CHECK_MS 2000u /* how long a quiet session waits before it looks */

enum session_state {
    SESSION_FREE,    /* the slot may be taken */
    SESSION_SERVING, /* its thread serves the channel */
    SESSION_ENDED,   /* its thread closed the channel and is ending: join it, then reuse */
};

struct session {
    uint32_t state;           /* enum session_state; its thread writes ENDED, main the rest */
    char name[NS_SERVER_MAX]; /* the client's task name, from CM.Listen */
    uint32_t pid;             /* its pid then (Task.GetTasksList), 0 when not found */
    char enum_server[NS_SERVER_MAX], enum_endpoint[NS_ENDPOINT_MAX]; /* Enum's answer */
    struct ipc_server srv;
    struct thread thread;
    _Alignas(8) uint8_t buf[2][NS_MSG_MAX];
};

static struct ns_table table;
static mutex_t table_lock = MUTEX_INIT; /* guards table and the process list below */
static struct session sessions[NS_SESSIONS_MAX];

/* The processes, as Task.GetTasksList last gave them (guarded by table_lock). Only a whole
 * list is used: one cut short could miss a live publisher and prune its entries. */
static struct task_list procs;

static bool alive(void *ctx, const char *server, uint32_t pid)
{
    (void)ctx;
    return pid != 0 && task_list_pid_of(&procs, server) == pid;
}

/* Removes the entries of ended publishers; a list that cannot be read removes nothing. */
static void prune(void)
{
    if (task_list_read(&procs) == rcOk)
        (void)ns_table_prune(&table, alive, NULL);
}

static Retcode publish(void *ctx, const char *server, const char *endpoint, const char *type,
                       int32_t *rc)
{
    struct session *s = ctx;
    mutex_lock(&table_lock);
    Retcode r = ns_table_publish(&table, s->name, s->pid, server, endpoint, type);
    if (r == rcNsTableFull) {
        prune();
        r = ns_table_publish(&table, s->name, s->pid, server, endpoint, type);
    }
    mutex_unlock(&table_lock);
    *rc = r;
    return rcOk;
}

static Retcode unpublish(void *ctx, const char *endpoint, int32_t *rc)
{
    struct session *s = ctx;
    mutex_lock(&table_lock);
    *rc = ns_table_unpublish(&table, s->name, endpoint);
    mutex_unlock(&table_lock);
    return rcOk;
}

static Retcode enumerate(void *ctx, const char *type, uint32_t index, const char **server,
                         const char **endpoint, int32_t *rc)
{
    struct session *s = ctx;
    const char *sv = "", *ep = "";
    mutex_lock(&table_lock);
    prune();
    Retcode r = ns_table_enum(&table, type, index, &sv, &ep);
    /* Copied while the lock is held: the reply is written after it is released. */
    strcpy(s->enum_server, sv);
    strcpy(s->enum_endpoint, ep);
    mutex_unlock(&table_lock);
    *server = s->enum_server;
    *endpoint = s->enum_endpoint;
    *rc = r;
    return rcOk;
}

static const struct kl_ns_NameServer_ops ops = {
    .Publish = publish, .Unpublish = unpublish, .Enum = enumerate};

static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    return kl_ns_NameServer_dispatch(&ops, ctx, req, len, res, cap, res_len);
}

static void close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    (void)core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* Whether the session's client process still runs (an unreadable list: assume it does). */
static bool client_alive(const struct session *s)
{
    mutex_lock(&table_lock);
    bool yes = s->pid == 0 || task_list_read(&procs) != rcOk ||
               task_list_pid_of(&procs, s->name) == s->pid;
    mutex_unlock(&table_lock);
    return yes;
}

static int serve_thread(void *arg)
{
    struct session *s = arg;
    Retcode r;
    while ((r = ipc_serve(&s->srv)) == rcTimeout && client_alive(s))
        ;
    printf("NameServer: the channel of %s ended: %s\n", s->name,
           r == rcTimeout ? "its client ended" : retcode_name(r));
    close_handle(s->srv.listener);
    __atomic_store_n(&s->state, SESSION_ENDED, __ATOMIC_RELEASE);
    return 0;
}

/* A slot for a new session: a free one, or one whose thread ended (joined first); NULL when
 * every slot serves. Sets *dup when `pid` already has a session being served. */
static struct session *free_slot(uint32_t pid, bool *dup)
{
    struct session *found = NULL;
    *dup = false;
    for (uint32_t i = 0; i < NS_SESSIONS_MAX; i++) {
        struct session *s = &sessions[i];
        uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st == SESSION_ENDED && thread_join(&s->thread, 1000, NULL) == rcOk) {
            s->state = SESSION_FREE;
            st = SESSION_FREE;
        }
        if (st == SESSION_SERVING && pid != 0 && s->pid == pid)
            *dup = true;
        if (st == SESSION_FREE && found == NULL)
            found = s;
    }
    return found;
}

static void take(const char *client, const char *service)
{
    if (strcmp(service, NS_SERVICE) != 0 || strlen(client) >= NS_SERVER_MAX) {
        (void)cm_drop(client, service);
        return;
    }
    mutex_lock(&table_lock);
    uint32_t pid = task_list_read(&procs) == rcOk ? task_list_pid_of(&procs, client) : 0;
    mutex_unlock(&table_lock);
    bool dup;
    struct session *s = free_slot(pid, &dup);
    if (s == NULL || dup) {
        printf("NameServer: %s refused: %s\n", client,
               dup ? "it has a channel already" : "every channel is taken");
        (void)cm_drop(client, service);
        return;
    }
    strcpy(s->name, client);
    s->pid = pid;
    uint32_t h;
    Retcode r = cm_accept(client, service, kl_ns_NS_EP_ns, kl_core_Types_InvalidHandleValue, &h);
    if (r != rcOk) {
        printf("NameServer: Accept of %s returned %s\n", client, retcode_name(r));
        return;
    }
    s->srv = (struct ipc_server){.listener = h,
                                 .dispatch = dispatch,
                                 .ctx = s,
                                 .buf = {s->buf[0], s->buf[1]},
                                 .cap = NS_MSG_MAX,
                                 .recv_timeout_ms = NS_SESSION_CHECK_MS};
    s->state = SESSION_SERVING;
    if (thread_create(&s->thread, serve_thread, s, THREAD_PRIO_DEFAULT, 0) != rcOk) {
        printf("NameServer: no thread to serve %s\n", client);
        close_handle(h);
        s->state = SESSION_FREE;
    }
}

int main(void)
{
    ns_table_init(&table);
    for (;;) {
        char c[CM_NAME_MAX + 1], sv[CM_SERVICE_MAX + 1];
        Retcode r = cm_listen(0, c, sv);
        if (r != rcOk) {
            printf("NameServer: Listen returned %s\n", retcode_name(r));
            core_thread_sleep(100);
            continue;
        }
        take(c, sv);
    }
}
