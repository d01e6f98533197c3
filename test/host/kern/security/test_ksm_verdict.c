/*
 * The kernel's parse of the KSM's verdict: well-formed verdicts with and without audit text are
 * accepted and read back; each way a verdict can be malformed (short, long, flags, sizes,
 * handles, out-of-range fields, an unaudited denial, text missing, unterminated or too long,
 * text on an unaudited verdict) is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bastion_idl.h"
#include "security/verdict.h"

static _Alignas(8) uint8_t buf[256];

/* A verdict message with the given fields and text (NULL: none); returns its length. */
static size_t make(uint32_t granted, uint32_t audit, uint32_t reply, const char *text)
{
    size_t tlen = text ? strlen(text) + 1 : 0;
    struct idl_header h = {
        0, KSM_PROTO_DECIDE, sizeof(struct ksm_proto_verdict), (uint32_t)tlen, 0, IDL_FLAG_RESPONSE,
        0};
    struct ksm_proto_verdict v = {granted, 3, audit, reply};
    memset(buf, 0, sizeof buf);
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, &v, sizeof v);
    if (text)
        memcpy(buf + sizeof h + sizeof v, text, tlen);
    return sizeof h + sizeof v + tlen;
}

static bool parse(size_t len)
{
    struct ksm_proto_verdict v;
    const char *text = NULL;
    bool ok = ksm_verdict_parse(buf, len, &v, &text);
    assert_non_null(text); /* never left unset */
    return ok;
}

static void well_formed_verdicts_are_read(void **state)
{
    (void)state;
    struct ksm_proto_verdict v;
    const char *text;
    size_t n = make(1, 0, KSM_PROTO_REPLY_RESPONSE, NULL);
    assert_true(ksm_verdict_parse(buf, n, &v, &text));
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.class_id, 3);
    assert_int_equal(v.reply, KSM_PROTO_REPLY_RESPONSE);
    assert_string_equal(text, "");
    n = make(0, 1, 0, "vmm.VMM.Allocate: rule at einit.psl:1:2");
    assert_true(ksm_verdict_parse(buf, n, &v, &text));
    assert_int_equal(v.granted, 0);
    assert_string_equal(text, "vmm.VMM.Allocate: rule at einit.psl:1:2");
    n = make(1, 1, KSM_PROTO_REPLY_ALL, "granted by rule");
    assert_true(ksm_verdict_parse(buf, n, &v, &text));
}

static void sizes_and_header_must_match(void **state)
{
    (void)state;
    size_t n = make(1, 0, 0, NULL);
    assert_false(parse(n - 1));
    assert_false(parse(n + 1));
    assert_false(parse(0));
    struct ksm_proto_verdict v;
    const char *text;
    assert_false(ksm_verdict_parse(NULL, n, &v, &text));
    struct idl_header *h = (struct idl_header *)buf;
    h->flags = IDL_FLAG_RESPONSE | IDL_FLAG_ERROR;
    assert_false(parse(n));
    h->flags = 0;
    assert_false(parse(n));
    h->flags = IDL_FLAG_RESPONSE;
    h->handle_count = 1;
    assert_false(parse(n));
    h->handle_count = 0;
    h->fixed_size = 12;
    assert_false(parse(n));
    h->fixed_size = sizeof(struct ksm_proto_verdict);
    h->reserved = 1;
    assert_false(parse(n));
    h->reserved = 0;
    h->arena_size = 0xFFFFFFFFu; /* would wrap a 32-bit sum */
    assert_false(parse(n));
    h->arena_size = 0;
    assert_true(parse(n));
}

static void fields_must_be_in_range(void **state)
{
    (void)state;
    assert_false(parse(make(2, 0, 0, NULL)));
    assert_false(parse(make(1, 2, 0, NULL)));
    assert_false(parse(make(1, 0, KSM_PROTO_REPLY_ALL + 1, NULL)));
    /* A denial always carries its reason. */
    assert_false(parse(make(0, 0, 0, NULL)));
}

static void the_text_comes_exactly_with_an_audit(void **state)
{
    (void)state;
    assert_false(parse(make(1, 1, 0, NULL)));    /* audited, no text */
    assert_false(parse(make(1, 0, 0, "extra"))); /* text nobody asked for */
    size_t n = make(0, 1, 0, "abc");
    buf[n - 1] = 'x'; /* not terminated */
    assert_false(parse(n));
    char longtext[KSM_PROTO_TEXT_MAX + 1];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = 0; /* one byte over with its NUL */
    assert_false(parse(make(0, 1, 0, longtext)));
    longtext[sizeof longtext - 2] = 0; /* exactly the maximum */
    assert_true(parse(make(0, 1, 0, longtext)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_formed_verdicts_are_read),
        cmocka_unit_test(sizes_and_header_must_match),
        cmocka_unit_test(fields_must_be_in_range),
        cmocka_unit_test(the_text_comes_exactly_with_an_audit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
