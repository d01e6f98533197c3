/*
 * Process ends the KSM has not been told of yet. A policy's stateful objects (Flow machines,
 * HashSet and StaticMap tables) are kept by the KSM per process SID and must go when the
 * process ends; rather than a message of its own, each request to the KSM carries at most one
 * ended SID (ksm_proto_request.ended_sid), taken from this queue. Every process makes requests
 * while it lives (its execute event at least), so the queue drains faster than ends fill it.
 *
 * Bounded (SID_QUEUE_SIZE, security/sid_queue.h): when full, the oldest end is dropped and counted (the KSM then keeps that
 * process's state, which no later process can use: SIDs are never reused); the count is in
 * ksm_forget_dropped() and printed once. Any context that may take a spinlock.
 */
#ifndef BASTION_SECURITY_KSM_FORGET_H
#define BASTION_SECURITY_KSM_FORGET_H

#include <stdint.h>

/* Process `sid` has ended (0 is ignored). */
void ksm_forget_push(uint32_t sid);

/* The oldest end not yet told, removed from the queue; 0 when there is none. */
uint32_t ksm_forget_pop(void);

/* Ends dropped because the queue was full. */
uint64_t ksm_forget_dropped(void);

#endif
