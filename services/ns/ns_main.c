/*
 * NameServer (class kl.core.NameServer, the SDK's): the name server
 * (docs/connection-manager.md#the-name-server).
 *
 * It serves each client process on a channel and a thread of its own (userland/ipc/sessions.c),
 * bound to the client's task name and to that task's pid, so every Publish on that channel is
 * checked against the name of the process at its other end. The channels come two ways:
 *   - init.yaml's static connections in the SDK's form (target kl.core.NameServer, id
 *     "kl.core.NameServer" or any other): Einit gives this process a server end of its own per
 *     client (this class is a per-client server in the start-up table) and names the client by
 *     an environment variable (Einit's word); they are served first (sessions_adopt);
 *   - then, with kl.core.CM.Listen, a request for the endpoint "kl.core.NameServer" is accepted
 *     onto a server end bound to the client's task name as CM.Listen reported it (the kernel's
 *     word, not the client's).
 * At most NS_SESSIONS_MAX channels are served, one per client process, so one process cannot
 * take every channel; a session whose client ended is seen at once (rcClientGone) or within
 * NS_SESSION_CHECK_MS, and frees its slot.
 *
 * Ended publishers: before each Enum, and before a Publish gives up on a full table, entries
 * whose (name, pid) is no longer in kl.core.Task.GetTasksList are removed.
 */
#include <string.h>

#include <user/ipc.h>
#include <user/mutex.h>
#include <user/sessions.h>
#include <user/task_list.h>

#include "kl/core/NameServer.edl.h"
#include "kl/ns/NameServer.idl.h"
#include "ns_client.h"
#include "ns_table.h"

#define NS_SESSIONS_MAX 8u        /* channels served at once: one per client process */
#define NS_SESSION_CHECK_MS 2000u /* how long a quiet session waits before it looks */

/* What the name server keeps per client (struct session's data). */
struct ns_client {
    char enum_server[NS_SERVER_MAX], enum_endpoint[NS_ENDPOINT_MAX]; /* Enum's answer */
};

static struct ns_table table;
static mutex_t table_lock = MUTEX_INIT; /* guards table and the process list below */

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
    Retcode r = ns_table_publish(&table, s->client, s->pid, server, endpoint, type);
    if (r == rcNsTableFull) {
        prune();
        r = ns_table_publish(&table, s->client, s->pid, server, endpoint, type);
    }
    mutex_unlock(&table_lock);
    *rc = r;
    return rcOk;
}

static Retcode unpublish(void *ctx, const char *endpoint, int32_t *rc)
{
    struct session *s = ctx;
    mutex_lock(&table_lock);
    *rc = ns_table_unpublish(&table, s->client, endpoint);
    mutex_unlock(&table_lock);
    return rcOk;
}

static Retcode enumerate(void *ctx, const char *type, uint32_t index, const char **server,
                         const char **endpoint, int32_t *rc)
{
    struct ns_client *c = ((struct session *)ctx)->data;
    const char *sv = "", *ep = "";
    mutex_lock(&table_lock);
    prune();
    Retcode r = ns_table_enum(&table, type, index, &sv, &ep);
    /* Copied while the lock is held: the reply is written after it is released. */
    strcpy(c->enum_server, sv);
    strcpy(c->enum_endpoint, ep);
    mutex_unlock(&table_lock);
    *server = c->enum_server;
    *endpoint = c->enum_endpoint;
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

SESSIONS_DEFINE(sessions, NS_SESSIONS_MAX, NS_MSG_MAX, struct ns_client, .name = NS_TASK_NAME,
                .service = NS_SERVICE, .riid = kl_core_NameServer_EP_ns,
                .client_max = NS_SERVER_MAX - 1, .check_ms = NS_SESSION_CHECK_MS,
                .dispatch = dispatch);

int main(void)
{
    ns_table_init(&table);
    /* Every end Einit made for a client, whatever id its init description gave the connection:
     * only connections to this server get such ends (with the client's variable). */
    (void)sessions_adopt(&sessions, NULL);
    sessions_run(&sessions);
}
