/*
 * Ends the KSM has not been told of yet: of processes, and of other objects the monitor was
 * shown (kobj_mark_shown: their SIDs were in a message it decided on). A policy's stateful
 * objects (Flow machines, HashSet and StaticMap tables, Mic levels) are kept by the KSM per
 * process SID or per resource SID and must go when it ends; rather than a message of its own,
 * each question to the KSM carries up to KSM_PROTO_ENDED_MAX ended SIDs (ksm_proto_request's
 * `ended_count`, <bastion/ksm_proto.h> says why that many), the oldest, taken from this queue.
 *
 * No end is ever dropped: the queue holds the notes of the ends (struct kobj_end, obj/kobj.h),
 * each made while its object lived (when it was first shown, or when its process was created)
 * and charged to the object's account, so an end never needs room it lacks, however many end
 * at once. A note is freed only once the KSM has seen the question that carried it
 * (ksm_handoff_ask's `seen`); a question the KSM never got puts its notes back in front, so
 * that the oldest ends are still told first. Any context that may take a spinlock.
 */
#ifndef BASTION_SECURITY_KSM_FORGET_H
#define BASTION_SECURITY_KSM_FORGET_H

#include <stdint.h>

#include "obj/kobj.h"

/* The object or process of `end` has ended (NULL is ignored): the queue owns the note. */
void ksm_forget_push(struct kobj_end *end);

/* From now on the end of every object shown to the monitor, and of every process created, is
 * noted and queued here (the kernel objects' end keeper, obj/kobj.h). Once, when a KSM starts:
 * before that, and without a monitor, there is no one to tell. */
void ksm_forget_watch_objects(void);

/* Takes the oldest ends not yet told, at most max: their SIDs into sids[0..*n) and a 0 after
 * an odd count (a question's pad, <bastion/ksm_proto.h>: sids has room for max rounded up to
 * even), the notes as a chain linked through `next` (NULL and *n 0 when none; no lock taken
 * then). The caller asks
 * with the SIDs, then frees the chain (ksm_forget_told) or, when the KSM never got the
 * question, puts it back (ksm_forget_put_back). */
struct kobj_end *ksm_forget_take(uint32_t *sids, uint32_t max, uint32_t *n);

/* A chain ksm_forget_take gave, back in front of the queue in its order (NULL is ignored). */
void ksm_forget_put_back(struct kobj_end *chain);

/* The KSM has seen the question that carried chain (NULL is ignored): its notes are freed. */
void ksm_forget_told(struct kobj_end *chain);

/* Ends queued now (for tests and diagnostics). */
uint64_t ksm_forget_waiting(void);

#endif
