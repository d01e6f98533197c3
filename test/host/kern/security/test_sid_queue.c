/* The queue of process ends for the KSM (kern/security/sid_queue.c): FIFO order, empty is 0,
 * and a full queue drops its oldest entries, counting them and reporting the first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "security/sid_queue.h"

static struct sid_queue q;

static void test_fifo(void **state)
{
    (void)state;
    q = (struct sid_queue){0};
    assert_int_equal(sid_queue_pop(&q), 0);
    for (uint32_t i = 1; i <= 3; i++)
        assert_false(sid_queue_push(&q, 100 + i));
    assert_int_equal(sid_queue_pop(&q), 101);
    assert_false(sid_queue_push(&q, 104));
    assert_int_equal(sid_queue_pop(&q), 102);
    assert_int_equal(sid_queue_pop(&q), 103);
    assert_int_equal(sid_queue_pop(&q), 104);
    assert_int_equal(sid_queue_pop(&q), 0);
    assert_int_equal(q.dropped, 0);
}

static void test_wraps_and_drops_oldest(void **state)
{
    (void)state;
    q = (struct sid_queue){0};
    for (uint32_t i = 0; i < SID_QUEUE_SIZE / 2; i++) { /* move head away from slot 0 */
        sid_queue_push(&q, 7);
        assert_int_equal(sid_queue_pop(&q), 7);
    }
    for (uint32_t i = 1; i <= SID_QUEUE_SIZE; i++)
        assert_false(sid_queue_push(&q, i));
    assert_true(sid_queue_push(&q, SID_QUEUE_SIZE + 1));  /* the first drop is reported */
    assert_false(sid_queue_push(&q, SID_QUEUE_SIZE + 2)); /* only once */
    assert_int_equal(q.dropped, 2);
    for (uint32_t i = 3; i <= SID_QUEUE_SIZE + 2; i++)
        assert_int_equal(sid_queue_pop(&q), i);
    assert_int_equal(sid_queue_pop(&q), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_wraps_and_drops_oldest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
