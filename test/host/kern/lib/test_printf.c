/*
 * Host tests of kvsnprintf: each case states the exact expected text, and, where the C library
 * defines the same conversion, also checks that libc's snprintf agrees (so the expectations
 * themselves are checked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/kprintf.h"

/* Formats with both kvsnprintf and libc's vsnprintf into a large buffer, compares with
 * `want`, and compares the return values. */
static void check_both(const char *want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void check_both(const char *want, const char *fmt, ...)
{
    char ours[256], libc[256];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = kvsnprintf(ours, sizeof ours, fmt, ap);
    int m = vsnprintf(libc, sizeof libc, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    assert_string_equal(ours, want);
    assert_string_equal(libc, want);
    assert_int_equal(n, (int)strlen(want));
    assert_int_equal(n, m);
}

/* For behaviour where the kernel deliberately differs from libc (%p, unknown conversions). */
static void check_ours(const char *want, const char *fmt, ...)
{
    char ours[256];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(ours, sizeof ours, fmt, ap);
    va_end(ap);
    assert_string_equal(ours, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_plain_and_percent(void **state)
{
    (void)state;
    check_both("", "%s", "");
    check_both("hello", "hello");
    check_both("100%", "100%%");
    check_both("a%b", "a%cb", '%');
}

static void test_signed(void **state)
{
    (void)state;
    check_both("0", "%d", 0);
    check_both("-1", "%d", -1);
    check_both("2147483647", "%d", INT32_MAX);
    check_both("-2147483648", "%d", INT32_MIN);
    check_both("-9223372036854775808", "%ld", (long)INT64_MIN);
    check_both("-9223372036854775808", "%lld", (long long)INT64_MIN);
    check_both("9223372036854775807", "%lli", (long long)INT64_MAX);
    check_both("-42", "%i", -42);
    check_both("-1", "%hhd", 255); /* char conversion of an int argument */
    check_both("-1", "%hd", 65535);
    check_both("+5", "%+d", 5);
    check_both(" 5", "% d", 5);
    check_both("-5", "%+d", -5);
}

static void test_unsigned_and_hex(void **state)
{
    (void)state;
    check_both("4294967295", "%u", UINT32_MAX);
    check_both("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
    check_both("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    check_both("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
    check_both("DEADBEEF", "%X", 0xdeadbeefu);
    check_both("deadbeef", "%x", 0xdeadbeefu);
    check_both("ffffffff80200000", "%llx", 0xffffffff80200000ull);
    check_both("0x1f", "%#x", 31u);
    check_both("0", "%#x", 0u);
    check_both("17", "%o", 15u);
    check_both("123456", "%zu", (size_t)123456);
    check_both("1e240", "%zx", (size_t)123456);
    check_both("ff", "%hhx", 0x1ffu);
}

static void test_width_and_padding(void **state)
{
    (void)state;
    check_both("   42", "%5d", 42);
    check_both("42   |", "%-5d|", 42);
    check_both("00042", "%05d", 42);
    check_both("-0042", "%05d", -42);
    check_both("  -42", "%5d", -42);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
    check_both("-42  |", "%-05d|", -42); /* '-' overrides '0' */
#pragma GCC diagnostic pop
    check_both("0000000000001234", "%016lx", 0x1234ul);
    check_both("12345", "%3d", 12345); /* width smaller than the number */
    check_both("  abc", "%5s", "abc");
    check_both("abc  |", "%-5s|", "abc");
    check_both("    x", "%5c", 'x');
    check_both("x    |", "%-5c|", 'x');
    check_both("   42", "%*d", 5, 42);
    check_both("42   |", "%*d|", -5, 42); /* negative '*' width means '-' */
    check_both("0x00ff", "%#06x", 255u);
}

static void test_precision(void **state)
{
    (void)state;
    check_both("ab", "%.2s", "abcdef");
    check_both("   ab", "%5.2s", "abcdef");
    check_both("00042", "%.5d", 42);
    check_both("  00042", "%7.5d", 42);
    check_both("", "%.0d", 0);
    check_both("abc", "%.*s", 3, "abcdef");
}

static void test_null_string(void **state)
{
    (void)state;
    /* glibc prints "(null)" too, but the C standard leaves it undefined: only ours is checked. */
    check_ours("(null)", "%s", (char *)NULL);
    check_ours("[  (null)]", "[%8s]", (char *)NULL);
}

static void test_pointer(void **state)
{
    (void)state;
    check_ours("0xffffffff80200000", "%p", (void *)0xffffffff80200000ull);
    check_ours("0x0000000000000000", "%p", NULL);
    check_ours("0x00000000deadbeef", "%p", (void *)0xdeadbeefull);
}

static void test_unknown_and_trailing(void **state)
{
    (void)state;
    check_ours("a%qb", "a%qb");
    check_ours("50%", "50%");
    check_ours("%-5", "%-5");
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'X', sizeof buf);
    int n = ksnprintf(buf, sizeof buf, "%s", "0123456789");
    assert_int_equal(n, 10);             /* the would-be length */
    assert_string_equal(buf, "0123456"); /* size-1 characters and a NUL */

    memset(buf, 'X', sizeof buf);
    n = ksnprintf(buf, 1, "abc");
    assert_int_equal(n, 3);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'X'); /* nothing written past size */

    memset(buf, 'X', sizeof buf);
    n = ksnprintf(buf, 0, "abc%d", 12345);
    assert_int_equal(n, 8);
    assert_int_equal(buf[0], 'X'); /* size 0: the buffer is not touched */

    n = ksnprintf(NULL, 0, "%d-%s", -7, "x");
    assert_int_equal(n, 4); /* measuring with a NULL buffer */

    memset(buf, 'X', sizeof buf);
    n = ksnprintf(buf, sizeof buf, "%08d", -1);
    assert_int_equal(n, 8);
    assert_string_equal(buf, "-000000"); /* truncated inside the zero padding */

    memset(buf, 'X', sizeof buf);
    n = ksnprintf(buf, sizeof buf, "1234567");
    assert_int_equal(n, 7);
    assert_string_equal(buf, "1234567"); /* exactly fits */
}

static void test_mixed(void **state)
{
    (void)state;
    check_both("cpu 3: apic 0x0e, 12 MiB free, name=bsp;",
               "cpu %u: apic %#04x, %lu MiB free, name=%s;", 3u, 14u, 12ul, "bsp");
    check_both("[ff|-00001|   ok|z]", "[%x|%06d|%5s|%c]", 255u, -1, "ok", 'z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_percent), cmocka_unit_test(test_signed),
        cmocka_unit_test(test_unsigned_and_hex),  cmocka_unit_test(test_width_and_padding),
        cmocka_unit_test(test_precision),         cmocka_unit_test(test_null_string),
        cmocka_unit_test(test_pointer),           cmocka_unit_test(test_unknown_and_trailing),
        cmocka_unit_test(test_truncation),        cmocka_unit_test(test_mixed),
    };
    return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
