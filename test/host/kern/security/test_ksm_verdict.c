/*
 * The kernel's reading of the KSM's verdict: well-formed verdict words with and without audit
 * text are accepted and read back; each way a verdict can be malformed (reserved bits, fields
 * out of range, an unaudited denial, text missing, unterminated or too long, text on an
 * unaudited verdict) is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "security/verdict.h"

/* Decodes the word with text (NULL: none; its length includes the NUL). */
static bool decode(uint64_t word, const char *text)
{
    struct ksm_proto_verdict v;
    return ksm_verdict_decode(word, text, text ? strlen(text) + 1 : 0, &v);
}

static void well_formed_verdicts_are_read(void **state)
{
    (void)state;
    struct ksm_proto_verdict v;
    assert_true(
        ksm_verdict_decode(KSM_PROTO_VERDICT_WORD(1, 0, KSM_PROTO_REPLY_RESPONSE, 3), NULL, 0, &v));
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.audit, 0);
    assert_int_equal(v.class_id, 3);
    assert_int_equal(v.reply, KSM_PROTO_REPLY_RESPONSE);
    static const char why[] = "vmm.VMM.Allocate: rule at einit.psl:1:2";
    assert_true(ksm_verdict_decode(KSM_PROTO_VERDICT_WORD(0, 1, 0, 0), why, sizeof why, &v));
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.audit, 1);
    assert_true(decode(KSM_PROTO_VERDICT_WORD(1, 1, KSM_PROTO_REPLY_ALL, 0xFFFFFFFFu), "granted"));
    assert_true(ksm_verdict_decode(KSM_PROTO_VERDICT_WORD(1, 0, 0, 0xFFFFFFFEu), NULL, 0, &v));
    assert_int_equal(v.class_id, KSM_PROTO_CLASS_CORE);
}

static void reserved_bits_must_be_zero(void **state)
{
    (void)state;
    uint64_t ok = KSM_PROTO_VERDICT_WORD(1, 0, 0, 7);
    assert_true(decode(ok, NULL));
    for (unsigned bit = 24; bit < 32; bit++)
        assert_false(decode(ok | 1ull << bit, NULL));
}

static void fields_must_be_in_range(void **state)
{
    (void)state;
    assert_false(decode(KSM_PROTO_VERDICT_WORD(2, 0, 0, 0), NULL));
    assert_false(decode(KSM_PROTO_VERDICT_WORD(0xFF, 1, 0, 0), "x"));
    assert_false(decode(KSM_PROTO_VERDICT_WORD(1, 2, 0, 0), "x"));
    assert_false(decode(KSM_PROTO_VERDICT_WORD(1, 0, KSM_PROTO_REPLY_ALL + 1, 0), NULL));
    /* A denial always carries its reason. */
    assert_false(decode(KSM_PROTO_VERDICT_WORD(0, 0, 0, 0), NULL));
    assert_false(decode(0, NULL)); /* an all-zero word is such a denial */
}

static void the_text_comes_exactly_with_an_audit(void **state)
{
    (void)state;
    struct ksm_proto_verdict v;
    assert_false(decode(KSM_PROTO_VERDICT_WORD(1, 1, 0, 0), NULL));    /* audited, no text */
    assert_false(decode(KSM_PROTO_VERDICT_WORD(1, 0, 0, 0), "extra")); /* text nobody asked for */
    assert_false(ksm_verdict_decode(KSM_PROTO_VERDICT_WORD(0, 1, 0, 0), NULL, 4, &v));
    assert_false(ksm_verdict_decode(KSM_PROTO_VERDICT_WORD(0, 1, 0, 0), "abcx", 4, &v));
    assert_true(ksm_verdict_decode(KSM_PROTO_VERDICT_WORD(0, 1, 0, 0), "abc", 4, &v));
    char longtext[KSM_PROTO_TEXT_MAX + 1];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = 0; /* one byte over with its NUL */
    assert_false(decode(KSM_PROTO_VERDICT_WORD(0, 1, 0, 0), longtext));
    longtext[sizeof longtext - 2] = 0; /* exactly the maximum */
    assert_true(decode(KSM_PROTO_VERDICT_WORD(0, 1, 0, 0), longtext));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_formed_verdicts_are_read),
        cmocka_unit_test(reserved_bits_must_be_zero),
        cmocka_unit_test(fields_must_be_in_range),
        cmocka_unit_test(the_text_comes_exactly_with_an_audit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
