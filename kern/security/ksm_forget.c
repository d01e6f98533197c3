/* The queue of ends to tell the KSM (security/ksm_forget.h), under one leaf lock. */
#include "security/ksm_forget.h"

#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "obj/kobj.h"
#include "proc/process.h"
#include "security/sid_queue.h"

/* A process's end can push an end for each handle it held at once (its objects end with its
 * table), faster than questions drain them, one each. Room for eight processes at their handle
 * limit ending together; beyond it the oldest ends are dropped (ksm_forget.h). */
_Static_assert(SID_QUEUE_SIZE >= 8 * PROCESS_HANDLE_LIMIT, "the forget queue's room");

static struct spinlock forget_lock = SPINLOCK_INIT(LOCK_LEVEL_KSM_FORGET);
static struct sid_queue queue; /* forget_lock */
/* queue.count, also readable without the lock: ksm_forget_pop runs on every request to the KSM and
 * must not take a lock when, as almost always, no end is waiting. */
static uint32_t waiting;

void ksm_forget_push(uint32_t sid)
{
    if (sid == 0)
        return;
    uint64_t fl = spin_lock_irqsave(&forget_lock);
    bool first_drop = sid_queue_push(&queue, sid);
    __atomic_store_n(&waiting, queue.count, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&forget_lock, fl);
    if (first_drop)
        kprintf("security: more than %u ends wait for the KSM: the oldest are dropped (their "
                "policy state stays in the KSM)\n",
                SID_QUEUE_SIZE);
}

uint32_t ksm_forget_pop(void)
{
    if (__atomic_load_n(&waiting, __ATOMIC_ACQUIRE) == 0)
        return 0; /* an end pushed just now goes with a later request */
    uint64_t fl = spin_lock_irqsave(&forget_lock);
    uint32_t sid = sid_queue_pop(&queue);
    __atomic_store_n(&waiting, queue.count, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&forget_lock, fl);
    return sid;
}

uint64_t ksm_forget_dropped(void)
{
    uint64_t fl = spin_lock_irqsave(&forget_lock);
    uint64_t n = queue.dropped;
    spin_unlock_irqrestore(&forget_lock, fl);
    return n;
}

static void object_ended(kobj_sid_t sid, enum kobj_type type)
{
    if (type != KOBJ_TASK) /* a process's end was pushed when it died, before its object went */
        ksm_forget_push(sid);
}

void ksm_forget_watch_objects(void)
{
    kobj_set_end_observer(object_ended);
}
