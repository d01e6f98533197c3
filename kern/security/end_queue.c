/* A FIFO of end notes (security/end_queue.h). */
#include "security/end_queue.h"

#include <stddef.h>

void end_queue_push(struct end_queue *q, struct kobj_end *end)
{
    end->next = NULL;
    if (q->tail != NULL)
        q->tail->next = end;
    else
        q->head = end;
    q->tail = end;
    q->count++;
}

struct kobj_end *end_queue_pop(struct end_queue *q)
{
    struct kobj_end *end = q->head;
    if (end == NULL)
        return NULL;
    q->head = end->next;
    if (q->head == NULL)
        q->tail = NULL;
    end->next = NULL;
    q->count--;
    return end;
}
