/* Priority run queue (see runqueue.h). Pure: also built into the host tests. */
#include "sched/runqueue.h"

#include <stddef.h>

void rq_init(struct runqueue *q)
{
    for (unsigned i = 0; i < RQ_LEVELS; i++)
        q->head[i] = q->tail[i] = NULL;
    q->bitmap = 0;
    q->count = 0;
}

static unsigned clamp_level(unsigned level)
{
    return level < RQ_LEVELS ? level : RQ_LEVELS - 1;
}

void rq_push_back(struct runqueue *q, struct rq_node *n, unsigned level)
{
    level = clamp_level(level);
    n->level = (uint8_t)level;
    n->next = NULL;
    n->prev = q->tail[level];
    if (q->tail[level])
        q->tail[level]->next = n;
    else
        q->head[level] = n;
    q->tail[level] = n;
    q->bitmap |= 1ull << level;
    n->queued = true;
    q->count++;
}

void rq_push_front(struct runqueue *q, struct rq_node *n, unsigned level)
{
    level = clamp_level(level);
    n->level = (uint8_t)level;
    n->prev = NULL;
    n->next = q->head[level];
    if (q->head[level])
        q->head[level]->prev = n;
    else
        q->tail[level] = n;
    q->head[level] = n;
    q->bitmap |= 1ull << level;
    n->queued = true;
    q->count++;
}

void rq_remove(struct runqueue *q, struct rq_node *n)
{
    unsigned level = n->level;
    if (n->prev)
        n->prev->next = n->next;
    else
        q->head[level] = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        q->tail[level] = n->prev;
    if (!q->head[level])
        q->bitmap &= ~(1ull << level);
    n->next = n->prev = NULL;
    n->queued = false;
    q->count--;
}

int rq_top_level(const struct runqueue *q)
{
    return q->bitmap ? 63 - __builtin_clzll(q->bitmap) : -1;
}

struct rq_node *rq_pop(struct runqueue *q)
{
    int level = rq_top_level(q);
    if (level < 0)
        return NULL;
    struct rq_node *n = q->head[level];
    rq_remove(q, n);
    return n;
}

struct rq_node *rq_find_matching(const struct runqueue *q,
                                 bool (*accept)(struct rq_node *n, void *ctx), void *ctx)
{
    for (uint64_t bits = q->bitmap; bits;) {
        int level = 63 - __builtin_clzll(bits);
        for (struct rq_node *n = q->head[level]; n; n = n->next)
            if (accept(n, ctx))
                return n;
        bits &= ~(1ull << level);
    }
    return NULL;
}

struct rq_node *rq_pop_matching(struct runqueue *q, bool (*accept)(struct rq_node *n, void *ctx),
                                void *ctx)
{
    struct rq_node *n = rq_find_matching(q, accept, ctx);
    if (n)
        rq_remove(q, n);
    return n;
}
