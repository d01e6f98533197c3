/*
 * The kss ring: records come out oldest first with their numbers; reading removes nothing, so
 * two readers each see every record whatever the other does; when the writer laps a reader the
 * records it missed are counted for that reader alone, never the newest lost; an empty ring
 * says so; a record's text that did not fit ends in KSM_PROTO_TEXT_CUT, one that fits is left
 * as it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <bastion/ksm_proto.h>

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

static void put_numbered(unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++) {
        char t[16];
        snprintf(t, sizeof t, "r%u", i);
        struct kss_record r = rec(i % 5, t);
        assert_int_equal(kss_ring_put(&ring, &r), i);
    }
}

static void expect_numbered(struct kss_cursor *c, unsigned from, unsigned to)
{
    struct kss_record out;
    for (unsigned i = from; i < to; i++) {
        assert_true(kss_ring_read(&ring, c, &out));
        assert_int_equal(out.seq, i);
        char t[16];
        snprintf(t, sizeof t, "r%u", i);
        assert_string_equal(out.text, t);
    }
}

/* The hook's record text: task and class names, then the monitor's verdict text (up to
 * KSM_PROTO_TEXT_MAX bytes), which long names push past the record's end. */
static void a_cut_text_says_so(void **state)
{
    (void)state;
    struct kss_record r;
    char verdict[KSM_PROTO_TEXT_MAX];
    memset(verdict, 'v', sizeof verdict - 1);
    verdict[sizeof verdict - 1] = 0;
    int n = snprintf(r.text, sizeof r.text, "request %.63s[%s] -> kernel[kl.core.Core] %s",
                     "a-task-name-of-sixty-three-bytes-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                     "vendor.product.ClassName", verdict);
    assert_true(n >= (int)sizeof r.text);
    kss_text_mark_cut(r.text, sizeof r.text, n);
    assert_int_equal(strlen(r.text), sizeof r.text - 1);
    assert_string_equal(r.text + sizeof r.text - sizeof KSM_PROTO_TEXT_CUT, KSM_PROTO_TEXT_CUT);
    assert_true(!strncmp(r.text, "request a-task-name", 19));
    /* exactly full, and short: unchanged */
    memset(r.text, 'x', sizeof r.text - 1);
    r.text[sizeof r.text - 1] = 0;
    kss_text_mark_cut(r.text, sizeof r.text, (int)sizeof r.text - 1);
    assert_int_equal(r.text[sizeof r.text - 2], 'x');
    n = snprintf(r.text, sizeof r.text, "request a[b] -> c[d] calc.Ping: default deny");
    kss_text_mark_cut(r.text, sizeof r.text, n);
    assert_string_equal(r.text, "request a[b] -> c[d] calc.Ping: default deny");
}

static void empty_ring_has_nothing(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    struct kss_cursor c = {0};
    struct kss_record out;
    assert_false(kss_ring_read(&ring, &c, &out));
    assert_int_equal(c.lost, 0);
    assert_int_equal(kss_ring_oldest(&ring), 0);
}

static void records_come_out_in_order(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    assert_int_equal(kss_ring_put(&ring, &(struct kss_record){.event = 1}), 0);
    struct kss_record a = rec(2, "second");
    assert_int_equal(kss_ring_put(&ring, &a), 1);
    struct kss_cursor c = {0};
    struct kss_record out;
    assert_true(kss_ring_read(&ring, &c, &out));
    assert_int_equal(out.seq, 0);
    assert_int_equal(out.event, 1);
    assert_true(kss_ring_read(&ring, &c, &out));
    assert_int_equal(out.seq, 1);
    assert_string_equal(out.text, "second");
    assert_false(kss_ring_read(&ring, &c, &out));
    assert_int_equal(c.lost, 0);
}

/* A reader that reads everything takes nothing from another: both see every record. */
static void two_readers_each_see_every_record(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    struct kss_cursor a = {0}, b = {0};
    struct kss_record out;
    put_numbered(0, 10);
    expect_numbered(&a, 0, 10);
    assert_false(kss_ring_read(&ring, &a, &out));
    expect_numbered(&b, 0, 4);
    put_numbered(10, 12);
    expect_numbered(&a, 10, 12);
    expect_numbered(&b, 4, 12);
    assert_false(kss_ring_read(&ring, &a, &out));
    assert_false(kss_ring_read(&ring, &b, &out));
    assert_int_equal(a.lost, 0);
    assert_int_equal(b.lost, 0);
}

/* The writer laps a slow reader: it loses the oldest records, counted for it alone; a reader
 * that kept up loses nothing. */
static void each_reader_counts_its_own_losses(void **state)
{
    (void)state;
    memset(&ring, 0, sizeof ring);
    const unsigned extra = 5;
    struct kss_cursor fast = {0}, slow = {0};
    struct kss_record out;
    put_numbered(0, 10);
    expect_numbered(&fast, 0, 10);
    put_numbered(10, KSS_RING_RECORDS + extra);
    assert_int_equal(kss_ring_oldest(&ring), extra);
    expect_numbered(&fast, 10, KSS_RING_RECORDS + extra);
    assert_int_equal(fast.lost, 0);
    expect_numbered(&slow, extra, KSS_RING_RECORDS + extra);
    assert_int_equal(slow.lost, extra);
    assert_false(kss_ring_read(&ring, &slow, &out));
    assert_int_equal(slow.lost, extra); /* counted once */
    /* A reader opened late starts at record 0: it is told what it never could see. */
    struct kss_cursor late = {0};
    assert_true(kss_ring_read(&ring, &late, &out));
    assert_int_equal(out.seq, extra);
    assert_int_equal(late.lost, extra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_ring_has_nothing),
        cmocka_unit_test(a_cut_text_says_so),
        cmocka_unit_test(records_come_out_in_order),
        cmocka_unit_test(two_readers_each_see_every_record),
        cmocka_unit_test(each_reader_counts_its_own_losses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
