/*
 * The Regex model's engine (ksm/compiler/regex.c, ksm/decide/ksm_regex.c) on the cases a
 * Thompson simulation can get wrong: loops that match the empty string, anchors inside a
 * pattern, empty alternatives, classes, escapes, counted repetition, the text ending at its
 * length; and the patterns that make a backtracking matcher exponential, which must take a
 * number of steps linear in the text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "regex.h"

static int match(const char *pattern, const char *text)
{
    static struct psl_rx_program prog;
    char err[256];
    size_t at;
    if (psl_regex_compile(pattern, &prog, err, sizeof err, &at) < 0)
        fail_msg("pattern '%s' does not compile: %s at %zu", pattern, err, at);
    struct ksm_regex rx = {pattern, prog.ninsns, prog.nclasses, prog.insns,
                           (const uint8_t(*)[32])prog.classes};
    return ksm_regex_match(&rx, (const uint8_t *)text, strlen(text));
}

static void semantics(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *text;
        int want;
    } cases[] = {
        {"abc", "xxabcxx", 1},
        {"^abc", "xxabc", 0},
        {"abc$", "abcx", 0},
        {"^abc$", "abc", 1},
        {"^$", "", 1},
        {"^$", "a", 0},
        {"", "anything", 1},
        {"a|", "b", 1},
        {"(a*)*$", "b", 1},
        {"^(a*)*$", "aaa", 1},
        {"^(a*)*$", "aab", 0},
        {"^(a|b)*abb$", "babb", 1},
        {"^(a|b)*abb$", "abba", 0},
        {"a^b", "ab", 0},
        {"x*^a", "a", 1},
        {"^[a-c]+$", "abcabc", 1},
        {"^[a-c]+$", "abcd", 0},
        {"^[^a-c]+$", "xyz", 1},
        {"^[^a-c]+$", "xaz", 0},
        {"^[]a]+$", "]a]", 1},
        {"^[a-]+$", "a-a", 1},
        {"^\\d{3}$", "123", 1},
        {"^\\d{3}$", "12", 0},
        {"^\\d{3}$", "1234", 0},
        {"^\\d{2,}$", "12345", 1},
        {"^\\d{2,3}$", "1234", 0},
        {"^a{0}$", "", 1},
        {"^\\w+\\s\\W$", "ab_1 !", 1},
        {"^\\x41\\.$", "A.", 1},
        {"^\\x41\\.$", "Ab", 0},
        {"^.$", "\n", 0},
        {"^.$", "x", 1},
        {"(?:ab)+$", "xabab", 1},
        {"^a?b?c?$", "ac", 1},
        {"^a?b?c?$", "ca", 0},
        {"^[\\d_]+$", "1_2", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (match(cases[i].pattern, cases[i].text) != cases[i].want)
            fail_msg("'%s' on '%s': want %d", cases[i].pattern, cases[i].text, cases[i].want);
}

/* ^(a+)+$ on a's then b: exponential for backtracking, one pass here. */
static void no_blowup(void **state)
{
    (void)state;
    static char text[100001];
    memset(text, 'a', sizeof text - 2);
    text[sizeof text - 2] = 'b';
    clock_t t0 = clock();
    assert_int_equal(match("^(a+)+$", text), 0);
    assert_int_equal(match("^(a|aa)*c", text), 0);
    assert_int_equal(match("(x+x+)+y", text), 0);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(s < 5.0); /* 100,000 bytes x a few states, even under sanitizers */
}

static void refusals(void **state)
{
    (void)state;
    static const struct {
        const char *pattern;
        size_t at;
    } cases[] = {
        {"a(b", 1},    {"a)b", 1},   {"*a", 0},  {"a**", 2},  {"a{2,1}", 1},
        {"a{256}", 4}, {"[b-a]", 2}, {"\\1", 0}, {"\\b", 0},  {"(?=a)", 0},
        {"[abc", 0},   {"a\\", 1},   {"^*", 0},  {"\\x0", 0}, {"[[:digit:]]", 1},
    };
    static struct psl_rx_program prog;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        size_t at = 999;
        if (psl_regex_compile(cases[i].pattern, &prog, err, sizeof err, &at) == 0)
            fail_msg("pattern '%s' compiles", cases[i].pattern);
        if (at != cases[i].at || !err[0])
            fail_msg("pattern '%s': error '%s' at %zu, want at %zu", cases[i].pattern, err, at,
                     cases[i].at);
    }
    /* too many states, however they arise */
    char err[256];
    size_t at;
    assert_int_equal(psl_regex_compile("(a{200}){2}", &prog, err, sizeof err, &at), -1);
    assert_non_null(strstr(err, "256 states"));
}

/* A corrupt program (an index out of range) is reported, not followed. */
static void malformed(void **state)
{
    (void)state;
    static const uint8_t cls[1][32] = {{0xff}};
    struct ksm_rx_insn bad_jump[2] = {{KSM_RX_JMP, 0, 0, 7, 0}, {KSM_RX_MATCH, 0, 0, 0, 0}};
    struct ksm_rx_insn bad_class[2] = {{KSM_RX_CLASS, 0, 3, 1, 0}, {KSM_RX_MATCH, 0, 0, 0, 0}};
    struct ksm_regex a = {"", 2, 1, bad_jump, cls}, b = {"", 2, 1, bad_class, cls};
    assert_int_equal(ksm_regex_match(&a, (const uint8_t *)"x", 1), -1);
    assert_int_equal(ksm_regex_match(&b, (const uint8_t *)"x", 1), -1);
    struct ksm_regex none = {"", 0, 0, bad_jump, cls};
    assert_int_equal(ksm_regex_match(&none, (const uint8_t *)"x", 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(semantics),
        cmocka_unit_test(no_blowup),
        cmocka_unit_test(refusals),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
