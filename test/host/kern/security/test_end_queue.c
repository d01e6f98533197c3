/* The queue of ends for the KSM (kern/security/end_queue.c): FIFO order, empty is NULL, no
 * bound (more notes than the fixed ring it replaced held), and a note popped is unlinked and
 * can be pushed again (a question the KSM never got puts its end back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "security/end_queue.h"

static void test_fifo(void **state)
{
    (void)state;
    struct end_queue q = {0};
    struct kobj_end e[4] = {{.sid = 101}, {.sid = 102}, {.sid = 103}, {.sid = 104}};
    assert_null(end_queue_pop(&q));
    for (int i = 0; i < 3; i++)
        end_queue_push(&q, &e[i]);
    assert_ptr_equal(end_queue_pop(&q), &e[0]);
    end_queue_push(&q, &e[3]);
    assert_int_equal(q.count, 3);
    assert_ptr_equal(end_queue_pop(&q), &e[1]);
    assert_ptr_equal(end_queue_pop(&q), &e[2]);
    assert_ptr_equal(end_queue_pop(&q), &e[3]);
    assert_null(end_queue_pop(&q));
    assert_int_equal(q.count, 0);
    assert_null(q.head);
    assert_null(q.tail);
}

/* A note popped and pushed again goes to the back, unlinked from where it was. */
static void test_push_back_after_pop(void **state)
{
    (void)state;
    struct end_queue q = {0};
    struct kobj_end a = {.sid = 1}, b = {.sid = 2};
    end_queue_push(&q, &a);
    end_queue_push(&q, &b);
    struct kobj_end *got = end_queue_pop(&q);
    assert_ptr_equal(got, &a);
    assert_null(got->next);
    end_queue_push(&q, got);
    assert_ptr_equal(end_queue_pop(&q), &b);
    assert_ptr_equal(end_queue_pop(&q), &a);
    assert_null(end_queue_pop(&q));
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
        struct kobj_end *got = end_queue_pop(&q);
        assert_non_null(got);
        assert_int_equal(got->sid, i + 2);
    }
    assert_null(end_queue_pop(&q));
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_push_back_after_pop),
        cmocka_unit_test(test_no_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
