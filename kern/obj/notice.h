/*
 * Notification receivers: kernel objects that collect the events of other objects.
 *
 * A receiver (KOBJ_NOTICE) holds "resource-event mask" entries: (object, mask, evId). When an
 * object raises events (notice_raise), every entry on that object whose mask meets them records
 * the events as pending, and the receiver's waiters wake; notice_fetch hands the pending events
 * out as (evId, mask) pairs and clears them.
 *
 * Entries name their object by its koid, which is never reused, not by a pointer: an entry keeps
 * no reference on its object (a subscription never keeps anything alive) and an object's death
 * leaves nothing dangling: the object, or the code that ends it, raises NoticeObjectEnded
 * with `ended` set, which takes the object's entries out of the index (it can raise no more);
 * each stays on its receiver until its last events are fetched, then is freed. An entry points
 * to its receiver, and the receiver's destruction takes every entry of it out of the index first.
 *
 * Raising for an object that may end, or freeze, while an entry is added (a process, a thread):
 * the caller of notice_subscribe passes `happened`, which reads the object's own flags of the
 * events that, once they occurred, stay true (it ended; it is frozen) and which notice_subscribe
 * calls under notice_lock after linking the entry; the object sets its flag before it raises,
 * so one of the two sees the other and such an event is never lost: a subscription made after
 * it gets it at once.
 *
 * Memory: a receiver and each of its entries are charged to the kernel-memory account of the
 * process that created the receiver, and counted against its bounds (NOTICE_RECEIVERS_MAX,
 * NOTICE_ENTRIES_MAX): rcQuotaExceeded past either.
 *
 * Locking: one lock, notice_lock (LOCK_LEVEL_NOTICE, interrupts off), guards every receiver's
 * entries, pending events, waiters and the index; it is taken below sched_lock (waking a waiter)
 * and above the thread exit lock and the handle locks (an object's destroy hook may raise with
 * handle_tree_lock held). Nothing is allocated or freed with it held.
 */
#ifndef BASTION_OBJ_NOTICE_H
#define BASTION_OBJ_NOTICE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "obj/kobj.h"

/* Per process (per kernel-memory account). */
#define NOTICE_RECEIVERS_MAX 16u
#define NOTICE_ENTRIES_MAX 256u

/* The event bits (kl.core.Notice's NoticeObjectEnded, NoticeHandleRevoked, NoticeProcessFrozen
 * and NoticeUserEvents; the specification names none: Bastion's own values). */
#define NOTICE_EV_OBJECT_ENDED 0x1u
#define NOTICE_EV_HANDLE_REVOKED 0x2u
#define NOTICE_EV_PROCESS_FROZEN 0x4u
#define NOTICE_EV_USER_MASK 0xFFFF0000u

/* GetEvent's unit of output. */
struct notice_event {
    uint64_t ev_id;
    uint32_t mask;
};

struct notice_receiver;

/* A new receiver with one reference, charged to acct. rcQuotaExceeded past the account's bytes
 * or NOTICE_RECEIVERS_MAX; rcOutOfMemory. */
Retcode notice_receiver_new(struct kmem_account *acct, struct notice_receiver **out);

static inline struct kobj *notice_kobj(struct notice_receiver *r)
{
    return (struct kobj *)r; /* the kobj is its first member */
}

/*
 * Adds the entry (koid, mask, ev_id). `happened(obj)` (NULL: none; the object cannot end
 * meanwhile, the caller holds a reference that keeps it) gives the lasting events that have
 * already occurred (NOTICE_EV_OBJECT_ENDED, NOTICE_EV_PROCESS_FROZEN): those the mask asks for
 * are pending at once, and an ended object's entry leaves the index. It is called under
 * notice_lock, see above. Errors: rcNoticeFinished (DropAndWake with finish), rcQuotaExceeded
 * (bytes or NOTICE_ENTRIES_MAX), rcOutOfMemory.
 */
Retcode notice_subscribe(struct notice_receiver *r, uint64_t koid, uint32_t mask, uint64_t ev_id,
                         uint32_t (*happened)(const void *obj), const void *obj);

/* Removes the entries with that evId, or on that object; rcNotFound if there were none. */
Retcode notice_unsubscribe_id(struct notice_receiver *r, uint64_t ev_id);
Retcode notice_unsubscribe_object(struct notice_receiver *r, uint64_t koid);

/*
 * Takes up to `cap` pending events into out (*n of them) and clears them. When none is pending,
 * waits up to timeout_ms for one (0: does not wait; UINT32_MAX: no limit). Results: rcOk (*n >
 * 0); rcTimeout (none came); rcNoticeDropped / rcNoticeFinished (a DropAndWake ended the wait;
 * rcNoticeFinished also at once on a finished receiver); rcPeerClosed (the thread is being
 * terminated).
 */
Retcode notice_fetch(struct notice_receiver *r, struct notice_event *out, uint32_t cap, uint32_t *n,
                     uint32_t timeout_ms);

/* Removes every entry and wakes every waiter (with rcNoticeDropped, or rcNoticeFinished when
 * finish: then the receiver takes no entry and gives no event any more). */
void notice_drop_and_wake(struct notice_receiver *r, bool finish);

/* Events `mask` occurred on the object `koid`; `ended`: it will raise no more (its entries leave
 * the index). Any context that may take a lock of LOCK_LEVEL_NOTICE. */
void notice_raise(uint64_t koid, uint32_t mask, bool ended);

#endif
