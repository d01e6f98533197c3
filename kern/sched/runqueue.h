/*
 * A priority run queue: one FIFO list per level and a bitmap of the non-empty levels, so that
 * picking the most urgent thread is one bit scan. Pure (no locks, no CPU state): the scheduler
 * wraps each CPU's queue in that CPU's lock, and host tests drive it directly.
 *
 * Levels: 0..RQ_LEVELS-1, higher is more urgent. The scheduler maps the normal class to
 * 0..31 and the real-time FIFO class to 32..63 (sched.h), so any FIFO thread beats any normal
 * one. Within a level, order is FIFO: rq_push_back() for a thread whose slice ran out or that
 * just woke, rq_push_front() for a thread preempted before its slice ended.
 *
 * Invariant: a node is on at most one queue (node->queued), and bitmap bit L is set exactly
 * when level L's list is non-empty.
 */
#ifndef BASTION_SCHED_RUNQUEUE_H
#define BASTION_SCHED_RUNQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define RQ_LEVELS 64

struct rq_node {
    struct rq_node *next, *prev;
    uint8_t level; /* the level it is queued at (set by push) */
    bool queued;
};

struct runqueue {
    struct rq_node *head[RQ_LEVELS];
    struct rq_node *tail[RQ_LEVELS];
    uint64_t bitmap;
    unsigned count;
};

void rq_init(struct runqueue *q);
void rq_push_back(struct runqueue *q, struct rq_node *n, unsigned level);
void rq_push_front(struct runqueue *q, struct rq_node *n, unsigned level);
/* Unlinks n from q (n must be queued on q). */
void rq_remove(struct runqueue *q, struct rq_node *n);
/* Highest non-empty level, or -1 when empty. */
int rq_top_level(const struct runqueue *q);
/* The first node of the highest level, unlinked; NULL when empty. */
struct rq_node *rq_pop(struct runqueue *q);
/* The first node, most urgent first, for which accept(n, ctx) is true (used to find a thread
 * whose affinity allows another CPU); NULL if none. */
struct rq_node *rq_find_matching(const struct runqueue *q,
                                 bool (*accept)(struct rq_node *n, void *ctx), void *ctx);
/* The same, unlinked. */
struct rq_node *rq_pop_matching(struct runqueue *q, bool (*accept)(struct rq_node *n, void *ctx),
                                void *ctx);

#endif
