/*
 * Per-client sessions of a server reached through kl.core.CM (userland/ipc/sessions.c): the
 * server names its endpoint, gives storage for its sessions, a per-session state constructor
 * and destructor and a dispatcher; sessions_run takes every connection request with CM.Listen,
 * accepts one channel per client process onto a server end of its own, served by a thread of
 * its own bound to the client's task name and pid, and ends the session when its client
 * process has ended. The name server (services/ns) and the RAM file system (services/vfs) use
 * it; docs/connection-manager.md ("Per-client sessions") describes it.
 */
#ifndef USER_SESSIONS_H
#define USER_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include <user/cm.h>
#include <user/ipc.h>
#include <user/thread.h>

/* One client's channel. Its handlers get it as their ctx and read client, pid and data. */
struct session {
    char client[CM_NAME_MAX + 1]; /* the client's task name, from CM.Listen */
    uint32_t pid;                 /* its pid then (Task.GetTasksList), 0 when not found */
    void *data;                   /* the service's state for this client (sessions.data_size) */
    /* The library's: */
    uint32_t state; /* enum session_state; its thread writes ENDED, the accepting thread the rest */
    const struct sessions *set;
    struct ipc_server srv;
    struct thread thread;
};

/* A server's sessions: what the service gives (SESSIONS_DEFINE declares the storage). */
struct sessions {
    const char *name;         /* the server's task name, the prefix of its log lines */
    const char *service;      /* the only endpoint name it accepts (CM.Connect's service) */
    uint32_t riid;            /* that endpoint's id, which the client gets from CM.Accept */
    size_t client_max;        /* the longest client task name it serves (bytes without the NUL) */
    uint32_t check_ms;        /* how long a quiet session waits before it looks at its client */
    ipc_dispatch_fn dispatch; /* answers one request; its ctx is the struct session */
    /* Sets up s->data for a new client, before its channel is accepted; NULL: nothing to do. */
    void (*open)(struct session *s);
    /* Undoes it when the channel ended or could not be served, before the server end is
     * closed; NULL: nothing to do. */
    void (*close)(struct session *s);
    /* Storage: max slots, each with two buffers of msg_max bytes (a multiple of 8) and
     * data_size bytes of the service's state. */
    uint32_t max; /* sessions served at once: one per client process */
    size_t msg_max;
    size_t data_size;
    struct session *slots;
    void *bufs;
    void *data;
};

/* Defines `static struct sessions var` with static storage for n sessions of messages up to msg
 * bytes and a `type` state each; the other fields of struct sessions follow as designated
 * initialisers. */
#define SESSIONS_DEFINE(var, n, msg, type, ...)                                    \
    _Static_assert((msg) % 8 == 0, "each buffer of a slot starts 8-byte aligned"); \
    static struct session var##_slots[n];                                          \
    static _Alignas(8) uint8_t var##_bufs[n][2][msg];                              \
    static type var##_data[n];                                                     \
    static struct sessions var = {.max = (n),                                      \
                                  .msg_max = (msg),                                \
                                  .data_size = sizeof(type),                       \
                                  .slots = var##_slots,                            \
                                  .bufs = var##_bufs,                              \
                                  .data = var##_data,                              \
                                  __VA_ARGS__}

/* Channels Einit made (init.yaml `connections:` to a server that keeps per-client state,
 * services/einit/einit.c): each client's own server end, named by the connection's id in the
 * server's start block, and bound to the client's task name by an environment variable Einit
 * sets: SESSIONS_CLIENT_ENV followed by the end's handle value in decimal, whose value is the
 * task name from Einit's table (Einit's word, not the client's). */
#define SESSIONS_CLIENT_ENV "BASTION_SESSION_"
#define SESSIONS_ENV_NAME_MAX (sizeof SESSIONS_CLIENT_ENV + 10u) /* with a uint32_t and the NUL */

/* Writes the variable's name for the server end `end` into buf. */
void sessions_env_name(char buf[SESSIONS_ENV_NAME_MAX], uint32_t end);

/* Serves every server end named `id` (NULL: whatever its name) in the start block that has its
 * client's variable, each as a session of its own (a slot, a thread, set->open and set->close as for a CM client), and
 * returns how many it serves. Call it before sessions_run: Einit's clients take their slots
 * first. An end without a variable (a listener, the server's own client end) is not touched; one
 * without a free slot or a thread is reported and closed. */
uint32_t sessions_adopt(struct sessions *set, const char *id);

/* Takes connection requests with CM.Listen and answers each, forever: a request for
 * set->service from a process that has no channel yet, while a slot is free, is accepted onto
 * a channel of its own served by a new thread; the rest are dropped (the client gets
 * rcConnectDropped). */
__attribute__((noreturn)) void sessions_run(struct sessions *set);

#endif
