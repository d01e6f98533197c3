/* Connection requests of kl.core.CM: waiting, listening, answering, and the ends (see cm.h). */
#include "ipc/cm.h"
#include "ipc/ipc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

/*
 * A request lives from its client's Connect to that Connect's return, and only its client's
 * thread frees it. WAITING: in `pending`, not yet taken by a Listen; LISTENED: in `pending`,
 * a Listen returned it; ACCEPTING: out of `pending`, an Accept is making its channel with
 * cm_lock released (the client waits for it even when its time is up, so that the channel is
 * never made for a request that is gone); DONE: answered, `result` (and on rcOk `handle`,
 * `riid`) final.
 */
enum cm_state { CM_WAITING, CM_LISTENED, CM_ACCEPTING, CM_DONE };

struct cm_request {
    struct cm_request *next; /* cm_lock: `pending`, oldest first */
    struct process *client;  /* references, fixed */
    struct process *server;
    struct thread *waiter; /* the client's thread in Connect, fixed */
    char service[CM_SERVICE_MAX + 1];
    /* When its client's Connect gives up (0: never), fixed. Its client's thread withdraws it
     * then, but only once that thread runs again, which a loaded CPU may put off: so Listen,
     * Accept and Drop also treat a request past its deadline as timed out (expire_locked),
     * and none of them answers a Connect that has already run out of time. */
    uint64_t deadline;
    enum cm_state state; /* cm_lock, and the fields below it */
    Retcode result;
    handle_t handle;
    uint32_t riid;
};

/* A thread of a server in Listen, on its own stack while it waits. */
struct cm_listener {
    struct cm_listener *next; /* cm_lock */
    struct process *server;
    struct thread *thread;
    bool woken; /* cm_lock: a Connect removed it from `listeners` and woke it */
};

static struct spinlock cm_lock = SPINLOCK_INIT(LOCK_LEVEL_CM);
static struct cm_request *pending;    /* cm_lock: every WAITING and LISTENED request */
static struct cm_listener *listeners; /* cm_lock: every thread waiting in Listen */

static uint64_t lock_cm(void)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&cm_lock);
    return fl;
}

static void unlock_cm(uint64_t fl)
{
    spin_unlock(&cm_lock);
    cpu_irq_restore(fl);
}

static void unlink_request(struct cm_request *r)
{
    for (struct cm_request **pp = &pending; *pp != NULL; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            r->next = NULL;
            return;
        }
}

/* Finishes a WAITING or LISTENED request with `result` and wakes its client (cm_lock held). */
static void answer_locked(struct cm_request *r, Retcode result)
{
    spin_assert_held(&cm_lock);
    unlink_request(r);
    r->state = CM_DONE;
    r->result = result;
    (void)sched_wake(r->waiter, rcOk);
}

/* Whether r (WAITING or LISTENED) is past its client's deadline; if so it is finished as its
 * client's own timeout would (rcTimeout) and leaves `pending` (cm_lock held). */
static bool expire_locked(struct cm_request *r, uint64_t now)
{
    if (r->deadline == 0 || now < r->deadline)
        return false;
    answer_locked(r, rcTimeout);
    return true;
}

/* The nanoseconds left until deadline (0: none), at least 1 while any is left; *over when
 * the deadline has passed. */
static uint64_t left_ns(uint64_t deadline, bool *over)
{
    *over = false;
    if (deadline == 0)
        return 0;
    uint64_t now = sched_now_ns();
    if (now >= deadline) {
        *over = true;
        return 0;
    }
    return deadline - now;
}

static uint64_t deadline_of(uint32_t msecs)
{
    return msecs == 0 ? 0 : sched_now_ns() + (uint64_t)msecs * 1000000ull;
}

/* Counts the waiting requests of client and for server; cm_lock held. */
static void count_locked(const struct process *client, const struct process *server,
                         uint32_t *of_client, uint32_t *for_server)
{
    *of_client = *for_server = 0;
    for (const struct cm_request *r = pending; r != NULL; r = r->next) {
        *of_client += r->client == client;
        *for_server += r->server == server;
    }
}

/* A server that is ending takes no request: the reaper's sweep (cm_process_exit) may have run. */
static bool server_ending(struct process *s)
{
    enum process_state st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
    return st == PROC_EXITING || st == PROC_DEAD;
}

static void free_request(struct cm_request *r)
{
    struct process *client = r->client, *server = r->server;
    kfree_charged(r, &client->kmem);
    process_unref(server);
    process_unref(client);
}

Retcode cm_connect(struct process *client, const char *server, const char *service, uint32_t msecs,
                   handle_t *handle, uint32_t *riid)
{
    *handle = HANDLE_INVALID;
    *riid = 0;
    size_t slen = strnlen(service, CM_SERVICE_MAX + 1);
    if (slen == 0 || slen > CM_SERVICE_MAX)
        return rcInvalidArgument;
    struct process *sp = process_find(server);
    if (sp == NULL)
        return rcNotFound;
    Retcode rc = rcOk;
    struct cm_request *r = kmalloc_charged(sizeof *r, &client->kmem, &rc);
    if (r == NULL) {
        process_unref(sp);
        return rc;
    }
    memset(r, 0, sizeof *r);
    process_ref(client);
    r->client = client;
    r->server = sp;
    r->waiter = thread_current();
    memcpy(r->service, service, slen + 1);
    r->state = CM_WAITING;
    r->handle = HANDLE_INVALID;

    uint64_t deadline = deadline_of(msecs);
    r->deadline = deadline;
    uint64_t fl = lock_cm();
    uint32_t mine, theirs;
    count_locked(client, sp, &mine, &theirs);
    if (server_ending(sp))
        rc = rcServerGone;
    else if (mine >= CM_CLIENT_PENDING_MAX)
        rc = rcTooManyConnectRequests;
    else if (theirs >= CM_SERVER_PENDING_MAX)
        rc = rcServerQueueFull;
    if (rc != rcOk) {
        unlock_cm(fl);
        free_request(r);
        return rc;
    }
    struct cm_request **tail = &pending;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = r;
    /* One listener of that server is enough: it takes this request (or, if another thread of
     * the server took it first, waits again). */
    for (struct cm_listener **pp = &listeners; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->server == sp) {
            struct cm_listener *l = *pp;
            *pp = l->next;
            l->woken = true;
            (void)sched_wake(l->thread, rcOk);
            break;
        }

    /* Wait for the answer. A wake-up with rcOk comes only from an answer; rcTimeout and
     * rcPeerClosed (terminated) withdraw a request nobody is answering. */
    Retcode w = rcOk;
    for (;;) {
        if (r->state == CM_DONE)
            break;
        if (r->state == CM_ACCEPTING) {
            /* The channel is being made with cm_lock released: wait for it, whatever the
             * time, so that it is never made for a request that is gone. It is short. */
            unlock_cm(fl);
            sched_yield();
            fl = lock_cm();
            continue;
        }
        bool over;
        uint64_t ns = left_ns(deadline, &over);
        if (w != rcOk || over) {
            unlink_request(r);
            r->state = CM_DONE;
            r->result = w == rcOk ? rcTimeout : w;
            break;
        }
        w = sched_block_timeout(&cm_lock, ns);
        cpu_irq_restore(fl);
        fl = lock_cm();
    }
    unlock_cm(fl);
    rc = r->result;
    if (rc == rcOk) {
        *handle = r->handle;
        *riid = r->riid;
    }
    free_request(r);
    return rc;
}

/* Copies at most cap - 1 bytes of s and a terminator. */
static void copy_name(char *dst, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);
    memcpy(dst, s, n);
    dst[n] = 0;
}

Retcode cm_listen(struct process *server, uint32_t msecs, char *client, size_t client_cap,
                  char *service, size_t service_cap)
{
    uint64_t deadline = deadline_of(msecs);
    struct cm_listener me = {NULL, server, thread_current(), false};
    Retcode w = rcOk;
    uint64_t fl = lock_cm();
    for (;;) {
        uint64_t now = sched_now_ns();
        for (struct cm_request *r = pending, *next; r != NULL; r = next) {
            next = r->next; /* read first: an expired request leaves the list */
            if (r->server == server && r->state == CM_WAITING && !expire_locked(r, now)) {
                r->state = CM_LISTENED;
                /* The request may go as soon as cm_lock is released: copy now. */
                copy_name(client, client_cap, r->client->name);
                copy_name(service, service_cap, r->service);
                unlock_cm(fl);
                return rcOk;
            }
        }
        bool over;
        uint64_t ns = left_ns(deadline, &over);
        if (w != rcOk || over) {
            unlock_cm(fl);
            return w == rcOk ? rcTimeout : w;
        }
        me.woken = false;
        me.next = listeners;
        listeners = &me;
        w = sched_block_timeout(&cm_lock, ns);
        cpu_irq_restore(fl);
        fl = lock_cm();
        if (!me.woken)
            for (struct cm_listener **pp = &listeners; *pp != NULL; pp = &(*pp)->next)
                if (*pp == &me) {
                    *pp = me.next;
                    break;
                }
        if (w == rcTimeout)
            w = rcOk; /* look once more: a request may have come with the timeout */
        else if (w != rcOk) {
            unlock_cm(fl); /* terminated: take nothing nobody would answer */
            return w;
        }
    }
}

/* The oldest WAITING or LISTENED request of the process named client for service to server
 * that is not past its deadline (those found on the way are finished as timed out); cm_lock
 * held. */
static struct cm_request *find_locked(struct process *server, const char *client,
                                      const char *service)
{
    uint64_t now = sched_now_ns();
    for (struct cm_request *r = pending, *next; r != NULL; r = next) {
        next = r->next; /* read first: an expired request leaves the list */
        if (r->server == server && strcmp(r->client->name, client) == 0 &&
            strcmp(r->service, service) == 0 && !expire_locked(r, now))
            return r;
    }
    return NULL;
}

Retcode cm_accept(struct process *server, const char *client, const char *service, uint32_t riid,
                  handle_t listener, handle_t *handle)
{
    *handle = HANDLE_INVALID;
    if (listener != HANDLE_INVALID) {
        /* A wrong listener is the server's mistake: refused before the request is taken, so it
         * costs the client nothing (ipc_connect looks it up again to use it). */
        struct kobj *o;
        Retcode lr =
            handle_get(&server->handles, listener, KOBJ_IPC_LISTENER, HR_IPC_RECV, &o, NULL);
        if (lr != rcOk)
            return lr;
        kobj_unref(o);
    }
    uint64_t fl = lock_cm();
    struct cm_request *r = find_locked(server, client, service);
    if (r == NULL) {
        unlock_cm(fl);
        return rcNoConnectRequest;
    }
    unlink_request(r);
    r->state = CM_ACCEPTING;
    unlock_cm(fl);

    /* The client waits for this (cm_connect), so r and its client stay. Charged to the
     * client: whoever asks for channels pays for them. */
    handle_t hl, hs, hc;
    Retcode rc = ipc_connect(r->client, server, listener, listener == HANDLE_INVALID ? 1u : 0u,
                             r->client, &hl, &hs, &hc);
    fl = lock_cm();
    r->state = CM_DONE;
    r->result = rc;
    if (rc == rcOk) {
        r->handle = hc;
        r->riid = riid;
        *handle = listener == HANDLE_INVALID ? hs : hl;
    }
    (void)sched_wake(r->waiter, rcOk);
    unlock_cm(fl); /* r is the client's to free from here on */
    return rc;
}

Retcode cm_drop(struct process *server, const char *client, const char *service)
{
    uint64_t fl = lock_cm();
    struct cm_request *r = find_locked(server, client, service);
    if (r != NULL)
        answer_locked(r, rcConnectDropped);
    unlock_cm(fl);
    return r != NULL ? rcOk : rcNoConnectRequest;
}

void cm_process_exit(struct process *p)
{
    uint64_t fl = lock_cm();
    struct cm_request *r = pending;
    while (r != NULL) {
        struct cm_request *next = r->next;
        if (r->server == p)
            answer_locked(r, rcServerGone);
        r = next;
    }
    unlock_cm(fl);
}
