/* The CMOS RTC decoder (kern/arch/x86_64/rtc.c): BCD and binary, 12- and 24-hour, the century
 * register, every field out of range refused, and the conversion to seconds since 1970. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86_64/rtc.h"

static int64_t unix_of(const struct rtc_raw *r)
{
    struct rtc_time t;
    assert_int_equal(rtc_decode(r, &t), rcOk);
    int64_t s = -1;
    assert_int_equal(rtc_to_unix(&t, &s), rcOk);
    return s;
}

static void test_bcd_24h(void **state)
{
    (void)state;
    /* 2026-12-05 04:20:22 */
    struct rtc_raw r = {0x22, 0x20, 0x04, 0x05, 0x12, 0x26, 0x20, RTC_STATUS_B_24H};
    assert_int_equal(unix_of(&r), 1796444422);
    r.century = 0; /* no century register: 20yy */
    assert_int_equal(unix_of(&r), 1796444422);
}

static void test_binary_12h(void **state)
{
    (void)state;
    /* 2000-02-29 12:00:00 AM is midnight; 12 PM is noon; 11 PM is 23. */
    struct rtc_raw r = {0, 0, 12, 29, 2, 0, 20, RTC_STATUS_B_BINARY};
    assert_int_equal(unix_of(&r), 951782400);
    r.hour = 12 | RTC_HOUR_PM;
    assert_int_equal(unix_of(&r), 951782400 + 12 * 3600);
    r.hour = 11 | RTC_HOUR_PM;
    assert_int_equal(unix_of(&r), 951782400 + 23 * 3600);
    r.hour = 1;
    assert_int_equal(unix_of(&r), 951782400 + 3600);
}

static void test_epoch_and_before(void **state)
{
    (void)state;
    struct rtc_raw r = {0, 0, 0, 1, 1, 70, 19, RTC_STATUS_B_24H | RTC_STATUS_B_BINARY};
    assert_int_equal(unix_of(&r), 0);
    struct rtc_time t;
    r.year = 69;
    assert_int_equal(rtc_decode(&r, &t), rcOk);
    int64_t s;
    assert_int_equal(rtc_to_unix(&t, &s), rcOutOfRange);
}

static void test_refused(void **state)
{
    (void)state;
    struct rtc_time t;
    const struct rtc_raw ok = {0x59, 0x59, 0x23, 0x31, 0x12, 0x99, 0x20, RTC_STATUS_B_24H};
    assert_int_equal(rtc_decode(&ok, &t), rcOk);
    struct rtc_raw r;
    /* No CMOS: every register reads 0xFF. */
    r = (struct rtc_raw){0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.second = 0x5A; /* not BCD */
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.second = 0x60;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.minute = 0x60;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.hour = 0x24;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.month = 0x13;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.month = 0;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.day = 0;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.month = 0x02, r.day = 0x29, r.year = 0x25; /* 2025 is no leap year */
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.month = 0x04, r.day = 0x31;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.status_b = 0, r.hour = 0x00; /* 12-hour form has no hour 0 */
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.status_b = 0, r.hour = 0x13;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.status_b = RTC_STATUS_B_24H | RTC_STATUS_B_BINARY, r.year = 100;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
    r = ok, r.century = 0x18;
    assert_int_equal(rtc_decode(&r, &t), rcRtcUnreadable);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcd_24h),
        cmocka_unit_test(test_binary_12h),
        cmocka_unit_test(test_epoch_and_before),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
