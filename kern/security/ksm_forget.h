/*
 * Ends the KSM has not been told of yet: of processes, and of other objects the monitor was
 * shown (kobj_mark_shown: their SIDs were in a message it decided on). A policy's stateful
 * objects (Flow machines, HashSet and StaticMap tables, Mic levels) are kept by the KSM per
 * process SID or per resource SID and must go when it ends; rather than a message of its own,
 * each request to the KSM carries at most one ended SID (ksm_proto_request.ended_sid), taken
 * from this queue. A process makes requests while it lives (its execute event at least), and an
 * object is shown in a request, so the queue drains about as fast as ends fill it. An end
 * taken by a question the KSM never got (ksm_handoff_ask's `seen`) is pushed back.
 *
 * Bounded (SID_QUEUE_SIZE, security/sid_queue.h): when full, the oldest end is dropped and
 * counted (the KSM then keeps that SID's state, which nothing later can use: SIDs are never
 * reused); the count is in ksm_forget_dropped() and printed once. Any context that may take a
 * spinlock.
 */
#ifndef BASTION_SECURITY_KSM_FORGET_H
#define BASTION_SECURITY_KSM_FORGET_H

#include <stdint.h>

/* Process or object `sid` has ended (0 is ignored). */
void ksm_forget_push(uint32_t sid);

/* From now on the end of every object shown to the monitor is pushed here (kobj's end
 * observer), but a process's, which its reaper pushes at its death. Once, when a KSM starts. */
void ksm_forget_watch_objects(void);

/* The oldest end not yet told, removed from the queue; 0 when there is none. */
uint32_t ksm_forget_pop(void);

/* Ends dropped because the queue was full. */
uint64_t ksm_forget_dropped(void);

#endif
