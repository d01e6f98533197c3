/*
 * A FIFO of the notes of objects' ends (struct kobj_end, obj/kobj.h), linked through the notes
 * themselves: the pure part of security/ksm_forget.h (no locks; its user serialises),
 * host-tested. It has no bound and never fails: each note was made while its object lived,
 * so queueing it needs nothing more.
 */
#ifndef BASTION_SECURITY_END_QUEUE_H
#define BASTION_SECURITY_END_QUEUE_H

#include <stdint.h>

#include "obj/kobj.h"

struct end_queue {
    struct kobj_end *head, *tail; /* oldest, newest; both NULL when empty */
    uint64_t count;
};

/* Appends end (not NULL, in no queue). */
void end_queue_push(struct end_queue *q, struct kobj_end *end);

/* The oldest min(max, count) notes, removed, as a chain linked through `next` in queue order
 * (NULL when none); *n gets how many. */
struct kobj_end *end_queue_take(struct end_queue *q, uint32_t max, uint32_t *n);

/* Puts a chain end_queue_take gave back in front of the queue, in its order: as if it had never
 * been taken, so that the oldest ends are still told first. NULL is ignored. */
void end_queue_put_back(struct end_queue *q, struct kobj_end *chain);

#endif
