/*
 * kl.core.Sync: futex-like Wait and Wake on a 32-bit word of the caller's memory.
 *
 * Wait(ptr, val, delay): if *ptr still equals val, sleeps until a Wake on the same word (same
 * key, below), or `delay` ms (0: no limit); the check and the sleep are atomic with
 * respect to Wake (both hold the bucket lock), so a wake-up between them is not lost. Results:
 * rcOk (woken; outDelay = ms left), rcTimeout, rcResourceBusy (*ptr != val: nothing to wait
 * for), rcInvalidArgument (ptr unaligned or not readable), rcPeerClosed (thread terminated).
 * Wake(ptr, n): wakes at most n waiters of that word, oldest first; wokenCnt says how many.
 * When it wakes exactly one, that thread runs at once in the caller's place if the scheduler
 * would prefer it on this CPU (sched_wake_to: placed here, at least as urgent as the caller
 * and everything queued; docs/scheduler.md), and the caller's Wake returns when it blocks or is
 * preempted: a futex hand-off, so that a woken peer answers before the waker looks again.
 *
 * Keys: a word in memory shared between processes (an MDL mapping: the page is present with a
 * "not owned" PTE, mm/aspace.h) is keyed by its physical address, so that waiters and wakers in
 * different address spaces, at whatever virtual addresses, meet; every other word by (process,
 * virtual address), as before (private memory may be backed by another frame after a decommit,
 * the virtual address is what names it). Shared frames never move while mapped (the mapping
 * holds the MDL), so a key resolved before sleeping stays right while the caller keeps the
 * mapping; a process that unmaps the word it waits on gets what it asked for (a wait only a
 * timeout ends). Wake resolves the key the same way; a spurious wake-up is possible (the
 * caller re-checks the word), a lost one is not: Wait checks the value under the bucket lock
 * that Wake takes for the same key.
 *
 * Waiters live in a small hash of buckets; a waiter record lives on its thread's kernel stack
 * while it sleeps.
 */
#include "klcore/klcore.h"
#include "mm/aspace.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

#define SYNC_BUCKETS 64u

/* On its waiting thread's stack; next and woken: its bucket's lock, the rest fixed. */
struct sync_waiter {
    struct sync_waiter *next;
    const struct process *proc; /* NULL: addr is a physical address (shared memory) */
    uint64_t addr;
    struct thread *thread;
    bool woken;
};

static struct sync_bucket {
    struct spinlock lock;
    struct sync_waiter *head; /* lock */
} buckets[SYNC_BUCKETS] = {
    [0 ... SYNC_BUCKETS - 1] = {.lock = SPINLOCK_INIT(LOCK_LEVEL_SYNC_BUCKET)}};

/* The key of the word at ptr for the calling process (see above). */
static void key_of(struct core_ctx *c, uint64_t ptr, const struct process **space, uint64_t *addr)
{
    uint64_t pa;
    if (aspace_shared_phys(c->proc->as, ptr, &pa)) {
        *space = NULL;
        *addr = pa;
    } else {
        *space = c->proc;
        *addr = ptr;
    }
}

static struct sync_bucket *bucket_of(const struct process *p, uint64_t addr)
{
    uint64_t k = (addr >> 2) ^ ((uintptr_t)p >> 4);
    k *= 0x9E3779B97F4A7C15ull;
    return &buckets[k >> 58];
}

static Retcode Wait(void *ctx, kl_core_Types_VirtAddr ptr, uint32_t val, kl_core_Types_Msecs delay,
                    kl_core_Types_Msecs *out_delay, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *out_delay = 0;
    if (ptr & 3u) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    uint32_t cur;
    /* Read once outside the lock so that a page fault (demand paging) happens here. */
    if (copy_from_user(&cur, ptr, sizeof cur) != rcOk) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    const struct process *space;
    uint64_t key;
    key_of(c, ptr, &space, &key);
    struct sync_bucket *b = bucket_of(space, key);
    struct sync_waiter w = {NULL, space, key, c->thread, false};
    uint64_t start = sched_now_ns();
    uint64_t fl = cpu_irq_save();
    spin_lock(&b->lock);
    /* The page is backed now; a fault here fails the copy instead of sleeping. */
    if (copy_from_user(&cur, ptr, sizeof cur) != rcOk || cur != val) {
        spin_unlock(&b->lock);
        cpu_irq_restore(fl);
        *rc = cur != val ? rcResourceBusy : rcInvalidArgument;
        return rcOk;
    }
    w.next = b->head;
    b->head = &w;
    Retcode wrc = sched_block_timeout(&b->lock, (uint64_t)delay * 1000000ull);
    cpu_irq_restore(fl);
    fl = cpu_irq_save();
    spin_lock(&b->lock);
    if (!w.woken) {
        for (struct sync_waiter **pp = &b->head; *pp != NULL; pp = &(*pp)->next)
            if (*pp == &w) {
                *pp = w.next;
                break;
            }
    }
    bool woken = w.woken;
    spin_unlock(&b->lock);
    cpu_irq_restore(fl);
    if (woken) {
        uint64_t spent_ms = (sched_now_ns() - start) / 1000000ull;
        *out_delay = delay == 0 ? 0 : (spent_ms >= delay ? 0 : delay - (uint32_t)spent_ms);
        *rc = rcOk;
    } else {
        *rc = wrc == rcOk ? rcTimeout : wrc;
    }
    return rcOk;
}

static Retcode Wake(void *ctx, kl_core_Types_VirtAddr ptr, uint32_t n_threads, uint32_t *woken_cnt,
                    kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    const struct process *space;
    uint64_t key;
    key_of(c, ptr, &space, &key);
    struct sync_bucket *b = bucket_of(space, key);
    uint32_t n = 0;
    uint64_t fl = cpu_irq_save();
    spin_lock(&b->lock);
    /* Oldest first: the list is newest first, so collect matches and wake from the tail. */
    struct sync_waiter *match[64];
    uint32_t m = 0;
    for (struct sync_waiter *w = b->head; w != NULL && m < 64; w = w->next)
        if (w->proc == space && w->addr == key)
            match[m++] = w;
    /* One waiter to wake: it may run at once in the caller's place (sched_wake_to), which
     * releases the bucket lock. Several: all queued, the caller keeps the CPU. */
    bool one = n_threads == 1 || m == 1;
    while (m > 0 && n < n_threads) {
        struct sync_waiter *w = match[--m];
        for (struct sync_waiter **pp = &b->head; *pp != NULL; pp = &(*pp)->next)
            if (*pp == w) {
                *pp = w->next;
                break;
            }
        w->woken = true;
        n++;
        if (one) {
            (void)sched_wake_to(w->thread, rcOk, &b->lock);
            break;
        }
        sched_wake(w->thread, rcOk);
    }
    if (!one || n == 0)
        spin_unlock(&b->lock);
    cpu_irq_restore(fl);
    *woken_cnt = n;
    *rc = rcOk;
    return rcOk;
}

const struct kl_core_Sync_ops core_sync_ops = {
    .Wait = Wait,
    .Wake = Wake,
};
