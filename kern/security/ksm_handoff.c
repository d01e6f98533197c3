/* The hand-off between security questions and the KSM's receivers (contract in ksm_handoff.h). */
#include "security/ksm_handoff.h"

#include "arch/x86_64/cpu.h"
#include "lib/lock_order.h"
#include "lib/prof.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "security/ksm_gate.h"
#include "security/verdict.h"

enum question_state {
    Q_QUEUED,   /* in the queue, no receiver has it */
    Q_TAKEN,    /* copied into a receiver (`rx`), which decides it */
    Q_ANSWERED, /* final: out holds a well-formed verdict */
    Q_FAILED,   /* final: `result` says why there is no verdict */
};

/* A question: on its asker's kernel stack from ksm_handoff_ask() until it is final. Every field
 * after the request's is handoff_lock's, but for `copying`, which its receiver clears without
 * the lock (an atomic store, its last touch of the question). The asker leaves only under that
 * lock, after the question is final or withdrawn and not `copying`, so whoever holds the lock
 * may write it, and the receiver that set `copying` may read the request without it. */
struct ksm_question {
    const void *head, *body;
    size_t head_len, body_len;
    struct thread *asker;
    struct ksm_question *next; /* Q_QUEUED: the queue */
    struct ksm_receiver *rx;   /* Q_TAKEN: the receiver that has it */
    enum question_state state;
    Retcode result;              /* Q_FAILED */
    struct ksm_verdict_in *out;  /* Q_ANSWERED: the verdict, written by the receiver */
    struct ksm_forward *forward; /* NULL: none (ksm_handoff.h); on the asker's stack too */
    uint64_t expires;            /* the watchdog's run that fails it (rcTimeout); 0: never */
    bool copying;                /* Q_TAKEN: the receiver copies the request out of this frame */
    bool seen; /* the receiver's copy into the KSM completed (set before `copying` clears) */
};

/* A receiver: one per thread of the KSM that has called SYS_KSM_WAIT, freed when it ends. Its
 * fields are handoff_lock's. */
struct ksm_receiver {
    struct thread *thread;
    struct ksm_receiver *all_next; /* every receiver: the watchdog looks at their questions */
    struct ksm_receiver *next;     /* on the waiting list (read only while `waiting`) */
    struct ksm_question *current;  /* the question it took and has not answered (Q_TAKEN) */
    bool waiting;                  /* on the waiting list */
    bool handed;                   /* an asker gave it a question while it waited */
    bool lost;                     /* the question it took was withdrawn before its verdict */
    /* Its own thread's, during its SYS_KSM_WAIT (no lock): the audit text read from the KSM,
     * and the lock a forward's send left held. Here rather than on the stack: with no array and
     * no local whose address is taken, the wait's frame needs no stack canary. */
    struct spinlock *server_lock;
    char text_buf[KSM_PROTO_TEXT_MAX];
};

static struct spinlock handoff_lock = SPINLOCK_INIT(LOCK_LEVEL_KSM_HANDOFF);
static struct ksm_question *q_head, *q_tail; /* Q_QUEUED questions, oldest first */
static struct ksm_receiver *waiting;         /* receivers in SYS_KSM_WAIT, the latest first */
static struct ksm_receiver *receivers;       /* every receiver */
static bool closed;                          /* the KSM has ended */

/* How often the watchdog looks for questions past their deadline (from any CPU's tick). A
 * deadline is counted in the watchdog's runs, so asking reads no clock: a question asked while
 * `watch_runs` is r with a timeout of n periods fails at run r + n + 1, which comes at least n
 * periods after it was asked (and at most one period and the ticks' lateness after that). */
#define WATCHDOG_PERIOD_NS (100ull * 1000 * 1000)
static uint64_t next_watch_ns; /* atomic: the first tick at or after it runs the watchdog */
static uint64_t watch_runs;    /* atomic: how many times the watchdog has run */

static uint64_t lock_handoff(void)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&handoff_lock);
    return fl;
}

static void unlock_handoff(uint64_t fl)
{
    spin_unlock(&handoff_lock);
    cpu_irq_restore(fl);
}

/* Gives q to rx: Q_TAKEN, and `copying` until rx has copied its bytes out. */
static void take_locked(struct ksm_receiver *rx, struct ksm_question *q)
{
    spin_assert_held(&handoff_lock);
    q->copying = true;
    rx->current = q;
    rx->lost = false;
    q->rx = rx;
    q->state = Q_TAKEN;
}

/* Ends q without a verdict and wakes its asker. */
static void fail_locked(struct ksm_question *q, Retcode rc)
{
    spin_assert_held(&handoff_lock);
    struct thread *asker = q->asker; /* the final state is the last write to the question */
    q->result = rc;
    __atomic_store_n(&q->state, Q_FAILED, __ATOMIC_RELEASE);
    sched_wake(asker, rcOk);
}

static void unlink_waiting_locked(struct ksm_receiver *rx)
{
    spin_assert_held(&handoff_lock);
    if (!rx->waiting)
        return;
    for (struct ksm_receiver **pp = &waiting; *pp != NULL; pp = &(*pp)->next)
        if (*pp == rx) {
            *pp = rx->next;
            break;
        }
    rx->next = NULL;
    rx->waiting = false;
}

static void unlink_queued_locked(struct ksm_question *q)
{
    spin_assert_held(&handoff_lock);
    struct ksm_question *prev = NULL;
    for (struct ksm_question **pp = &q_head; *pp != NULL; prev = *pp, pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            if (q_tail == q)
                q_tail = prev;
            break;
        }
    q->next = NULL;
}

/* ---- the asker ------------------------------------------------------------------------- */

Retcode ksm_handoff_ask(const void *head, size_t head_len, const void *body, size_t body_len,
                        struct ksm_verdict_in *out, uint64_t timeout_ns,
                        struct ksm_forward *forward, bool *seen)
{
    *seen = false;
    if (head_len > KSM_HANDOFF_REQUEST_MAX || body_len > KSM_HANDOFF_REQUEST_MAX - head_len)
        return rcBufferTooSmall;
    /* The deadline is kept by the watchdog (ksm_handoff_tick), not by a timeout on the wait:
     * no sleep-list entry to insert and remove per question, whatever else sleeps. */
    uint64_t periods = timeout_ns / WATCHDOG_PERIOD_NS + (timeout_ns % WATCHDOG_PERIOD_NS != 0);
    /* Field by field: an initializer would clear the frame first (a string store on every
     * question) and then write most of it again. Not stored here, as each is written before it
     * is read: `next` when the question is queued, `rx` when taken (only a Q_TAKEN question's
     * is read), `result` with Q_FAILED; `state` and `copying` under the lock below, once it is
     * known whether a receiver takes the question (take_locked) or it is queued: nobody sees
     * the question before. */
    struct ksm_question q;
    _Static_assert(sizeof q == 96, "every field of the question is accounted for below");
    q.head = head;
    q.body = body;
    q.head_len = head_len;
    q.body_len = body_len;
    q.asker = thread_current();
    q.out = out;
    q.forward = forward;
    q.expires = timeout_ns == 0 ? 0 : __atomic_load_n(&watch_runs, __ATOMIC_RELAXED) + periods + 1;
    q.seen = false;
    uint64_t fl = lock_handoff();
    if (closed) {
        unlock_handoff(fl);
        return rcPeerClosed;
    }
    Retcode wrc;
    struct ksm_receiver *rx = waiting;
    if (rx != NULL) {
        /* A receiver waits: the question goes straight into it, and it runs here and now. Its
         * `next` is left as it was: it is read only while `waiting` is set. */
        waiting = rx->next;
        rx->waiting = false;
        rx->handed = true;
        take_locked(rx, &q);
        PROF_MARK(PROF_KSM_CALL);
        wrc = sched_switch_to(rx->thread, &handoff_lock);
    } else {
        q.state = Q_QUEUED;
        q.copying = false;
        q.next = NULL;
        if (q_tail != NULL)
            q_tail->next = &q;
        else
            q_head = &q;
        q_tail = &q;
        wrc = sched_block_current(&handoff_lock);
    }
    cpu_irq_restore(fl);
    /* Woken with rcOk: by whoever made the question final (the receiver that answered it, or
     * fail_locked), whose last touches of the question and of this thread came before that
     * wake, or, for a forwarded request, by the server's answer, which came after the request
     * was sent and so after the final state was stored; only a thread being ended is woken
     * otherwise (rcPeerClosed). Then the final state can be read without the lock. */
    if (wrc == rcOk) {
        enum question_state st = __atomic_load_n(&q.state, __ATOMIC_ACQUIRE);
        if (st == Q_ANSWERED) {
            *seen = true;
            return rcOk;
        }
        if (st == Q_FAILED) {
            *seen = q.seen;
            return q.result;
        }
    }
    for (;;) {
        fl = lock_handoff();
        if (q.state == Q_ANSWERED || q.state == Q_FAILED)
            break;
        if (wrc == rcOk) {
            /* Woken with nothing to show for it: wait on (the watchdog ends a wait too long). */
            wrc = sched_block_current(&handoff_lock);
            cpu_irq_restore(fl);
            continue;
        }
        if (__atomic_load_n(&q.copying, __ATOMIC_ACQUIRE)) {
            /* The receiver reads this frame right now (a few hundred bytes, at most one
             * message): let it finish, then withdraw. Yield rather than block: a thread being
             * ended does not block, and the receiver may be waiting for this very CPU. */
            unlock_handoff(fl);
            sched_yield();
            continue;
        }
        /* Being ended: withdraw the question. A receiver deciding it learns that
         * its verdict goes nowhere (rcReplyLost) and never touches this frame again. */
        if (q.state == Q_QUEUED) {
            unlink_queued_locked(&q);
        } else {
            q.rx->current = NULL;
            q.rx->lost = true;
        }
        q.state = Q_FAILED;
        q.result = wrc;
        break;
    }
    *seen = q.seen;
    unlock_handoff(fl);
    return q.state == Q_ANSWERED ? rcOk : q.result;
}

/* ---- the receiver ---------------------------------------------------------------------- */

/* read_verdict's general case: an audited verdict (its text read from the KSM) or a malformed
 * one. Out of line, with its locals: the wait's own frame then has none whose address is
 * taken. */
static __attribute__((noinline)) bool read_verdict_text(uint64_t word, uint64_t text,
                                                        uint64_t text_len, char *text_buf)
{
    if (text_len > KSM_PROTO_TEXT_MAX)
        return false;
    if (text_len != 0 && copy_from_user(text_buf, text, text_len) != rcOk)
        return false;
    struct ksm_proto_verdict v;
    return ksm_verdict_decode(word, text_buf, text_len, &v);
}

/* The verdict the receiver gives in registers, checked before the lock is taken: the text is
 * read from the KSM's memory. False: malformed. */
static inline bool read_verdict(uint64_t word, uint64_t text, uint64_t text_len, char *text_buf)
{
    /* The common verdict, a grant without audit (and so without text), said by the word alone:
     * granted 1, audit 0, reply within KSM_PROTO_REPLY_ALL, the reserved byte 0, any class. The
     * same answer as ksm_verdict_decode's, in one compare. */
    _Static_assert((KSM_PROTO_REPLY_ALL & (KSM_PROTO_REPLY_ALL + 1)) == 0, "the reply bits are the "
                                                                           "low bits of their "
                                                                           "byte");
    if (text_len == 0 && ((uint32_t)word & ~(KSM_PROTO_REPLY_ALL << 16)) == 1)
        return true;
    return read_verdict_text(word, text, text_len, text_buf);
}

/* Makes the calling thread's receiver, at its first wait (charged to the KSM). Out of line: no
 * local of the wait's frame has its address taken. */
static Retcode receiver_of(struct thread *self) __attribute__((noinline));
static Retcode receiver_of(struct thread *self)
{
    Retcode rc;
    struct ksm_receiver *rx = kmalloc_charged(sizeof *rx, &self->proc->kmem, &rc);
    if (rx == NULL)
        return rc;
    memset(rx, 0, sizeof *rx);
    rx->thread = self;
    uint64_t fl = lock_handoff();
    rx->all_next = receivers;
    receivers = rx;
    unlock_handoff(fl);
    self->ksm_rx = rx;
    return rcOk;
}

/* Copies the question q (taken by rx, `copying`) to the receiver's buffer at user address buf
 * (cap bytes); a question it cannot deliver fails at its asker. Ends the copy either way. */
static Retcode deliver(struct ksm_receiver *rx, struct ksm_question *q, uint64_t buf, uint64_t cap,
                       uint64_t *len)
{
    size_t n = q->head_len + q->body_len;
    *len = n;
    Retcode rc = rcOk;
    if (n > cap)
        rc = rcBufferTooSmall;
    else if (copy_to_user(buf, q->head, q->head_len) != rcOk ||
             (q->body_len != 0 && /* none when the head was built before the message */
              copy_to_user(buf + q->head_len, q->body, q->body_len) != rcOk))
        rc = rcInvalidArgument;
    if (rc == rcOk) {
        /* The receiver's last touch of q: once `copying` is clear, an asker that is being ended
         * may fail the question and leave, frame and all. No lock is needed for that; whoever
         * reads `copying` does so under the lock, after this store or before it. */
        q->seen = true;
        __atomic_store_n(&q->copying, false, __ATOMIC_RELEASE);
        return rcOk;
    }
    uint64_t fl = lock_handoff();
    __atomic_store_n(&q->copying, false, __ATOMIC_RELEASE);
    if (rx->current == q) {
        rx->current = NULL;
        fail_locked(q, rc);
    }
    unlock_handoff(fl);
    return rc;
}

/* The answered asker, or the server its request went on to, made runnable when the receiver
 * does not switch to it; then the lock that server waits under (held until now so that it
 * could neither leave its wait nor begin another) is released. Either may be NULL. */
static inline __attribute__((always_inline)) void wake_next(struct thread *run_next,
                                                            struct spinlock *server_lock)
{
    if (run_next != NULL)
        sched_wake(run_next, rcOk);
    if (server_lock != NULL)
        spin_unlock(server_lock);
}

Retcode ksm_handoff_wait(uint64_t verdict, uint64_t text, uint64_t text_len, uint64_t buf,
                         uint64_t cap, uint64_t *len)
{
    PROF_MARK(PROF_KSM_RX_ENTER);
    struct thread *self = thread_current();
    if (self->ksm_rx == NULL) {
        Retcode rc = receiver_of(self);
        if (rc != rcOk)
            return rc;
    }
    struct ksm_receiver *rx = self->ksm_rx;
    char *const text_buf = rx->text_buf;
    /* Read whether or not a question is held: the common case holds one. Its fields are read
     * from the word where they are used, so that only the word is kept across the lock. */
    bool well_formed = read_verdict(verdict, text, text_len, text_buf);

    uint64_t fl = lock_handoff();
    PROF_MARK(PROF_KSM_REPLY);
    bool lost = rx->lost;
    rx->lost = false;
    /* Who runs once the verdict is given: its asker, or the server its request went on to, with
     * the lock that server waits under (held until it is switched to or woken). */
    struct thread *run_next = NULL;
    struct spinlock *server_lock = NULL;
    struct ksm_question *q = rx->current;
    if (q != NULL) {
        rx->current = NULL;
        run_next = q->asker; /* read first: the final state is the last write to the question */
        if (well_formed) {
            const struct ksm_proto_verdict v = ksm_verdict_split(verdict);
            q->out->word = verdict;
            q->out->text = "";
            if (v.audit) {
                memcpy(q->out->text_buf, text_buf, text_len);
                q->out->text = q->out->text_buf;
            }
            struct ksm_forward *f = q->forward;
            if (f != NULL && v.granted && !v.audit) {
                rx->server_lock = NULL;
                struct thread *server = f->send(f, v.reply, &rx->server_lock);
                server_lock = rx->server_lock;
                if (server != NULL) {
                    if (f->gate != NULL)
                        ksm_gate_leave(f->gate);
                    f->sent = true;
                    run_next = server;
                }
            }
            __atomic_store_n(&q->state, Q_ANSWERED, __ATOMIC_RELEASE);
        } else {
            q->result = rcBadMessage;
            __atomic_store_n(&q->state, Q_FAILED, __ATOMIC_RELEASE);
        }
    }
    struct ksm_question *taken;
    for (;;) {
        struct ksm_question *next = q_head;
        if (next != NULL) {
            /* Questions wait: take the oldest, and let the answered asker run when it may. */
            q_head = next->next;
            if (q_head == NULL)
                q_tail = NULL;
            next->next = NULL;
            take_locked(rx, next);
            wake_next(run_next, server_lock);
            taken = next;
            unlock_handoff(fl);
            break;
        }
        if (closed) {
            wake_next(run_next, server_lock);
            unlock_handoff(fl);
            return rcPeerClosed;
        }
        rx->next = waiting;
        waiting = rx;
        rx->waiting = true;
        rx->handed = false;
        Retcode wrc;
        if (run_next != NULL) {
            /* Nothing else to decide: run the answered asker (or its server) right here. */
            PROF_MARK(PROF_KSM_SWITCH);
            wrc = sched_switch_to_also(run_next, &handoff_lock, server_lock);
            run_next = NULL;
            server_lock = NULL;
        } else {
            wrc = sched_block_current(&handoff_lock);
        }
        PROF_MARK(PROF_KSM_RX_WOKE);
        cpu_irq_restore(fl);
        /* Woken with rcOk: by the asker that handed it a question (no other waker of a receiver
         * says rcOk), after that asker did this receiver's part under the lock: off the waiting
         * list, the question taken and `copying`, which nothing changes while `copying` holds.
         * So no lock is needed to leave. */
        if (wrc == rcOk && __atomic_load_n(&rx->handed, __ATOMIC_ACQUIRE)) {
            rx->handed = false;
            taken = rx->current;
            break;
        }
        fl = lock_handoff();
        unlink_waiting_locked(rx);
        if (rx->handed) {
            /* An asker gave it a question (and still waits for it while `copying`). */
            rx->handed = false;
            taken = rx->current;
            unlock_handoff(fl);
            break;
        }
        if (wrc != rcOk) {
            unlock_handoff(fl);
            return wrc;
        }
    }
    /* `copying` keeps the question's frame in place while it is read without the lock; its
     * asker may have given up meanwhile (then the next wait says rcReplyLost). */
    Retcode drc = deliver(rx, taken, buf, cap, len);
    if (drc != rcOk)
        return drc;
    PROF_MARK(PROF_KSM_RX_LEAVE);
    return lost ? rcReplyLost : rcOk;
}

/* ---- the watchdog --------------------------------------------------------------------- */

void ksm_handoff_tick(uint64_t now_ns)
{
    uint64_t due = __atomic_load_n(&next_watch_ns, __ATOMIC_RELAXED);
    if (now_ns < due ||
        !__atomic_compare_exchange_n(&next_watch_ns, &due, now_ns + WATCHDOG_PERIOD_NS, false,
                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return;
    uint64_t run = __atomic_add_fetch(&watch_runs, 1, __ATOMIC_RELAXED);
    uint64_t fl = lock_handoff();
    /* Queued questions past their deadline leave the queue... */
    struct ksm_question *prev = NULL;
    for (struct ksm_question *q = q_head, *next; q != NULL; q = next) {
        next = q->next;
        if (q->expires == 0 || q->expires > run) {
            prev = q;
            continue;
        }
        if (prev != NULL)
            prev->next = next;
        else
            q_head = next;
        if (q_tail == q)
            q_tail = prev;
        q->next = NULL;
        fail_locked(q, rcTimeout);
    }
    /* ...and taken ones are taken back: their receiver's verdict will go nowhere. One being
     * copied right now is left for the next look. */
    for (struct ksm_receiver *rx = receivers; rx != NULL; rx = rx->all_next) {
        struct ksm_question *q = rx->current;
        if (q == NULL || __atomic_load_n(&q->copying, __ATOMIC_ACQUIRE) || q->expires == 0 ||
            q->expires > run)
            continue;
        rx->current = NULL;
        rx->lost = true;
        fail_locked(q, rcTimeout);
    }
    unlock_handoff(fl);
}

/* ---- ends ------------------------------------------------------------------------------ */

void ksm_handoff_close(void)
{
    uint64_t fl = lock_handoff();
    closed = true;
    while (q_head != NULL) {
        struct ksm_question *q = q_head;
        q_head = q->next;
        q->next = NULL;
        fail_locked(q, rcPeerClosed);
    }
    q_tail = NULL;
    for (struct ksm_receiver *rx = waiting; rx != NULL; rx = rx->next)
        sched_wake(rx->thread, rcPeerClosed);
    unlock_handoff(fl);
}

bool ksm_handoff_closed(void)
{
    return __atomic_load_n(&closed, __ATOMIC_ACQUIRE);
}

void ksm_handoff_thread_exit(struct thread *t)
{
    struct ksm_receiver *rx = t->ksm_rx;
    if (rx == NULL)
        return;
    uint64_t fl = lock_handoff();
    unlink_waiting_locked(rx);
    for (struct ksm_receiver **pp = &receivers; *pp != NULL; pp = &(*pp)->all_next)
        if (*pp == rx) {
            *pp = rx->all_next;
            break;
        }
    if (rx->current != NULL) {
        fail_locked(rx->current, rcNoKsm);
        rx->current = NULL;
    }
    unlock_handoff(fl);
    t->ksm_rx = NULL;
    kfree_charged(rx, &t->proc->kmem);
}
