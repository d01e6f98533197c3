/* The queue of ends for the KSM (kern/security/end_queue.c): FIFO order, empty is NULL, no
 * bound (more notes than the fixed ring it replaced held), notes taken several at a time as a
 * chain in queue order, and a chain put back in front as if never taken (a question the KSM
 * never got puts its ends back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "security/end_queue.h"

/* The oldest note alone, or NULL. */
static struct kobj_end *pop(struct end_queue *q)
{
    uint32_t n = 99;
    struct kobj_end *e = end_queue_take(q, 1, &n);
    assert_int_equal(n, e != NULL);
    if (e != NULL)
        assert_null(e->next);
    return e;
}

static void test_fifo(void **state)
{
    (void)state;
    struct end_queue q = {0};
    struct kobj_end e[4] = {{.sid = 101}, {.sid = 102}, {.sid = 103}, {.sid = 104}};
    assert_null(pop(&q));
    for (int i = 0; i < 3; i++)
        end_queue_push(&q, &e[i]);
    assert_ptr_equal(pop(&q), &e[0]);
    end_queue_push(&q, &e[3]);
    assert_int_equal(q.count, 3);
    assert_ptr_equal(pop(&q), &e[1]);
    assert_ptr_equal(pop(&q), &e[2]);
    assert_ptr_equal(pop(&q), &e[3]);
    assert_null(pop(&q));
    assert_int_equal(q.count, 0);
    assert_null(q.head);
    assert_null(q.tail);
}

/* A note taken and pushed again goes to the back, unlinked from where it was. */
static void test_push_again_after_take(void **state)
{
    (void)state;
    struct end_queue q = {0};
    struct kobj_end a = {.sid = 1}, b = {.sid = 2};
    end_queue_push(&q, &a);
    end_queue_push(&q, &b);
    struct kobj_end *got = pop(&q);
    assert_ptr_equal(got, &a);
    assert_null(got->next);
    end_queue_push(&q, got);
    assert_ptr_equal(pop(&q), &b);
    assert_ptr_equal(pop(&q), &a);
    assert_null(pop(&q));
}

/* Several at once: at most max, the oldest, chained in queue order, the rest left in order. */
static void test_take_several(void **state)
{
    (void)state;
    struct end_queue q = {0};
    struct kobj_end e[5];
    for (uint32_t i = 0; i < 5; i++) {
        e[i] = (struct kobj_end){.sid = 10 + i};
        end_queue_push(&q, &e[i]);
    }
    uint32_t n = 0;
    struct kobj_end *chain = end_queue_take(&q, 3, &n);
    assert_int_equal(n, 3);
    assert_int_equal(q.count, 2);
    assert_ptr_equal(chain, &e[0]);
    assert_ptr_equal(e[0].next, &e[1]);
    assert_ptr_equal(e[1].next, &e[2]);
    assert_null(e[2].next); /* the chain ends at its last note, not in the queue */
    assert_ptr_equal(q.head, &e[3]);
    /* Asking for more than there are takes what there is and empties the queue. */
    chain = end_queue_take(&q, 64, &n);
    assert_int_equal(n, 2);
    assert_ptr_equal(chain, &e[3]);
    assert_null(e[4].next);
    assert_int_equal(q.count, 0);
    assert_null(q.head);
    assert_null(q.tail);
    assert_null(end_queue_take(&q, 64, &n));
    assert_int_equal(n, 0);
    /* max 0 takes nothing. */
    end_queue_push(&q, &e[0]);
    assert_null(end_queue_take(&q, 0, &n));
    assert_int_equal(n, 0);
    assert_int_equal(q.count, 1);
}

/* A chain put back goes in front in its own order, before ends queued meanwhile; into an empty
 * queue it becomes the whole queue (its tail too). */
static void test_put_back_in_front(void **state)
{
    (void)state;
    struct end_queue q = {0};
    struct kobj_end e[5];
    for (uint32_t i = 0; i < 5; i++)
        e[i] = (struct kobj_end){.sid = 20 + i};
    for (uint32_t i = 0; i < 3; i++)
        end_queue_push(&q, &e[i]);
    uint32_t n = 0;
    struct kobj_end *chain = end_queue_take(&q, 2, &n);
    end_queue_push(&q, &e[3]); /* an end that came while the question was out */
    end_queue_put_back(&q, chain);
    assert_int_equal(q.count, 4);
    assert_ptr_equal(pop(&q), &e[0]);
    assert_ptr_equal(pop(&q), &e[1]);
    assert_ptr_equal(pop(&q), &e[2]);
    assert_ptr_equal(pop(&q), &e[3]);
    assert_null(pop(&q));
    chain = NULL;
    end_queue_put_back(&q, chain); /* nothing */
    assert_int_equal(q.count, 0);
    end_queue_push(&q, &e[0]);
    end_queue_push(&q, &e[1]);
    chain = end_queue_take(&q, 2, &n);
    end_queue_put_back(&q, chain);
    assert_ptr_equal(q.tail, &e[1]);
    end_queue_push(&q, &e[4]); /* the tail is right: pushing after it works */
    assert_ptr_equal(pop(&q), &e[0]);
    assert_ptr_equal(pop(&q), &e[1]);
    assert_ptr_equal(pop(&q), &e[4]);
    assert_int_equal(q.count, 0);
}

/* More ends than the old fixed queue held (8,192), all kept and in order: none is dropped. */
static void test_no_bound(void **state)
{
    (void)state;
    enum { N = 50000 };
    struct kobj_end *e = calloc(N, sizeof *e);
    assert_non_null(e);
    struct end_queue q = {0};
    for (uint32_t i = 0; i < N; i++) {
        e[i].sid = i + 2;
        end_queue_push(&q, &e[i]);
    }
    assert_int_equal(q.count, N);
    for (uint32_t i = 0; i < N; i++) {
        struct kobj_end *got = pop(&q);
        assert_non_null(got);
        assert_int_equal(got->sid, i + 2);
    }
    assert_null(pop(&q));
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo),         cmocka_unit_test(test_push_again_after_take),
        cmocka_unit_test(test_take_several), cmocka_unit_test(test_put_back_in_front),
        cmocka_unit_test(test_no_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
