/* Notification receivers and the index of their entries (contract in notice.h). */
#include "obj/notice.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "mm/slab.h"
#include "obj/kobj_new.h"
#include "proc/thread.h"
#include "sched/sched.h"

#define NOTICE_INDEX_BUCKETS 64u

/* One "resource-event mask" entry. All fields but koid, ev_id, mask and recv: notice_lock. */
struct notice_entry {
    struct notice_entry *index_next; /* in its bucket of the index, while `indexed` */
    struct notice_entry *next;       /* on its receiver's list */
    struct notice_receiver *recv;
    uint64_t koid;
    uint64_t ev_id;
    uint32_t mask;
    uint32_t pending; /* events seen and not fetched yet */
    bool indexed;     /* false once its object ended or the entry was removed */
};

/* On its waiting thread's stack while it sleeps in notice_fetch. */
struct notice_waiter {
    struct notice_waiter *next;
    struct thread *thread;
    bool woken;     /* set by whoever took it off the list to wake it */
    Retcode status; /* what the waker says: rcOk (events), rcNoticeDropped, rcNoticeFinished */
};

struct notice_receiver {
    struct kobj obj; /* first: KOBJ_NOTICE */
    struct notice_entry *entries;
    struct notice_waiter *waiters;
    bool finished; /* DropAndWake with finish: no entry and no event any more */
};

static struct spinlock notice_lock = SPINLOCK_INIT(LOCK_LEVEL_NOTICE);
static struct notice_entry *notice_index[NOTICE_INDEX_BUCKETS]; /* notice_lock */

static struct notice_entry **bucket_of(uint64_t koid)
{
    return &notice_index[(koid * 0x9E3779B97F4A7C15ull) >> 58];
}

/* notice_lock held. */
static void unindex(struct notice_entry *e)
{
    if (!e->indexed)
        return;
    for (struct notice_entry **pp = bucket_of(e->koid); *pp != NULL; pp = &(*pp)->index_next)
        if (*pp == e) {
            *pp = e->index_next;
            break;
        }
    e->index_next = NULL;
    e->indexed = false;
}

/* notice_lock held. */
static void wake_all(struct notice_receiver *r, Retcode status)
{
    while (r->waiters != NULL) {
        struct notice_waiter *w = r->waiters;
        r->waiters = w->next;
        w->woken = true;
        w->status = status;
        sched_wake(w->thread, status);
    }
}

/* Frees entries unlinked under notice_lock, after it is released. */
static void free_entries(struct notice_entry *dead, struct kmem_account *acct)
{
    while (dead != NULL) {
        struct notice_entry *e = dead;
        dead = e->next;
        kfree_charged(e, acct);
        kmem_count_give(acct, KMEM_COUNT_NOTICE_ENTRIES);
    }
}

/* notice_lock held. Unlinks every entry of r for which drop(e, arg) holds onto *dead. */
static uint32_t unlink_entries(struct notice_receiver *r,
                               bool (*drop)(const struct notice_entry *e, uint64_t arg),
                               uint64_t arg, struct notice_entry **dead)
{
    uint32_t n = 0;
    struct notice_entry **pp = &r->entries;
    while (*pp != NULL) {
        struct notice_entry *e = *pp;
        if (!drop(e, arg)) {
            pp = &e->next;
            continue;
        }
        *pp = e->next;
        unindex(e);
        e->next = *dead;
        *dead = e;
        n++;
    }
    return n;
}

static bool drop_all(const struct notice_entry *e, uint64_t arg)
{
    (void)e;
    (void)arg;
    return true;
}
static bool drop_id(const struct notice_entry *e, uint64_t ev_id)
{
    return e->ev_id == ev_id;
}
static bool drop_object(const struct notice_entry *e, uint64_t koid)
{
    return e->koid == koid;
}
/* Its object ended and its last events were fetched: nothing can come through it any more. */
static bool drop_spent(const struct notice_entry *e, uint64_t arg)
{
    (void)arg;
    return !e->indexed && e->pending == 0;
}

static void receiver_destroy(struct kobj *obj)
{
    struct notice_receiver *r = (struct notice_receiver *)obj;
    struct notice_entry *dead = NULL;
    /* No waiter is left: each holds a reference while it waits. */
    uint64_t fl = cpu_irq_save();
    spin_lock(&notice_lock);
    (void)unlink_entries(r, drop_all, 0, &dead);
    spin_unlock(&notice_lock);
    cpu_irq_restore(fl);
    free_entries(dead, obj->account);
    kmem_count_give(obj->account, KMEM_COUNT_NOTICE_RECEIVERS);
    kobj_free_mem(r);
}

static const struct kobj_ops receiver_ops = {KOBJ_NOTICE, "notice", receiver_destroy};

Retcode notice_receiver_new(struct kmem_account *acct, struct notice_receiver **out)
{
    Retcode rc = kmem_count_take(acct, KMEM_COUNT_NOTICE_RECEIVERS, NOTICE_RECEIVERS_MAX);
    if (rc != rcOk)
        return rc;
    rc = kobj_new(sizeof **out, &receiver_ops, acct, (void **)out);
    if (rc != rcOk)
        kmem_count_give(acct, KMEM_COUNT_NOTICE_RECEIVERS);
    return rc;
}

Retcode notice_subscribe(struct notice_receiver *r, uint64_t koid, uint32_t mask, uint64_t ev_id,
                         uint32_t (*happened)(const void *obj), const void *obj)
{
    struct kmem_account *acct = r->obj.account;
    Retcode rc = kmem_count_take(acct, KMEM_COUNT_NOTICE_ENTRIES, NOTICE_ENTRIES_MAX);
    if (rc != rcOk)
        return rc;
    struct notice_entry *e = kmalloc_charged(sizeof *e, acct, &rc);
    if (e == NULL) {
        kmem_count_give(acct, KMEM_COUNT_NOTICE_ENTRIES);
        return rc;
    }
    *e = (struct notice_entry){.recv = r, .koid = koid, .ev_id = ev_id, .mask = mask};
    uint64_t fl = cpu_irq_save();
    spin_lock(&notice_lock);
    if (r->finished) {
        spin_unlock(&notice_lock);
        cpu_irq_restore(fl);
        e->next = NULL;
        free_entries(e, acct);
        return rcNoticeFinished;
    }
    e->next = r->entries;
    r->entries = e;
    struct notice_entry **b = bucket_of(koid);
    e->index_next = *b;
    *b = e;
    e->indexed = true;
    /* The object sets its flag (its end, its freeze) before it raises (under this lock):
     * either that raise found the entry just linked, or the flag is visible here (or both:
     * the bit is pending once). */
    uint32_t already = happened != NULL ? happened(obj) : 0;
    if (already & NOTICE_EV_OBJECT_ENDED)
        unindex(e); /* it raises no more */
    if (already & mask) {
        e->pending |= already & mask;
        wake_all(r, rcOk);
    }
    spin_unlock(&notice_lock);
    cpu_irq_restore(fl);
    return rcOk;
}

static Retcode unsubscribe(struct notice_receiver *r,
                           bool (*drop)(const struct notice_entry *e, uint64_t arg), uint64_t arg)
{
    struct notice_entry *dead = NULL;
    uint64_t fl = cpu_irq_save();
    spin_lock(&notice_lock);
    uint32_t n = unlink_entries(r, drop, arg, &dead);
    spin_unlock(&notice_lock);
    cpu_irq_restore(fl);
    free_entries(dead, r->obj.account);
    return n > 0 ? rcOk : rcNotFound;
}

Retcode notice_unsubscribe_id(struct notice_receiver *r, uint64_t ev_id)
{
    return unsubscribe(r, drop_id, ev_id);
}

Retcode notice_unsubscribe_object(struct notice_receiver *r, uint64_t koid)
{
    return unsubscribe(r, drop_object, koid);
}

/* notice_lock held. Moves up to cap - *n pending events to out, then unlinks spent entries. */
static void take_pending(struct notice_receiver *r, struct notice_event *out, uint32_t cap,
                         uint32_t *n, struct notice_entry **dead)
{
    for (struct notice_entry *e = r->entries; e != NULL && *n < cap; e = e->next)
        if (e->pending != 0) {
            out[*n] = (struct notice_event){e->ev_id, e->pending};
            (*n)++;
            e->pending = 0;
        }
    (void)unlink_entries(r, drop_spent, 0, dead);
}

Retcode notice_fetch(struct notice_receiver *r, struct notice_event *out, uint32_t cap, uint32_t *n,
                     uint32_t timeout_ms)
{
    *n = 0;
    uint64_t start = sched_now_ns();
    uint64_t limit_ns = (uint64_t)timeout_ms * 1000000ull;
    struct notice_entry *dead = NULL;
    Retcode rc;
    uint64_t fl = cpu_irq_save();
    spin_lock(&notice_lock);
    for (;;) {
        if (r->finished) {
            rc = rcNoticeFinished;
            break;
        }
        take_pending(r, out, cap, n, &dead);
        if (*n > 0) {
            rc = rcOk;
            break;
        }
        uint64_t left = 0; /* sched_block_timeout's "no limit" */
        if (timeout_ms != UINT32_MAX) {
            uint64_t spent = sched_now_ns() - start;
            if (timeout_ms == 0 || spent >= limit_ns) {
                rc = rcTimeout;
                break;
            }
            left = limit_ns - spent;
        }
        struct notice_waiter w = {r->waiters, thread_current(), false, rcOk};
        r->waiters = &w;
        Retcode wrc = sched_block_timeout(&notice_lock, left);
        cpu_irq_restore(fl);
        fl = cpu_irq_save();
        spin_lock(&notice_lock);
        if (!w.woken) {
            for (struct notice_waiter **pp = &r->waiters; *pp != NULL; pp = &(*pp)->next)
                if (*pp == &w) {
                    *pp = w.next;
                    break;
                }
            if (wrc != rcOk && wrc != rcTimeout) { /* terminated while waiting */
                rc = wrc;
                break;
            }
        } else if (w.status != rcOk) {
            rc = w.status;
            break;
        }
        /* Events came (another waiter may have taken them first) or the time ran out: look
         * again; the loop's own clock decides the timeout. */
    }
    spin_unlock(&notice_lock);
    cpu_irq_restore(fl);
    free_entries(dead, r->obj.account);
    return rc;
}

void notice_drop_and_wake(struct notice_receiver *r, bool finish)
{
    struct notice_entry *dead = NULL;
    uint64_t fl = cpu_irq_save();
    spin_lock(&notice_lock);
    (void)unlink_entries(r, drop_all, 0, &dead);
    if (finish)
        r->finished = true;
    wake_all(r, r->finished ? rcNoticeFinished : rcNoticeDropped);
    spin_unlock(&notice_lock);
    cpu_irq_restore(fl);
    free_entries(dead, r->obj.account);
}

void notice_raise(uint64_t koid, uint32_t mask, bool ended)
{
    uint64_t fl = cpu_irq_save();
    spin_lock(&notice_lock);
    struct notice_entry **pp = bucket_of(koid);
    while (*pp != NULL) {
        struct notice_entry *e = *pp;
        if (e->koid != koid) {
            pp = &e->index_next;
            continue;
        }
        uint32_t ev = e->mask & mask;
        if (ev != 0) {
            e->pending |= ev;
            wake_all(e->recv, rcOk);
        }
        if (ended) { /* it raises no more: out of the index, the receiver keeps it */
            *pp = e->index_next;
            e->index_next = NULL;
            e->indexed = false;
        } else {
            pp = &e->index_next;
        }
    }
    spin_unlock(&notice_lock);
    cpu_irq_restore(fl);
}
