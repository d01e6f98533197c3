/*
 * The KSM's answer to a security-channel request (ksm/monitor/ksm_answer.c), against the
 * least-privilege test policy ksm/policy/test/kernel.psl: execute events name the new class and
 * get its id back; requests are decided with their message; the verdict text names the method
 * and the deciding rule; answers the policy grants outright are flagged so the kernel skips
 * them; anything malformed or unknown is denied and says why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bastion_idl.h"
#include "ksm_answer.h"
#include "psl_testlib.h"

static struct ksm_table *table;
static struct policy *pol;
static struct ksm_answer_ctx ctx;
static _Alignas(8) uint8_t msg[4096];
static _Alignas(8) uint8_t req[4096 + KSM_PROTO_ARENA_OFFSET];

static int setup(void **state)
{
    (void)state;
    psl_diag_reset(NULL);
    table = pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/kernel.psl", &pol);
    if (table == NULL)
        return -1;
    ctx.table = table;
    ctx.core_class = ksm_class_id(table, "kl.core.Core");
    return 0;
}

static uint32_t cls(const char *name)
{
    return ksm_class_id(table, name);
}

/* A well-formed security-channel request around arena[0..len); returns its length. */
static size_t build(uint32_t event, uint32_t src, uint32_t dst, uint32_t ep, uint32_t m, const void *arena,
                    size_t len)
{
    struct idl_header h = {0, KSM_PROTO_DECIDE, sizeof(struct ksm_proto_request), (uint32_t)len, 0, 0, 0};
    struct ksm_proto_request r = {event, src, dst, ep, m, 0};
    memcpy(req, &h, sizeof h);
    memcpy(req + IDL_HEADER_SIZE, &r, sizeof r);
    memcpy(req + KSM_PROTO_ARENA_OFFSET, arena, len);
    return KSM_PROTO_ARENA_OFFSET + len;
}

/* The verdict, its text and the text length ksm_answer() returned. */
struct verdict {
    uint32_t granted, class_id, audit, reply;
    char text[KSM_PROTO_TEXT_MAX];
    size_t text_len;
};

static struct verdict answer(size_t len)
{
    struct ksm_answer a;
    memset(&a, 0xA5, sizeof a); /* every field must be written */
    size_t n = ksm_answer(&ctx, req, len, &a);
    struct verdict v = {a.v.granted, a.v.class_id, a.v.audit, a.v.reply, "", n};
    /* The text is sent exactly when the verdict is audited, NUL included. */
    assert_int_equal(n != 0, a.v.audit == 1);
    if (n != 0) {
        assert_true(n <= KSM_PROTO_TEXT_MAX);
        assert_int_equal(a.text[n - 1], 0);
        assert_int_equal(strlen(a.text) + 1, n);
        memcpy(v.text, a.text, n);
    }
    return v;
}

/* Client -> kernel vmm.VMM.Allocate with the given size, cut to `cut` bytes if nonzero. */
static struct verdict allocate(uint64_t size, size_t cut)
{
    uint32_t ep, m;
    size_t n = psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "vmm.VMM", "Allocate", msg, &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, "kl.core.Core", "vmm.VMM", "Allocate", msg, "size", size);
    return answer(build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg, cut ? cut : n));
}

static void execute_names_the_class_and_gets_its_id(void **state)
{
    (void)state;
    static const char einit[] = "psltest.Einit";
    struct verdict v = answer(build(KSM_EV_EXECUTE, KSM_PROTO_CLASS_CORE, 0, 0, 0, einit, sizeof einit));
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.class_id, cls("psltest.Einit"));
    assert_int_equal(v.audit, 0);

    static const char other[] = "psltest.Other";
    v = answer(build(KSM_EV_EXECUTE, cls("psltest.Client"), 0, 0, 0, other, sizeof other));
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.audit, 1);
    assert_int_equal(v.class_id, cls("psltest.Other"));
    assert_string_equal(v.text, "execute: default deny");
}

static void execute_of_an_unknown_class_is_denied(void **state)
{
    (void)state;
    static const char nope[] = "psltest.Nope";
    struct verdict v =
        answer(build(KSM_EV_EXECUTE, cls("psltest.Einit"), 0, 0, 0, nope, sizeof nope));
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.class_id, KSM_PROTO_CLASS_UNKNOWN);
    assert_string_equal(v.text, "execute: class psltest.Nope is not in the policy");
    /* A class name without its NUL. */
    v = answer(build(KSM_EV_EXECUTE, cls("psltest.Einit"), 0, 0, 0, nope, sizeof nope - 1));
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "execute: malformed class name");
}

static void requests_are_decided_from_their_message(void **state)
{
    (void)state;
    struct verdict v = allocate(4096, 0);
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.audit, 0);
    /* kernel.psl grants the kernel's responses outright and says nothing of errors. */
    assert_int_equal(v.reply, KSM_PROTO_REPLY_RESPONSE);

    v = allocate(2 * 1024 * 1024, 0);
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.audit, 1);
    assert_int_equal(v.reply, 0);
    assert_non_null(strstr(v.text, "vmm.VMM.Allocate: rule at kernel.psl:"));
}

static void audited_grants_carry_their_rule(void **state)
{
    (void)state;
    uint32_t ep, m;
    size_t n = psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "io.IO", "RegisterPort", msg, &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, "kl.core.Core", "io.IO", "RegisterPort", msg, "base", 0x60);
    psl_test_set(pol, KSM_EV_REQUEST, "kl.core.Core", "io.IO", "RegisterPort", msg, "size", 1);
    struct verdict v =
        answer(build(KSM_EV_REQUEST, cls("psltest.Other"), KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.audit, 1);
    assert_non_null(strstr(v.text, "io.IO.RegisterPort: granted by rule at kernel.psl:"));
}

static void a_truncated_message_names_the_field(void **state)
{
    (void)state;
    struct verdict v = allocate(4096, IDL_HEADER_SIZE);
    assert_int_equal(v.granted, 0);
    assert_non_null(strstr(v.text, "vmm.VMM.Allocate: field-out-of-bounds message.size"));
}

static void unknown_classes_are_denied(void **state)
{
    (void)state;
    uint32_t ep, m;
    size_t n = psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "hal.HAL", "DebugWrite", msg, &ep, &m);
    struct verdict v = answer(build(KSM_EV_REQUEST, 999, KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "request: a class the policy does not know");
    v = answer(build(KSM_EV_REQUEST, KSM_PROTO_CLASS_UNKNOWN, KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 0);
    /* A policy that does not name the kernel: requests to it cannot be granted. */
    uint32_t saved = ctx.core_class;
    ctx.core_class = UINT32_MAX;
    v = answer(build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    ctx.core_class = saved;
    assert_int_equal(v.granted, 0);
    /* The same request with the kernel known is granted (hal.HAL is granted to the client). */
    v = answer(build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 1);
}

static void malformed_requests_are_denied(void **state)
{
    (void)state;
    uint32_t ep, m;
    size_t n = psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "hal.HAL", "DebugWrite", msg, &ep, &m);
    size_t len = build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg, n);
    assert_int_equal(answer(len).granted, 1);

    struct verdict v = answer(KSM_PROTO_ARENA_OFFSET - 1);
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "malformed security request (too short)");
    v = answer(len - 1); /* arena_size no longer matches */
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "malformed security request");

    struct idl_header *h = (struct idl_header *)req;
    struct ksm_proto_request *r = (struct ksm_proto_request *)(req + IDL_HEADER_SIZE);
    h->method_id = 1;
    assert_int_equal(answer(len).granted, 0);
    h->method_id = KSM_PROTO_DECIDE;
    h->handle_count = 1;
    assert_int_equal(answer(len).granted, 0);
    h->handle_count = 0;
    r->reserved = 7;
    assert_int_equal(answer(len).granted, 0);
    r->reserved = 0;
    r->event = KSM_EV_COUNT;
    v = answer(len);
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.audit, 1);
    r->event = KSM_EV_REQUEST;
    assert_int_equal(answer(len).granted, 1);
    struct ksm_answer a;
    assert_true(ksm_answer(&ctx, NULL, 0, &a) != 0);
    assert_int_equal(a.v.granted, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(execute_names_the_class_and_gets_its_id),
        cmocka_unit_test(execute_of_an_unknown_class_is_denied),
        cmocka_unit_test(requests_are_decided_from_their_message),
        cmocka_unit_test(audited_grants_carry_their_rule),
        cmocka_unit_test(a_truncated_message_names_the_field),
        cmocka_unit_test(unknown_classes_are_denied),
        cmocka_unit_test(malformed_requests_are_denied),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
