/* The system clock's arithmetic (kern/lib/wallclock.c): set, slew at the asked rate in either
 * direction without overshooting, prev/left reporting, and every refused argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/wallclock.h"

#define S 1000000000ll

static void test_set(void **state)
{
    (void)state;
    struct wallclock w = {0};
    assert_int_equal(wallclock_set(&w, 5 * S, 1000, 7), rcOk);
    assert_int_equal(wallclock_now(&w, 5 * S), 1000 * S + 7);
    assert_int_equal(wallclock_now(&w, 6 * S), 1001 * S + 7);
    assert_int_equal(wallclock_set(&w, 6 * S, 1000, 1000000000u), rcInvalidArgument);
    assert_int_equal(wallclock_set(&w, 6 * S, -1, 0), rcOutOfRange);
    assert_int_equal(wallclock_set(&w, 6 * S, WALLCLOCK_SECS_MAX + 1, 0), rcOutOfRange);
    assert_int_equal(wallclock_now(&w, 6 * S), 1001 * S + 7); /* refusals change nothing */
}

static void test_slew(void **state)
{
    (void)state;
    struct wallclock w = {0};
    int64_t prev = -1;
    assert_int_equal(wallclock_set(&w, 0, 1000, 0), rcOk);
    assert_int_equal(wallclock_adjust(&w, 0, 1, 0, 100000, &prev), rcOk); /* 10% */
    assert_int_equal(prev, 0);
    assert_int_equal(wallclock_now(&w, 1 * S), 1001 * S + S / 10);
    assert_int_equal(wallclock_left(&w, 1 * S), S - S / 10);
    /* Many small steps add up to the same. */
    for (int64_t t = 1 * S; t <= 2 * S; t += 1000)
        (void)wallclock_now(&w, (uint64_t)t);
    assert_int_equal(wallclock_now(&w, 2 * S), 1002 * S + 2 * S / 10);
    /* It stops at the asked amount. */
    assert_int_equal(wallclock_now(&w, 100 * S), 1100 * S + S);
    assert_int_equal(wallclock_left(&w, 100 * S), 0);
    /* Backwards: slower, never back. */
    assert_int_equal(wallclock_adjust(&w, 100 * S, 0, -S / 2, 0, &prev), rcOk); /* 500 us/s */
    assert_int_equal(prev, 0);
    int64_t last = wallclock_now(&w, 100 * S);
    for (int64_t t = 100 * S; t <= 2000 * S; t += S / 3) {
        int64_t r = wallclock_now(&w, (uint64_t)t);
        assert_true(r >= last);
        last = r;
    }
    assert_int_equal(wallclock_left(&w, 2000 * S), 0);
    assert_int_equal(wallclock_now(&w, 2000 * S), 3000 * S + S - S / 2);
}

static void test_prev_and_refusals(void **state)
{
    (void)state;
    struct wallclock w = {0};
    int64_t prev = 0;
    assert_int_equal(wallclock_set(&w, 0, 1000, 0), rcOk);
    assert_int_equal(wallclock_adjust(&w, 0, 2, 0, 0, &prev), rcOk);
    assert_int_equal(wallclock_left(&w, S), 2 * S - 500000); /* the default 500 us/s */
    assert_int_equal(wallclock_adjust(&w, S, 0, 1000000000, 0, &prev), rcInvalidArgument);
    assert_int_equal(prev, 2 * S - 500000);
    assert_int_equal(wallclock_adjust(&w, S, 0, -1000000000, 0, &prev), rcInvalidArgument);
    assert_int_equal(wallclock_adjust(&w, S, WALLCLOCK_ADJ_MAX_SEC + 1, 0, 0, &prev), rcOutOfRange);
    assert_int_equal(wallclock_adjust(&w, S, -WALLCLOCK_ADJ_MAX_SEC - 1, 0, 0, &prev),
                     rcOutOfRange);
    assert_int_equal(wallclock_adjust(&w, S, 1, 0, WALLCLOCK_SLEW_MAX_US + 1, &prev), rcOutOfRange);
    assert_int_equal(wallclock_left(&w, S), 2 * S - 500000);
    /* adj 0 cancels and reports what was left; a set cancels too. */
    assert_int_equal(wallclock_adjust(&w, S, 0, 0, 0, &prev), rcOk);
    assert_int_equal(prev, 2 * S - 500000);
    assert_int_equal(wallclock_left(&w, 5 * S), 0);
    assert_int_equal(wallclock_adjust(&w, 5 * S, -3, 0, 0, &prev), rcOk);
    assert_int_equal(wallclock_set(&w, 6 * S, 7, 0), rcOk);
    assert_int_equal(wallclock_left(&w, 7 * S), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_slew),
        cmocka_unit_test(test_prev_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
