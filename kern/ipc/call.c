/* The Call / Recv / Reply exchange over a port (see ipc.h and the states in port.h). */
#include "ipc/interrupt.h"
#include "ipc/ipc.h"
#include "ipc/msg.h"
#include "ipc/port.h"

#include "klcore/IO.h"
#include "lib/string.h"
#include "panic.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

static uint64_t next_call_id = 1;

static struct thread *thread_of(struct ipc_thread *it)
{
    return (struct thread *)((char *)it - offsetof(struct thread, ipc));
}

static uint64_t ms_to_ns(uint64_t ms)
{
    /* No timeout, the common case (the round trip's), tested first: one compare. */
    if (__builtin_expect(ms == 0, 1))
        return 0;
    /* Past ~584 years the product would wrap: treat that as "forever" (0). */
    return ms > UINT64_MAX / 1000000ull ? 0 : ms * 1000000ull;
}

/* The account a call's buffers are charged to: its client's, or nobody's for a kernel thread. */
static struct kmem_account *call_account(const struct ipc_call *c)
{
    return c->client_proc != NULL ? &c->client_proc->kmem : NULL;
}

/* The references a record holds on its caller thread and process (ipc.md: a server may answer
 * after the caller is gone), dropped with the record. A thread's spare keeps them: its next call
 * takes them over with the record, and ipc_thread_exit drops them with it. */
static void call_unref_client(struct thread *client, struct process *cp)
{
    thread_unref(client);
    if (cp != NULL)
        process_unref(cp);
}

/* The last reference is gone: frees the buffers, the record and the references it holds. Out
 * of line: the common end of a call is call_put_own's. */
static __attribute__((noinline)) void call_free(struct ipc_call *c)
{
    struct kmem_account *acct = call_account(c);
    if (c->resp != c->resp_room)
        kfree_charged(c->resp, acct);
    port_put(c->port);
    struct thread *client = c->client;
    struct process *cp = c->client_proc;
    kfree_charged(c, acct);
    call_unref_client(client, cp);
}

/* Drops one reference; the last frees the record (call_free). */
static inline void call_put(struct ipc_call *c)
{
    if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
        call_free(c);
}

/* The caller's own drop of its reference, when Call returns. When that is the last (the common
 * case: the server let go when it answered), the record becomes the caller's spare, with its
 * references on the caller, if the caller has none, its answer (if any) was in the record's room,
 * and the record is small: a thread that once sent a large request does not keep its size charged. */
static inline void call_put_own(struct ipc_call *c)
{
    if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    struct thread *self = c->client; /* running: this is its call */
    if ((c->resp == c->resp_room || c->resp == NULL) && self->ipc.spare == NULL &&
        c->size <= IPC_CALL_SPARE_MAX) {
        port_put(c->port);
        self->ipc.spare = c;
        return;
    }
    call_free(c);
}

/* The server side gives up on a TAKEN call: the caller gets `rc`. Drops the server's ref. */
static void call_fail(struct ipc_call *c, Retcode rc)
{
    uint64_t fl = port_lock(c->port);
    if (c->state == CALL_TAKEN) {
        c->state = CALL_FAILED;
        c->result = rc;
        sched_wake(c->client, rcOk);
    }
    port_unlock(c->port, fl);
    call_put(c);
}

/* The word a process's interruptible IPC waits use (ipc_interrupt_word's, for p known). */
static const uint32_t *interrupt_word_of(struct process *p)
{
    return p != NULL ? &p->ipc_interrupts : NULL;
}

/* The word a caller's interruptible wait for its call c uses: read where it waits, not on the
 * path of a call handed straight to a receiver, which never waits interruptibly. */
static inline const uint32_t *call_interrupt_word(const struct ipc_call *c)
{
    return interrupt_word_of(c->client_proc);
}

/* Takes the first thread waiting in Recv on port and hands it c (TAKEN, with the server side's
 * reference); NULL when no receiver waits. Called with the port locked; the caller wakes or
 * switches to the receiver. */
static struct ipc_thread *port_hand_to_receiver(struct ipc_port *port, struct ipc_call *c)
{
    struct ipc_thread *r = port->r_head;
    if (r == NULL)
        return NULL;
    port->r_head = r->next;
    if (port->r_head == NULL)
        port->r_tail = NULL;
    r->next = NULL;
    r->port = NULL;
    r->delivered = c;
    c->state = CALL_TAKEN;
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    return r;
}

/* Blocks the calling thread on port (locked) as sched_block_timeout does; with intr non-NULL
 * the wait is interruptible (interrupt.h): it ends, or does not begin, with rcInterrupted while
 * *intr is non-zero. */
static Retcode port_block(struct ipc_port *port, uint64_t ns, const uint32_t *intr)
{
    struct thread *self = thread_current();
    __atomic_store_n(&self->intr_word, intr, __ATOMIC_RELAXED);
    Retcode rc = sched_block_timeout(&port->lock, ns);
    __atomic_store_n(&self->intr_word, NULL, __ATOMIC_RELAXED);
    return rc;
}

/* ---- Call ------------------------------------------------------------------------------ */

static size_t round8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

/* The record's fields, and who sets each one before anything reads it: ipc_call_new sets next,
 * port, client, client_proc, state, result, refs, req, req_len, resp, resp_cap, resp_room,
 * resp_room_len and size (a reused spare already holds its own client, client_proc, req and
 * size); call_stamp sets id and unchecked_answers before the call is sent; resp_len is written
 * with REPLIED. A record never sent is only dropped (call_put_own: refs, client, resp,
 * resp_room, size, port). The size assert sends whoever adds a field back here. */
_Static_assert(sizeof(struct ipc_call) == 120, "ipc_call_new must account for every field");

struct ipc_call *ipc_call_new(struct ipc_port *port, size_t req_len, uint64_t resp_cap, Retcode *rc)
{
    struct thread *self = thread_current();
    uint32_t room = resp_cap < IPC_CALL_RESP_ROOM ? (uint32_t)resp_cap : IPC_CALL_RESP_ROOM;
    /* req_len is at most IDL_MESSAGE_MAX (checked by the caller): no overflow. */
    size_t req_at = round8(sizeof(struct ipc_call)) + IPC_CALL_REQ_ROOM;
    size_t room_at = req_at + round8(req_len);
    size_t size = room_at + room;
    /* The thread's spare record when it is large enough (it was charged when it was made): it
     * comes with its references on the caller, and with the fields that name the caller, its
     * request's place and its own size, which are the same for every call of this thread. */
    struct ipc_call *c = self->ipc.spare;
    if (c != NULL && c->size >= size) {
        self->ipc.spare = NULL;
        size = c->size;
    } else {
        struct process *proc = self->proc;
        struct kmem_account *acct = proc != NULL ? &proc->kmem : NULL;
        /* The references the record holds on its caller (call_unref_client). The caller is
         * running and its process has it: both are held. */
        *rc = kobj_ref_held(&self->obj);
        if (*rc == rcOk && proc != NULL && (*rc = kobj_ref_held(&proc->obj)) != rcOk)
            thread_unref(self);
        if (*rc != rcOk) {
            port_put(port);
            return NULL;
        }
        c = kmalloc_charged(size, acct, rc);
        if (c == NULL) {
            call_unref_client(self, proc);
            port_put(port);
            return NULL;
        }
        c->client = self;
        c->client_proc = proc;
        c->req = (uint8_t *)c + req_at;
        c->size = (uint32_t)size;
    }
    /* The rest, one store each (no memset: the record is reused round trip after round trip,
     * and a spare keeps its last call's values; the fields not stored here are listed above
     * this function with who stores them). */
    c->next = NULL;
    c->port = port; /* the caller's reference, taken over */
    c->state = CALL_QUEUED;
    c->result = rcOk;
    c->refs = 1;
    c->req_len = req_len;
    c->resp = NULL;
    c->resp_cap = resp_cap;
    c->resp_room = (uint8_t *)c + room_at;
    c->resp_room_len = (uint32_t)(size - room_at);
    return c;
}

void ipc_call_discard(struct ipc_call *c)
{
    call_put_own(c); /* the caller's, never sent: it may stay as the spare */
}

/* The caller's wait for a sent call c to become final, from its first wake-up (with wrc), as
 * call_exchange says. Inline in both callers: it is on the path of every round trip. */
static inline __attribute__((always_inline)) enum ipc_call_state
call_wait_final(struct ipc_port *port, struct ipc_call *c, Retcode wrc, uint64_t ns)
{
    struct thread *self = c->client; /* the caller: c is its own call */
    uint64_t fl;
    /* Woken with rcOk and REPLIED: the answer is complete without the port lock. REPLIED is
     * stored last (release) by the server's Reply, which holds its own reference on the call
     * until after it, so nothing of the call or its port goes away under this read; any other
     * outcome (FAILED, a timeout, an interruption) is read under the lock as before. */
    if (wrc == rcOk && __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CALL_REPLIED) {
        self->ipc.calling = NULL;
        return CALL_REPLIED;
    }

    for (;;) {
        fl = port_lock(port);
        enum ipc_call_state st = c->state;
        if (st == CALL_REPLIED || st == CALL_FAILED)
            break;
        if (wrc == rcOk) {
            /* Woken with nothing to show for it: wait on (interruptibly while still queued). */
            wrc = port_block(port, ns, st == CALL_QUEUED ? call_interrupt_word(c) : NULL);
            cpu_irq_restore(fl);
            continue;
        }
        /* Timed out, interrupted or terminated: withdraw the call. */
        if (st == CALL_QUEUED) {
            struct ipc_call **pp = &port->q_head, *prev = NULL;
            while (*pp != NULL && *pp != c) {
                prev = *pp;
                pp = &(*pp)->next;
            }
            if (*pp == c) {
                *pp = c->next;
                if (port->q_tail == c)
                    port->q_tail = prev;
            }
        }
        /* A TAKEN call is CANCELLED: the server's Reply gets rcPeerClosed. */
        c->state = st == CALL_QUEUED ? CALL_FAILED : CALL_CANCELLED;
        c->result = wrc;
        break;
    }
    self->ipc.calling = NULL;
    enum ipc_call_state st = c->state;
    port_unlock(port, fl);
    return st;
}

/* Sends c on port and waits until it is final (REPLIED, FAILED or CANCELLED); returns that
 * state, the port unlocked. Switches straight to a receiver that waits (with or without a
 * timeout), otherwise queues the call. Only the wait of a QUEUED call is interrupted (its
 * caller's interrupt word, call_interrupt_word), and it ends as a timeout does, with the call
 * withdrawn. */
static enum ipc_call_state call_exchange(struct ipc_port *port, struct ipc_call *c,
                                         uint64_t timeout_ms)
{
    struct thread *self = c->client; /* the caller: c is its own call */
    uint64_t ns = ms_to_ns(timeout_ms);
    uint64_t fl = port_lock_irqs_on(port); /* SYS_CALL's own send (ipc_call_port) */
    if (port->closed) {
        c->state = CALL_FAILED;
        c->result = rcPeerClosed;
        port_unlock(port, fl);
        return CALL_FAILED;
    }
    port->calls++;
    self->ipc.calling = c;
    Retcode wrc;
    struct ipc_thread *r = port_hand_to_receiver(port, c);
    if (r != NULL) {
        /* A receiver waited and has the call: run it at once (direct switch). */
        wrc = sched_switch_to_timeout(thread_of(r), &port->lock, ns);
    } else {
        c->next = NULL;
        if (port->q_tail)
            port->q_tail->next = c;
        else
            port->q_head = c;
        port->q_tail = c;
        wrc = port_block(port, ns, call_interrupt_word(c));
    }
    cpu_irq_restore(fl);
    return call_wait_final(port, c, wrc, ns);
}

/* What the call needs before it is sent: its reply token and unchecked answers. */
static void call_stamp(struct ipc_call *c, uint32_t unchecked_answers)
{
    c->id = __atomic_fetch_add(&next_call_id, 1, __ATOMIC_RELAXED);
    c->unchecked_answers = unchecked_answers;
}

/* The caller's result of a final call: the answer copied out, or why there is none; consumes
 * c. */
static Retcode call_result(struct ipc_call *c, enum ipc_call_state st, uint64_t resp,
                           uint64_t *resp_len)
{
    Retcode rc;
    if (st == CALL_REPLIED) {
        rc = copy_to_user(resp, c->resp, c->resp_len);
        if (rc == rcOk)
            *resp_len = c->resp_len;
        else
            rc = rcInvalidArgument;
    } else {
        rc = c->result;
    }
    call_put_own(c);
    return rc;
}

Retcode ipc_call_port(struct ipc_call *c, uint64_t resp, uint64_t timeout_ms,
                      uint32_t unchecked_answers, uint64_t *resp_len)
{
    call_stamp(c, unchecked_answers);
    enum ipc_call_state st = call_exchange(c->port, c, timeout_ms);
    return call_result(c, st, resp, resp_len);
}

struct thread *ipc_call_hand_on(struct ipc_call *c, uint32_t unchecked_answers,
                                struct spinlock **locked)
{
    struct ipc_port *port = c->port;
    spin_lock(&port->lock); /* interrupts are off: the caller holds a lock that needs it */
    if (port->closed || port->r_head == NULL) {
        spin_unlock(&port->lock);
        return NULL;
    }
    call_stamp(c, unchecked_answers);
    port->calls++;
    c->client->ipc.calling = c; /* the caller waits (blocked): its record is ours to set */
    struct ipc_thread *r = port_hand_to_receiver(port, c);
    /* The receiver, off the list with the call in `delivered`, waits for a wake with rcOk. The
     * lock stays held until it is switched to or woken, as call_exchange holds it: until then it
     * cannot leave its wait (a timeout or its end takes this lock first), so it neither ends
     * nor begins another wait that the wake would cut short. */
    *locked = &port->lock;
    return thread_of(r);
}

Retcode ipc_call_port_sent(struct ipc_call *c, uint64_t resp, uint64_t *resp_len)
{
    /* The call is TAKEN (or back in the queue, if its receiver was being ended) and has no
     * timeout; the caller's wake-up that brought it here counts as a wake with nothing to show
     * when the answer is not there yet. */
    enum ipc_call_state st = call_wait_final(c->port, c, rcOk, 0);
    return call_result(c, st, resp, resp_len);
}

/* ---- Recv ------------------------------------------------------------------------------ */

/* Moves a TAKEN call into the receiver: handles, bytes, the received list. Consumes the
 * server's reference on failure. Inline in ReplyRecv's receive (the round trip's path), out of
 * line (deliver) elsewhere. */
static inline __attribute__((always_inline)) Retcode
deliver_inline(struct process *me, struct ipc_call *c, uint64_t buf, uint64_t cap,
               uint64_t *msg_len, uint64_t *token)
{
    *msg_len = c->req_len;
    if (c->req_len > cap) {
        call_fail(c, rcBufferTooSmall);
        return rcBufferTooSmall;
    }
    Retcode rc = rcOk;
    if (call_req_header(c)->handle_count != 0) {
        spin_lock(&handle_tree_lock);
        if (c->client_proc->handles.ops == NULL || me->handles.ops == NULL)
            rc = rcPeerClosed;
        else
            rc = ipc_msg_translate(c->req, call_req_header(c), &c->client_proc->handles,
                                   &me->handles, NULL);
        spin_unlock(&handle_tree_lock);
        if (rc != rcOk) {
            call_fail(c, rc);
            return rc;
        }
    }
    if (copy_to_user(buf, c->req, c->req_len) != rcOk) {
        spin_lock(&handle_tree_lock);
        ipc_msg_untranslate(c->req, call_req_header(c), &me->handles);
        spin_unlock(&handle_tree_lock);
        call_fail(c, rcPeerClosed);
        return rcInvalidArgument;
    }
    spin_lock(&me->lock);
    c->next = me->received;
    me->received = c;
    spin_unlock(&me->lock);
    *token = c->id;
    return rcOk;
}

static __attribute__((noinline)) Retcode deliver(struct ipc_call *c, uint64_t buf, uint64_t cap,
                                                 uint64_t *msg_len, uint64_t *token)
{
    return deliver_inline(process_current(), c, buf, cap, msg_len, token);
}

/* Waits on the port for a call; called with the port locked (flags fl), returns unlocked. The
 * wait is interruptible (interrupt.h): every receive is a process's own Recv or ReplyRecv.
 * Inline in ReplyRecv, as deliver_inline; recv_locked elsewhere. */
static inline __attribute__((always_inline)) Retcode recv_locked_inline(struct ipc_port *port,
                                                                        uint64_t fl, uint64_t ns,
                                                                        struct thread *switch_to,
                                                                        struct ipc_call **out)
{
    spin_assert_held(&port->lock);
    struct thread *self = thread_current();
    /* A process's thread: every receive is a process's own Recv or ReplyRecv, and its call goes
     * onto that process's received list (deliver). */
    const uint32_t *intr = &self->proc->ipc_interrupts;
    for (;;) {
        struct ipc_call *c = port->q_head;
        if (c != NULL) {
            port->q_head = c->next;
            if (port->q_head == NULL)
                port->q_tail = NULL;
            c->next = NULL;
            c->state = CALL_TAKEN;
            /* A received call's caller waits for the answer: no longer interruptible. */
            __atomic_store_n(&c->client->intr_word, NULL, __ATOMIC_RELAXED);
            __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL); /* the server side's reference */
            port_unlock(port, fl);
            if (switch_to != NULL)
                sched_wake(switch_to, rcOk);
            *out = c;
            return rcOk;
        }
        if (port->closed || port->client_gone) {
            Retcode why = port->closed ? rcPeerClosed : rcClientGone;
            port_unlock(port, fl);
            if (switch_to != NULL)
                sched_wake(switch_to, rcOk);
            return why;
        }
        struct ipc_thread *it = &self->ipc;
        it->port = port;
        it->delivered = NULL;
        it->next = NULL;
        if (port->r_tail)
            port->r_tail->next = it;
        else
            port->r_head = it;
        port->r_tail = it;
        Retcode wrc;
        if (switch_to != NULL) {
            /* ReplyRecv: nothing to receive, so run the caller we just answered right here. */
            __atomic_store_n(&self->intr_word, intr, __ATOMIC_RELAXED);
            wrc = sched_switch_to_timeout(switch_to, &port->lock, ns);
            __atomic_store_n(&self->intr_word, NULL, __ATOMIC_RELAXED);
            switch_to = NULL;
        } else {
            wrc = port_block(port, ns, intr);
        }
        cpu_irq_restore(fl);
        /* Handed a call (rcOk, off the receiver list): the client that gave it wrote `port`
         * and `delivered` under the port lock before it switched to or woke this thread, and
         * nobody touches them once `port` is NULL, so they are read without the lock. A thread
         * being ended gives the call back under the lock below. */
        if (wrc == rcOk && __atomic_load_n(&it->port, __ATOMIC_ACQUIRE) == NULL &&
            it->delivered != NULL && !thread_should_exit(self)) {
            *out = it->delivered;
            it->delivered = NULL;
            return rcOk;
        }
        fl = port_lock(port);
        c = it->delivered;
        it->delivered = NULL;
        if (it->port != NULL) {
            /* Still queued (timeout, interruption or termination): leave the receiver list. */
            struct ipc_thread **pp = &port->r_head, *prev = NULL;
            while (*pp != NULL && *pp != it) {
                prev = *pp;
                pp = &(*pp)->next;
            }
            if (*pp == it) {
                *pp = it->next;
                if (port->r_tail == it)
                    port->r_tail = prev;
            }
            it->port = NULL;
            it->next = NULL;
        }
        if (c != NULL && thread_should_exit(self)) {
            /* Handed a call while being terminated: this thread will never answer it. Give it
             * to another waiting receiver, or put it back at the head of the queue. */
            c->state = CALL_QUEUED;
            __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL); /* the caller still holds one */
            struct ipc_thread *r = port_hand_to_receiver(port, c);
            if (r != NULL) {
                sched_wake(thread_of(r), rcOk);
            } else {
                c->next = port->q_head;
                port->q_head = c;
                if (port->q_tail == NULL)
                    port->q_tail = c;
            }
            c = NULL;
            if (wrc == rcOk)
                wrc = rcPeerClosed;
        }
        if (c != NULL) {
            port_unlock(port, fl);
            *out = c;
            return rcOk;
        }
        if (wrc != rcOk) {
            port_unlock(port, fl);
            return wrc;
        }
    }
}

static __attribute__((noinline)) Retcode recv_locked(struct ipc_port *port, uint64_t fl,
                                                     uint64_t ns, struct thread *switch_to,
                                                     struct ipc_call **out)
{
    return recv_locked_inline(port, fl, ns, switch_to, out);
}

void ipc_port_client_gone(struct ipc_port *p)
{
    uint64_t fl = port_lock(p);
    p->client_gone = true;
    /* Woken with rcOk and still on the list, each receiver takes the lock, leaves the list,
     * finds the queue empty (or takes what is left first) and returns rcClientGone. */
    for (struct ipc_thread *r = p->r_head; r != NULL; r = r->next)
        sched_wake(thread_of(r), rcOk);
    port_unlock(p, fl);
}

Retcode ipc_recv_port(struct ipc_port *port, uint64_t buf, uint64_t cap, uint64_t timeout_ms,
                      uint64_t *msg_len, uint64_t *token)
{
    uint64_t ns = ms_to_ns(timeout_ms);
    for (;;) {
        struct ipc_call *c;
        Retcode rc = recv_locked(port, port_lock(port), ns, NULL, &c);
        if (rc != rcOk)
            return rc;
        rc = deliver(c, buf, cap, msg_len, token);
        /* A request whose handles could not be moved failed at its caller; wait for the next. */
        if (rc == rcOk || rc == rcBufferTooSmall || rc == rcInvalidArgument)
            return rc;
    }
}

/* ---- Reply ----------------------------------------------------------------------------- */

static struct ipc_call *take_received(struct process *me, uint64_t token)
{
    struct ipc_call *found = NULL;
    spin_lock(&me->lock);
    for (struct ipc_call **pp = &me->received; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->id == token) {
            found = *pp;
            *pp = found->next;
            found->next = NULL;
            break;
        }
    spin_unlock(&me->lock);
    return found;
}

/*
 * The reply half failed for a reason on the caller's side (it is gone, timed out, or has no room
 * or quota for the answer): the caller already has its failure, and ReplyRecv still does its
 * receive half, so that no client can knock a server out of its receive loop (the KSM serves
 * every process: a client that could do this could end every decision). rcReplyLost tells the
 * server that its answer went nowhere and, for ReplyRecv, that a request was received.
 */
static Retcode reply_lost(struct ipc_port *next, uint64_t buf, uint64_t cap, uint64_t timeout_ms,
                          uint64_t *msg_len, uint64_t *out_token)
{
    if (next == NULL)
        return rcReplyLost;
    Retcode rc = ipc_recv_port(next, buf, cap, timeout_ms, msg_len, out_token);
    return rc == rcOk ? rcReplyLost : rc;
}

/*
 * The answer's out-of-line steps, apart from the common case (a small answer, granted in
 * advance, without handles) so that ipc_reply_token takes no local's address: each reads the
 * answer's header from the kernel's copy kb (answer_header). That keeps its frame free of a
 * stack canary, and its values in registers, without storing the header for them first.
 */

/* The header of the answer kb: the kernel's copy's own first bytes, checked
 * (ipc_msg_check_words) before any of these steps and never written after (the translation
 * rewrites the handle entries only); kb is 8-byte aligned (the record's room or kmalloc's). */
static inline const struct idl_header *answer_header(const void *kb)
{
    return (const struct idl_header *)kb;
}
struct answer_buf {
    void *kb;
    Retcode rc;
};

/* A buffer for an answer larger than the call's room, charged to the caller. */
static struct answer_buf answer_alloc(size_t len, struct kmem_account *acct)
    __attribute__((noinline));
static struct answer_buf answer_alloc(size_t len, struct kmem_account *acct)
{
    struct answer_buf b;
    b.kb = kmalloc_charged(len, acct, &b.rc);
    return b;
}

/* The answer's security check, when its request's verdict did not grant it in advance. */
static __attribute__((noinline)) Retcode answer_check(struct process *me, struct process *cp,
                                                      const void *kb, size_t len)
{
    struct ipc_answer a = {
        .server = me, .client = cp, .h = answer_header(kb), .msg = kb, .len = len};
    return ipc_answer_check(&a);
}

/* Moves the answer's handles from the server's table into the caller's. */
static __attribute__((noinline)) Retcode answer_translate(void *kb, struct process *me,
                                                          struct process *cp)
{
    Retcode rc;
    spin_lock(&handle_tree_lock);
    if (cp->handles.ops == NULL || me->handles.ops == NULL)
        rc = rcPeerClosed;
    else
        rc = ipc_msg_translate(kb, answer_header(kb), &me->handles, &cp->handles, NULL);
    spin_unlock(&handle_tree_lock);
    return rc;
}

/* Takes back the handles answer_translate made in the caller's table (the caller gave up). */
static __attribute__((noinline)) void answer_untranslate(void *kb, struct process *cp)
{
    spin_lock(&handle_tree_lock);
    if (cp->handles.ops != NULL)
        ipc_msg_untranslate(kb, answer_header(kb), &cp->handles);
    spin_unlock(&handle_tree_lock);
}

/* ipc_reply_token's body: inline in ipc_reply_recv (ReplyRecv, the round trip's path), out of
 * line for Reply. */
static inline __attribute__((always_inline)) Retcode
reply_token_inline(struct process *me, uint64_t token, uint64_t buf, uint64_t len,
                   struct ipc_port *next, uint64_t cap, uint64_t timeout_ms, uint64_t *msg_len,
                   uint64_t *out_token)
{
    struct ipc_call *c = take_received(me, token);
    if (c == NULL)
        return rcNotFound;
    struct process *cp = c->client_proc;
    Retcode rc;
    if (len < IDL_HEADER_SIZE || len > IDL_MESSAGE_MAX) {
        call_fail(c, rcBadMessage);
        return rcBadMessage;
    }
    if (len > c->resp_cap) {
        call_fail(c, rcBufferTooSmall);
        return reply_lost(next, buf, cap, timeout_ms, msg_len, out_token);
    }
    /* The answer is charged to the caller, so a caller at its quota loses it, not the server.
     * A small one goes into the room the call was made with (charged when it was made). */
    void *kb = c->resp_room;
    if (len > c->resp_room_len) {
        struct answer_buf b = answer_alloc(len, call_account(c));
        if (b.kb == NULL) {
            /* A client that has ended has a closed account, which takes no charge: for the
             * server that is a caller gone, not a quota of its own. */
            call_fail(c, kmem_account_is_closed(call_account(c)) ? rcPeerClosed : b.rc);
            return reply_lost(next, buf, cap, timeout_ms, msg_len, out_token);
        }
        kb = b.kb;
    }
    struct idl_header h;
    rc = copy_from_user(kb, buf, len);
    if (rc == rcOk)
        rc = ipc_msg_check_words(kb, len, IPC_MSG_RESPONSE, &h);
    /* An answer is decided (and pre-granted) as the answer to the method that was asked: one
     * labelled as another method would be decided under that method's rules, so it is refused
     * before any decision, and before its handles move. */
    if (rc == rcOk && (h.endpoint_id != call_req_header(c)->endpoint_id ||
                       h.method_id != call_req_header(c)->method_id))
        rc = rcBadMessage;
    if (rc == rcOk && !(c->unchecked_answers & ipc_answer_kind(&h)))
        rc = answer_check(me, cp, kb, len);
    if (rc == rcOk && h.handle_count != 0)
        rc = answer_translate(kb, me, cp);
    if (rc != rcOk) {
        if (kb != c->resp_room)
            kfree_charged(kb, call_account(c));
        call_fail(c, rc == rcInvalidArgument ? rcBadMessage : rc);
        /* rcPeerClosed here: the caller's handle table is gone (it is ending). Anything else is
         * the server's own fault (a bad answer, a denied one): it hears of it, unreceived. */
        return rc == rcPeerClosed ? reply_lost(next, buf, cap, timeout_ms, msg_len, out_token) : rc;
    }

    struct ipc_port *port = c->port;
    uint64_t fl = port_lock(port);
    if (c->state != CALL_TAKEN) {
        /* The caller gave up meanwhile (timeout, termination). */
        port_unlock(port, fl);
        if (h.handle_count != 0)
            answer_untranslate(kb, cp);
        if (kb != c->resp_room)
            kfree_charged(kb, call_account(c));
        call_put(c);
        return reply_lost(next, buf, cap, timeout_ms, msg_len, out_token);
    }
    c->resp = kb;
    c->resp_len = len;
    port->replies++;
    struct thread *client = c->client;
    /* Held by the call, which this server still holds: refs > 0. */
    Retcode ref_rc = kobj_ref_held(&client->obj);
    KASSERT(ref_rc == rcOk);
    (void)ref_rc;
    /* The answer is complete before REPLIED is seen: a caller woken with rcOk reads it
     * without the port lock (call_exchange). */
    __atomic_store_n(&c->state, CALL_REPLIED, __ATOMIC_RELEASE);
    call_put(c); /* the caller still holds its reference: c stays */
    if (next == port) {
        /* ReplyRecv on the same port: receive; if that has to wait, switch to the caller. */
        struct ipc_call *nc;
        uint64_t ns = ms_to_ns(timeout_ms);
        rc = recv_locked_inline(port, fl, ns, client, &nc);
        thread_unref(client);
        if (rc != rcOk)
            return rc;
        /* me read again after the switch (the running thread's process, which it is): not
         * kept across it, where it took a register or a spill of its own. */
        rc = deliver_inline(thread_current()->proc, nc, buf, cap, msg_len, out_token);
        if (rc == rcOk || rc == rcBufferTooSmall || rc == rcInvalidArgument)
            return rc;
        /* A request whose handles could not be moved failed at its caller: wait for the next. */
        return ipc_recv_port(port, buf, cap, timeout_ms, msg_len, out_token);
    }
    /* A caller woken with rcOk reads REPLIED without the port lock and may free the call, and
     * with it the last reference on the port, as soon as it runs (on another CPU): hold the
     * port across the unlock. The wake stays under the lock, so that a caller that has left
     * (its timeout took the lock first) is never woken here. */
    port_get(port);
    sched_wake(client, rcOk);
    port_unlock(port, fl);
    port_put(port);
    thread_unref(client);
    if (next != NULL)
        return ipc_recv_port(next, buf, cap, timeout_ms, msg_len, out_token);
    return rcOk;
}

/* Out of line: SYS_REPLY is its one caller, and inlined there it would put the reply's frame
 * on the system-call dispatcher's path (every system call's). */
__attribute__((noinline)) Retcode ipc_reply_token(uint64_t token, uint64_t buf, uint64_t len,
                                                  struct ipc_port *next, uint64_t cap,
                                                  uint64_t timeout_ms, uint64_t *msg_len,
                                                  uint64_t *out_token)
{
    return reply_token_inline(process_current(), token, buf, len, next, cap, timeout_ms, msg_len,
                              out_token);
}

__attribute__((always_inline)) inline Retcode
ipc_reply_recv(struct process *p, uint32_t handle, uint64_t token, uint64_t buf, uint64_t len,
               uint64_t cap, uint64_t timeout_ms, uint64_t *msg_len, uint64_t *out_token)
{
    /* The server object's reference is kept for the whole wait: server_destroy (channel.c)
     * relies on no receiver waiting on a port whose object is gone. */
    struct kobj *o;
    Retcode rc = ipc_fast_handle_get(p, handle, HR_IPC_RECV, &o);
    if (rc != rcOk)
        return rc;
    enum kobj_type type = kobj_type(o);
    if (type == KOBJ_IPC_SERVER || type == KOBJ_IPC_LISTENER) {
        struct ipc_port *port = &((struct ipc_server_obj *)o)->port;
        /* Token 0 (never issued) means "nothing to answer yet": a server loop may start with
         * it. */
        if (token == 0)
            rc = ipc_recv_port(port, buf, cap, timeout_ms, msg_len, out_token);
        else
            rc = reply_token_inline(p, token, buf, len, port, cap, timeout_ms, msg_len, out_token);
    } else if (type == KOBJ_IO_IRQ_DELIVERY) {
        /* An interrupt's delivery: nothing to answer, an empty message when it fired. */
        rc = token == 0 ? io_irq_delivery_wait(o, timeout_ms) : rcBadHandle;
        *msg_len = 0;
        *out_token = 0;
    } else {
        rc = rcBadHandle;
    }
    kobj_unref(o);
    return rc;
}

/* ---- process exit ---------------------------------------------------------------------- */

void ipc_process_exit(struct process *p)
{
    for (;;) {
        spin_lock(&p->lock);
        struct ipc_call *c = p->received;
        if (c != NULL)
            p->received = c->next;
        spin_unlock(&p->lock);
        if (c == NULL)
            return;
        c->next = NULL;
        call_fail(c, rcPeerClosed);
    }
}

/* Called by thread_exit() with no locks held. A thread ends only from its own context, so it
 * cannot be inside Call or Recv here: its IPC state must be idle. The calls its process
 * received stay with the process (another thread may answer them; the reaper fails the rest). */
void ipc_thread_exit(struct thread *t)
{
    KASSERT(t->ipc.port == NULL && t->ipc.calling == NULL);
    t->ipc.delivered = NULL;
    struct ipc_call *spare = t->ipc.spare;
    if (spare != NULL) {
        /* Its references on t (held by the scheduler too while t runs) and t's process. */
        t->ipc.spare = NULL;
        kfree_charged(spare, call_account(spare));
        call_unref_client(t, t->proc);
    }
}
