/*
 * NameServer (class kl.ns.NS): the name server (docs/connection-manager.md#the-name-server).
 *
 * Its main thread takes connection requests with kl.core.CM.Listen. A request for the endpoint
 * "kl.core.NameServer" is accepted onto a server end of its own, bound to the client's task
 * name as CM.Listen reported it (the kernel's, not the client's word) and to that task's pid,
 * and served by a thread of its own; so every Publish on that channel is checked against the
 * name of the process at its other end. At most NS_SESSIONS_MAX channels are served; further
 * requests, and requests for other endpoints, are dropped (rcConnectDropped at the client).
 *
 * Ended publishers: before each Enum, and before a Publish gives up on a full table, entries
 * whose (name, pid) is no longer in kl.core.Task.GetTasksList are removed.
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/mutex.h>
#include <user/thread.h>

#include "kl/ns/NS.edl.h"
#include "kl/ns/NameServer.idl.h"
#include "ns_client.h"
#include "ns_table.h"

#define NS_SESSIONS_MAX 8u  /* channels served at once: one per client process */
#define LIST_STRINGS 16385u /* Task.GetTasksList's bounds (kl.core.Task) and a NUL */
#define LIST_PIDS 256u

struct session {
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
static uint32_t nsessions;

/* The processes, as Task.GetTasksList last gave them: per pid, five NUL-terminated fields
 * (name, class, path, state, creator's pid; kern/klcore/Task_list.c). */
#define LIST_FIELDS 5
static struct {
    char strings[LIST_STRINGS];
    uint32_t used;
    uint32_t pids[LIST_PIDS];
    uint32_t count;
} procs;

static Retcode read_process_list(void)
{
    static _Alignas(8) uint8_t req[CORE_MSG_SMALL], res[18432];
    struct idl_client cl = {.call = core_transport,
                            .endpoint_id = kl_core_Core_EP_task_Task,
                            .req_buf = req,
                            .req_cap = sizeof req,
                            .res_buf = res,
                            .res_cap = sizeof res};
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t notice = {kl_core_Types_InvalidHandleValue, 0};
    struct idl_seq s = {0}, p = {0};
    Retcode r = core_result(kl_core_Task_GetTasksList(&cl, &notice, &s, &p, &rc), &rc);
    if (r != rcOk)
        return r;
    procs.used = s.count < LIST_STRINGS - 1 ? (uint32_t)s.count : LIST_STRINGS - 1;
    memcpy(procs.strings, s.data, procs.used);
    procs.strings[procs.used] = 0; /* the last field ends within the array, whatever came */
    procs.count = p.count < LIST_PIDS ? (uint32_t)p.count : LIST_PIDS;
    memcpy(procs.pids, p.data, procs.count * sizeof procs.pids[0]);
    return rcOk;
}

/* The pid of the process named `name` in procs that is not ending, 0 when there is none. */
static uint32_t pid_of(const char *name)
{
    uint32_t off = 0;
    for (uint32_t i = 0; i < procs.count && off < procs.used; i++) {
        const char *field[LIST_FIELDS];
        for (int f = 0; f < LIST_FIELDS; f++) {
            field[f] = off < procs.used ? &procs.strings[off] : "";
            if (off < procs.used)
                off += (uint32_t)strnlen(&procs.strings[off], procs.used - off) + 1;
        }
        if (strcmp(field[0], name) == 0 && strcmp(field[3], "exiting") != 0)
            return procs.pids[i];
    }
    return 0;
}

static bool alive(void *ctx, const char *server, uint32_t pid)
{
    (void)ctx;
    return pid != 0 && pid_of(server) == pid;
}

/* Removes the entries of ended publishers; a list that cannot be read removes nothing. */
static void prune(void)
{
    if (read_process_list() == rcOk)
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

static int serve_thread(void *arg)
{
    struct session *s = arg;
    Retcode r = ipc_serve(&s->srv);
    printf("NameServer: the channel of %s ended: %s\n", s->name, retcode_name(r));
    return 0;
}

/* CM.Accept with a server end of its own; rcOk with *handle. */
static Retcode cm_accept(const char *client, const char *service, uint32_t *handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {kl_core_Types_InvalidHandleValue, 0};
    Retcode r =
        core_result(kl_core_CM_Accept(&cl, client, service, kl_ns_NS_EP_ns,
                                      core_handle_arg(kl_core_Types_InvalidHandleValue), &h, &rc),
                    &rc);
    *handle = h.handle;
    return r;
}

static void drop(const char *client, const char *service)
{
    CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    (void)core_result(kl_core_CM_Drop(&cl, client, service, &rc), &rc);
}

static void take(const char *client, const char *service)
{
    if (strcmp(service, NS_SERVICE) != 0 || nsessions == NS_SESSIONS_MAX ||
        strlen(client) >= NS_SERVER_MAX) {
        drop(client, service);
        return;
    }
    struct session *s = &sessions[nsessions];
    strcpy(s->name, client);
    mutex_lock(&table_lock);
    s->pid = read_process_list() == rcOk ? pid_of(client) : 0;
    mutex_unlock(&table_lock);
    uint32_t h;
    Retcode r = cm_accept(client, service, &h);
    if (r != rcOk) {
        printf("NameServer: Accept of %s returned %s\n", client, retcode_name(r));
        return;
    }
    s->srv.listener = h;
    s->srv.dispatch = dispatch;
    s->srv.ctx = s;
    s->srv.buf[0] = s->buf[0];
    s->srv.buf[1] = s->buf[1];
    s->srv.cap = NS_MSG_MAX;
    nsessions++;
    if (thread_create(&s->thread, serve_thread, s, THREAD_PRIO_DEFAULT, 0) != rcOk)
        printf("NameServer: no thread to serve %s\n", client);
}

int main(void)
{
    ns_table_init(&table);
    for (;;) {
        CORE_CLIENT(cl, kl_core_Core_EP_cm_CM, CORE_MSG_MEDIUM);
        kl_core_Types_Retcode rc = rcFail;
        const char *client = "", *service = "";
        Retcode r = core_result(kl_core_CM_Listen(&cl, "", 0, &client, &service, &rc), &rc);
        if (r != rcOk) {
            printf("NameServer: Listen returned %s\n", retcode_name(r));
            core_thread_sleep(100);
            continue;
        }
        char c[NS_SERVER_MAX + 1], sv[NS_ENDPOINT_MAX + 1];
        strncpy(c, client, NS_SERVER_MAX);
        c[NS_SERVER_MAX] = 0;
        strncpy(sv, service, NS_ENDPOINT_MAX);
        sv[NS_ENDPOINT_MAX] = 0;
        take(c, sv);
    }
}
