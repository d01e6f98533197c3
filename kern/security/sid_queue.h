/*
 * A bounded FIFO of process SIDs, dropping the oldest when full: the pure part of
 * security/ksm_forget.h (no locks; its user serialises), host-tested.
 */
#ifndef BASTION_SECURITY_SID_QUEUE_H
#define BASTION_SECURITY_SID_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define SID_QUEUE_SIZE 8192u /* 32 KiB; why this many: security/ksm_forget.c */

struct sid_queue {
    uint32_t ring[SID_QUEUE_SIZE];
    uint32_t head, count; /* oldest slot, entries */
    uint64_t dropped;     /* entries pushed out by newer ones */
};

/* Appends sid; when full, the oldest entry goes first and is counted. Returns true when it was
 * the first one ever dropped (the caller says so once). */
bool sid_queue_push(struct sid_queue *q, uint32_t sid);

/* The oldest entry, removed; 0 when empty. */
uint32_t sid_queue_pop(struct sid_queue *q);

#endif
