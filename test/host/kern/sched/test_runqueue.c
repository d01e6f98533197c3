/* Host tests of kern/sched/runqueue.c: the most urgent level always wins, FIFO within a level,
 * front insertion for preempted threads, removal from the middle, filtered pops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sched/runqueue.h"

static struct runqueue q;
static struct rq_node n[8];

static int setup(void **state)
{
    (void)state;
    rq_init(&q);
    for (unsigned i = 0; i < 8; i++)
        n[i] = (struct rq_node){0};
    return 0;
}

static void test_empty(void **state)
{
    (void)state;
    assert_int_equal(rq_top_level(&q), -1);
    assert_null(rq_pop(&q));
    assert_int_equal(q.count, 0);
}

static void test_highest_level_first(void **state)
{
    (void)state;
    rq_push_back(&q, &n[0], 3);
    rq_push_back(&q, &n[1], 40);
    rq_push_back(&q, &n[2], 0);
    rq_push_back(&q, &n[3], 31);
    assert_int_equal(rq_top_level(&q), 40);
    assert_ptr_equal(rq_pop(&q), &n[1]);
    assert_ptr_equal(rq_pop(&q), &n[3]);
    assert_ptr_equal(rq_pop(&q), &n[0]);
    assert_ptr_equal(rq_pop(&q), &n[2]);
    assert_null(rq_pop(&q));
    assert_int_equal(q.bitmap, 0);
}

static void test_fifo_within_level_and_front(void **state)
{
    (void)state;
    rq_push_back(&q, &n[0], 10);
    rq_push_back(&q, &n[1], 10);
    rq_push_front(&q, &n[2], 10); /* preempted: goes first */
    rq_push_back(&q, &n[3], 10);
    assert_ptr_equal(rq_pop(&q), &n[2]);
    assert_ptr_equal(rq_pop(&q), &n[0]);
    assert_ptr_equal(rq_pop(&q), &n[1]);
    assert_ptr_equal(rq_pop(&q), &n[3]);
}

static void test_remove_middle_keeps_bitmap(void **state)
{
    (void)state;
    rq_push_back(&q, &n[0], 5);
    rq_push_back(&q, &n[1], 5);
    rq_push_back(&q, &n[2], 5);
    rq_push_back(&q, &n[3], 63);
    rq_remove(&q, &n[1]);
    assert_false(n[1].queued);
    assert_int_equal(q.count, 3);
    rq_remove(&q, &n[3]);
    assert_int_equal(rq_top_level(&q), 5);
    assert_ptr_equal(rq_pop(&q), &n[0]);
    assert_ptr_equal(rq_pop(&q), &n[2]);
    assert_int_equal(rq_top_level(&q), -1);
}

static void test_level_clamped(void **state)
{
    (void)state;
    rq_push_back(&q, &n[0], 1000);
    assert_int_equal(n[0].level, RQ_LEVELS - 1);
    assert_int_equal(rq_top_level(&q), RQ_LEVELS - 1);
}

static bool accept_odd(struct rq_node *node, void *ctx)
{
    (void)ctx;
    return ((node - n) & 1) != 0;
}

static void test_pop_matching(void **state)
{
    (void)state;
    rq_push_back(&q, &n[0], 50);
    rq_push_back(&q, &n[2], 50);
    rq_push_back(&q, &n[1], 7);
    rq_push_back(&q, &n[3], 20);
    /* The most urgent acceptable node: n[3] at level 20, not the level-50 even ones. */
    assert_ptr_equal(rq_pop_matching(&q, accept_odd, NULL), &n[3]);
    assert_ptr_equal(rq_pop_matching(&q, accept_odd, NULL), &n[1]);
    assert_null(rq_pop_matching(&q, accept_odd, NULL));
    assert_int_equal(q.count, 2);
}

/* rq_find_matching: the same node rq_pop_matching would take, left queued. */
static void test_find_matching(void **state)
{
    (void)state;
    rq_push_back(&q, &n[0], 50);
    rq_push_back(&q, &n[1], 7);
    rq_push_back(&q, &n[3], 20);
    assert_ptr_equal(rq_find_matching(&q, accept_odd, NULL), &n[3]);
    assert_true(n[3].queued);
    assert_int_equal(q.count, 3);
    rq_remove(&q, &n[3]);
    assert_ptr_equal(rq_find_matching(&q, accept_odd, NULL), &n[1]);
    rq_remove(&q, &n[1]);
    assert_null(rq_find_matching(&q, accept_odd, NULL));
    assert_int_equal(q.count, 1);
}

/* A model check: random pushes and pops against a simple reference (max level, FIFO). */
static void test_against_model(void **state)
{
    (void)state;
    static struct rq_node nodes[200];
    unsigned seq[200];
    unsigned order = 0;
    uint32_t rnd = 12345;
    unsigned queued = 0;
    for (unsigned step = 0; step < 5000; step++) {
        rnd = rnd * 1103515245u + 12345u;
        unsigned i = (rnd >> 8) % 200;
        if (!nodes[i].queued && ((rnd >> 20) & 1)) {
            rq_push_back(&q, &nodes[i], (rnd >> 24) % RQ_LEVELS);
            seq[i] = order++;
            queued++;
        } else if (queued) {
            /* Reference: highest level, then the smallest sequence number. */
            int best = -1;
            for (unsigned j = 0; j < 200; j++)
                if (nodes[j].queued &&
                    (best < 0 || nodes[j].level > nodes[best].level ||
                     (nodes[j].level == nodes[best].level && seq[j] < seq[best])))
                    best = (int)j;
            assert_ptr_equal(rq_pop(&q), &nodes[best]);
            queued--;
        }
        assert_int_equal(q.count, queued);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_highest_level_first, setup),
        cmocka_unit_test_setup(test_fifo_within_level_and_front, setup),
        cmocka_unit_test_setup(test_remove_middle_keeps_bitmap, setup),
        cmocka_unit_test_setup(test_level_clamped, setup),
        cmocka_unit_test_setup(test_pop_matching, setup),
        cmocka_unit_test_setup(test_find_matching, setup),
        cmocka_unit_test_setup(test_against_model, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
