/* The list of monitors a boot line may choose (kern/security/ksm_choice.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "security/ksm_choice.h"

static bool listed(const char *list, const char *name)
{
    return ksm_choice_listed(list, strlen(list), name);
}

static void test_whole_lines_only(void **state)
{
    (void)state;
    const char *list = "ksm\nksm_test\nnone\n";
    assert_true(listed(list, "ksm"));
    assert_true(listed(list, "ksm_test"));
    assert_true(listed(list, "none"));
    assert_false(listed(list, "ksm_tes"));
    assert_false(listed(list, "ksm_test2"));
    assert_false(listed(list, "sm"));
    assert_false(listed(list, ""));
    assert_false(listed(list, "hello"));
}

static void test_line_ends(void **state)
{
    (void)state;
    assert_true(listed("ksm\r\nother", "other")); /* a last line without '\n' */
    assert_true(listed("ksm\r\nother", "ksm"));
    assert_false(listed("\n\n", ""));
    assert_false(listed("", "ksm"));
    assert_false(ksm_choice_listed(NULL, 4, "ksm"));
    /* The length bounds the search: a name past it is not listed. */
    assert_false(ksm_choice_listed("ksm\nnone\n", 4, "none"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_lines_only),
        cmocka_unit_test(test_line_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
