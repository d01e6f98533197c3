/*
 * userland/libc string.c and strtol.c, compiled for the host under u_* names (CMakeLists.txt)
 * and compared with what C specifies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* BSD's strlcpy is not in every host <string.h>. */
size_t u_strlcpy(char *restrict dst, const char *restrict src, size_t size);

static void test_mem(void **state)
{
    (void)state;
    char a[16] = "abcdefgh";
    assert_ptr_equal(u_memset(a, 'x', 3), a);
    assert_memory_equal(a, "xxxdefgh", 8);
    u_memcpy(a, "12345678", 8);
    assert_memory_equal(a, "12345678", 8);
    /* Overlapping both ways. */
    u_memmove(a + 2, a, 6);
    assert_memory_equal(a, "12123456", 8);
    u_memcpy(a, "12345678", 8);
    u_memmove(a, a + 2, 6);
    assert_memory_equal(a, "34567878", 8);
    assert_int_equal(u_memcmp("abc", "abd", 3), -1);
    assert_int_equal(u_memcmp("abd", "abc", 3), 1);
    assert_int_equal(u_memcmp("abc", "abc", 3), 0);
    assert_int_equal(u_memcmp("\xff", "\x01", 1), 1); /* unsigned comparison */
    const char *h = "hello";
    assert_ptr_equal(u_memchr(h, 'l', 5), h + 2);
    assert_null(u_memchr(h, 'z', 5));
    assert_null(u_memchr(h, 'o', 4));
}

static void test_str(void **state)
{
    (void)state;
    const char *s = "bastion";
    assert_int_equal(u_strlen(""), 0);
    assert_int_equal(u_strlen(s), 7);
    assert_int_equal(u_strnlen(s, 3), 3);
    assert_int_equal(u_strnlen(s, 30), 7);
    assert_true(u_strcmp("a", "b") < 0);
    assert_true(u_strcmp("b", "a") > 0);
    assert_true(u_strcmp("ab", "a") > 0);
    assert_int_equal(u_strcmp(s, "bastion"), 0);
    assert_true(u_strcmp("\xe0", "a") > 0);
    assert_int_equal(u_strncmp("abcx", "abcy", 3), 0);
    assert_true(u_strncmp("abcx", "abcy", 4) < 0);
    assert_int_equal(u_strncmp("ab", "ab", 10), 0);
    assert_ptr_equal(u_strchr(s, 's'), s + 2);
    assert_ptr_equal(u_strchr(s, '\0'), s + 7);
    assert_null(u_strchr(s, 'z'));
    const char *d = "a.b.c";
    assert_ptr_equal(u_strrchr(d, '.'), d + 3);
    assert_null(u_strrchr(d, 'x'));
    assert_ptr_equal(u_strstr(s, "tio"), s + 3);
    assert_ptr_equal(u_strstr(s, ""), s);
    assert_null(u_strstr(s, "tiox"));

    char buf[8];
    assert_ptr_equal(u_strcpy(buf, "abc"), buf);
    assert_string_equal(buf, "abc");
    u_strcat(buf, "de");
    assert_string_equal(buf, "abcde");
    u_memset(buf, 'z', sizeof buf);
    u_strncpy(buf, "ab", 5);
    assert_memory_equal(buf, "ab\0\0\0zzz", 8); /* pads with NUL up to n, no further */
    assert_int_equal(u_strlcpy(buf, "0123456789", sizeof buf), 10);
    assert_string_equal(buf, "0123456");
    assert_int_equal(u_strlcpy(buf, "x", 0), 1);
    assert_string_equal(buf, "0123456");
}

/* string.c's strdup calls malloc, renamed u_malloc here: the host's behind it. */
#undef malloc
#undef free
void *malloc(size_t n);
void free(void *p);
void *u_malloc(size_t n);
void *u_malloc(size_t n)
{
    return malloc(n);
}

static void test_strdup(void **state)
{
    (void)state;
    char *p = u_strdup("copy me");
    assert_non_null(p);
    assert_string_equal(p, "copy me");
    free(p);
}

static void test_strtol(void **state)
{
    (void)state;
    char *end;
    assert_int_equal(u_strtol("42", &end, 10), 42);
    assert_int_equal(*end, '\0');
    assert_int_equal(u_strtol("  -17xyz", &end, 10), -17);
    assert_string_equal(end, "xyz");
    assert_int_equal(u_strtol("0x1F", &end, 0), 31);
    assert_int_equal(u_strtol("0x1F", &end, 16), 31);
    assert_int_equal(u_strtol("017", &end, 0), 15);
    assert_int_equal(u_strtol("z", &end, 36), 35);
    const char *bad = "abc";
    assert_int_equal(u_strtol(bad, &end, 10), 0);
    assert_ptr_equal(end, bad); /* no digits: end is the start */
    assert_int_equal(u_strtol("99999999999999999999", NULL, 10), __LONG_MAX__);
    assert_int_equal(u_strtol("-99999999999999999999", NULL, 10), -__LONG_MAX__ - 1L);
    assert_int_equal(u_strtol("-9223372036854775808", NULL, 10), -__LONG_MAX__ - 1L);
    assert_int_equal(u_strtoul("18446744073709551615", NULL, 10), 18446744073709551615ul);
    assert_int_equal(u_strtoul("18446744073709551616", NULL, 10), 18446744073709551615ul);
    assert_int_equal(u_atoi("123"), 123);
    assert_int_equal(u_atoi("+5"), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem),
        cmocka_unit_test(test_str),
        cmocka_unit_test(test_strdup),
        cmocka_unit_test(test_strtol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
