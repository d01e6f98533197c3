/*
 * Per-client sessions over kl.core.CM: see <user/sessions.h>.
 *
 * Who a client is: its channel. CM.Listen reports the client's task name (the kernel's word,
 * not the client's), and the request is accepted onto a server end of its own, bound to that
 * name and to that task's pid (Task.GetTasksList), and served by a thread of its own; so every
 * request on that end is the client's. At most set->max channels are served, one per client
 * process; further requests, a second one from a process that has a channel, and requests for
 * other endpoints are dropped (rcConnectDropped at the client), so one process cannot take
 * every channel.
 *
 * A channel's end: when its client end is gone (closed, or its process ended) the kernel's Recv
 * on the server end says rcClientGone, and the session ends at once: it undoes the service's
 * state (set->close), closes its end and frees its slot for the next client. The client end may
 * have been handed to another process, which then keeps the channel; the channel is still the
 * client's by name, so each session thread also waits at most set->check_ms at a time for a
 * request and then looks whether the client's pid still runs, and ends the session when not.
 *
 * Einit's channels (sessions_adopt): a static connection to a server that keeps per-client
 * state is made by Einit with a server end of its own per client (Handle.Connect with
 * createSrEndpoint), bound to the client's task name by Einit's environment variable; such an
 * end is served exactly as an accepted one, from the start, before any CM client is taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/mutex.h>
#include <user/sessions.h>
#include <user/start.h>
#include <user/task_list.h>
#include <user/thread.h>

enum session_state {
    SESSION_FREE,    /* the slot may be taken */
    SESSION_SERVING, /* its thread serves the channel */
    SESSION_ENDED,   /* its thread closed the channel and is ending: join it, then reuse */
};

/* The processes, as Task.GetTasksList last gave them: one list for every session of the
 * process, read by the accepting thread and by each session thread, so guarded. */
static mutex_t procs_lock = MUTEX_INIT;
static struct task_list procs;

static void close_handle(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    (void)core_result(kl_core_Handle_Close(&cl, core_handle_arg(h), &rc), &rc);
}

/* The pid of the process named `client`, 0 when it is not found or the list cannot be read. */
static uint32_t pid_of(const char *client)
{
    mutex_lock(&procs_lock);
    uint32_t pid = task_list_read(&procs) == rcOk ? task_list_pid_of(&procs, client) : 0;
    mutex_unlock(&procs_lock);
    return pid;
}

/* Whether the session's client process still runs (an unreadable list: assume it does). */
static bool client_alive(const struct session *s)
{
    mutex_lock(&procs_lock);
    bool yes = s->pid == 0 || task_list_read(&procs) != rcOk ||
               task_list_pid_of(&procs, s->client) == s->pid;
    mutex_unlock(&procs_lock);
    return yes;
}

static void end_state(struct session *s)
{
    if (s->set->close != NULL)
        s->set->close(s);
}

static int serve_thread(void *arg)
{
    struct session *s = arg;
    Retcode r;
    while ((r = ipc_serve(&s->srv)) == rcTimeout && client_alive(s))
        ;
    printf("%s: the channel of %s ended: %s\n", s->set->name, s->client,
           r == rcTimeout      ? "its client ended"
           : r == rcClientGone ? "its client end is gone"
                               : retcode_name(r));
    end_state(s);
    close_handle(s->srv.listener);
    __atomic_store_n(&s->state, SESSION_ENDED, __ATOMIC_RELEASE);
    return 0;
}

/* A slot for a new session: a free one, or one whose thread ended (joined first); NULL when
 * every slot serves. Sets *dup when `pid` already has a session being served. */
static struct session *free_slot(const struct sessions *set, uint32_t pid, bool *dup)
{
    struct session *found = NULL;
    *dup = false;
    for (uint32_t i = 0; i < set->max; i++) {
        struct session *s = &set->slots[i];
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

/* Binds slot s (index i) to a new client: its name, pid, state and buffers. */
static void bind(const struct sessions *set, struct session *s, const char *client, uint32_t pid)
{
    size_t i = (size_t)(s - set->slots);
    uint8_t *buf = (uint8_t *)set->bufs + i * 2 * set->msg_max;
    strcpy(s->client, client);
    s->pid = pid;
    s->set = set;
    s->data = (uint8_t *)set->data + i * set->data_size;
    s->srv = (struct ipc_server){.dispatch = set->dispatch,
                                 .ctx = s,
                                 .buf = {buf, buf + set->msg_max},
                                 .cap = set->msg_max,
                                 .recv_timeout_ms = set->check_ms};
    if (set->open != NULL)
        set->open(s);
}

/* Serves the bound slot s on server end h with a thread of its own: true; without a thread the
 * session is undone and h closed: false. */
static bool serve(struct session *s, uint32_t h)
{
    s->srv.listener = h;
    s->state = SESSION_SERVING;
    if (thread_create(&s->thread, serve_thread, s, THREAD_PRIO_DEFAULT, 0) != rcOk) {
        printf("%s: no thread to serve %s\n", s->set->name, s->client);
        end_state(s);
        close_handle(h);
        s->state = SESSION_FREE;
        return false;
    }
    return true;
}

static void take(const struct sessions *set, const char *client, const char *service)
{
    if (strcmp(service, set->service) != 0 || strlen(client) > set->client_max) {
        (void)cm_drop(client, service);
        return;
    }
    uint32_t pid = pid_of(client);
    bool dup;
    struct session *s = free_slot(set, pid, &dup);
    if (s == NULL || dup) {
        printf("%s: %s refused: %s\n", set->name, client,
               dup ? "it has a channel already" : "every channel is taken");
        (void)cm_drop(client, service);
        return;
    }
    bind(set, s, client, pid);
    uint32_t h;
    Retcode r = cm_accept(client, service, set->riid, kl_core_Types_InvalidHandleValue, &h);
    if (r != rcOk) {
        printf("%s: Accept of %s returned %s\n", set->name, client, retcode_name(r));
        end_state(s);
        return;
    }
    (void)serve(s, h);
}

void sessions_env_name(char buf[SESSIONS_ENV_NAME_MAX], uint32_t end)
{
    snprintf(buf, SESSIONS_ENV_NAME_MAX, "%s%u", SESSIONS_CLIENT_ENV, (unsigned)end);
}

uint32_t sessions_adopt(struct sessions *set, const char *id)
{
    uint32_t served = 0;
    for (uint32_t i = 0; i < start_connection_count(); i++) {
        const char *name;
        uint32_t h;
        char var[SESSIONS_ENV_NAME_MAX];
        if (start_connection_at(i, &name, &h) != rcOk || (id != NULL && strcmp(name, id) != 0))
            continue;
        sessions_env_name(var, h);
        const char *client = getenv(var);
        if (client == NULL)
            continue; /* not an end Einit made for one client */
        bool dup;
        struct session *s = strlen(client) <= set->client_max ? free_slot(set, 0, &dup) : NULL;
        if (s == NULL) {
            printf("%s: %s's channel %s not served: every slot is taken\n", set->name, client, id);
            close_handle(h);
            continue;
        }
        bind(set, s, client, pid_of(client));
        served += serve(s, h) ? 1u : 0u;
    }
    return served;
}

void sessions_run(struct sessions *set)
{
    for (;;) {
        char c[CM_NAME_MAX + 1], sv[CM_SERVICE_MAX + 1];
        Retcode r = cm_listen(0, c, sv);
        if (r != rcOk) {
            printf("%s: Listen returned %s\n", set->name, retcode_name(r));
            core_thread_sleep(100);
            continue;
        }
        take(set, c, sv);
    }
}
