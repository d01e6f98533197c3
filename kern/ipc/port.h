/*
 * Internal to kern/ipc: the objects behind IPC handles and the in-flight call record.
 *
 * struct ipc_port     the request queue of one server side (server end or listener): calls not
 *                     yet received, and receivers waiting for one. Reference counted: the server
 *                     object and every client end hold one; it is freed with the last.
 * struct ipc_call     one Call from send to reply. Two references at most: the caller's (until
 *                     Call returns) and the server side's (from receive until reply or failure).
 *
 * Call states, all changed under the port lock:
 *   QUEUED    on the port's queue         -> TAKEN (a receiver got it) / caller gives up
 *   TAKEN     a receiving process has it  -> REPLIED, FAILED, CANCELLED (caller gave up)
 *   REPLIED / FAILED                      final: the caller reads the result and frees it
 *   CANCELLED the caller is gone; the server's Reply gets rcPeerClosed
 * REPLIED is stored last, with release, by a server that still holds its reference: a caller
 * woken with rcOk may read it, and the answer, without the lock (call.c, the fast path).
 */
#ifndef BASTION_IPC_PORT_H
#define BASTION_IPC_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/spinlock.h"
#include "bastion_idl.h"
#include "ipc/ipc.h"
#include "ipc/ipc_thread.h"
#include "obj/kobj.h"
#include "panic.h"

struct thread;
struct process;
struct sec_label;

struct ipc_port {
    struct spinlock lock;
    uint32_t refs; /* atomic */
    bool closed;   /* the server side is gone (lock) */
    /* A server end's port has exactly one client end, made with it (ipc_connect): when that
     * end is destroyed nothing can call on the port again, and its receivers are told
     * (rcClientGone) once the queue is empty. A listener's port may gain clients later
     * (CM.Accept onto it), so it is never told. Both fixed but client_gone (lock). */
    bool one_client;
    bool client_gone;
    struct ipc_call *q_head, *q_tail;   /* QUEUED calls, FIFO (lock) */
    struct ipc_thread *r_head, *r_tail; /* waiting receivers, FIFO (lock) */
    uint64_t calls, replies;            /* statistics (lock) */
    /* The server as the security hook names it: set when the server side is created. */
    kobj_sid_t dst_sid;
    char dst_class[128];
    struct sec_label *dst_label; /* reference; its class id is known once the server started */
};

/* Handle targets. A server end and a listener embed their port; a client end points at one. */
struct ipc_server_obj {
    struct kobj obj; /* KOBJ_IPC_SERVER or KOBJ_IPC_LISTENER */
    struct ipc_port port;
};

struct ipc_client_obj {
    struct kobj obj; /* KOBJ_IPC_CLIENT */
    struct ipc_port *port;
};

enum ipc_call_state { CALL_QUEUED, CALL_TAKEN, CALL_REPLIED, CALL_FAILED, CALL_CANCELLED };

/* id, port, client, client_proc, unchecked_answers and the request are fixed once
 * the call is sent; state, result, resp and resp_len change under the port's lock. */
struct ipc_call {
    struct ipc_call *next;       /* port queue (QUEUED: port lock) or the receiving process's
                             * received list (TAKEN: that process's lock) */
    struct ipc_port *port;       /* reference */
    struct thread *client;       /* reference */
    struct process *client_proc; /* reference; NULL for a kernel thread's call */
    uint32_t unchecked_answers;  /* IPC_ANSWER_* kinds of answer that need no check (ipc.h) */
    uint64_t id;                 /* the reply token; never 0, never reused */
    enum ipc_call_state state;
    Retcode result; /* FAILED: what Call returns */
    uint32_t refs;  /* atomic */
    /* The kernel's copy of the request, in the record right after it: checked before the call
     * is sent and never written after but for its handle entries (the receive's translation),
     * so its first IDL_HEADER_SIZE bytes are the checked header (call_req_header). */
    void *req;
    size_t req_len;
    void *resp; /* REPLIED: the kernel's copy of the response: resp_room, or its own allocation */
    size_t resp_len;
    uint64_t resp_cap; /* what the caller can take */
    /* Room in the record, after the request, for an answer of at most resp_room_len bytes: a
     * small answer needs no allocation of its own. Only the one server that took the call
     * writes it (a token is taken once), and only before the call is REPLIED. */
    void *resp_room;
    uint32_t resp_room_len;
    uint32_t size; /* bytes allocated for the record, the request and the room */
};

/* The header of a sent call's request: the request's own first bytes, checked before it was
 * sent (ipc_msg_check_words) and never written since; the request is 8-byte aligned. */
static inline const struct idl_header *call_req_header(const struct ipc_call *c)
{
    return (const struct idl_header *)c->req;
}

/* Port locking: interrupts off, so a tick cannot preempt a holder on its own CPU. */
static inline uint64_t port_lock(struct ipc_port *p)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&p->lock);
    return fl;
}

static inline void port_unlock(struct ipc_port *p, uint64_t fl)
{
    spin_unlock(&p->lock);
    cpu_irq_restore(fl);
}

/* port_lock where interrupts are known to be on: the exchange's own steps of a system call
 * (the entry enables them before the dispatch, and the IPC system calls reach the exchange
 * with no lock of theirs held). Returns the flags port_lock would have saved, a constant, so
 * that what restores them (port_unlock, cpu_irq_restore, with or without a switch between)
 * is a plain sti, and nothing is read or kept for them. Kernels with lock checks assert that
 * interrupts were on. */
static inline uint64_t port_lock_irqs_on(struct ipc_port *p)
{
#ifdef BASTION_LOCK_CHECKS
    KASSERT(irqs_enabled());
#endif
    cli();
    spin_lock(&p->lock);
    return RFLAGS_IF;
}

/* The port's references: inline, as they are on the path of every call; the last one frees the
 * port (port_free, channel.c). */
void port_free(struct ipc_port *p);
static inline void port_get(struct ipc_port *p)
{
    __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}
static inline void port_put(struct ipc_port *p)
{
    if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
        port_free(p);
}
/* The only client end of a server end's port is gone (channel.c, at its destruction): marks
 * the port and wakes its waiting receivers, which return rcClientGone once nothing is queued. */
void ipc_port_client_gone(struct ipc_port *p);

/* A call record from the calling thread to port, with room for a request of req_len bytes at
 * c->req (to be filled and checked by the caller) and for a small answer: one allocation,
 * charged to the caller's process, for the request, the record and an answer of up to
 * IPC_CALL_RESP_ROOM bytes. Right before c->req, IPC_CALL_REQ_ROOM bytes are the caller's to
 * use while it checks the request (the security check builds the monitor's question there,
 * security/hook.h: msg_room); nothing in IPC reads them. It takes over the caller's reference on
 * port (dropped when the record is, or at once on failure). NULL with *rc (the allocator's)
 * when there is no memory or quota. */
#define IPC_CALL_RESP_ROOM 256u
#define IPC_CALL_REQ_ROOM 64u
/* The largest record a thread keeps as its spare (call.c): a request of up to ~550 bytes. */
#define IPC_CALL_SPARE_MAX 1024u
struct ipc_call *ipc_call_new(struct ipc_port *port, size_t req_len, uint64_t resp_cap,
                              Retcode *rc);
/* Drops a call record from ipc_call_new that was never sent (its request was refused). */
void ipc_call_discard(struct ipc_call *c);

/* The exchange (call.c): sends c (from ipc_call_new, its request filled and checked) and waits
 * for the answer; consumes c. The record's reference keeps the port alive
 * for the duration. unchecked_answers: the IPC_ANSWER_* kinds of answer that go back without the
 * answer check (ipc.h). */
Retcode ipc_call_port(struct ipc_call *c, uint64_t resp, uint64_t timeout_ms,
                      uint32_t unchecked_answers, uint64_t *resp_len);

/*
 * The exchange in two halves, for a call another thread sends on its caller's behalf while the
 * caller waits (the monitor's receiver that grants it: security/ksm_handoff.h). Only a call
 * without a timeout is sent so: the caller's wait for it has no deadline to keep.
 *
 * ipc_call_hand_on: if a receiver waits on c's port (open), hands c to it as ipc_call_port
 * would and returns that receiver's thread with the port's lock held (*locked): the sender must
 * switch to the thread or wake it, and only then release that lock (sched_switch_to_also, or
 * sched_wake then spin_unlock); the caller must not run the exchange itself then, only
 * ipc_call_port_sent. NULL: no receiver waits, nothing changed, no lock held. Called with
 * interrupts off and no port lock held (a lock below the port's is: the hand-off's).
 * ipc_call_port_sent: the caller's half of a call handed on: waits for its answer as
 * ipc_call_port does (it may be running already) and consumes c.
 */
struct thread *ipc_call_hand_on(struct ipc_call *c, uint32_t unchecked_answers,
                                struct spinlock **locked);
Retcode ipc_call_port_sent(struct ipc_call *c, uint64_t resp, uint64_t *resp_len);
Retcode ipc_recv_port(struct ipc_port *port, uint64_t buf, uint64_t cap, uint64_t timeout_ms,
                      uint64_t *msg_len, uint64_t *token);
/* Reply; with `next` non-NULL continues with a receive on it (ReplyRecv) that waits at most
 * timeout_ms. A reply that cannot reach its caller (gone, timed out, no room or quota) gives
 * rcReplyLost, and ReplyRecv receives all the same (rcReplyLost then means "received"); a bad or
 * denied answer is the server's fault and gives its code with nothing received. The wait
 * timeout_ms (0 = forever; expiry gives rcTimeout, the reply itself has gone out). Every
 * answer to a process passes ipc_answer_check() unless its kind needs no check (ipc.h); the
 * kernel's own calls keep their answers in the kernel, unchecked. */
Retcode ipc_reply_token(uint64_t token, uint64_t buf, uint64_t len, struct ipc_port *next,
                        uint64_t cap, uint64_t timeout_ms, uint64_t *msg_len, uint64_t *out_token);
/* SYS_RECV / SYS_REPLY_RECV on p's handle (HR_IPC_RECV): a server end or listener, whose port
 * it receives on after the answer to `token` (0: none) as ipc_reply_token does; or an
 * interrupt's delivery handle (IO.AttachIrq), on which it waits for the interrupt (token 0,
 * an empty message). Errors: the lookup's (ipc_fast_handle_get), rcBadHandle for another
 * object, then ipc_recv_port's, ipc_reply_token's or io_irq_delivery_wait's. One function
 * with the lookup, the answer and the receive: the server's half of every round trip, inlined
 * (always_inline, through LTO) into the system call's own function, so that its arguments and
 * results cross no call of their own. */
Retcode ipc_reply_recv(struct process *p, uint32_t handle, uint64_t token, uint64_t buf,
                       uint64_t len, uint64_t cap, uint64_t timeout_ms, uint64_t *msg_len,
                       uint64_t *out_token);

/*
 * The handle lookups of the IPC fast path (fastpath.c; docs/ipc.md#the-fast-path), declared
 * here like the exchange so that the system calls reach them without an include of their own:
 * the process's handle-table lock taken directly (no indirect call through the table's lock
 * hook; every process's table is made with process_handle_ops, whose hook takes that lock),
 * with handle_get's checks and errors.
 *
 * ipc_fast_call_target: the target of p's SYS_CALL on handle h (HR_IPC_CALL needed). A client
 * end: rcOk, *port with a new reference on the port (for ipc_call_new, which keeps it: nothing
 * of the end object is needed after the lookup), *other NULL. Any other object (the kernel's
 * handle, the security interface, or a wrong type, which the caller refuses): rcOk, *port
 * NULL, *other with a new reference. Errors: handle_find_held's, rcOverflow.
 *
 * ipc_fast_handle_get: handle_get(&p->handles, h, KOBJ_ANY, need, obj, NULL). The receiving
 * side keeps that reference for its whole wait: the server object must not be destroyed under
 * a waiting receiver (channel.c's server_destroy).
 */
Retcode ipc_fast_call_target(struct process *p, handle_t h, struct ipc_port **port,
                             struct kobj **other);
Retcode ipc_fast_handle_get(struct process *p, handle_t h, handle_rights_t need, struct kobj **obj);

#endif
