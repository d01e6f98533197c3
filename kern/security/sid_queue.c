/* A bounded FIFO of SIDs (security/sid_queue.h). */
#include "security/sid_queue.h"

bool sid_queue_push(struct sid_queue *q, uint32_t sid)
{
    bool first_drop = false;
    if (q->count == SID_QUEUE_SIZE) {
        q->head = (q->head + 1) % SID_QUEUE_SIZE; /* the oldest goes */
        q->count--;
        first_drop = q->dropped++ == 0;
    }
    q->ring[(q->head + q->count) % SID_QUEUE_SIZE] = sid;
    q->count++;
    return first_drop;
}

uint32_t sid_queue_pop(struct sid_queue *q)
{
    if (q->count == 0)
        return 0;
    uint32_t sid = q->ring[q->head];
    q->head = (q->head + 1) % SID_QUEUE_SIZE;
    q->count--;
    return sid;
}
