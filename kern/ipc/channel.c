/* IPC channel objects: ports, server ends, listeners and client ends (see ipc.h, port.h). */
#include "ipc/ipc.h"
#include "ipc/port.h"

#include "lib/string.h"
#include "mm/slab.h"
#include "obj/kobj_new.h"
#include "obj/label.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

void port_free(struct ipc_port *p)
{
    /* Every port lives inside its server object, whose memory waited for this. */
    struct ipc_server_obj *s =
        (struct ipc_server_obj *)((char *)p - offsetof(struct ipc_server_obj, port));
    sec_label_put(p->dst_label);
    kobj_free_mem(s);
}

/* The server side is gone: fail every queued call, refuse new ones. No receiver can be waiting
 * (a receiver holds a reference on this object through its handle lookup). */
static void server_destroy(struct kobj *obj)
{
    struct ipc_server_obj *s = (struct ipc_server_obj *)obj;
    struct ipc_port *p = &s->port;
    uint64_t fl = port_lock(p);
    p->closed = true;
    struct ipc_call *c = p->q_head;
    p->q_head = p->q_tail = NULL;
    for (; c != NULL; c = c->next) {
        c->state = CALL_FAILED;
        c->result = rcPeerClosed;
        sched_wake(c->client, rcOk);
    }
    port_unlock(p, fl);
    port_put(p);
}

static void client_destroy(struct kobj *obj)
{
    struct ipc_client_obj *c = (struct ipc_client_obj *)obj;
    struct ipc_port *p = c->port;
    kobj_free_mem(c);
    if (p->one_client)
        ipc_port_client_gone(p);
    port_put(p);
}

const struct kobj_ops ipc_server_ops = {KOBJ_IPC_SERVER, "ipc-server", server_destroy};
const struct kobj_ops ipc_listener_ops = {KOBJ_IPC_LISTENER, "ipc-listener", server_destroy};
const struct kobj_ops ipc_client_ops = {KOBJ_IPC_CLIENT, "ipc-client", client_destroy};

static Retcode server_new(const struct kobj_ops *ops, struct kmem_account *acct,
                          struct process *server, struct ipc_server_obj **out)
{
    struct ipc_server_obj *s;
    Retcode rc = kobj_new(sizeof *s, ops, acct, (void **)&s);
    if (rc != rcOk)
        return rc;
    spin_init(&s->port.lock, LOCK_LEVEL_PORT);
    s->port.refs = 1; /* the server object's */
    s->port.dst_sid = kobj_sid(&server->obj);
    memcpy(s->port.dst_class, server->class_name, sizeof s->port.dst_class);
    sec_label_get(server->label);
    s->port.dst_label = server->label;
    *out = s;
    return rcOk;
}

static Retcode client_new(struct ipc_port *port, struct kmem_account *acct,
                          struct ipc_client_obj **out)
{
    struct ipc_client_obj *c;
    Retcode rc = kobj_new(sizeof *c, &ipc_client_ops, acct, (void **)&c);
    if (rc != rcOk)
        return rc;
    port_get(port);
    c->port = port;
    *out = c;
    return rcOk;
}

Retcode ipc_connect(struct process *charge_to, struct process *server, handle_t listener,
                    uint32_t create_server_end, struct process *client, handle_t *out_listener,
                    handle_t *out_server_end, handle_t *out_client)
{
    struct kmem_account *acct = charge_to ? &charge_to->kmem : NULL;
    struct ipc_server_obj *srv = NULL;
    handle_t hl = HANDLE_INVALID, hs = HANDLE_INVALID, hc = HANDLE_INVALID;
    Retcode rc;

    if (listener != HANDLE_INVALID) {
        struct kobj *o;
        rc = handle_get(&server->handles, listener, KOBJ_IPC_LISTENER, HR_IPC_RECV, &o, NULL);
        if (rc != rcOk)
            return rc;
        srv = (struct ipc_server_obj *)o;
        hl = listener;
    } else if (create_server_end != 0) {
        rc = server_new(&ipc_server_ops, acct, server, &srv);
        if (rc != rcOk)
            return rc;
        srv->port.one_client = true; /* its client end is made below, or the end is undone */
        rc = handle_install(&server->handles, &srv->obj, HR_IPC_SERVER, &hs);
        if (rc != rcOk) {
            kobj_unref(&srv->obj);
            return rc;
        }
    } else {
        rc = server_new(&ipc_listener_ops, acct, server, &srv);
        if (rc != rcOk)
            return rc;
        rc = handle_install(&server->handles, &srv->obj, HR_IPC_LISTENER, &hl);
        if (rc != rcOk) {
            kobj_unref(&srv->obj);
            return rc;
        }
    }
    /* srv: one reference of ours (handle_get's or kobj_new's) besides any handle. */
    struct ipc_client_obj *cl;
    rc = client_new(&srv->port, acct, &cl);
    if (rc == rcOk) {
        rc = handle_install(&client->handles, &cl->obj, HR_IPC_CLIENT, &hc);
        kobj_unref(&cl->obj); /* the handle holds it now, or it is gone */
    }
    if (rc != rcOk && listener == HANDLE_INVALID) {
        /* Undo the server-side handle we made. */
        spin_lock(&handle_tree_lock);
        (void)handle_close(&server->handles, hs != HANDLE_INVALID ? hs : hl);
        spin_unlock(&handle_tree_lock);
    }
    kobj_unref(&srv->obj);
    if (rc != rcOk)
        return rc;
    *out_listener = hl;
    *out_server_end = hs;
    *out_client = hc;
    return rcOk;
}
