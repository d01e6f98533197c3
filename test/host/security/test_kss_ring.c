/*
 * The kss ring: records come out oldest first with their numbers; when the writer laps the
 * reader the oldest unread records are lost and counted, never the newest; an empty ring says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "security/kss_ring.h"

static struct kss_ring ring;

static struct kss_record rec(uint32_t event, const char *text)
{
    struct kss_record r;
    memset(&r, 0, sizeof r);
    r.event = event;
    snprintf(r.text, sizeof r.text, "%s", text);
    return r;
}

static void empty_ring_has_nothing(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    struct kss_record out;
    assert_false(kss_ring_take(&ring, &out));
    assert_int_equal(ring.dropped, 0);
}

static void records_come_out_in_order(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(kss_ring_put(&ring, &(struct kss_record){.event = 1}), 0);
    struct kss_record a = rec(2, "second");
    assert_int_equal(kss_ring_put(&ring, &a), 1);
    struct kss_record out;
    assert_true(kss_ring_take(&ring, &out));
    assert_int_equal(out.seq, 0);
    assert_int_equal(out.event, 1);
    assert_true(kss_ring_take(&ring, &out));
    assert_int_equal(out.seq, 1);
    assert_string_equal(out.text, "second");
    assert_false(kss_ring_take(&ring, &out));
    assert_int_equal(ring.dropped, 0);
}

static void full_ring_loses_the_oldest_and_counts_them(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    const unsigned extra = 5;
    for (unsigned i = 0; i < KSS_RING_RECORDS + extra; i++) {
        char t[16];
        snprintf(t, sizeof t, "r%u", i);
        struct kss_record r = rec(i % 5, t);
        assert_int_equal(kss_ring_put(&ring, &r), i);
    }
    assert_int_equal(ring.dropped, extra);
    struct kss_record out;
    for (unsigned i = extra; i < KSS_RING_RECORDS + extra; i++) {
        assert_true(kss_ring_take(&ring, &out));
        assert_int_equal(out.seq, i);
        char t[16];
        snprintf(t, sizeof t, "r%u", i);
        assert_string_equal(out.text, t);
    }
    assert_false(kss_ring_take(&ring, &out));
    /* Reading made room: the next record costs nothing. */
    struct kss_record r = rec(0, "after");
    kss_ring_put(&ring, &r);
    assert_int_equal(ring.dropped, extra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_ring_has_nothing),
        cmocka_unit_test(records_come_out_in_order),
        cmocka_unit_test(full_ring_loses_the_oldest_and_counts_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
