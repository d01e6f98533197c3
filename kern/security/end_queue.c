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

struct kobj_end *end_queue_take(struct end_queue *q, uint32_t max, uint32_t *n)
{
    struct kobj_end *chain = q->head, *last = NULL;
    uint32_t k = 0;
    for (struct kobj_end *e = q->head; e != NULL && k < max; e = e->next, k++)
        last = e;
    *n = k;
    if (k == 0)
        return NULL;
    q->head = last->next;
    if (q->head == NULL)
        q->tail = NULL;
    last->next = NULL;
    q->count -= k;
    return chain;
}

void end_queue_put_back(struct end_queue *q, struct kobj_end *chain)
{
    if (chain == NULL)
        return;
    uint64_t k = 1;
    struct kobj_end *last = chain;
    for (; last->next != NULL; last = last->next)
        k++;
    last->next = q->head;
    if (q->tail == NULL)
        q->tail = last;
    q->head = chain;
    q->count += k;
}
