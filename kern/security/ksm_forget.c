/* The queue of ends to tell the KSM (security/ksm_forget.h), under one leaf lock. */
#include "security/ksm_forget.h"

#include "arch/x86_64/spinlock.h"
#include "mm/slab.h"
#include "security/end_queue.h"

static struct spinlock forget_lock = SPINLOCK_INIT(LOCK_LEVEL_KSM_FORGET);
static struct end_queue queue; /* forget_lock */
/* queue.count, also readable without the lock: ksm_forget_take runs on every request to the KSM and
 * must not take a lock when, as almost always, no end is waiting. */
static uint64_t waiting;

void ksm_forget_push(struct kobj_end *end)
{
    if (end == NULL)
        return;
    uint64_t fl = spin_lock_irqsave(&forget_lock);
    end_queue_push(&queue, end);
    __atomic_store_n(&waiting, queue.count, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&forget_lock, fl);
}

struct kobj_end *ksm_forget_take(uint32_t *sids, uint32_t max, uint32_t *n)
{
    *n = 0;
    if (__atomic_load_n(&waiting, __ATOMIC_ACQUIRE) == 0)
        return NULL; /* an end pushed just now goes with a later request */
    uint64_t fl = spin_lock_irqsave(&forget_lock);
    struct kobj_end *chain = end_queue_take(&queue, max, n);
    __atomic_store_n(&waiting, queue.count, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&forget_lock, fl);
    uint32_t i = 0;
    for (struct kobj_end *e = chain; e != NULL; e = e->next)
        sids[i++] = e->sid; /* the chain is the caller's now: no lock */
    if (i % 2 != 0)
        sids[i] = 0; /* the pad of the question's fixed part (ksm_proto.h) */
    return chain;
}

void ksm_forget_put_back(struct kobj_end *chain)
{
    if (chain == NULL)
        return;
    uint64_t fl = spin_lock_irqsave(&forget_lock);
    end_queue_put_back(&queue, chain);
    __atomic_store_n(&waiting, queue.count, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&forget_lock, fl);
}

void ksm_forget_told(struct kobj_end *chain)
{
    while (chain != NULL) {
        struct kobj_end *next = chain->next;
        kobj_end_free(chain);
        chain = next;
    }
}

uint64_t ksm_forget_waiting(void)
{
    return __atomic_load_n(&waiting, __ATOMIC_ACQUIRE);
}

/* The notes' memory: the bytes were charged to the object's account when it was made
 * (kobj_init), so the allocation itself is not charged again. */
static struct kobj_end *end_alloc(void)
{
    return kmalloc(sizeof(struct kobj_end));
}

static void end_free(struct kobj_end *end)
{
    kfree(end);
}

static const struct kobj_end_keeper keeper = {
    .alloc = end_alloc,
    .free = end_free,
    .ended = ksm_forget_push,
};

void ksm_forget_watch_objects(void)
{
    kobj_set_end_keeper(&keeper);
}
