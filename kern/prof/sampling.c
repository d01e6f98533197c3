/* Sample profiling: sessions, their pid lists and containers, the tick's sampler (contract in
 * sampling.h). */
#include "prof/sampling.h"

#include <bastion/profiler.h>

#include "arch/x86_64/idt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/spinlock.h"
#include "lib/string.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "prof/seginfo.h"
#include "sched/sched.h"

#define RECORD sizeof(struct bastion_prof_record)

struct prof_session {
    struct process *owner; /* NULL: a free slot; no reference (prof_process_exit clears it) */
    bool running;
    bool chain; /* records call chains (BASTION_PROF_CONF_CALLCHAIN) */
    uint64_t cpus;
    uint32_t pids[BASTION_PROF_PIDS_MAX];
    uint32_t npids;
    struct bastion_prof_record *ring; /* NULL until SamplingStart; charged to owner->kmem */
    uint32_t cap, head, count;        /* records: capacity, oldest, held */
};

static struct spinlock sampler_lock = SPINLOCK_INIT(LOCK_LEVEL_PROF_SAMPLER);
static struct prof_session sessions[PROF_SESSIONS]; /* sampler_lock */
/* Sessions running: the tick's test before it takes the lock (sampler_lock to write). */
static uint32_t running_count;
/* Of them, those recording call chains: the tick walks the user stack only when one does. */
static uint32_t chain_count;

static struct prof_session *session_of_locked(const struct process *p)
{
    spin_assert_held(&sampler_lock);
    for (unsigned i = 0; i < PROF_SESSIONS; i++)
        if (sessions[i].owner == p)
            return &sessions[i];
    return NULL;
}

/* The caller's session, or a free slot made its own; NULL when all are others'. */
static struct prof_session *session_get_locked(struct process *p)
{
    spin_assert_held(&sampler_lock);
    struct prof_session *s = session_of_locked(p);
    for (unsigned i = 0; i < PROF_SESSIONS && s == NULL; i++)
        if (sessions[i].owner == NULL) {
            s = &sessions[i];
            memset(s, 0, sizeof *s);
            s->owner = p;
        }
    return s;
}

static bool lists_locked(const struct prof_session *s, uint32_t pid)
{
    spin_assert_held(&sampler_lock);
    for (uint32_t i = 0; i < s->npids; i++)
        if (s->pids[i] == pid)
            return true;
    return false;
}

static bool push_locked(struct prof_session *s, const struct bastion_prof_record *r)
{
    spin_assert_held(&sampler_lock);
    if (s->ring == NULL || s->count == s->cap)
        return false;
    s->ring[(s->head + s->count) % s->cap] = *r;
    s->count++;
    return true;
}

static void set_running_locked(struct prof_session *s, bool on)
{
    spin_assert_held(&sampler_lock);
    if (s->running != on) {
        __atomic_add_fetch(&running_count, on ? 1u : (uint32_t)-1, __ATOMIC_RELEASE);
        if (s->chain)
            __atomic_add_fetch(&chain_count, on ? 1u : (uint32_t)-1, __ATOMIC_RELEASE);
    }
    s->running = on;
}

/* seginfo_emit's callback: arg is the session (its owner's, checked under sampler_lock). */
struct emit_to {
    struct process *owner;
};
static void emit_segment(const struct bastion_prof_record *r, void *arg)
{
    struct emit_to *to = arg;
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    struct prof_session *s = session_of_locked(to->owner);
    if (s != NULL && lists_locked(s, r->pid))
        (void)push_locked(s, r); /* a full ring drops it like a sample */
    spin_unlock_irqrestore(&sampler_lock, fl);
}

void sampling_segment_added(const struct bastion_prof_record *r)
{
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    for (unsigned i = 0; i < PROF_SESSIONS; i++)
        if (sessions[i].owner != NULL && lists_locked(&sessions[i], r->pid))
            (void)push_locked(&sessions[i], r);
    spin_unlock_irqrestore(&sampler_lock, fl);
}

Retcode sampling_start(struct process *p, uint32_t conf, uint64_t cpus, uint64_t cont_size)
{
    if ((conf & ~BASTION_PROF_CONF_CALLCHAIN) != 0 || cpus == 0 || cont_size < RECORD ||
        cont_size > BASTION_PROF_CONTAINER_MAX)
        return rcInvalidArgument;
    uint32_t cap = (uint32_t)(cont_size / RECORD);
    Retcode rc = rcOk;
    struct bastion_prof_record *ring = kmalloc_charged(cap * RECORD, &p->kmem, &rc);
    if (ring == NULL)
        return rc;
    struct bastion_prof_record *old = NULL;
    uint32_t pids[BASTION_PROF_PIDS_MAX], npids = 0;
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    struct prof_session *s = session_get_locked(p);
    if (s == NULL) {
        rc = rcProfilerBusy;
    } else if (s->running) {
        rc = rcResourceBusy;
    } else {
        old = s->ring;
        s->ring = ring;
        s->cap = cap;
        s->head = s->count = 0;
        s->cpus = cpus;
        s->chain = (conf & BASTION_PROF_CONF_CALLCHAIN) != 0; /* before running: its count */
        npids = s->npids;
        memcpy(pids, s->pids, npids * sizeof pids[0]);
        set_running_locked(s, true);
    }
    spin_unlock_irqrestore(&sampler_lock, fl);
    kfree_charged(rc == rcOk ? old : ring, &p->kmem);
    if (rc != rcOk)
        return rc;
    /* The listed processes' segments first in the new container, so that a reader can name the
     * samples that follow (a few may come before them: the tick does not wait). */
    struct emit_to to = {p};
    for (uint32_t i = 0; i < npids; i++)
        seginfo_emit(pids[i], emit_segment, &to);
    return rcOk;
}

Retcode sampling_stop(struct process *p)
{
    Retcode rc = rcProfilerNotStarted;
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    struct prof_session *s = session_of_locked(p);
    if (s != NULL && s->ring != NULL) {
        set_running_locked(s, false);
        rc = rcOk;
    }
    spin_unlock_irqrestore(&sampler_lock, fl);
    return rc;
}

/* Takes up to max of the oldest records of p's container into out: how many, or -1 without a
 * container. *running: whether its sampling runs. */
static int take_records(struct process *p, struct bastion_prof_record *out, uint32_t max,
                        bool *running)
{
    int n = -1;
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    struct prof_session *s = session_of_locked(p);
    if (s != NULL && s->ring != NULL) {
        *running = s->running;
        n = 0;
        while ((uint32_t)n < max && s->count > 0) {
            out[n++] = s->ring[s->head];
            s->head = (s->head + 1) % s->cap;
            s->count--;
        }
    }
    spin_unlock_irqrestore(&sampler_lock, fl);
    return n;
}

Retcode sampling_read(struct process *p, uint64_t buf, uint64_t size, uint32_t timeout_ms,
                      void *bounce, size_t bounce_size, uint64_t *real_size)
{
    *real_size = 0;
    if (size < RECORD)
        return rcBufferTooSmall;
    if (bounce_size < RECORD)
        return rcInvalidArgument;
    uint64_t deadline = sched_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    uint32_t chunk = (uint32_t)(bounce_size / RECORD);
    bool running = false;
    for (;;) {
        uint64_t room = (size - *real_size) / RECORD;
        if (room == 0)
            return rcOk;
        int n = take_records(p, bounce, room < chunk ? (uint32_t)room : chunk, &running);
        if (n < 0)
            return rcProfilerNotStarted;
        if (n > 0) {
            Retcode rc = copy_to_user(buf + *real_size, bounce, (size_t)n * RECORD);
            if (rc != rcOk)
                return rc;
            *real_size += (uint64_t)n * RECORD;
            continue;
        }
        /* Empty: done if something was read or nothing more can come; else wait a tick. */
        if (*real_size > 0 || !running)
            return rcOk;
        uint64_t now = sched_now_ns();
        if (now >= deadline)
            return rcTimeout;
        uint64_t left = deadline - now;
        /* A thread being terminated does not sleep (rcPeerClosed at once): it must leave now,
         * not spin out a long timeout. */
        Retcode w = sched_block_timeout(NULL, left < 10000000ull ? left : 10000000ull);
        if (w != rcOk && w != rcTimeout)
            return w;
    }
}

struct find_pid {
    uint32_t pid, parent_pid;
    bool live;
};
static void find_pid_visit(const struct process *q, void *arg)
{
    struct find_pid *f = arg;
    if (q->pid == f->pid && q->state != PROC_DEAD) {
        f->live = true;
        f->parent_pid = q->parent_pid;
    }
}

Retcode sampling_add_pid(struct process *p, uint32_t pid)
{
    if (pid != p->pid) {
        struct find_pid f = {pid, 0, false};
        process_list_visit(find_pid_visit, &f);
        if (!f.live)
            return rcNotFound;
        if (f.parent_pid != p->pid)
            return rcNotProfilable;
    }
    Retcode rc = rcOk;
    bool emit = false;
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    struct prof_session *s = session_get_locked(p);
    if (s == NULL)
        rc = rcProfilerBusy;
    else if (lists_locked(s, pid))
        rc = rcOk;
    else if (s->npids == BASTION_PROF_PIDS_MAX)
        rc = rcPidListFull;
    else {
        s->pids[s->npids++] = pid;
        emit = s->ring != NULL;
    }
    spin_unlock_irqrestore(&sampler_lock, fl);
    if (emit) {
        struct emit_to to = {p};
        seginfo_emit(pid, emit_segment, &to);
    }
    return rc;
}

Retcode sampling_clear_pids(struct process *p)
{
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    struct prof_session *s = session_of_locked(p);
    if (s != NULL)
        s->npids = 0;
    spin_unlock_irqrestore(&sampler_lock, fl);
    return rcOk;
}

/* The interrupted thread's callers, from its frame-pointer chain (user programs are built with
 * frame pointers): each frame holds the caller's frame pointer, then the return address. Every
 * read is copy_from_user (user half only, a fault ends the walk); a frame pointer that is not
 * above the last one (callers' frames lie higher on the stack) ends it too, so a loop or
 * garbage cannot hold the tick longer than BASTION_PROF_CHAIN_MAX reads. */
static unsigned walk_user_frames(uint64_t fp, uint64_t *out)
{
    unsigned n = 0;
    while (n < BASTION_PROF_CHAIN_MAX && fp != 0 && (fp & 7) == 0) {
        uint64_t frame[2];
        if (copy_from_user(frame, fp, sizeof frame) != rcOk || frame[1] == 0)
            break;
        out[n++] = frame[1];
        if (frame[0] <= fp)
            break;
        fp = frame[0];
    }
    return n;
}

/* The sample and, for a session that records chains, its frames records: all or nothing. */
static void push_sample_locked(struct prof_session *s, const struct bastion_prof_record *r,
                               const uint64_t *chain, unsigned depth)
{
    spin_assert_held(&sampler_lock);
    unsigned frames =
        s->chain ? (depth + BASTION_PROF_FRAMES_PER_RECORD - 1) / BASTION_PROF_FRAMES_PER_RECORD
                 : 0;
    if (s->ring == NULL || s->cap - s->count < 1 + frames)
        return; /* full: the sample is dropped */
    (void)push_locked(s, r);
    for (unsigned f = 0; f < frames; f++) {
        uint64_t w[BASTION_PROF_FRAMES_PER_RECORD] = {0};
        unsigned k = 0;
        for (; k < BASTION_PROF_FRAMES_PER_RECORD && f * BASTION_PROF_FRAMES_PER_RECORD + k < depth;
             k++)
            w[k] = chain[f * BASTION_PROF_FRAMES_PER_RECORD + k];
        struct bastion_prof_record fr = {
            .kind = BASTION_PROF_FRAMES,
            .cpu = (uint16_t)k,
            .pid = r->pid,
            .tid = w[0],
            .addr = w[1],
            .size = w[2],
            .offset = w[3],
            .buildid = w[4],
        };
        (void)push_locked(s, &fr);
    }
}

void sampling_tick(const struct trap_frame *tf)
{
    if (__atomic_load_n(&running_count, __ATOMIC_ACQUIRE) == 0 || !trap_from_user(tf))
        return;
    struct thread *t = thread_current();
    if (t->proc == NULL)
        return;
    unsigned cpu = this_cpu()->index;
    struct bastion_prof_record r = {
        .kind = BASTION_PROF_SAMPLE,
        .cpu = (uint16_t)cpu,
        .pid = t->proc->pid,
        .tid = t->tid,
        .addr = tf->rip,
        .size = sched_now_ns(),
    };
    /* The walk reads user memory of the interrupted process (its address space is the current
     * one) before sampler_lock, which no user-memory fault may be taken under. */
    uint64_t chain[BASTION_PROF_CHAIN_MAX];
    unsigned depth = 0;
    if (__atomic_load_n(&chain_count, __ATOMIC_ACQUIRE) != 0)
        depth = walk_user_frames(tf->rbp, chain);
    spin_lock(&sampler_lock); /* interrupts are off in the tick */
    for (unsigned i = 0; i < PROF_SESSIONS; i++) {
        struct prof_session *s = &sessions[i];
        if (s->running && (s->cpus >> cpu & 1) && lists_locked(s, r.pid))
            push_sample_locked(s, &r, chain, depth);
    }
    spin_unlock(&sampler_lock);
}

void prof_process_exit(struct process *p)
{
    struct bastion_prof_record *ring = NULL;
    uint64_t fl = spin_lock_irqsave(&sampler_lock);
    struct prof_session *s = session_of_locked(p);
    if (s != NULL) {
        set_running_locked(s, false);
        ring = s->ring;
        memset(s, 0, sizeof *s);
    }
    spin_unlock_irqrestore(&sampler_lock, fl);
    kfree_charged(ring, &p->kmem);
    seginfo_process_exit(p);
}
