/* The TEE partition's requests, tokens and shares (contract in tee_partition.h). */
#include "proc/tee_partition.h"

#include <bastion/vmm.h>

#include "arch/x86_64/spinlock.h"
#include "lib/string.h"
#include "mm/mdl.h"
#include "mm/slab.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"

enum tee_state {
    TEE_QUEUED,       /* waits for the partition to take it */
    TEE_AT_PARTITION, /* taken by the partition, not answered yet */
    TEE_ANSWERED,     /* the answer waits for its owner's thread */
    TEE_DONE,         /* over (answered, withdrawn or failed); the token lives until freed */
};

/* One live token. Everything but `owner`, `acct` and `token` is guarded by tee_lock. */
struct tee_record {
    struct tee_record *next;
    uint64_t token;
    struct process *owner;     /* no reference: tee_process_exit removes it first */
    struct kmem_account *acct; /* the owner's kernel memory, charged for this record */
    enum tee_state state;
    uint64_t queued_seq;   /* FIFO order among queued requests */
    struct thread *waiter; /* the owner's thread waiting for the answer, or NULL */
    Retcode result;        /* what that thread gets when not answered: rcNoTeePartition */
    struct mdl *share;     /* the shared buffer (one reference) or NULL */
    struct mdl *lender;    /* the buffer that owns share's frames */
    uint32_t share_prot;   /* what its sender may do with it: BASTION_VMM_READ/WRITE */
    uint32_t share_pages;  /* frames shared: msg.shareFrames[0..share_pages) */
    struct kl_core_TEE_TeeMessage msg; /* the request, then the answer */
};

/* A partition thread waiting for a request (on its stack). */
struct tee_server {
    struct tee_server *next;
    struct thread *thread;
    bool woken;
};

static struct spinlock tee_lock = SPINLOCK_INIT(LOCK_LEVEL_TEE);
static struct process *partition;  /* tee_lock for writes; read atomically */
static struct tee_record *records; /* every live token */
static uint32_t nrecords;
static uint64_t next_token = 1; /* tokens are never reused: 0 means "none" */
static uint64_t next_queued_seq;
static struct tee_server *servers; /* the partition's waiting threads */

Retcode tee_partition_claim(struct process *p)
{
    uint64_t fl = spin_lock_irqsave(&tee_lock);
    Retcode rc = rcOk;
    if (partition != NULL && partition != p)
        rc = rcResourceBusy;
    else
        __atomic_store_n(&partition, p, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&tee_lock, fl);
    return rc;
}

bool tee_is_partition(const struct process *p)
{
    return p != NULL && __atomic_load_n(&partition, __ATOMIC_ACQUIRE) == p;
}

static struct tee_record *find_locked(uint64_t token)
{
    for (struct tee_record *r = records; r != NULL; r = r->next)
        if (r->token == token)
            return r;
    return NULL;
}

static uint32_t owned_locked(const struct process *p)
{
    uint32_t n = 0;
    for (struct tee_record *r = records; r != NULL; r = r->next)
        n += r->owner == p;
    return n;
}

/* Wakes one partition thread waiting for a request. */
static void wake_server_locked(void)
{
    struct tee_server *s = servers;
    if (s == NULL)
        return;
    servers = s->next;
    s->woken = true;
    sched_wake(s->thread, rcOk);
}

/* Fills the request's message from the caller's, with the kernel's own fields. */
static void fill_request(struct tee_record *r, const struct kl_core_TEE_TeeMessage *in)
{
    r->msg = *in;
    r->msg.token = r->token;
    r->msg.status = 0;
    r->msg.shareHandle = 0xFFFFFFFFu; /* the partition has no handle of it */
    r->msg.reserved = 0;
    r->msg.sharePages = r->share_pages;
    memset(r->msg.shareFrames, 0, sizeof r->msg.shareFrames);
    for (uint32_t i = 0; i < r->share_pages; i++)
        r->msg.shareFrames[i] = r->share->frames[i];
}

Retcode tee_request(struct process *p, const struct kl_core_TEE_TeeMessage *in, struct mdl *share,
                    uint32_t share_prot, struct kl_core_TEE_TeeMessage *out)
{
    out->token = in->token;
    if (in->payloadSize > kl_core_TEE_TeePayloadMax) {
        if (share != NULL)
            kobj_unref(&share->obj);
        return rcInvalidArgument;
    }
    Retcode rc = rcOk;
    struct tee_record *fresh = NULL;
    if (in->token == 0) {
        fresh = kmalloc_charged(sizeof *fresh, &p->kmem, &rc);
        if (fresh == NULL) {
            if (share != NULL)
                kobj_unref(&share->obj);
            return rc;
        }
        memset(fresh, 0, sizeof *fresh);
        fresh->owner = p;
        fresh->acct = &p->kmem;
        fresh->state = TEE_DONE;
    }
    struct mdl *old_share = NULL;
    struct tee_record *r = NULL;
    uint64_t fl = spin_lock_irqsave(&tee_lock);
    if (partition == NULL) {
        rc = rcNoTeePartition;
    } else if (fresh == NULL) {
        r = find_locked(in->token);
        if (r == NULL || r->owner != p)
            rc = rcTokenNotOwned;
        else if (r->state != TEE_DONE)
            rc = rcResourceBusy;
    } else if (owned_locked(p) >= TEE_TOKENS_PER_PROCESS || nrecords >= TEE_TOKENS_MAX) {
        rc = rcQuotaExceeded;
    } else {
        r = fresh;
        fresh = NULL;
        r->token = next_token++;
        r->next = records;
        records = r;
        nrecords++;
    }
    if (rc != rcOk) {
        spin_unlock_irqrestore(&tee_lock, fl);
        if (share != NULL)
            kobj_unref(&share->obj);
        if (fresh != NULL)
            kfree_charged(fresh, &p->kmem);
        return rc;
    }
    /* A reused token's previous share goes now: the new request names its own. */
    old_share = r->share;
    r->share = share;
    r->lender = share == NULL ? NULL : (share->root != NULL ? share->root : share);
    r->share_prot = share == NULL ? 0 : share_prot;
    r->share_pages = share == NULL ? 0 : (uint32_t)(mdl_size(share) / 4096u);
    fill_request(r, in);
    r->state = TEE_QUEUED;
    r->queued_seq = next_queued_seq++;
    r->waiter = thread_current();
    r->result = rcOk;
    out->token = r->token;
    wake_server_locked();
    Retcode wrc = sched_block_current(&tee_lock);
    cpu_irq_restore(fl);
    fl = spin_lock_irqsave(&tee_lock);
    /* r is still live: only its owner frees it (FreeToken refuses while waiter is set, and the
     * owner's exit waits for this thread). */
    r->waiter = NULL;
    if (r->state == TEE_ANSWERED) {
        *out = r->msg;
        rc = rcOk;
    } else {
        /* Not answered: the partition ended (result), or this thread was terminated (the
         * request is withdrawn; an answer from the partition now finds nothing). */
        rc = r->result != rcOk ? r->result : (wrc != rcOk ? wrc : rcPeerClosed);
        out->token = r->token;
    }
    r->state = TEE_DONE;
    spin_unlock_irqrestore(&tee_lock, fl);
    if (old_share != NULL)
        kobj_unref(&old_share->obj);
    return rc;
}

/* The oldest queued request, or NULL. */
static struct tee_record *oldest_queued_locked(void)
{
    struct tee_record *best = NULL;
    for (struct tee_record *r = records; r != NULL; r = r->next)
        if (r->state == TEE_QUEUED && (best == NULL || r->queued_seq < best->queued_seq))
            best = r;
    return best;
}

Retcode tee_serve(struct process *p, const struct kl_core_TEE_TeeMessage *answer,
                  struct kl_core_TEE_TeeMessage *next)
{
    if (!tee_is_partition(p))
        return rcNotTeePartition;
    if (answer->token != 0 && answer->payloadSize > kl_core_TEE_TeePayloadMax)
        return rcInvalidArgument;
    uint64_t fl = spin_lock_irqsave(&tee_lock);
    if (answer->token != 0) {
        struct tee_record *r = find_locked(answer->token);
        if (r == NULL || r->state != TEE_AT_PARTITION) {
            spin_unlock_irqrestore(&tee_lock, fl);
            return rcNotFound;
        }
        /* The answer's own fields; the token and the share stay the request's. */
        r->msg.command = answer->command;
        r->msg.status = answer->status;
        r->msg.payloadSize = answer->payloadSize;
        memcpy(r->msg.payload, answer->payload, sizeof r->msg.payload);
        r->msg.sharePages = 0;
        memset(r->msg.shareFrames, 0, sizeof r->msg.shareFrames);
        r->msg.shareHandle = 0xFFFFFFFFu;
        r->state = TEE_ANSWERED;
        if (r->waiter != NULL)
            sched_wake(r->waiter, rcOk);
    }
    for (;;) {
        struct tee_record *r = oldest_queued_locked();
        if (r != NULL) {
            r->state = TEE_AT_PARTITION;
            *next = r->msg;
            spin_unlock_irqrestore(&tee_lock, fl);
            return rcOk;
        }
        struct tee_server s = {servers, thread_current(), false};
        servers = &s;
        Retcode wrc = sched_block_current(&tee_lock);
        cpu_irq_restore(fl);
        fl = spin_lock_irqsave(&tee_lock);
        if (!s.woken)
            for (struct tee_server **pp = &servers; *pp != NULL; pp = &(*pp)->next)
                if (*pp == &s) {
                    *pp = s.next;
                    break;
                }
        if (wrc != rcOk) {
            /* Terminated: a request it was woken for stays queued for another thread. */
            if (s.woken && oldest_queued_locked() != NULL)
                wake_server_locked();
            spin_unlock_irqrestore(&tee_lock, fl);
            return wrc;
        }
    }
}

Retcode tee_free_token(struct process *p, uint64_t token)
{
    uint64_t fl = spin_lock_irqsave(&tee_lock);
    struct tee_record **pp = &records;
    while (*pp != NULL && (*pp)->token != token)
        pp = &(*pp)->next;
    struct tee_record *r = *pp;
    Retcode rc = rcOk;
    if (token == 0 || r == NULL || r->owner != p)
        rc = rcTokenNotOwned;
    else if (r->state != TEE_DONE || r->waiter != NULL)
        rc = rcResourceBusy;
    if (rc == rcOk) {
        *pp = r->next;
        nrecords--;
    }
    spin_unlock_irqrestore(&tee_lock, fl);
    if (rc != rcOk)
        return rc;
    if (r->share != NULL)
        kobj_unref(&r->share->obj);
    kfree_charged(r, r->acct);
    return rcOk;
}

/* True if pa is frame i of r's share; *idx gets i. */
static bool share_has(const struct tee_record *r, uint64_t pa, uint32_t *idx)
{
    for (uint32_t i = 0; i < r->share_pages; i++)
        if (r->share->frames[i] == pa) {
            *idx = i;
            return true;
        }
    return false;
}

Retcode tee_add_frames(struct process *p, struct mdl *m, uint64_t pa, uint64_t pages)
{
    if (!tee_is_partition(p))
        return rcNotTeePartition;
    if (pa & 4095u)
        return rcAlignment;
    if (pages == 0 || pages > kl_core_TEE_TeeShareFramesMax || !m->blank)
        return rcInvalidArgument;
    uint64_t pas[kl_core_TEE_TeeShareFramesMax];
    for (uint64_t i = 0; i < pages; i++)
        pas[i] = pa + i * 4096u;
    uint64_t fl = spin_lock_irqsave(&tee_lock);
    /* Only requests the partition holds now (taken, not answered): a queued one was not
     * delivered to it yet, and an answered one is over for it even while its token lives. So
     * one client's frames never open to the partition while it serves another's request. */
    struct tee_record *found = NULL;
    for (struct tee_record *r = records; r != NULL && found == NULL; r = r->next) {
        if (r->share == NULL || r->state != TEE_AT_PARTITION)
            continue;
        uint64_t i = 0;
        uint32_t idx;
        while (i < pages && share_has(r, pas[i], &idx))
            i++;
        if (i == pages)
            found = r;
    }
    Retcode rc = rcOk;
    if (found == NULL)
        rc = rcFrameNotShared;
    else if (m->prot & ~found->share_prot)
        rc = rcAccessDenied;
    else
        rc = mdl_blank_append(m, found->lender, pas, pages);
    spin_unlock_irqrestore(&tee_lock, fl);
    return rc;
}

void tee_process_exit(struct process *p)
{
    struct tee_record *gone = NULL;
    uint64_t fl = spin_lock_irqsave(&tee_lock);
    if (partition == p) {
        __atomic_store_n(&partition, NULL, __ATOMIC_RELEASE);
        for (struct tee_record *r = records; r != NULL; r = r->next)
            if (r->state == TEE_QUEUED || r->state == TEE_AT_PARTITION) {
                r->state = TEE_DONE;
                r->result = rcNoTeePartition;
                if (r->waiter != NULL)
                    sched_wake(r->waiter, rcOk);
            }
    }
    struct tee_record **pp = &records;
    while (*pp != NULL) {
        struct tee_record *r = *pp;
        if (r->owner == p) {
            *pp = r->next;
            nrecords--;
            r->next = gone;
            gone = r;
        } else {
            pp = &r->next;
        }
    }
    spin_unlock_irqrestore(&tee_lock, fl);
    while (gone != NULL) {
        struct tee_record *r = gone;
        gone = r->next;
        if (r->share != NULL)
            kobj_unref(&r->share->obj);
        kfree_charged(r, r->acct);
    }
}
