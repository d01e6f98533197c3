/*
 * The decision function on the host: the table pslc wrote as C for ksm/policy/test/basic.psl
 * (compiled into this test exactly as the KSM will compile its table), and tables compiled in
 * memory from small policies: every event type, every selector and match nesting, every
 * operator and integer type, default deny, audit flags, rule locations, bounds checks. And
 * process state: the table pslc wrote for ksm/policy/test/flow.psl, deciding with a state store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "psl_basic_table.psl.h"
#include "psl_flow_table.psl.h"
#include "psl_hashset_table.psl.h"
#include "psl_regex_table.psl.h"
#include "psl_choice_table.psl.h"
#include "psl_staticmap_table.psl.h"
#include "psl_staticmap_bytes_table.psl.h"
#include "psl_mic_table.psl.h"
#include "psl_testlib.h"

#define C(name) psl_basic_table_CLASS_##name
static uint8_t buf[65600];

static const char *prelude = "execute: kl.core.Execute\nuse nk.base._\nuse EDL kl.core.Core\nuse "
                             "EDL psltest.Client\n"
                             "use EDL psltest.Server\nuse EDL psltest.Other\n";

static struct ksm_table *compile(const char *body, struct policy **p)
{
    char *diag;
    char *text = psl_fmt("%s%s", prelude, body);
    struct ksm_table *t = psl_test_compile(text, p, &diag);
    if (!t)
        fprintf(stderr, "%s", diag);
    assert_non_null(t);
    return t;
}

/* Decides a Put request Client -> Server calc with the given field values ("u8", v, ..., NULL). */
/* A copy of t that runs `code` (room for `cap` instructions) with t's instructions copied in:
 * a table to spoil for the malformed-table cases. */
static struct ksm_table code_copy(const struct ksm_table *t, struct ksm_insn *code, size_t cap)
{
    assert_true(t->ncode <= cap);
    memcpy(code, t->code, sizeof code[0] * t->ncode);
    struct ksm_table bad = *t;
    bad.code = code;
    return bad;
}

static struct ksm_verdict put(const struct ksm_table *t, const struct policy *p, ...)
{
    uint32_t ep, m;
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, &ep, &m);
    va_list ap;
    va_start(ap, p);
    const char *f;
    while ((f = va_arg(ap, const char *)))
        psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, f,
                     va_arg(ap, uint64_t));
    va_end(ap);
    return ksm_decide(t, KSM_EV_REQUEST, (uint32_t)psl_test_class(p, "psltest.Client"),
                      (uint32_t)psl_test_class(p, "psltest.Server"), ep, m, buf, len);
}

/* Decides a HAL.GetPrivReg request Client -> kernel whose `reg` string is the count bytes at s
 * (count includes the NUL as the wire format counts it; 0: the empty string). arena_off moves
 * the string's descriptor offset, to aim it outside the message. */
static struct ksm_verdict priv_reg(const struct ksm_table *t, const struct policy *p, const char *s,
                                   uint32_t count, uint32_t arena_off)
{
    uint32_t ep, m;
    size_t len =
        psl_test_msg(p, KSM_EV_REQUEST, "kl.core.Core", "hal.HAL", "GetPrivReg", buf, &ep, &m);
    assert_int_equal(len, 24 + 8); /* the descriptor is the whole fixed part */
    uint32_t fixed = 8;
    memcpy(buf + 8, &fixed, 4); /* the header's fixed_size: the arena follows the fixed part */
    memcpy(buf + 24, &arena_off, 4);
    memcpy(buf + 28, &count, 4);
    memcpy(buf + 12, &count, 4); /* arena_size */
    memcpy(buf + len, s, count);
    return ksm_decide(t, KSM_EV_REQUEST, (uint32_t)psl_test_class(p, "psltest.Client"),
                      (uint32_t)psl_test_class(p, "kl.core.Core"), ep, m, buf, len + count);
}

/* `message.reg == "..."`: a string field against a literal, what a C reader of the message sees
 * (up to the first NUL), descriptors outside the message denied as out of bounds. */
static void string_fields(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request src=psltest.Client dst=kl.core.Core endpoint=hal.HAL "
                                  "method=GetPrivReg {\n"
                                  "    assert (message.reg == \"IA32_TSC\" || \"IA32_MPERF\" == "
                                  "message.reg)\n"
                                  "    deny (message.reg != \"IA32_TSC\" && message.reg == \"\")\n"
                                  "}\n",
                                  &p);
    assert_int_equal(t->nstrings, 3);
    struct ksm_verdict v = priv_reg(t, p, "IA32_TSC", 9, 0);
    assert_int_equal(v.verdict, KSM_GRANTED);
    assert_int_equal(priv_reg(t, p, "IA32_MPERF", 11, 0).verdict, KSM_GRANTED);
    assert_int_equal(priv_reg(t, p, "IA32_TSCX", 10, 0).verdict, KSM_DENIED);
    assert_int_equal(priv_reg(t, p, "IA32_TS", 8, 0).verdict, KSM_DENIED);
    assert_int_equal(priv_reg(t, p, "IA32_LSTAR", 11, 0).verdict, KSM_DENIED);
    assert_int_equal(priv_reg(t, p, "ia32_tsc", 9, 0).verdict, KSM_DENIED);
    /* What follows a NUL is not part of the name the kernel reads. */
    assert_int_equal(priv_reg(t, p, "IA32_TSC\0IA32_LSTAR", 20, 0).verdict, KSM_GRANTED);
    assert_int_equal(priv_reg(t, p, "IA32_LSTAR\0IA32_TSC", 20, 0).verdict, KSM_DENIED);
    /* The empty string (count 0) is "", which neither name is. */
    assert_int_equal(priv_reg(t, p, "", 0, 0).verdict, KSM_DENIED);
    /* A string outside the message. */
    v = priv_reg(t, p, "IA32_TSC", 9, 100);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.reg");

    /* deny(...) with the empty literal: a rule that allows every name but the empty one. */
    t = compile("request src=psltest.Client dst=kl.core.Core endpoint=hal.HAL method=GetPrivReg {\n"
                "    deny (message.reg == \"\")\n"
                "}\n",
                &p);
    assert_int_equal(priv_reg(t, p, "", 0, 0).verdict, KSM_DENIED);
    assert_int_equal(priv_reg(t, p, "", 1, 0).verdict, KSM_DENIED);
    assert_int_equal(priv_reg(t, p, "x", 2, 0).verdict, KSM_GRANTED);
}

static void generated_table_matches_compiler(void **state)
{
    (void)state;
    struct policy *p;
    char *diag;
    FILE *f = fopen(PSL_POLICY_DIR "/basic.psl", "r");
    assert_non_null(f);
    fclose(f);
    psl_diag_reset(NULL);
    struct ksm_table *t =
        pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/basic.psl", &p);
    (void)diag;
    assert_non_null(t);
    const struct ksm_table *g = &psl_basic_table;
    assert_int_equal(g->magic, KSM_TABLE_MAGIC);
    assert_int_equal(g->nclasses, t->nclasses);
    assert_int_equal(g->nslots, t->nslots);
    assert_int_equal(g->ncells, t->ncells);
    assert_int_equal(g->ncalls, t->ncalls);
    assert_int_equal(g->ncode, t->ncode);
    assert_memory_equal(g->index, t->index,
                        sizeof(uint32_t) * KSM_EV_COUNT * t->nclasses * t->nslots);
    assert_memory_equal(g->code, t->code, sizeof(struct ksm_insn) * t->ncode);
    assert_string_equal(g->classes[C(psltest_Server)].name, "psltest.Server");
    assert_int_equal(C(kl_core_Core), 0);
    assert_int_equal(C(psltest_Einit), 1);
}

static void every_event_type(void **state)
{
    (void)state;
    const struct ksm_table *t = &psl_basic_table;
    struct policy *p;
    psl_diag_reset(NULL);
    assert_non_null(pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/basic.psl", &p));
    uint32_t ep, m;
    /* execute */
    assert_int_equal(
        ksm_decide(t, KSM_EV_EXECUTE, C(psltest_Einit), C(psltest_Server), 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    struct ksm_verdict v =
        ksm_decide(t, KSM_EV_EXECUTE, C(psltest_Client), C(psltest_Server), 0, 0, NULL, 0);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(v.reason, KSM_R_DEFAULT_DENY);
    assert_int_equal(v.audit, 1);
    /* request */
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 5);
    assert_int_equal(
        ksm_decide(t, KSM_EV_REQUEST, C(psltest_Client), C(psltest_Server), ep, m, buf, len)
            .verdict,
        KSM_GRANTED);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 100);
    v = ksm_decide(t, KSM_EV_REQUEST, C(psltest_Client), C(psltest_Server), ep, m, buf, len);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(v.reason, KSM_R_RULE);
    assert_string_equal(t->slot_names[v.slot], "calc.Ping"); /* for the audit record */
    assert_string_equal(t->files[t->locs[v.rule].file], PSL_POLICY_DIR "/basic.psl");
    assert_int_equal(t->locs[v.rule].line, 32); /* match method=Ping { assert (...) } */
    assert_int_equal(t->locs[v.rule].col, 25);
    /* response and error: the endpoint is the source's */
    len = psl_test_msg(p, KSM_EV_RESPONSE, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    assert_int_equal(
        ksm_decide(t, KSM_EV_RESPONSE, C(psltest_Server), C(psltest_Client), ep, m, buf, len)
            .verdict,
        KSM_GRANTED);
    assert_int_equal(
        ksm_decide(t, KSM_EV_RESPONSE, C(psltest_Server), C(psltest_Other), ep, m, buf, len)
            .verdict,
        KSM_DENIED);
    len = psl_test_msg(p, KSM_EV_ERROR, "psltest.Server", "calc", "Put", buf, &ep, &m);
    psl_test_set(p, KSM_EV_ERROR, "psltest.Server", "calc", "Put", buf, "code", (uint64_t)-1);
    assert_int_equal(
        ksm_decide(t, KSM_EV_ERROR, C(psltest_Server), C(psltest_Client), ep, m, buf, len).verdict,
        KSM_GRANTED);
    psl_test_set(p, KSM_EV_ERROR, "psltest.Server", "calc", "Put", buf, "code", 1);
    assert_int_equal(
        ksm_decide(t, KSM_EV_ERROR, C(psltest_Server), C(psltest_Client), ep, m, buf, len).verdict,
        KSM_DENIED);
    /* security */
    len = psl_test_msg(p, KSM_EV_SECURITY, "psltest.Server", NULL, "Check", buf, &ep, &m);
    psl_test_set(p, KSM_EV_SECURITY, "psltest.Server", NULL, "Check", buf, "what", 1);
    assert_int_equal(
        ksm_decide(t, KSM_EV_SECURITY, C(psltest_Server), C(psltest_Server), ep, m, buf, len)
            .verdict,
        KSM_GRANTED);
    /* a class without a security interface */
    assert_int_equal(
        ksm_decide(t, KSM_EV_SECURITY, C(psltest_Client), C(psltest_Client), ep, 0, buf, len)
            .reason,
        KSM_R_BAD_ENDPOINT);
}

static void bad_ids_and_bounds(void **state)
{
    (void)state;
    const struct ksm_table *t = &psl_basic_table;
    struct policy *p;
    psl_diag_reset(NULL);
    assert_non_null(pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/basic.psl", &p));
    uint32_t ep, m;
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    assert_int_equal(ksm_decide(t, 5, 0, 0, 0, 0, buf, len).reason, KSM_R_BAD_EVENT);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, 99, 0, 0, 0, buf, len).reason, KSM_R_BAD_CLASS);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, 0, 99, 0, 0, buf, len).reason, KSM_R_BAD_CLASS);
    assert_int_equal(
        ksm_decide(t, KSM_EV_REQUEST, C(psltest_Client), C(psltest_Server), 2, m, buf, len).reason,
        KSM_R_BAD_ENDPOINT);
    assert_int_equal(
        ksm_decide(t, KSM_EV_REQUEST, C(psltest_Client), C(psltest_Server), ep, 99, buf, len)
            .reason,
        KSM_R_BAD_METHOD);
    /* The field value lies past the end: denied, and the field is named. */
    struct ksm_verdict v =
        ksm_decide(t, KSM_EV_REQUEST, C(psltest_Client), C(psltest_Server), ep, m, buf, len - 1);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.value");
    assert_string_equal(ksm_reason_name(v.reason), "field-out-of-bounds");
    v = ksm_decide(t, KSM_EV_REQUEST, C(psltest_Client), C(psltest_Server), ep, m, NULL, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    /* A table that is not one. */
    struct ksm_table bad = *t;
    bad.magic = 0;
    assert_int_equal(ksm_decide(&bad, KSM_EV_EXECUTE, 0, 0, 0, 0, NULL, 0).reason, KSM_R_BAD_TABLE);
    assert_int_equal(ksm_decide(NULL, KSM_EV_EXECUTE, 0, 0, 0, 0, NULL, 0).reason, KSM_R_BAD_TABLE);
    bad = *t;
    bad.ncells = 1; /* every non-empty cell is now out of range */
    assert_int_equal(
        ksm_decide(&bad, KSM_EV_EXECUTE, C(psltest_Einit), C(psltest_Server), 0, 0, NULL, 0).reason,
        KSM_R_BAD_TABLE);
    assert_string_equal(ksm_reason_name(1000), "unknown-reason");
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, 0, 99, 0, 0, buf, len).slot, UINT32_MAX);
}

static void class_ids_by_name(void **state)
{
    (void)state;
    const struct ksm_table *t = &psl_basic_table;
    assert_int_equal(ksm_class_id(t, "kl.core.Core"), C(kl_core_Core));
    assert_int_equal(ksm_class_id(t, "psltest.Server"), C(psltest_Server));
    assert_int_equal(ksm_class_id(t, "psltest.Serve"), UINT32_MAX);
    assert_int_equal(ksm_class_id(t, "psltest.Server2"), UINT32_MAX);
    assert_int_equal(ksm_class_id(t, NULL), UINT32_MAX);
    assert_int_equal(ksm_class_id(NULL, "kl.core.Core"), UINT32_MAX);
    struct ksm_verdict v =
        ksm_decide(t, KSM_EV_EXECUTE, C(psltest_Client), C(psltest_Server), 0, 0, NULL, 0);
    assert_string_equal(t->slot_names[v.slot], "execute");
    assert_string_equal(
        t->slot_names[t->endpoints[t->classes[C(psltest_Server)].sec_ep].slot_base + 1], "security."
                                                                                         "Other");
    assert_string_equal(t->slot_names[t->endpoints[t->classes[C(kl_core_Core)].ep_first].slot_base],
                        "vmm.VMM.Allocate");
}

static void default_deny(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request src=psltest.Other { grant () }\n", &p);
    for (uint32_t ev = 0; ev < KSM_EV_COUNT; ev++)
        for (uint32_t s = 0; s < t->nclasses; s++)
            for (uint32_t d = 0; d < t->nclasses; d++) {
                struct ksm_verdict v = ksm_decide(t, ev, s, d, 0, 0, buf, sizeof buf);
                bool want = ev == KSM_EV_REQUEST &&
                            s == (uint32_t)psl_test_class(p, "psltest.Other") &&
                            t->classes[d].nendpoints > 0;
                assert_int_equal(v.verdict, want ? KSM_GRANTED : KSM_DENIED);
                if (!want)
                    assert_true(v.reason != KSM_R_RULE);
            }
}

/* Which (src, dst, endpoint, method) a selector set grants, over the kernel and the server. */
static int granted(const struct ksm_table *t, const struct policy *p, uint32_t ev, const char *src,
                   const char *dst, const char *ep, const char *method)
{
    uint32_t e, m;
    const char *server = ev == KSM_EV_REQUEST ? dst : src;
    size_t len = psl_test_msg(p, (int)ev, server, ep, method, buf, &e, &m);
    return ksm_decide(t, ev, (uint32_t)psl_test_class(p, src), (uint32_t)psl_test_class(p, dst), e,
                      m, buf, len)
               .verdict == KSM_GRANTED;
}

static void selectors_and_nesting(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request dst=psltest.Server endpoint=sub.Calc2 { grant () }\n"
                                  "request method=Free { grant () }\n"
                                  "request src=psltest.Client {\n"
                                  "  match dst=kl.core.Core {\n"
                                  "    match endpoint=thread.Thread {\n"
                                  "      match method=Sleep { grant () }\n"
                                  "    }\n"
                                  "  }\n"
                                  "}\n"
                                  "response src=psltest.Server { match endpoint=calc, method=Ping "
                                  "{ grant () } }\n",
                                  &p);
    const char *cl = "psltest.Client", *sv = "psltest.Server", *ot = "psltest.Other",
               *core = "kl.core.Core";
    assert_true(granted(t, p, KSM_EV_REQUEST, cl, sv, "sub.Calc2", "Put"));
    assert_true(granted(t, p, KSM_EV_REQUEST, ot, sv, "sub.Calc2", "Ping"));
    assert_false(granted(t, p, KSM_EV_REQUEST, cl, sv, "calc", "Put"));
    assert_true(granted(t, p, KSM_EV_REQUEST, ot, core, "vmm.VMM", "Free"));
    assert_true(granted(t, p, KSM_EV_REQUEST, cl, core, "vmm.VMM", "Free"));
    assert_false(granted(t, p, KSM_EV_REQUEST, cl, core, "vmm.VMM", "Allocate"));
    assert_true(granted(t, p, KSM_EV_REQUEST, cl, core, "thread.Thread", "Sleep"));
    assert_false(granted(t, p, KSM_EV_REQUEST, ot, core, "thread.Thread", "Sleep"));
    assert_false(granted(t, p, KSM_EV_REQUEST, cl, core, "thread.Thread", "Create"));
    assert_true(granted(t, p, KSM_EV_RESPONSE, sv, cl, "calc", "Ping"));
    assert_true(granted(t, p, KSM_EV_RESPONSE, sv, ot, "calc", "Ping"));
    assert_false(granted(t, p, KSM_EV_RESPONSE, sv, cl, "sub.Calc2", "Ping"));
    assert_false(granted(t, p, KSM_EV_RESPONSE, sv, cl, "calc", "Put"));
    assert_false(granted(t, p, KSM_EV_ERROR, sv, cl, "calc", "Ping"));
}

static void all_rules_must_grant(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request dst=psltest.Server { grant () }\n"
                                  "request dst=psltest.Server endpoint=calc method=Put { assert "
                                  "(message.u8 == 1) }\n"
                                  "request dst=psltest.Server endpoint=calc method=Put { deny "
                                  "(message.u16 == 2) }\n",
                                  &p);
    assert_int_equal(put(t, p, "u8", (uint64_t)1, NULL).verdict, KSM_GRANTED);
    struct ksm_verdict v = put(t, p, "u8", (uint64_t)2, NULL);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(t->locs[v.rule].line, 8);
    v = put(t, p, "u8", (uint64_t)1, "u16", (uint64_t)2, NULL);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(t->locs[v.rule].line, 9);
    /* grants name the first rule that applied */
    v = put(t, p, "u8", (uint64_t)1, NULL);
    assert_int_equal(t->locs[v.rule].line, 7);
}

struct op_case {
    const char *expr;
    uint64_t u8, u64, s8, s64;
    int granted;
    int reason;
};

static void operators_and_types(void **state)
{
    (void)state;
    static const struct op_case cases[] = {
        {"message.u8 + 1 == 256", 255, 0, 0, 0, 1, KSM_R_RULE}, /* UInt8 widens, no wrap */
        {"message.u64 + 1 > message.u64", 0, UINT64_MAX, 0, 0, 0, KSM_R_OVERFLOW},
        {"message.u64 - 1 < 5", 0, 0, 0, 0, 0, KSM_R_OVERFLOW}, /* unsigned below zero */
        {"message.u64 > 9223372036854775807", 0, 1ull << 63, 0, 0, 1,
         KSM_R_RULE},                                                  /* unsigned compare */
        {"message.s8 < -100", 0, 0, (uint64_t)-101, 0, 1, KSM_R_RULE}, /* sign extension */
        {"message.s8 == -1", 0, 0, 0xff, 0, 1, KSM_R_RULE},
        {"message.s64 * 2 < 0", 0, 0, 0, (uint64_t)-5, 1, KSM_R_RULE},
        {"message.s64 * 2 < 0", 0, 0, 0, 1ull << 62, 0, KSM_R_OVERFLOW},
        {"message.s64 / message.s8 == 0", 0, 0, 0, 5, 0, KSM_R_DIV_ZERO},
        {"message.s64 / -1 > 0", 0, 0, 0, 1ull << 63, 0, KSM_R_OVERFLOW},
        {"message.u64 / 3 == 3", 0, 10, 0, 0, 1, KSM_R_RULE},
        {"message.s64 / 2 == -3", 0, 0, 0, (uint64_t)-7, 1,
         KSM_R_RULE}, /* truncation toward zero */
        {"-message.s64 == 4", 0, 0, 0, (uint64_t)-4, 1, KSM_R_RULE},
        {"message.s8 != 0 && 10 / message.s8 > 1", 0, 0, 0, 0, 0,
         KSM_R_RULE}, /* && short-circuits */
        {"message.s8 == 0 || 10 / message.s8 > 1", 0, 0, 0, 0, 1,
         KSM_R_RULE}, /* || short-circuits */
        {"!(message.u8 >= 3) && message.u8 <= 2", 2, 0, 0, 0, 1, KSM_R_RULE},
        {"(1 + 2) * 3 == 9 && 1 + 2 * 3 == 7", 0, 0, 0, 0, 1, KSM_R_RULE},
        {"10 - 2 - 3 == 5 && 100 / 10 / 5 == 2", 0, 0, 0, 0, 1, KSM_R_RULE}, /* left associative */
        {"true && !false", 0, 0, 0, 0, 1, KSM_R_RULE},
        {"(message.u8 > 1) == (message.u64 > 1)", 2, 0, 0, 0, 0, KSM_R_RULE}, /* == on booleans */
        {"(message.u8 > 1) != (message.u64 > 1)", 2, 0, 0, 0, 1, KSM_R_RULE},
        {"message.u8 < 2 || message.u8 > 3", 3, 0, 0, 0, 0, KSM_R_RULE},
        {"message.u8 <= 3 && message.u8 >= 3 && message.u8 > 2 && message.u8 < 4", 3, 0, 0, 0, 1,
         KSM_R_RULE},
        {"message.s64 - 3 >= -10", 0, 0, 0, (uint64_t)-7, 1, KSM_R_RULE},
        {"message.s64 - 1 < 0", 0, 0, 0, 1ull << 63, 0, KSM_R_OVERFLOW},
        {"message.s64 + message.s64 < 0", 0, 0, 0, (uint64_t)INT64_MIN, 0, KSM_R_OVERFLOW},
        {"message.u64 * message.u64 > 0", 0, 1ull << 32, 0, 0, 0, KSM_R_OVERFLOW},
        {"message.u64 / 0 == 0", 0, 1, 0, 0, 0, KSM_R_DIV_ZERO},
        /* Math of CE 1.3 and Bastion's %: a zero divisor is division-by-zero, as for /; the
         * remainder has the dividend's sign; a cast outside its type is arithmetic-overflow */
        {"message.u64 % 0 == 0", 0, 1, 0, 0, 0, KSM_R_DIV_ZERO},
        {"message.s64 % message.s8 == 0", 0, 0, 0, 5, 0, KSM_R_DIV_ZERO},
        {"message.u64 % 7 == 3", 0, 10, 0, 0, 1, KSM_R_RULE},
        {"message.s64 % 3 == -1", 0, 0, 0, (uint64_t)-7, 1, KSM_R_RULE},
        {"message.s64 % -1 == 0", 0, 0, 0, 1ull << 63, 1, KSM_R_RULE}, /* no overflow */
        {"message.u64 & 0xff == 0x34 && message.u64 | 1 == 0x1235", 0, 0x1234, 0, 0, 1, KSM_R_RULE},
        {"message.s8 & 0xff == 0xfe && message.s8 | 1 == -1", 0, 0, (uint64_t)-2, 0, 1,
         KSM_R_RULE}, /* a sign-extended field's 64 bits */
        {"~message.u8 == 18446744073709551360 && ~message.s8 == 0", 0xff, 0, (uint64_t)-1, 0, 1,
         KSM_R_RULE},
        {"uint8 (message.u64) == 255", 0, 255, 0, 0, 1, KSM_R_RULE},
        {"uint8 (message.u64) == 0", 0, 256, 0, 0, 0, KSM_R_OVERFLOW},
        {"sint8 (message.u64) < 0", 0, 128, 0, 0, 0, KSM_R_OVERFLOW},
        {"math.uint64 (message.s64) > 0", 0, 0, 0, (uint64_t)-1, 0, KSM_R_OVERFLOW},
        {"sint64 (message.u64) > 0", 0, 1ull << 63, 0, 0, 0, KSM_R_OVERFLOW},
        {"sint64 (message.u64) > message.s64 && sint16 (message.s8) == -128", 0, 5, 0x80,
         (uint64_t)-1, 1, KSM_R_RULE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct policy *p;
        char *body = psl_fmt("request dst=psltest.Server endpoint=calc method=Put { assert (%s) "
                             "}\n",
                             cases[i].expr);
        struct ksm_table *t = compile(body, &p);
        struct ksm_verdict v = put(t, p, "u8", cases[i].u8, "u64", cases[i].u64, "s8", cases[i].s8,
                                   "s64", cases[i].s64, NULL);
        if (v.verdict != cases[i].granted || v.reason != cases[i].reason)
            fail_msg("case %zu '%s': verdict %d reason %s", i, cases[i].expr, v.verdict,
                     ksm_reason_name(v.reason));
        /* deny (expr) is the complement when the expression evaluates */
        body = psl_fmt("request dst=psltest.Server endpoint=calc method=Put { deny (%s) }\n",
                       cases[i].expr);
        t = compile(body, &p);
        v = put(t, p, "u8", cases[i].u8, "u64", cases[i].u64, "s8", cases[i].s8, "s64",
                cases[i].s64, NULL);
        int want = cases[i].reason == KSM_R_RULE ? !cases[i].granted : 0;
        if (v.verdict != want || v.reason != cases[i].reason)
            fail_msg("deny case %zu '%s': verdict %d", i, cases[i].expr, v.verdict);
    }
    assert_string_equal(ksm_reason_name(KSM_R_DIV_ZERO), "division-by-zero");
    /* A cast to a type of no width the table knows is a malformed table, not a decision. */
    struct policy *p;
    struct ksm_table *t = compile("request dst=psltest.Server endpoint=calc method=Put { assert "
                                  "(uint16 (message.u64) == 1) }\n",
                                  &p);
    static struct ksm_insn code[64];
    struct ksm_table bad = code_copy(t, code, 64);
    uint32_t k = 0;
    while (k < bad.ncode && code[k].op != KSM_OP_CAST)
        k++;
    assert_true(k < bad.ncode);
    assert_int_equal(code[k].arg, 16);
    assert_int_equal(code[k].is_signed, 0);
    assert_int_equal(put(&bad, p, "u64", (uint64_t)1, NULL).verdict, KSM_GRANTED);
    code[k].arg = 12;
    assert_int_equal(put(&bad, p, "u64", (uint64_t)1, NULL).reason, KSM_R_BAD_TABLE);
}

static void every_integer_type(void **state)
{
    (void)state;
    static const struct {
        const char *field;
        uint64_t value;
        const char *cond;
    } cases[] = {
        {"u8", 200, "message.u8 == 200"},
        {"u16", 60000, "message.u16 == 60000"},
        {"u32", 4000000000u, "message.u32 == 4000000000"},
        {"u64", UINT64_MAX, "message.u64 == 18446744073709551615"},
        {"s8", (uint64_t)-128, "message.s8 == -128"},
        {"s16", (uint64_t)-32768, "message.s16 == -32768"},
        {"s32", (uint64_t)-5, "message.s32 == -5"},
        {"s64", (uint64_t)INT64_MIN + 1, "message.s64 < -9223372036854775806"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct policy *p;
        struct ksm_table *t = compile(psl_fmt("request dst=psltest.Server endpoint=calc method=Put "
                                              "{ assert (%s) }\n",
                                              cases[i].cond),
                                      &p);
        assert_int_equal(put(t, p, cases[i].field, cases[i].value, NULL).verdict, KSM_GRANTED);
        assert_int_equal(put(t, p, cases[i].field, (uint64_t)1, NULL).verdict, KSM_DENIED);
    }
}

static void nested_struct_fields(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request dst=psltest.Server endpoint=calc method=Nest {\n"
                                  "  assert (message.o.inner.b == -2 && message.o.inner.a == 9 && "
                                  "message.o.x == 7 &&\n"
                                  "          message.o.y == -1)\n}\n",
                                  &p);
    uint32_t ep, m;
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", buf, &ep, &m);
    const char *S = "psltest.Server";
    psl_test_set(p, KSM_EV_REQUEST, S, "calc", "Nest", buf, "o.inner.b", (uint64_t)-2);
    psl_test_set(p, KSM_EV_REQUEST, S, "calc", "Nest", buf, "o.inner.a", 9);
    psl_test_set(p, KSM_EV_REQUEST, S, "calc", "Nest", buf, "o.x", 7);
    psl_test_set(p, KSM_EV_REQUEST, S, "calc", "Nest", buf, "o.y", (uint64_t)-1);
    uint32_t cl = (uint32_t)psl_test_class(p, "psltest.Client"),
             sv = (uint32_t)psl_test_class(p, S);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    assert_int_equal(buf[KSM_HEADER_SIZE + 4 + 2],
                     0xfe); /* o.inner.b at offset 4 + 2 of the fixed part */
    psl_test_set(p, KSM_EV_REQUEST, S, "calc", "Nest", buf, "o.inner.b", 2);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_DENIED);
}

static void audit_flags(void **state)
{
    (void)state;
    struct policy *p;
    const char *profiles = "audit profile trace = { 0 : { base : { kss : [\"granted\", \"denied\"] "
                           "} },\n"
                           "                        1 : { base : { kss : [\"denied\"] } } }\n";
    struct ksm_table *t = compile(psl_fmt("%saudit default = trace 0\n"
                                          "request dst=psltest.Server endpoint=calc method=Put { "
                                          "grant () }\n"
                                          "request dst=psltest.Server endpoint=calc method=Ping { "
                                          "audit empty grant () }\n",
                                          profiles),
                                  &p);
    struct ksm_verdict v = put(t, p, NULL);
    assert_int_equal(v.verdict, KSM_GRANTED);
    assert_int_equal(v.audit, 1); /* the default profile logs grants at level 0 */
    uint32_t ep, m;
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    uint32_t cl = (uint32_t)psl_test_class(p, "psltest.Client"),
             sv = (uint32_t)psl_test_class(p, "psltest.Server");
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.verdict, KSM_GRANTED);
    assert_int_equal(v.audit, 0); /* "audit empty" in the binding */
    /* level 1 of trace does not log grants; denials are always logged */
    t = compile(psl_fmt("%saudit default = trace 1\n"
                        "request dst=psltest.Server endpoint=calc method=Put { assert (message.u8 "
                        "== 0) }\n",
                        profiles),
                &p);
    v = put(t, p, NULL);
    assert_int_equal(v.verdict, KSM_GRANTED);
    assert_int_equal(v.audit, 0);
    v = put(t, p, "u8", (uint64_t)1, NULL);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(v.audit, 1);
    /* a match section's profile overrides its binding's */
    t = compile(psl_fmt("%srequest dst=psltest.Server { audit trace\n"
                        "  match endpoint=calc, method=Put { audit empty grant () }\n"
                        "  match endpoint=calc, method=Ping { grant () } }\n",
                        profiles),
                &p);
    assert_int_equal(put(t, p, NULL).audit, 0);
    len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).audit, 1);
}

static void lookup_independent_of_rule_count(void **state)
{
    (void)state;
    /* 200 rules for other classes' cells do not change the cell (or its calls) of one event. */
    char *many = psl_strdup("");
    for (int i = 0; i < 200; i++)
        many = psl_fmt("%srequest src=psltest.Other dst=kl.core.Core endpoint=vmm.VMM "
                       "method=Allocate { assert "
                       "(message.size != %d) }\n",
                       many, i);
    struct policy *p;
    struct ksm_table *t = compile(
        psl_fmt("%srequest src=psltest.Client dst=psltest.Server { grant () }\n", many), &p);
    assert_int_equal(t->ncalls, 202); /* call 0 is unused */
    assert_int_equal(put(t, p, NULL).verdict, KSM_GRANTED);
    uint32_t cell =
        t->index[((uint32_t)KSM_EV_REQUEST * t->nclasses + (uint32_t)psl_test_class(p, "psltest."
                                                                                       "Client")) *
                     t->nslots +
                 t->endpoints[t->classes[psl_test_class(p, "psltest.Server")].ep_first].slot_base];
    assert_int_equal(t->cells[cell].count, 1);
}

/* The generated Flow table: the same objects as compiled in memory, and its state rules. */
static void flow_state(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/flow.psl", &p);
    const struct ksm_table *g = &psl_flow_table;
    assert_int_equal(g->nflows, 1);
    assert_int_equal(t->nflows, 1);
    assert_string_equal(g->flows[0].name, "service_flow");
    assert_int_equal(g->flows[0].nstates, 4);
    assert_int_equal(g->flows[0].initial, 0);
    assert_memory_equal(g->flows[0].transitions, t->flows[0].transitions, 4 * sizeof(uint32_t));
    assert_string_equal(g->flows[0].states[3], "finished");
    assert_int_equal(g->max_state_writes, t->max_state_writes);

    uint8_t store[8] = {0};
    struct ksm_state st = {store, 8, NULL, NULL, NULL, NULL, NULL, NULL};
    uint32_t core = psl_flow_table_CLASS_kl_core_Core, srv = psl_flow_table_CLASS_psltest_Server,
             cli = psl_flow_table_CLASS_psltest_Client, ep, m;
    /* The kernel starts server 3: its machine is created in "sleep". */
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 3, 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    assert_int_equal(store[3], 1);
    /* A second machine for the same process is refused, and changes nothing. */
    struct ksm_verdict v = ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 3, 0, 0, NULL, 0);
    assert_int_equal(v.verdict, KSM_DENIED);
    assert_int_equal(v.reason, KSM_R_RULE);
    assert_int_equal(store[3], 1);
    /* Ping moves it to "started". */
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 4, 3, ep, m, buf, len).verdict,
        KSM_GRANTED);
    assert_int_equal(store[3], 2);
    /* The process ends: its machine goes, and a new process with its SID starts afresh. */
    ksm_state_drop(g, &st, 3);
    assert_int_equal(store[3], 0);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 3, 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    assert_int_equal(store[3], 1);
    /* No state: no store, a SID past the store, no process. */
    v = ksm_decide(g, KSM_EV_EXECUTE, core, srv, 0, 0, NULL, 0);
    assert_int_equal(v.reason, KSM_R_NO_STATE);
    assert_string_equal(ksm_reason_name(v.reason), "no-process-state");
    v = ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 8, 0, 0, NULL, 0);
    assert_int_equal(v.reason, KSM_R_NO_STATE);
    v = ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, KSM_SID_NONE, 0, 0, NULL, 0);
    assert_int_equal(v.reason, KSM_R_NO_STATE);
    ksm_state_drop(g, &st, 100); /* past the store: nothing to drop, nothing touched */
    ksm_state_drop(g, NULL, 3);

    /* A corrupt table denies instead of reaching outside its objects or its undo log. */
    struct ksm_table bad = *g;
    bad.max_state_writes = KSM_STATE_CHANGES_MAX + 1;
    v = ksm_decide_state(&bad, &st, KSM_EV_EXECUTE, core, srv, 1, 5, 0, 0, NULL, 0);
    assert_int_equal(v.reason, KSM_R_BAD_TABLE);
    bad = *g;
    bad.nflows = 0;
    v = ksm_decide_state(&bad, &st, KSM_EV_EXECUTE, core, srv, 1, 5, 0, 0, NULL, 0);
    assert_int_equal(v.reason, KSM_R_BAD_TABLE);
    store[5] = 9; /* a state past the object's states */
    v = ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 5, 0, 0, NULL, 0);
    assert_int_equal(v.reason, KSM_R_BAD_TABLE);
    assert_int_equal(store[5], 9);
}

/* The generated HashSet table: its pool layout, and tables taken, filled and given back (values
 * is object 0, words 0 .. 5; seen, of booleans, object 1, words 6 .. 17; set_of[2 * sid + k]). */
static void hashset_state(void **state)
{
    (void)state;
    const struct ksm_table *g = &psl_hashset_table;
    assert_int_equal(g->nsets, 2);
    assert_string_equal(g->sets[0].name, "values");
    assert_int_equal(g->sets[0].set_size, 2);
    assert_int_equal(g->sets[0].pool_size, 2);
    assert_string_equal(g->sets[1].name, "seen");
    assert_int_equal(g->sets[1].base, 6);
    assert_int_equal(g->nset_words, 18);
    struct policy *p;
    psl_diag_reset(NULL);
    assert_non_null(pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/hashset.psl", &p));

    uint32_t set_of[16] = {0};
    uint64_t words[18] = {0};
    struct ksm_state st = {NULL, 8, set_of, words, NULL, NULL, NULL, NULL};
    uint32_t core = psl_hashset_table_CLASS_kl_core_Core,
             srv = psl_hashset_table_CLASS_psltest_Server,
             cli = psl_hashset_table_CLASS_psltest_Client, ep, m;
    for (uint32_t sid = 2; sid <= 4; sid++) /* two tables: the third server cannot start */
        assert_int_equal(
            ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, sid, 0, 0, NULL, 0).verdict,
            sid < 4 ? KSM_GRANTED : KSM_DENIED);
    assert_int_equal(set_of[4], 1);
    assert_int_equal(set_of[6], 2);
    assert_int_equal(set_of[8], 0);
    assert_int_equal(set_of[9], 0); /* server 4's seen table given back with the denial */
    assert_int_equal(set_of[7], 2);
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 42);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 5, 3, ep, m, buf, len).verdict,
        KSM_GRANTED);
    assert_int_equal(words[3], 2); /* server 3's table: one entry, 42 */
    assert_int_equal(words[4], 42);
    /* Server 3 ends: its table goes back to the pool, and server 4 can start with it. */
    ksm_state_drop(g, &st, 3);
    assert_int_equal(set_of[6], 0);
    assert_int_equal(set_of[7], 0);
    assert_int_equal(words[3], 0);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 4, 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    assert_int_equal(set_of[8], 2);
    /* contains on a process without a table denies the event (no-process-state). */
    len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", buf, &ep, &m);
    struct ksm_verdict v =
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 5, 6, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_NO_STATE);
    /* A corrupt pool is refused, not followed. */
    set_of[4] = 7;
    v = ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 5, 2, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_BAD_TABLE);
    set_of[4] = 1;
    struct ksm_table bad = *g;
    bad.nset_words = 5;
    v = ksm_decide_state(&bad, &st, KSM_EV_REQUEST, cli, srv, 5, 2, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_BAD_TABLE);
}

/* HashSet entries of a tuple type, byte by byte: [UInt8, SInt8, Bool] packed into one word,
 * component 0 in the lowest bits, the signed one offset by 128 (Horner from the last: CONST
 * 2^bits, MUL_U, the component, ADD_U), so that the table holds 5 + (-3 + 128) * 2^8 + 1 * 2^16
 * for [5, -3, true]; an entry differing in one component is another entry. */
static void hashset_tuple_entries(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("use nk.hashmap._\n"
                                  "policy object t : HashSet { type Entry = [UInt8, SInt8, Bool] "
                                  "config = { "
                                  "set_size : 2, pool_size : 1 } }\n"
                                  "execute dst=psltest.Server { t.init {sid: dst_sid} }\n"
                                  "request dst=psltest.Server endpoint=calc method=Put { t.add "
                                  "{sid: dst_sid, "
                                  "entry: [message.u8, message.s8, message.u16 > 0]} }\n"
                                  "request dst=psltest.Server endpoint=calc method=Nest { assert "
                                  "(t.contains "
                                  "{sid: dst_sid, entry: [message.o.inner.a, -3, true]}) }\n",
                                  &p);
    assert_int_equal(t->nsets, 1);
    assert_int_equal(t->nset_words, 3);
    uint32_t mul = 0, adds = 0, offs = 0;
    for (uint32_t k = 0; k < t->ncode; k++) {
        mul += t->code[k].op == KSM_OP_MUL_U;
        adds += t->code[k].op == KSM_OP_ADD_U;
        offs += t->code[k].op == KSM_OP_ADD_S && t->code[k - 1].op == KSM_OP_CONST &&
                t->code[k - 1].imm == 128;
    }
    assert_int_equal(mul, 4); /* two shifts per entry, two entries */
    assert_int_equal(adds, 4);
    assert_int_equal(offs, 2); /* the SInt8 component of each */
    uint32_t set_of[8] = {0};
    uint64_t words[3] = {0};
    struct ksm_state st = {NULL, 8, set_of, words, NULL, NULL, NULL, NULL};
    uint32_t core = (uint32_t)psl_test_class(p, "kl.core.Core"),
             srv = (uint32_t)psl_test_class(p, "psltest.Server"),
             cli = (uint32_t)psl_test_class(p, "psltest.Client"), ep, m, ep2, m2;
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_EXECUTE, core, srv, 1, 3, 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, &ep, &m);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, "u8", 5);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, "s8", (uint64_t)-3);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, "u16", 9);
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 4, 3, ep, m, buf, len).verdict,
        KSM_GRANTED);
    assert_int_equal(words[0], 2); /* the pool's one table: one entry */
    assert_int_equal(words[1], 5 + (125u << 8) + (1u << 16));
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, "u16", 0);
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 4, 3, ep, m, buf, len).verdict,
        KSM_GRANTED);
    assert_int_equal(words[0], 3); /* [5, -3, false]: another entry */
    assert_int_equal(words[2], 5 + (125u << 8));
    uint8_t nest[256];
    size_t nlen =
        psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", nest, &ep2, &m2);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", nest, "o.inner.a", 5);
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 4, 3, ep2, m2, nest, nlen).verdict,
        KSM_GRANTED);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", nest, "o.inner.a", 4);
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 4, 3, ep2, m2, nest, nlen).reason,
        KSM_R_RULE);
}

/* Computed components of HashSet tuple entries, byte by byte: each is followed by
 * KSM_OP_ENTRY_RANGE (arg the component's bits, imm its lowest value, is_signed the value's
 * signedness), which denies the event outside the type (entry-out-of-range) and leaves the table
 * as it was; a field no wider than its component gets none. [UInt8, SInt8] from a wider field
 * and a difference, [UInt64] from a signed value, [SInt64] from an unsigned one. */
static void hashset_entry_range(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t =
        compile("use nk.hashmap._\n"
                "policy object t : HashSet { type Entry = [UInt8, SInt8] config = { set_size : 2, "
                "pool_size : 1 } }\n"
                "policy object u : HashSet { type Entry = [UInt64] config = { set_size : 2, "
                "pool_size : 1 } }\n"
                "policy object v : HashSet { type Entry = [SInt64] config = { set_size : 2, "
                "pool_size : 1 } }\n"
                "execute dst=psltest.Server { t.init {sid: dst_sid} u.init {sid: dst_sid} "
                "v.init {sid: dst_sid} }\n"
                "request dst=psltest.Server endpoint=calc method=Put { t.add {sid: dst_sid, "
                "entry: [message.u32, message.s16 - 1]} u.add {sid: dst_sid, entry: [message.s64 + "
                "0]} "
                "v.add {sid: dst_sid, entry: [message.u64 + 0]} }\n"
                "request dst=psltest.Server endpoint=calc method=Seq { t.add {sid: dst_sid, "
                "entry: [message.i, -1]} }\n",
                &p);
    uint32_t checks = 0;
    for (uint32_t k = 0; k < t->ncode; k++) {
        const struct ksm_insn *in = &t->code[k];
        if (in->op != KSM_OP_ENTRY_RANGE)
            continue;
        checks++;
        if (in->arg == 8 && !in->is_signed) /* message.u32 into UInt8 */
            assert_int_equal(in->imm, 0);
        else if (in->arg == 8) /* message.s16 - 1 into SInt8 */
            assert_int_equal(in->imm, -128);
        else if (in->is_signed) /* message.s64 + 0 into UInt64 */
            assert_true(in->arg == 64 && in->imm == 0);
        else /* message.u64 + 0 into SInt64 */
            assert_true(in->arg == 64 && in->imm == INT64_MIN);
    }
    assert_int_equal(checks, 4); /* none for message.i (UInt8) in UInt8, nor for -1 */
    uint32_t set_of[24] = {0};   /* 8 SIDs times 3 objects */
    uint64_t words[9] = {0};
    struct ksm_state st = {NULL, 8, set_of, words, NULL, NULL, NULL, NULL};
    uint32_t core = (uint32_t)psl_test_class(p, "kl.core.Core"),
             srv = (uint32_t)psl_test_class(p, "psltest.Server"),
             cli = (uint32_t)psl_test_class(p, "psltest.Client"), ep, m;
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_EXECUTE, core, srv, 1, 3, 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, &ep, &m);
#define PUT(f, x) psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Put", buf, f, x)
#define DECIDE() ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 4, 3, ep, m, buf, len)
    /* the ends of every range: granted, each packed into its own table */
    PUT("u32", 255);
    PUT("s16", (uint64_t)128); /* 127 */
    PUT("s64", (uint64_t)INT64_MAX);
    PUT("u64", (uint64_t)INT64_MAX);
    assert_int_equal(DECIDE().verdict, KSM_GRANTED);
    assert_int_equal(words[0], 2); /* t's table, held (1 + its entries): one entry */
    assert_int_equal(words[1], 255 + (255u << 8));
    assert_int_equal(words[4], (uint64_t)INT64_MAX); /* u's */
    assert_int_equal(words[7], (uint64_t)INT64_MAX); /* v's */
    PUT("u32", 0);
    PUT("s16", (uint64_t)-127); /* -128 */
    PUT("s64", 0);
    PUT("u64", 0);
    assert_int_equal(DECIDE().verdict, KSM_GRANTED);
    assert_int_equal(words[0], 3);
    assert_int_equal(words[2], 0);
    uint64_t before[9];
    memcpy(before, words, sizeof words);
    /* one past each end: denied, entry-out-of-range, nothing stored */
    static const struct {
        const char *field;
        uint64_t value;
    } out[] = {
        {"u32", 256},                     /* above UInt8 (unchecked: [0, 1]) */
        {"s16", 129},                     /* 128, above SInt8 */
        {"s16", (uint64_t)-128},          /* -129, below SInt8 */
        {"s64", (uint64_t)-1},            /* below UInt64 */
        {"u64", (uint64_t)INT64_MAX + 1}, /* above SInt64 */
    };
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        /* the other components as in [0, -128], [0], [0]: held already, so that each table
         * would take them without room */
        PUT("u32", 0);
        PUT("s16", (uint64_t)-127);
        PUT("s64", 0);
        PUT("u64", 0);
        PUT(out[i].field, out[i].value);
        struct ksm_verdict v = DECIDE();
        assert_int_equal(v.verdict, KSM_DENIED);
        assert_string_equal(ksm_reason_name(v.reason), "entry-out-of-range");
        assert_memory_equal(words, before, sizeof words);
    }
    PUT("u64", 0); /* the last one back in range: granted, nothing new */
    assert_int_equal(DECIDE().verdict, KSM_GRANTED);
    assert_memory_equal(words, before, sizeof words);
#undef PUT
#undef DECIDE
    /* a range of 0 bits, or of more than 64, is a malformed table */
    struct ksm_insn code_[128];
    struct ksm_table bad = code_copy(t, code_, 128);
    for (uint32_t bits = 0; bits <= 65; bits += 65) {
        for (uint32_t k = 0; k < t->ncode; k++)
            if (code_[k].op == KSM_OP_ENTRY_RANGE)
                code_[k].arg = bits;
        assert_int_equal(
            ksm_decide_state(&bad, &st, KSM_EV_REQUEST, cli, srv, 4, 3, ep, m, buf, len).reason,
            KSM_R_BAD_TABLE);
    }
}

/* The generated StaticMap table: keys and defaults, init, set, commit, and the process's end. */
static void staticmap_state(void **state)
{
    (void)state;
    const struct ksm_table *g = &psl_staticmap_table;
    assert_int_equal(g->nmaps, 1);
    assert_string_equal(g->maps[0].name, "limits");
    assert_int_equal(g->maps[0].nkeys, 2);
    assert_string_equal(g->maps[0].keys[1], "count");
    assert_int_equal(g->maps[0].defaults[0], 16);
    assert_int_equal(g->nmap_words, 5);
    struct policy *p;
    psl_diag_reset(NULL);
    assert_non_null(pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/staticmap.psl", &p));
    uint32_t map_of[8] = {0};
    uint64_t words[5] = {0};
    struct ksm_state st = {NULL, 8, NULL, NULL, map_of, words, NULL, NULL};
    uint32_t core = psl_staticmap_table_CLASS_kl_core_Core,
             srv = psl_staticmap_table_CLASS_psltest_Server,
             cli = psl_staticmap_table_CLASS_psltest_Client, ep, m;
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 2, 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    uint64_t fresh[5] = {1, 16, 0, 16, 0}; /* taken; base size, count; working size, count */
    assert_memory_equal(words, fresh, sizeof words);
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 99);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).verdict,
        KSM_GRANTED);
    assert_int_equal(words[1], 16);
    assert_int_equal(words[3], 99);
    len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", buf, &ep, &m);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).verdict,
        KSM_GRANTED);
    assert_int_equal(words[1], 99);
    ksm_state_drop(g, &st, 2);
    assert_int_equal(map_of[2], 0);
    assert_int_equal(words[0], 0);
    words[0] = 2; /* a corrupt table word is refused */
    map_of[2] = 1;
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).reason,
        KSM_R_BAD_TABLE);
}

/* The generated table of List<UInt8> keys: each key's bytes and length as written (the NUL of
 * [10, 0] and the empty list kept), the defaults in the keys' order, and a set by key index
 * landing in that key's working word only. */
static void staticmap_bytes_state(void **state)
{
    (void)state;
    const struct ksm_table *g = &psl_staticmap_bytes_table;
    assert_int_equal(g->nmaps, 1);
    const struct ksm_staticmap *mp = &g->maps[0];
    assert_int_equal(mp->list_keys, 1);
    assert_int_equal(mp->nkeys, 5);
    static const struct {
        uint32_t len;
        const char *bytes;
        uint64_t dflt;
    } want[] = {{1, "\n", 3}, {2, "\n\0", 4}, {2, "\n\001", 16}, {2, "\0\377", 5}, {0, "", 7}};
    for (uint32_t k = 0; k < 5; k++) {
        assert_int_equal(mp->key_lens[k], want[k].len);
        assert_memory_equal(mp->keys[k], want[k].bytes, want[k].len + 1);
        assert_int_equal(mp->defaults[k], want[k].dflt);
    }
    assert_int_equal(g->nmap_words, 11);
    struct policy *p;
    psl_diag_reset(NULL);
    assert_non_null(
        pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/staticmap_bytes.psl", &p));
    uint32_t map_of[8] = {0};
    uint64_t words[11] = {0};
    struct ksm_state st = {NULL, 8, NULL, NULL, map_of, words, NULL, NULL};
    uint32_t core = psl_staticmap_bytes_table_CLASS_kl_core_Core,
             srv = psl_staticmap_bytes_table_CLASS_psltest_Server,
             cli = psl_staticmap_bytes_table_CLASS_psltest_Client, ep, m;
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, 1, 2, 0, 0, NULL, 0).verdict,
        KSM_GRANTED);
    uint64_t fresh[11] = {1, 3, 4, 16, 5, 7, 3, 4, 16, 5, 7};
    assert_memory_equal(words, fresh, sizeof words);
    /* Label sets the working [10, 0] (key 1) to 40: not [10], which it starts with */
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Label", buf, &ep, &m);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).verdict,
        KSM_GRANTED);
    uint64_t set[11] = {1, 3, 4, 16, 5, 7, 3, 40, 16, 5, 7};
    assert_memory_equal(words, set, sizeof words);
    /* Points asks for the committed [10, 0]: 4, not the working 40 */
    len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Points", buf, &ep, &m);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Points", buf, "i", 4);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).verdict,
        KSM_GRANTED);
}

/* The generated Mic table: degrees, categories, the levels the rules name, the resource tables'
 * layout; a create keyed by the resource's SID, and the SID's end. */
static void mic_state(void **state)
{
    (void)state;
    const struct ksm_table *g = &psl_mic_table;
    assert_int_equal(g->nmics, 2);
    assert_string_equal(g->mics[0].name, "mic");
    assert_int_equal(g->mics[0].ndegrees, 2);
    assert_string_equal(g->mics[0].degrees[1], "high");
    assert_int_equal(g->mics[0].ncategories, 2);
    assert_string_equal(g->mics[0].categories[1], "log");
    assert_int_equal(g->mics[0].capacity, 4);
    assert_int_equal(g->mics[1].capacity, KSM_RESOURCES_DEFAULT);
    assert_int_equal(g->mics[1].base, 8);
    assert_int_equal(g->nres_words, 8 + 2 * KSM_RESOURCES_DEFAULT);
    struct policy *p;
    psl_diag_reset(NULL);
    assert_non_null(pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/mic.psl", &p));
    static uint64_t subj[8 * 2 * 2], res[8 + 2 * KSM_RESOURCES_DEFAULT];
    struct ksm_state st = {NULL, 8, NULL, NULL, NULL, NULL, subj, res};
    uint32_t core = psl_mic_table_CLASS_kl_core_Core, srv = psl_mic_table_CLASS_psltest_Server,
             cli = psl_mic_table_CLASS_psltest_Client, ep, m;
    /* The kernel starts the server (at the top, levelR low) and a client (at {low, net}). */
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, srv, KSM_SID_KERNEL, 2, 0, 0, NULL, 0)
            .verdict,
        KSM_GRANTED);
    assert_int_equal(subj[(2 * 2 + 0) * 2], 2ull << 32 | 3u);
    assert_int_equal(subj[(2 * 2 + 0) * 2 + 1], 1ull << 32);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, cli, KSM_SID_KERNEL, 3, 0, 0, NULL, 0)
            .verdict,
        KSM_GRANTED);
    assert_int_equal(subj[(3 * 2 + 0) * 2], 1ull << 32 | 1u);
    /* The kernel is no process: an execute of it is denied (its levels are fixed). */
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_EXECUTE, core, cli, 3, KSM_SID_KERNEL, 0, 0, NULL, 0)
            .verdict,
        KSM_DENIED);
    /* The client creates resource 99: {low, net}, the meet of its level and the server's. */
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 99);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).verdict,
        KSM_GRANTED);
    int found = -1;
    for (int e = 0; e < 4; e++)
        if (res[2 * e] == 100)
            found = e;
    assert_true(found >= 0);
    assert_int_equal(res[2 * found + 1], 1ull << 32 | 1u);
    /* A process past the store (slot 9 of 8) has no levels: the rule cannot decide. */
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 98);
    assert_int_equal(
        ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 9, 2, ep, m, buf, len).reason,
        KSM_R_NO_STATE);
    /* SID 99 ends: its level goes. */
    ksm_state_drop_resource(g, &st, 99);
    assert_int_equal(res[2 * found], 0);
    assert_int_equal(res[2 * found + 1], 0);
    /* SIDs 1, 5 and 9 share their home entry (SID % 4 in a table of 4): linear probing puts
     * them one after the other, and a removal in the run keeps the others findable. */
    for (uint32_t sid = 1; sid <= 9; sid += 4) {
        len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
        psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", sid);
        assert_int_equal(
            ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).verdict,
            KSM_GRANTED);
    }
    assert_int_equal(res[2 * 1], 2);
    assert_int_equal(res[2 * 2], 6);
    assert_int_equal(res[2 * 3], 10);
    ksm_state_drop_resource(g, &st, 1);
    assert_int_equal(res[2 * 1], 6); /* shifted back into the hole */
    assert_int_equal(res[2 * 2], 10);
    assert_int_equal(res[2 * 3], 0);
    static const struct {
        uint32_t sid;
        int granted;
    } reads[] = {{5, 1}, {9, 1}, {1, 0}, {13, 0}};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", buf, &ep, &m);
        psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Nest", buf, "o.x", reads[i].sid);
        assert_int_equal(
            ksm_decide_state(g, &st, KSM_EV_REQUEST, cli, srv, 3, 2, ep, m, buf, len).verdict,
            reads[i].granted ? KSM_GRANTED : KSM_DENIED);
    }
    /* The client ends: its levels go. */
    ksm_state_drop(g, &st, 3);
    assert_int_equal(subj[(3 * 2 + 0) * 2], 0);
    /* A table whose resource words do not hold the objects' tables is refused. */
    struct ksm_table bad = *g;
    bad.nres_words = 7;
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 99);
    assert_int_equal(
        ksm_decide_state(&bad, &st, KSM_EV_REQUEST, cli, srv, 2, 2, ep, m, buf, len).reason,
        KSM_R_BAD_TABLE);
}

/* The resource table entry of `sid` in the table at base (capacity entries): its index, or -1. */
static int res_entry(const uint64_t *res, uint32_t base, uint32_t capacity, uint32_t sid)
{
    for (uint32_t e = 0; e < capacity; e++)
        if (res[base + 2 * e] == (uint64_t)sid + 1)
            return (int)e;
    return -1;
}

/* resource.psl: Flow, HashSet and StaticMap objects kept per resource. An open (Ping) makes an
 * entry in each object's resource table; a full table denies and leaves the state as it was; a
 * process with the resource's SID ends: its entries go and its tables go back to their pools;
 * a close (Label) removes the entries once granted. */
static void resource_state(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/resource.psl", &p);
    const struct ksm_flow *f = &t->flows[0];
    const struct ksm_hashset *h = &t->sets[0];
    const struct ksm_staticmap *mp = &t->maps[0];
    assert_int_equal(f->resources, 2);
    assert_int_equal(h->resources, 4);
    assert_int_equal(mp->resources, KSM_RESOURCES_DEFAULT);
    assert_int_equal(t->nres_words, 2 * (2 + 4 + KSM_RESOURCES_DEFAULT));
    assert_int_equal(t->max_state_writes, 2 + (2 + 1) + (2 + 2 * 1 + 1)); /* Ping's inits */
    static uint64_t set_words[64], map_words[64], res[2 * (2 + 4 + KSM_RESOURCES_DEFAULT)];
    static uint8_t flow[8];
    static uint32_t set_of[8], map_of[8];
    assert_true(t->nset_words <= 64 && t->nmap_words <= 64);
    struct ksm_state st = {flow, 8, set_of, set_words, map_of, map_words, NULL, res};
    uint32_t cli = ksm_class_id(t, "psltest.Client"), srv = ksm_class_id(t, "psltest.Server"), ep,
             m;
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, &ep, &m);
    for (uint32_t sid = 100; sid <= 200; sid += 100) {
        psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", sid);
        assert_int_equal(
            ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 1, 2, ep, m, buf, len).verdict,
            KSM_GRANTED);
    }
    int e = res_entry(res, f->res_base, 2, 100);
    assert_true(e >= 0);
    assert_int_equal(res[f->res_base + 2 * e + 1], 1); /* 1 + "closed" */
    e = res_entry(res, h->res_base, 4, 100);
    assert_true(e >= 0);
    uint64_t k = res[h->res_base + 2 * e + 1];
    assert_true(k == 1 || k == 2); /* 1 + the pool's table */
    assert_int_equal(set_words[h->base + (k - 1) * (1 + h->set_size)], 1); /* taken, empty */
    assert_true(res_entry(res, mp->res_base, KSM_RESOURCES_DEFAULT, 200) >= 0);
    /* A third resource: the Flow table is full, the event is denied after the set's and the
     * map's inits: every word is as it was. */
    static uint64_t before[sizeof res / sizeof res[0]];
    memcpy(before, res, sizeof res);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", 300);
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 1, 2, ep, m, buf, len).verdict,
        KSM_DENIED);
    assert_memory_equal(before, res, sizeof res);
    /* A process with SID 100 ends: resource 100's entries go, its tables back to the pools. */
    ksm_state_drop_resource(t, &st, 100);
    assert_int_equal(res_entry(res, f->res_base, 2, 100), -1);
    assert_int_equal(res_entry(res, h->res_base, 4, 100), -1);
    assert_int_equal(res_entry(res, mp->res_base, KSM_RESOURCES_DEFAULT, 100), -1);
    assert_int_equal(set_words[h->base + (k - 1) * (1 + h->set_size)], 0);
    assert_true(res_entry(res, f->res_base, 2, 200) >= 0);
    /* Now 300 opens; a close of 200 (Label) removes its entries once granted. */
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 1, 2, ep, m, buf, len).verdict,
        KSM_GRANTED);
    len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Label", buf, &ep, &m);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Label", buf, "l.id", 200);
    assert_int_equal(
        ksm_decide_state(t, &st, KSM_EV_REQUEST, cli, srv, 1, 2, ep, m, buf, len).verdict,
        KSM_GRANTED);
    assert_int_equal(res_entry(res, f->res_base, 2, 200), -1);
    assert_int_equal(res_entry(res, h->res_base, 4, 200), -1);
    assert_int_equal(res_entry(res, mp->res_base, KSM_RESOURCES_DEFAULT, 200), -1);
    assert_true(res_entry(res, f->res_base, 2, 300) >= 0);
    /* No resource words, or a resource rule on an object kept per process: a malformed table,
     * denied with nothing changed. */
    struct ksm_table bad = *t;
    struct ksm_flow bad_flow = *f;
    bad_flow.resources = 0;
    bad.flows = &bad_flow;
    memcpy(before, res, sizeof res);
    psl_test_set(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Label", buf, "l.id", 300);
    assert_int_equal(
        ksm_decide_state(&bad, &st, KSM_EV_REQUEST, cli, srv, 1, 2, ep, m, buf, len).reason,
        KSM_R_BAD_TABLE);
    bad = *t;
    bad.nres_words = 4;
    assert_int_equal(
        ksm_decide_state(&bad, &st, KSM_EV_REQUEST, cli, srv, 1, 2, ep, m, buf, len).reason,
        KSM_R_BAD_TABLE);
    assert_memory_equal(before, res, sizeof res);
    /* No store: the rule cannot decide. */
    assert_int_equal(
        ksm_decide_state(t, NULL, KSM_EV_REQUEST, cli, srv, 1, 2, ep, m, buf, len).reason,
        KSM_R_NO_STATE);
}

/* Puts the texts of psltest.Calc.Name's two strings into its arena (fixed part 16 bytes, no
 * handles: the arena starts at byte 40); returns the message's length. */
/* A string inside a struct parameter (message.l.label): its descriptor is at the field's offset
 * in the struct, and a policy compares it like a string parameter. */
static void nested_string_fields(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request dst=psltest.Server endpoint=calc method=Label {\n"
                                  "  assert (message.l.label == \"ok\" && message.l.id == 3)\n}\n",
                                  &p);
    const char *S = "psltest.Server";
    uint32_t cl = (uint32_t)psl_test_class(p, "psltest.Client"),
             sv = (uint32_t)psl_test_class(p, S);
    static const struct {
        const char *label;
        uint32_t id;
        int grant;
    } cases[] = {{"ok", 3, 1}, {"ok", 4, 0}, {"no", 3, 0}, {"okay", 3, 0}, {"", 3, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t ep, m;
        memset(buf, 0, 256);
        size_t len = psl_test_msg(p, KSM_EV_REQUEST, S, "calc", "Label", buf, &ep, &m);
        assert_int_equal(len, KSM_HEADER_SIZE + 12); /* id, then the label's descriptor at 4 */
        len = KSM_HEADER_SIZE + 16;                  /* the fixed part padded to 8 */
        psl_test_set(p, KSM_EV_REQUEST, S, "calc", "Label", buf, "l.id", cases[i].id);
        uint32_t fixed = 12, off = 0;
        uint32_t count = cases[i].label[0] ? (uint32_t)strlen(cases[i].label) + 1 : 0;
        memcpy(buf + 8, &fixed, 4);  /* the header's fixed_size: the arena starts at 24 + 16 */
        memcpy(buf + 12, &count, 4); /* arena_size */
        memcpy(buf + KSM_HEADER_SIZE + 4, &off, 4);
        memcpy(buf + KSM_HEADER_SIZE + 8, &count, 4);
        memcpy(buf + len, cases[i].label, count);
        struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len + count);
        assert_int_equal(v.verdict, cases[i].grant ? KSM_GRANTED : KSM_DENIED);
    }
}

static size_t name_msg(uint8_t *buf, size_t len, const char *name, const char *other)
{
    const char *s[2] = {name, other};
    uint32_t off = 0, fixed = (uint32_t)(len - KSM_HEADER_SIZE);
    memcpy(buf + 8, &fixed, 4); /* the header's fixed-part size: the arena follows it */
    for (int k = 0; k < 2; k++) {
        uint32_t count = s[k][0] ? (uint32_t)strlen(s[k]) + 1 : 0;
        memcpy(buf + KSM_HEADER_SIZE + 8 * k, &off, 4);
        memcpy(buf + KSM_HEADER_SIZE + 8 * k + 4, &count, 4);
        memcpy(buf + len + off, s[k], count);
        off += count;
    }
    return len + off;
}

/* The emitted regexes[] (the table as C, as the KSM gets it) decide as the compiled table;
 * a corrupt pattern program or index denies as a malformed table. */
static void regex_table(void **state)
{
    (void)state;
    const struct ksm_table *g = &psl_regex_table;
    assert_int_equal(g->nregexes, 3);
    assert_string_equal(g->regexes[0].pattern, "^[a-z]+[0-9]?$");
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/regex.psl", &p);
    static const struct {
        const char *name, *other;
        int grant;
    } cases[] = {{"sda", "", 1},  {"sda1", "/dev/null", 1}, {"sda12", "", 0},
                 {"bash", "", 0}, {"tty", "/dev/a/b", 0},   {"x", "/dev/x_1", 1}};
    uint32_t cli = psl_regex_table_CLASS_psltest_Client, srv = psl_regex_table_CLASS_psltest_Server;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[256] = {0};
        uint32_t ep, m;
        size_t len =
            psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Name", buf, &ep, &m);
        len = name_msg(buf, len, cases[i].name, cases[i].other);
        struct ksm_verdict a = ksm_decide(g, KSM_EV_REQUEST, cli, srv, ep, m, buf, len);
        struct ksm_verdict b = ksm_decide(t, KSM_EV_REQUEST, cli, srv, ep, m, buf, len);
        assert_int_equal(a.verdict, cases[i].grant ? KSM_GRANTED : KSM_DENIED);
        assert_int_equal(a.verdict, b.verdict);
        assert_int_equal(a.rule, b.rule);
    }
    uint8_t buf[256] = {0};
    uint32_t ep, m;
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Name", buf, &ep, &m);
    len = name_msg(buf, len, "sda", "");
    struct ksm_table bad = *g;
    bad.nregexes = 0; /* an index past the patterns */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cli, srv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    struct ksm_regex rx = g->regexes[0];
    struct ksm_rx_insn insns[KSM_REGEX_INSNS_MAX];
    memcpy(insns, rx.insns, sizeof insns[0] * rx.ninsns);
    insns[0].x = (uint16_t)rx.ninsns; /* a jump out of the program */
    insns[0].cls = (uint16_t)rx.nclasses;
    rx.insns = insns;
    struct ksm_regex rxs[3] = {rx, g->regexes[1], g->regexes[2]};
    bad = *g;
    bad.regexes = rxs;
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cli, srv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    /* the string outside the message: the field is named */
    struct ksm_verdict v = ksm_decide(g, KSM_EV_REQUEST, cli, srv, ep, m, buf, len - 2);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(g->fields[v.field], "message.name");
}

/* The emitted choices[] decide as the compiled table (choice.psl: Regex select on Name); a
 * choice's grant is never unconditional; a corrupt choice chain denies as a malformed table. */
static void choice_table(void **state)
{
    (void)state;
    const struct ksm_table *g = &psl_choice_table;
    assert_true(g->nchoices > 1);
    struct policy *p;
    struct ksm_table *t = psl_test_policy(PSL_POLICY_DIR "/choice.psl", &p);
    assert_int_equal(t->nchoices, g->nchoices);
    static const struct {
        const char *name, *other;
        int grant;
    } cases[] = {{"tty1", "", 1}, {"tty10", "", 0}, {"sda", "", 1},
                 {"sda", "x", 0}, {"eth0", "", 0},  {"", "", 0}};
    uint32_t cli = psl_choice_table_CLASS_psltest_Client,
             srv = psl_choice_table_CLASS_psltest_Server;
    uint8_t buf[256];
    uint32_t ep, m;
    size_t len = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(buf, 0, sizeof buf);
        len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Name", buf, &ep, &m);
        len = name_msg(buf, len, cases[i].name, cases[i].other);
        struct ksm_verdict a = ksm_decide(g, KSM_EV_REQUEST, cli, srv, ep, m, buf, len);
        struct ksm_verdict b = ksm_decide(t, KSM_EV_REQUEST, cli, srv, ep, m, buf, len);
        assert_int_equal(a.verdict, cases[i].grant ? KSM_GRANTED : KSM_DENIED);
        assert_int_equal(a.verdict, b.verdict);
        assert_int_equal(a.rule, b.rule);
    }
    /* "tty1": the grant of the first case is the deciding rule, and it is no unconditional one */
    memset(buf, 0, sizeof buf);
    len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Name", buf, &ep, &m);
    len = name_msg(buf, len, "tty1", "");
    struct ksm_verdict v = ksm_decide(g, KSM_EV_REQUEST, cli, srv, ep, m, buf, len);
    assert_int_equal(v.verdict, KSM_GRANTED);
    assert_int_equal(ksm_grants_unconditionally(g, KSM_EV_REQUEST, cli, v.slot), 0);
    struct ksm_table bad = *g;
    bad.nchoices = 0; /* a call names a choice past the table's */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cli, srv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    struct ksm_choice chs[64];
    assert_true(g->nchoices <= 64);
    memcpy(chs, g->choices, sizeof chs[0] * g->nchoices);
    for (uint32_t k = 1; k < g->nchoices; k++)
        chs[k].parent = k; /* a chain that does not end */
    bad = *g;
    bad.choices = chs;
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cli, srv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

/* A compiled policy and a zeroed psltest.Calc request of one method, client to server (calc), in
 * buf: the ids ksm_decide() takes and the message's length (header and fixed part). */
struct calc_req {
    struct policy *p;
    struct ksm_table *t;
    uint32_t cl, sv, ep, m;
    size_t len;
};

static struct calc_req calc_request(const char *body, const char *method)
{
    struct calc_req r;
    r.t = compile(body, &r.p);
    r.cl = (uint32_t)psl_test_class(r.p, "psltest.Client");
    r.sv = (uint32_t)psl_test_class(r.p, "psltest.Server");
    memset(buf, 0, 256);
    r.len = psl_test_msg(r.p, KSM_EV_REQUEST, "psltest.Server", "calc", method, buf, &r.ep, &r.m);
    return r;
}

/* r's request, as buf holds it (its first len bytes), decided by table t (r's own or a planted
 * copy of it). */
static struct ksm_verdict calc_decide(const struct ksm_table *t, const struct calc_req *r,
                                      size_t len)
{
    return ksm_decide(t, KSM_EV_REQUEST, r->cl, r->sv, r->ep, r->m, buf, len);
}

/* r's request, granted by table t as buf holds it, with one case at a time applied: the 8
 * bytes at buf + at replaced by far's (a descriptor moved outside the message) must make it
 * denied as out of bounds, naming the case's field. The bytes are put back after each case. */
struct far_case {
    uint32_t at;
    const char *field;
};

static void expect_far_denied(const struct ksm_table *t, const struct calc_req *r, size_t len,
                              const struct far_case *cases, size_t n, const void *far)
{
    for (size_t c = 0; c < n; c++) {
        uint8_t saved[8];
        memcpy(saved, buf + cases[c].at, 8);
        memcpy(buf + cases[c].at, far, 8);
        struct ksm_verdict v = calc_decide(t, r, len);
        assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
        assert_string_equal(t->fields[v.field], cases[c].field);
        memcpy(buf + cases[c].at, saved, 8);
    }
}

/* The header's fixed-part size and the first parameter's sequence descriptor {off, count}. */
static void set_seq_desc(uint8_t *msg, uint32_t fixed, uint32_t off, uint32_t count)
{
    memcpy(msg + 8, &fixed, 4);
    memcpy(msg + KSM_HEADER_SIZE, &off, 4);
    memcpy(msg + KSM_HEADER_SIZE + 4, &count, 4);
}

/* Sequence and array elements, laid out byte by byte as docs/message-format.md says (the
 * fixed part of Seq is 28 bytes: vals' descriptor at 0, arr at 8, i at 24; the arena at 56):
 * the element read is the one the offset and the index name; a count or an index past the
 * elements denies naming the field; a corrupt element size denies as a malformed table. */
static void sequence_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Seq {\n"
                                     "  assert (size (message.vals) == 3 && message.vals.[2] == "
                                     "515)\n"
                                     "  assert (message.arr.[message.i] == -3 && message.arr.[3] "
                                     "== 7)\n}\n",
                                     "Seq");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    size_t len = r.len;
    assert_int_equal(len, KSM_HEADER_SIZE + 28);
    uint32_t count = 3, arena = 8;
    set_seq_desc(buf, 28, 2, count); /* vals: 3 UInt16 from arena byte 2 */
    memcpy(buf + 12, &arena, 4);
    const uint8_t vals[6] = {1, 0, 2, 0, 3, 2}; /* 1, 2, 515 */
    memcpy(buf + 56 + 2, vals, 6);
    int32_t arr[4] = {0, -3, 0, 7};
    memcpy(buf + KSM_HEADER_SIZE + 8, arr, 16);
    buf[KSM_HEADER_SIZE + 24] = 1; /* i */
    len = 56 + 8;
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    buf[KSM_HEADER_SIZE + 24] = 2; /* arr[2] is 0 */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    buf[KSM_HEADER_SIZE + 24] = 4; /* past the array */
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.arr");
    buf[KSM_HEADER_SIZE + 24] = 1;
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len - 1); /* the last value cut */
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.vals");
    count = 2; /* vals.[2] past the count */
    memcpy(buf + KSM_HEADER_SIZE + 4, &count, 4);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_RULE); /* size is 2: the first condition is false */
    struct ksm_insn code[256];
    struct ksm_table bad = code_copy(t, code, 256);
    for (uint32_t k = 0; k < t->ncode; k++)
        if (code[k].op == KSM_OP_SEQ_COUNT)
            code[k].size = 3; /* no element is 3 bytes */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

/* A field of an element of a sequence of structs (psltest.Calc.Points: Point {UInt16 x; SInt32
 * y}, 8 bytes each): element i's field at the field's offset in the element, signed as its type;
 * an index past the count, or elements cut off, deny with the sequence's name; size counts the
 * elements. Instructions a table cannot hold (a field past its element, no stride) are refused. */
static void struct_element_fields(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Points {\n"
                                     "  assert (message.pts.[message.i].y == -2 && "
                                     "message.pts.[0].x == 9 && size (message.pts) == 2)\n}\n",
                                     "Points");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    size_t len = r.len;
    assert_int_equal(len, KSM_HEADER_SIZE + 12);
    set_seq_desc(buf, 12, 8, 2); /* pts: 2 points from arena byte 8 (the arena at 40) */
    uint16_t x0 = 9, x1 = 1;
    int32_t y0 = 5, y1 = -2;
    memcpy(buf + 48, &x0, 2);
    memcpy(buf + 52, &y0, 4);
    memcpy(buf + 56, &x1, 2);
    memcpy(buf + 60, &y1, 4);
    buf[KSM_HEADER_SIZE + 8] = 1; /* i */
    len = 64;
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    buf[KSM_HEADER_SIZE + 8] = 0; /* the first point's y: 5 */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    buf[KSM_HEADER_SIZE + 8] = 2; /* past the count */
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.pts");
    buf[KSM_HEADER_SIZE + 8] = 1;
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len - 1); /* the last point cut */
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    struct ksm_insn code[256];
    for (int fault = 0; fault < 3; fault++) {
        struct ksm_table bad = code_copy(t, code, 256);
        for (uint32_t k = 0; k < t->ncode; k++) {
            if (code[k].op == KSM_OP_SEQ_FIELD && fault == 0)
                code[k].imm = (int64_t)((uint64_t)code[k].imm | 6ull << 32); /* y at 6 of 8 */
            if (code[k].op == KSM_OP_SEQ_FIELD && fault == 1)
                code[k].imm = (int64_t)((uint64_t)code[k].imm & 0xffffffffffffull); /* stride 0 */
            if (code[k].op == KSM_OP_SEQ_COUNT && fault == 2)
                code[k].imm = (int64_t)((uint64_t)code[k].imm & 0xffffffffull); /* no size */
        }
        assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                         KSM_R_BAD_TABLE);
    }
}

/* A handle's SID and rights, laid out as docs/message-format.md says: the Handle parameter is an
 * index into the table after the fixed part (Blob's is 12 bytes, rounded up to 16: the table at
 * 40), whose entry is {SID, rights} in the monitor's view; an index past handle_count denies. */
static void handle_fields(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request dst=psltest.Server endpoint=calc method=Blob {\n"
                                  "  assert (message.h.handle == 77 && message.h.rights == 5)\n}\n",
                                  &p);
    uint32_t cl = (uint32_t)psl_test_class(p, "psltest.Client"),
             sv = (uint32_t)psl_test_class(p, "psltest.Server"), ep, m;
    memset(buf, 0, 256);
    size_t len = psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Blob", buf, &ep, &m);
    assert_int_equal(len, KSM_HEADER_SIZE + 12);
    uint32_t fixed = 12, index = 1, e0[2] = {5, 77}, e1[2] = {77, 5};
    memcpy(buf + 8, &fixed, 4);
    buf[16] = 2; /* handle_count */
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    memcpy(buf + 40, e0, 8);
    memcpy(buf + 48, e1, 8);
    len = 56;
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    index = 0; /* the other entry: SID and rights swapped */
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    index = 2; /* past handle_count */
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.h.handle");
    index = 1; /* the table cut short */
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, 50).reason,
                     KSM_R_FIELD_BOUNDS);
}

/* Shapes (fixed part 36 bytes: corners, array<Point, 3>, at 0, 8 bytes each; names'
 * descriptor at 24; i at 32; the arena at 64): a field of an array of structs' element by a
 * computed index (KSM_OP_ARRAY_FIELD), by a constant one (a load), and member through the
 * elements' field of an array (ARRAY_FIELD_MEMBER) and of a sequence (SEQ_FIELD_MEMBER, on
 * Points); an index past the array denies naming it; malformed instructions are refused. */
static void array_struct_fields(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Shapes {\n"
                                     "  assert (message.corners.[message.i].y == -2 && "
                                     "message.corners.[0].x == 9)\n"
                                     "  deny (member {value : 77, of : message.corners, field : "
                                     "x})\n}\n",
                                     "Shapes");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    assert_int_equal(r.len, KSM_HEADER_SIZE + 36);
    uint32_t fixed = 36;
    memcpy(buf + 8, &fixed, 4);
    uint16_t x[3] = {9, 1, 2};
    int32_t y[3] = {5, 3, -2};
    for (int k = 0; k < 3; k++) {
        memcpy(buf + KSM_HEADER_SIZE + 8 * k, &x[k], 2);
        memcpy(buf + KSM_HEADER_SIZE + 8 * k + 4, &y[k], 4);
    }
    buf[KSM_HEADER_SIZE + 32] = 2; /* i: the third corner */
    size_t len = KSM_HEADER_SIZE + 40;
    bool computed = false, member = false;
    for (uint32_t k = 0; k < t->ncode; k++) {
        computed |= t->code[k].op == KSM_OP_ARRAY_FIELD;
        member |= t->code[k].op == KSM_OP_ARRAY_FIELD_MEMBER;
    }
    assert_true(computed && member);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    buf[KSM_HEADER_SIZE + 32] = 1; /* the second corner's y: 3 */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    buf[KSM_HEADER_SIZE + 32] = 3; /* past the array */
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.corners");
    buf[KSM_HEADER_SIZE + 32] = 2;
    x[1] = 77; /* a corner at x 77: the deny rule */
    memcpy(buf + KSM_HEADER_SIZE + 8, &x[1], 2);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_RULE);
    assert_int_equal(v.verdict, KSM_DENIED);
    int32_t y77 = 77; /* y 77 is not x 77 */
    x[1] = 1;
    memcpy(buf + KSM_HEADER_SIZE + 8, &x[1], 2);
    memcpy(buf + KSM_HEADER_SIZE + 12, &y77, 4);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    struct ksm_insn code[256];
    for (int fault = 0; fault < 2; fault++) {
        struct ksm_table bad = code_copy(t, code, 256);
        for (uint32_t k = 0; k < t->ncode; k++) {
            bool op = code[k].op == KSM_OP_ARRAY_FIELD || code[k].op == KSM_OP_ARRAY_FIELD_MEMBER;
            if (op && fault == 0)
                code[k].imm = (int64_t)((uint64_t)code[k].imm & 0xffffffffffffull); /* stride 0 */
            if (op && fault == 1)
                code[k].size = 3;
        }
        assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                         KSM_R_BAD_TABLE);
    }

    /* member through a sequence of structs' field: Points' y (SInt32 at 4 of 8) */
    r = calc_request("request dst=psltest.Server endpoint=calc method=Points {\n"
                     "  assert (member {value : -3, of : message.pts, field : y})\n}\n",
                     "Points");
    t = r.t;
    set_seq_desc(buf, 12, 8, 2); /* 2 points from arena byte 8 (the arena at 40) */
    int32_t ya = 4, yb = -3;
    memcpy(buf + 52, &ya, 4);
    memcpy(buf + 60, &yb, 4);
    assert_int_equal(calc_decide(t, &r, 64).verdict, KSM_GRANTED);
    set_seq_desc(buf, 12, 8, 1); /* only the first point: no -3 */
    assert_int_equal(calc_decide(t, &r, 64).reason, KSM_R_RULE);
    set_seq_desc(buf, 12, 8, 3); /* a third point past the message */
    v = calc_decide(t, &r, 64);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.pts");
}

/* Shapes' names, sequence<string<8>, 4> (descriptor at 24 of the fixed part, the arena at 64):
 * element i is a string, compared with a literal (STR_EQ), with another element (STR_CMP, both
 * descriptors popped), measured (STR_LEN) and matched (REGEX_MATCH) as a string field is; an
 * index past the count, or a text outside the message, deny naming the sequence. */
static void string_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("use nk.regex._\n"
                                     "request dst=psltest.Server endpoint=calc method=Shapes {\n"
                                     "  assert (message.names.[message.i] == \"tri\" && length "
                                     "(message.names.[0]) == 3)\n"
                                     "  assert (message.names.[0] < message.names.[1])\n"
                                     "  assert (re.match {text : message.names.[1], pattern : "
                                     "\"^t\"})\n}\n",
                                     "Shapes");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    uint32_t fixed = 36, desc[2] = {0, 2}, s0[2] = {16, 4}, s1[2] = {20, 4};
    memcpy(buf + 8, &fixed, 4);
    memcpy(buf + KSM_HEADER_SIZE + 24, desc, 8); /* 2 names from arena byte 0 */
    memcpy(buf + 64, s0, 8);                     /* "box" at arena 16 */
    memcpy(buf + 72, s1, 8);                     /* "tri" at arena 20 */
    memcpy(buf + 80, "box\0tri", 8);
    buf[KSM_HEADER_SIZE + 32] = 1; /* i */
    size_t len = 88;
    uint8_t flags = 0;
    for (uint32_t k = 0; k < t->ncode; k++)
        flags |= t->code[k].op == KSM_OP_STR_CMP ? t->code[k].flags : 0;
    assert_int_equal(flags, KSM_INSN_STR_POPPED | KSM_INSN_OTHER_POPPED);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    buf[KSM_HEADER_SIZE + 32] = 0; /* names[0] is "box" */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    buf[KSM_HEADER_SIZE + 32] = 2; /* past the names */
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.names");
    buf[KSM_HEADER_SIZE + 32] = 1;
    memcpy(buf + 80, "trx\0box", 8); /* out of order, and names[1] no longer begins with t */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    memcpy(buf + 80, "box\0tri", 8);
    s1[0] = 40; /* the second text past the message */
    memcpy(buf + 72, s1, 8);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.names");
    s1[0] = 20;
    memcpy(buf + 72, s1, 8);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    struct ksm_insn code[256];
    struct ksm_table bad = code_copy(t, code, 256);
    for (uint32_t k = 0; k < t->ncode; k++)
        if (code[k].op == KSM_OP_STR_LEN)
            code[k].flags |= KSM_INSN_OTHER_POPPED; /* only STR_CMP has another string */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

/* Unions as array elements, byte by byte (Mixed's fixed part is 80 bytes: deeps at 24, its two
 * Deep elements 24 bytes apart, each a tag, then big or inner at 8, whose tag is at 8 and code at
 * 12; i at 72): the element's offset (KSM_OP_ELEM_ADDR), then each tag at its offset in that
 * element (KSM_INSN_BASE); an index past the array or a wrong tag denies naming the field, a
 * message that ends inside the element denies before reading past it; a table that reads an
 * element's offset from an empty stack, or from a value past the message, is malformed or
 * out of bounds, never a wild read. */
static void union_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Mixed {\n"
                                     "  assert (message.deeps.[message.i].inner.code == 13)\n}\n",
                                     "Mixed");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    assert_int_equal(r.len, KSM_HEADER_SIZE + 80);
    uint32_t fixed = 80, one = 1, code = 13;
    memcpy(buf + 8, &fixed, 4);
    memcpy(buf + KSM_HEADER_SIZE + 48, &one, 4);       /* deeps[1] holds inner */
    memcpy(buf + KSM_HEADER_SIZE + 48 + 8, &one, 4);   /* which holds pt */
    memcpy(buf + KSM_HEADER_SIZE + 48 + 12, &code, 2); /* pt.x 13, not code */
    buf[KSM_HEADER_SIZE + 72] = 1;
    size_t len = KSM_HEADER_SIZE + 80;
    uint32_t addr = 0, based = 0;
    for (uint32_t k = 0; k < t->ncode; k++) {
        addr += t->code[k].op == KSM_OP_ELEM_ADDR;
        based += (t->code[k].flags & KSM_INSN_BASE) != 0;
    }
    assert_int_equal(addr, 1);
    assert_int_equal(based, 3); /* deeps.[i]'s tag, inner's tag, code */
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_UNION_ARM);
    assert_string_equal(t->fields[v.field], "message.deeps.[].inner.code");
    uint32_t zero = 0;
    memcpy(buf + KSM_HEADER_SIZE + 48 + 8, &zero, 4); /* inner holds code 13 */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    buf[KSM_HEADER_SIZE + 72] = 0; /* deeps[0] holds big */
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_UNION_ARM);
    buf[KSM_HEADER_SIZE + 72] = 2; /* past the array */
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.deeps");
    buf[KSM_HEADER_SIZE + 72] = 1;
    /* the message ends inside deeps[1]: i (after it) is read first */
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, KSM_HEADER_SIZE + 48 + 13);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.i");
    struct ksm_insn code_[64];
    struct ksm_table bad = code_copy(t, code_, 64);
    uint32_t at = 0;
    while (code_[at].op != KSM_OP_ELEM_ADDR)
        at++;
    /* index 1 as a constant: deeps[1]'s tags are read, its code (past the end) is not */
    code_[at - 1] = (struct ksm_insn){.op = KSM_OP_CONST, .imm = 1};
    v = ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, KSM_HEADER_SIZE + 48 + 13);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.deeps.[].inner.code");
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict,
                     KSM_GRANTED);
    code_[at].size = 2; /* neither a sequence nor an array */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    /* an element's offset far past the message: out of bounds, nothing read there */
    code_[at] = (struct ksm_insn){.op = KSM_OP_CONST, .imm = (int64_t)0xfffffffffffffff0ull};
    code_[at - 1] = (struct ksm_insn){.op = KSM_OP_CONST, .imm = 0}; /* was the index's load */
    v = ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    /* no offset on the stack at all: the rule's first instruction (the index's load) reads
     * through one */
    bad = code_copy(t, code_, 64);
    code_[at - 1] = code_[at + 1];
    assert_true(code_[at - 1].flags & KSM_INSN_BASE);
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

/* Strings and sequences inside array elements, byte by byte (Rows' fixed part is 124 bytes: rows
 * at 0, three Row elements 32 bytes apart, each id at 0, name's descriptor at 4, items' at 12,
 * the union t at 20; tags at 96, two Tagged elements 12 apart, each a tag and s's descriptor at
 * 4; i at 120, j at 121; the arena at 152): the element's offset (KSM_OP_ELEM_ADDR), then the
 * descriptor read that many bytes past it (strings: KSM_INSN_STR_POPPED with the descriptor's
 * offset in the element; a sequence: SEQ_COUNT and ELEM_ADDR with KSM_INSN_BASE); an index past
 * the elements, a descriptor or text outside the message, a tag naming no arm deny naming the
 * field; offsets that cannot be a message's, or a missing one, are a malformed table. */
static void strings_and_sequences_in_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Rows {\n"
                                     "  assert (message.rows.[message.i].name == \"ab\" && "
                                     "length (message.rows.[message.i].name) == 2)\n"
                                     "  assert (message.rows.[0].name < "
                                     "message.rows.[message.i].name)\n"
                                     "  assert (size (message.rows.[message.i].items) == 2 && "
                                     "message.rows.[message.i].items.[message.j] == 515)\n"
                                     "  deny (message.tags.[message.j] == \"s\" && "
                                     "message.tags.[message.j].s == "
                                     "\"no\")\n}\n",
                                     "Rows");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    assert_int_equal(r.len, KSM_HEADER_SIZE + 124);
    uint32_t fixed = 124, name0[2] = {0, 3}, name1[2] = {4, 3}, items[2] = {8, 2}, tag = 1,
             s1[2] = {12, 3};
    uint16_t vals[2] = {1, 515};
    uint8_t *f = buf + KSM_HEADER_SIZE, *arena = buf + 152;
    memcpy(buf + 8, &fixed, 4);
    memcpy(f + 4, name0, 8);       /* rows[0].name "aa" */
    memcpy(f + 32 + 4, name1, 8);  /* rows[1].name "ab" */
    memcpy(f + 32 + 12, items, 8); /* rows[1].items [1, 515] */
    memcpy(f + 96 + 12, &tag, 4);  /* tags[1] holds s: "ok" */
    memcpy(f + 96 + 12 + 4, s1, 8);
    memcpy(arena, "aa\0\0ab\0\0", 8);
    memcpy(arena + 8, vals, 4);
    memcpy(arena + 12, "ok\0", 3);
    f[120] = 1; /* i */
    f[121] = 1; /* j */
    size_t len = 152 + 16;
    uint32_t popped_at = 0, seq_based = 0;
    for (uint32_t k = 0; k < t->ncode; k++) {
        popped_at += (t->code[k].flags & KSM_INSN_STR_POPPED) && t->code[k].arg == 4;
        seq_based += (t->code[k].op == KSM_OP_SEQ_COUNT || t->code[k].op == KSM_OP_ELEM_ADDR) &&
                     (t->code[k].flags & KSM_INSN_BASE) && t->code[k].arg == 12;
    }
    assert_int_equal(popped_at, 4); /* STR_EQ, STR_LEN, STR_CMP: name at 4; tags[j].s at 4 */
    assert_int_equal(seq_based, 2); /* size, and element j: items at 12 in the element */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    memcpy(arena + 4, "ac", 2); /* the name at i is no longer ab */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    memcpy(arena + 4, "ab", 2);
    f[120] = 0; /* row 0: "aa", not ab */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    f[120] = 3; /* past the rows */
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.rows");
    f[120] = 1;
    name1[0] = 4000; /* the name at i past the message */
    memcpy(f + 32 + 4, name1, 8);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.rows.[].name");
    name1[0] = 4;
    memcpy(f + 32 + 4, name1, 8);
    items[1] = 5; /* items past the message (at arena 8, 10 bytes: 2 past it) */
    memcpy(f + 32 + 12, items, 8);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.rows.[].items");
    items[1] = 2;
    memcpy(f + 32 + 12, items, 8);
    f[121] = 2; /* past the items */
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.rows.[].items");
    f[121] = 1;
    memcpy(arena + 12, "no", 2); /* tags[1].s is no */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    tag = 2; /* a tag naming no arm */
    memcpy(f + 96 + 12, &tag, 4);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_UNION_ARM);
    assert_string_equal(t->fields[v.field], "message.tags.[]");
    tag = 0; /* n: s is not read */
    memcpy(f + 96 + 12, &tag, 4);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);

    struct ksm_insn code[128];
    struct ksm_table bad = code_copy(t, code, 128);
    uint32_t at = 0, cnt = 0;
    while (!(code[at].op == KSM_OP_STR_EQ && (code[at].flags & KSM_INSN_STR_POPPED)))
        at++;
    assert_int_equal(code[at - 1].op, KSM_OP_ELEM_ADDR);
    /* an element's offset that no message has: a malformed table */
    code[at - 1] = (struct ksm_insn){.op = KSM_OP_CONST, .imm = (int64_t)0x100000000ull};
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    /* one past the message, whatever arg adds to it: out of bounds, nothing read there */
    code[at - 1] = (struct ksm_insn){.op = KSM_OP_CONST, .imm = (int64_t)0xfffffff0ull};
    v = ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.rows.[].name");
    bad = code_copy(t, code, 128);
    while (!(code[cnt].op == KSM_OP_SEQ_COUNT && (code[cnt].flags & KSM_INSN_BASE)))
        cnt++;
    assert_int_equal(code[cnt - 1].op, KSM_OP_ELEM_ADDR);
    assert_int_equal(code[cnt - 2].op, KSM_OP_LOAD); /* i: the rule's first instruction */
    code[cnt - 2] = code[cnt]; /* a sequence in an element, without an element's offset */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    bad = code_copy(t, code, 128);
    for (uint32_t k = 0; k < t->ncode; k++)
        if (code[k].op == KSM_OP_ELEM_ADDR && (code[k].flags & KSM_INSN_BASE))
            code[k].size = 2; /* neither a sequence (0) nor an array (1): malformed */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    bad = code_copy(t, code, 128);
    code[cnt].op = KSM_OP_SEQ_ELEM; /* only SEQ_COUNT and ELEM_ADDR read a sequence so */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

/* member of a sequence in an element, byte by byte (Rows: row i's items' descriptor at 12 in the
 * element, elements 32 bytes apart from 0; the arena at 152): the value, then the element's
 * offset (KSM_OP_ELEM_ADDR), then KSM_OP_SEQ_MEMBER with KSM_INSN_BASE reading the descriptor
 * 12 bytes past it; at most the count in steps; items outside the message deny naming them. */
static void member_of_a_sequence_in_an_element(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Rows {\n"
                                     "  assert (member {value : 515, of : "
                                     "message.rows.[message.i].items})\n}\n",
                                     "Rows");
    const struct ksm_table *t = r.t;
    uint32_t fixed = 124, items[2] = {8, 2};
    uint16_t vals[3] = {1, 515, 515};
    uint8_t *f = buf + KSM_HEADER_SIZE, *arena = buf + 152;
    memcpy(buf + 8, &fixed, 4);
    memcpy(f + 32 + 12, items, 8); /* rows[1].items [1, 515] */
    memcpy(arena + 8, vals, 6);
    f[120] = 1; /* i */
    size_t len = 152 + 16;
    uint32_t mem = 0;
    while (mem < t->ncode && t->code[mem].op != KSM_OP_SEQ_MEMBER)
        mem++;
    assert_true(mem < t->ncode);
    assert_int_equal(t->code[mem].flags, KSM_INSN_BASE);
    assert_int_equal(t->code[mem].arg, 12);
    assert_int_equal(t->code[mem - 1].op, KSM_OP_ELEM_ADDR);
    assert_int_equal(t->code[0].op, KSM_OP_CONST); /* the value first, under the offset */
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    items[1] = 1; /* 515 past the count: not among the items */
    memcpy(f + 32 + 12, items, 8);
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    f[120] = 0; /* row 0: no items */
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    f[120] = 1;
    items[1] = 5; /* items past the message (at arena 8, 10 bytes: 2 past it) */
    memcpy(f + 32 + 12, items, 8);
    struct ksm_verdict v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.rows.[].items");
    f[120] = 3; /* past the rows */
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.rows");
    f[120] = 1;
    items[1] = 2;
    memcpy(f + 32 + 12, items, 8);
    struct ksm_insn code[64];
    struct ksm_table bad = code_copy(t, code, 64);
    code[1] = code[mem]; /* right after the value: it is popped as the offset, no value left */
    assert_int_equal(calc_decide(&bad, &r, len).reason, KSM_R_BAD_TABLE);
    bad = code_copy(t, code, 64);
    code[mem].op = KSM_OP_SEQ_ELEM; /* an element in an element is read through ELEM_ADDR */
    assert_int_equal(calc_decide(&bad, &r, len).reason, KSM_R_BAD_TABLE);
}

/* Sequences of strings and of structs, and arrays, in an element, byte by byte (Groups' fixed
 * part is 100 bytes: groups at 0, two Group elements 44 bytes apart, each names' descriptor at
 * 4, the array a at 12 (3 UInt16), pts' descriptor at 20 (Points of 8 bytes: x at 0, y at 4),
 * the array corners at 28; i at 88, j at 89, tag's descriptor at 92; the arena at 128). */
static void sequences_and_arrays_in_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Groups {\n"
                                     "  assert (member {value : message.tag, of : "
                                     "message.groups.[message.i].names})\n"
                                     "  assert (message.groups.[message.i].names.[message.j] == "
                                     "\"ab\")\n"
                                     "  assert (member {value : 13, of : "
                                     "message.groups.[message.i].a} && "
                                     "size (message.groups.[message.i].a) == 3)\n"
                                     "  assert (size (message.groups.[message.i].pts) == 2 && "
                                     "message.groups.[message.i].pts.[message.j].y == -7)\n"
                                     "  assert (message.groups.[message.i].corners.[message.j].x "
                                     "== 4 && "
                                     "message.groups.[message.i].a.[message.j] == 13)\n}\n",
                                     "Groups");
    const struct ksm_table *t = r.t;
    assert_int_equal(r.len, KSM_HEADER_SIZE + 100);
    uint32_t fixed = 100, names[2] = {0, 2}, tag[2] = {24, 3}, pts[2] = {32, 2};
    uint32_t descs[4] = {16, 3, 20, 3}; /* "xy", "ab" */
    uint16_t a[3] = {0, 13, 0}, x = 4;
    int32_t y = -7;
    uint8_t *f = buf + KSM_HEADER_SIZE, *arena = buf + 128, *g = f + 44;
    memcpy(buf + 8, &fixed, 4);
    memcpy(g + 4, names, 8);
    memcpy(g + 12, a, 6);
    memcpy(g + 20, pts, 8);
    memcpy(g + 28 + 8, &x, 2); /* corners[1].x */
    memcpy(f + 92, tag, 8);
    memcpy(arena, descs, 16);
    memcpy(arena + 16, "xy\0\0ab\0\0ab\0\0", 12); /* names' texts, then the tag's */
    memcpy(arena + 32 + 8 + 4, &y, 4);            /* pts[1].y */
    f[88] = 1;                                    /* i */
    f[89] = 1;                                    /* j */
    size_t len = 128 + 48;
    uint32_t str_member = 0, arr_addr = 0, arr_member = 0, seq_count = 0;
    for (uint32_t k = 0; k < t->ncode; k++) {
        const struct ksm_insn *in = &t->code[k];
        str_member += in->op == KSM_OP_SEQ_STR_MEMBER && in->flags == KSM_INSN_BASE && in->arg == 4;
        arr_addr += in->op == KSM_OP_ELEM_ADDR && in->flags == KSM_INSN_BASE && in->size == 1;
        arr_member += in->op == KSM_OP_ARRAY_MEMBER && in->flags == KSM_INSN_BASE && in->arg == 12;
        seq_count += in->op == KSM_OP_SEQ_COUNT && in->flags == KSM_INSN_BASE && in->size == 0 &&
                     ((uint64_t)in->imm >> 32) == 8 && in->arg == 20;
    }
    assert_int_equal(str_member, 1); /* names at 4 in the element */
    assert_int_equal(arr_addr, 2);   /* corners' and a's element j */
    assert_int_equal(arr_member, 1); /* a at 12 */
    assert_int_equal(seq_count, 1);  /* pts at 20, of 8-byte structs */
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    memcpy(arena + 24, "ac", 2); /* the tag is no longer among the names */
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    memcpy(arena + 24, "ab", 2);
    a[1] = 14; /* 13 no longer in a */
    memcpy(g + 12, a, 6);
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    a[1] = 13;
    memcpy(g + 12, a, 6);
    y = -6; /* pts[1].y */
    memcpy(arena + 44, &y, 4);
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    y = -7;
    memcpy(arena + 44, &y, 4);
    x = 5; /* corners[1].x */
    memcpy(g + 36, &x, 2);
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    x = 4;
    memcpy(g + 36, &x, 2);
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    names[1] = 1; /* j past the names (the tag "ab" is the second: not found either) */
    memcpy(g + 4, names, 8);
    struct ksm_verdict v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_RULE); /* member fails first */
    memcpy(tag, (uint32_t[]){16, 3}, 8);    /* the tag "xy", the first name */
    memcpy(f + 92, tag, 8);
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.groups.[].names");
    names[1] = 2;
    memcpy(g + 4, names, 8);
    pts[0] = 4000; /* the points past the message */
    memcpy(g + 20, pts, 8);
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.groups.[].pts");
    pts[0] = 32;
    memcpy(g + 20, pts, 8);
    f[89] = 3; /* j past a's three elements (and corners' two) */
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.groups.[].names");
    f[89] = 1;
    f[88] = 2; /* i past the groups */
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.groups");
    f[88] = 1;
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    /* the array's size: element i's offset times 0, plus 3 */
    uint32_t k = 0;
    while (!(t->code[k].op == KSM_OP_MUL_U))
        k++;
    assert_int_equal(t->code[k - 2].op, KSM_OP_ELEM_ADDR);
    assert_int_equal(t->code[k + 1].imm, 3);
    struct ksm_insn code[256];
    struct ksm_table bad = code_copy(t, code, 256);
    for (uint32_t q = 0; q < t->ncode; q++)
        if (code[q].op == KSM_OP_SEQ_STR_MEMBER)
            code[q - 1] = code[q - 2]; /* no element's offset: the index i in its place */
    assert_int_equal(calc_decide(&bad, &r, len).reason, KSM_R_BAD_TABLE);
}

/* member's field among the structs of a sequence or array in an element, byte by byte (Groups'
 * layout above: pts' descriptor at 20 in a group, Points of 8 bytes with x at 0 and y at 4, the
 * array corners at 28): the value, element i's offset (KSM_OP_ELEM_ADDR), then
 * KSM_OP_SEQ_FIELD_MEMBER or KSM_OP_ARRAY_FIELD_MEMBER with KSM_INSN_BASE reading the descriptor
 * (or corner 0's y) arg bytes past it; points outside the message deny naming the inner field,
 * i past the groups naming the groups; a member without the element's offset is malformed. */
static void field_member_in_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Groups {\n"
                                     "  assert (member {value : 33, of : "
                                     "message.groups.[message.i].pts, field : x})\n"
                                     "  assert (!member {value : -33, of : "
                                     "message.groups.[message.i].corners, field : y})\n}\n",
                                     "Groups");
    const struct ksm_table *t = r.t;
    uint32_t fixed = 100, pts[2] = {0, 2}, smem = 0, amem = 0;
    uint16_t x = 33;
    int32_t y = -33;
    uint8_t *f = buf + KSM_HEADER_SIZE, *arena = buf + 128, *g = f + 44;
    memcpy(buf + 8, &fixed, 4);
    memcpy(g + 20, pts, 8);
    memcpy(arena + 8, &x, 2); /* pts[1].x */
    f[88] = 1;                /* i */
    size_t len = 128 + 16;
    for (uint32_t k = 0; k < t->ncode; k++) {
        const struct ksm_insn *in = &t->code[k];
        smem += in->op == KSM_OP_SEQ_FIELD_MEMBER && in->flags == KSM_INSN_BASE && in->arg == 20 &&
                k > 0 && t->code[k - 1].op == KSM_OP_ELEM_ADDR;
        amem += in->op == KSM_OP_ARRAY_FIELD_MEMBER && in->flags == KSM_INSN_BASE &&
                in->arg == 28 + 4 && ((uint64_t)in->imm >> 48) == 8;
    }
    assert_int_equal(smem, 1); /* pts at 20 in the element */
    assert_int_equal(amem, 1); /* corners at 28, y 4 bytes into a corner */
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    memcpy(g + 28 + 8 + 4, &y, 4); /* corners[1].y in group i */
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    memcpy(g - 44 + 28 + 4, &y, 4); /* in group 0 too, and no more in group i */
    memset(g + 28 + 8 + 4, 0, 4);
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    x = 34; /* 33 no longer among group i's points' x */
    memcpy(arena + 8, &x, 2);
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    memcpy(arena, &(uint16_t){33}, 2); /* pts[0].x */
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    pts[1] = 3; /* a third point past the message */
    memcpy(g + 20, pts, 8);
    struct ksm_verdict v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.groups.[].pts");
    pts[1] = 2;
    memcpy(g + 20, pts, 8);
    f[88] = 2; /* i past the groups */
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.groups");
    f[88] = 1;
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    struct ksm_insn code[128];
    struct ksm_table bad = code_copy(t, code, 128);
    for (uint32_t q = 0; q < t->ncode; q++)
        if (code[q].op == KSM_OP_SEQ_FIELD_MEMBER)
            code[q - 1] = (struct ksm_insn){.op = KSM_OP_ADD_U}; /* one word, not two, below it */
    assert_int_equal(calc_decide(&bad, &r, len).reason, KSM_R_BAD_TABLE);
    bad = code_copy(t, code, 128);
    for (uint32_t q = 0; q < t->ncode; q++)
        if (code[q].op == KSM_OP_ARRAY_FIELD_MEMBER)
            code[q].op = KSM_OP_ARRAY_FIELD; /* an indexed read does not take an element's base */
    assert_int_equal(calc_decide(&bad, &r, len).reason, KSM_R_BAD_TABLE);
}

/* Deeper nesting byte by byte (psltest.Calc.Deeper: fixed part 68 bytes, arena at 96: labs at 0,
 * two Labels 20 bytes apart, each names' two descriptors in place at 4; qs's descriptor at 40,
 * qp's at 48, i at 56, j at 57). labs.[i].names.[j] is element i's offset, then j's
 * (KSM_OP_ELEM_ADDR with KSM_INSN_BASE, an array: size 1); qs.[i].[j] and qp.[i].[j].y are
 * element i's offset (a descriptor in the run), then element j of the sequence it describes;
 * member of qs.[i] and of qp.[i]'s x read that sequence's descriptor at 0 in element i. A
 * descriptor outside the message at each new level, or an index past the elements there, denies
 * naming the inner field. */
static void deeper_nested_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Deeper {\n"
                                     "  assert (message.labs.[message.i].names.[message.j] == "
                                     "\"ab\" && size (message.labs.[message.i].names) == 2)\n"
                                     "  assert (member {value : \"ab\", of : "
                                     "message.labs.[message.i].names})\n"
                                     "  assert (message.qs.[message.i].[message.j] == \"ab\")\n"
                                     "  assert (member {value : \"ab\", of : "
                                     "message.qs.[message.i]})\n"
                                     "  assert (message.qp.[message.i].[message.j].y == -7 && "
                                     "member {value : 5, of : message.qp.[message.i], field : x})\n"
                                     "}\n",
                                     "Deeper");
    const struct ksm_table *t = r.t;
    assert_int_equal(r.len, KSM_HEADER_SIZE + 68);
    uint32_t fixed = 68, ab[2] = {0, 3}, qs[2] = {8, 2}, qs_run[4] = {0, 0, 24, 2}, qp[2] = {40, 2},
             qp_run[4] = {56, 0, 56, 2}, far[2] = {4000, 3};
    uint8_t *f = buf + KSM_HEADER_SIZE, *arena = buf + 96;
    int32_t y = -7;
    memcpy(buf + 8, &fixed, 4);
    memcpy(f + 20 + 4 + 8, ab, 8); /* labs[1].names[1] */
    memcpy(f + 40, qs, 8);
    memcpy(f + 48, qp, 8);
    memcpy(arena, "ab\0", 3);
    memcpy(arena + 8, qs_run, 16);
    memcpy(arena + 24 + 8, ab, 8); /* qs[1][1] */
    memcpy(arena + 40, qp_run, 16);
    arena[56] = 5;                 /* qp[1][0].x */
    memcpy(arena + 64 + 4, &y, 4); /* qp[1][1].y */
    f[56] = 1;                     /* i */
    f[57] = 1;                     /* j */
    size_t len = 96 + 72;
    uint32_t inner_arr = 0;
    for (uint32_t k = 0; k < t->ncode; k++)
        inner_arr += t->code[k].op == KSM_OP_ELEM_ADDR && t->code[k].flags == KSM_INSN_BASE &&
                     t->code[k].size == 1 && t->code[k].arg == 4;
    assert_int_equal(inner_arr, 1); /* labs' names at 4 in a label, an array */
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    static const struct far_case cases[] = {
        /* at: a descriptor replaced by far, or (j) an index */
        {KSM_HEADER_SIZE + 20 + 4 + 8, "message.labs.[].names"}, /* labs[1].names[1] */
        {96 + 16, "message.qs.[]"},                              /* qs[1] */
        {96 + 24 + 8, "message.qs.[]"},                          /* qs[1][1] */
        {96 + 48, "message.qp.[]"},                              /* qp[1] */
        {KSM_HEADER_SIZE + 40, "message.qs"},                    /* qs itself */
    };
    expect_far_denied(t, &r, len, cases, sizeof cases / sizeof cases[0], far);
    f[57] = 2; /* j past the names (an array of 2) */
    struct ksm_verdict v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.labs.[].names");
    f[57] = 1;
    qp_run[3] = 1; /* j past qp[1]'s points */
    memcpy(arena + 40, qp_run, 16);
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.qp.[]");
    qp_run[3] = 2;
    memcpy(arena + 40, qp_run, 16);
    f[56] = 2; /* i past the labels */
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.labs");
    f[56] = 1;
    /* each read depends on its nested value */
    static const uint32_t flips[] = {KSM_HEADER_SIZE + 20 + 4 + 8 + 4, 96 + 24 + 8 + 4, 96 + 68,
                                     96 + 56};
    for (size_t c = 0; c < sizeof flips / sizeof flips[0]; c++) {
        uint8_t saved = buf[flips[c]];
        buf[flips[c]] ^= 1; /* a string's count (then "a"), y, x */
        assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
        buf[flips[c]] = saved;
    }
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
}

/* Three levels byte by byte (psltest.Calc.Deepest: fixed part 28 bytes, arena at 56: r's
 * descriptor at 0, qi's at 8, qu's at 16, i at 24, j at 25, k at 26). Each level is one more
 * KSM_OP_ELEM_ADDR with KSM_INSN_BASE on the offset the level above gave: r.[i].[j].[k] is
 * three, qi.[i].[j].<path> two, then the union's arm (KSM_OP_UNION_ARM with KSM_INSN_BASE) and
 * the string, sequence or integer read at its offset in the Item; qu.[i].[j]'s tag is read in
 * element j of sequence i. A descriptor outside the message at each level, an index past the
 * elements at each level, or a union holding another arm, denies naming the path with []. */
static void deepest_nested_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Deepest {\n"
                                     "  assert (message.r.[message.i].[message.j].[message.k] == "
                                     "500 && "
                                     "size (message.r.[message.i].[message.j]) == 2 && "
                                     "member {value : 7, of : message.r.[message.i].[message.j]})\n"
                                     "  assert (message.qi.[message.i].[message.j].name == \"ab\" "
                                     "&& "
                                     "message.qi.[message.i].[message.j].items.[message.k] == 9 && "
                                     "message.qi.[message.i].[message.j].u.pt.y == -7)\n"
                                     "  assert (message.qu.[message.i].[message.j] == \"s\" && "
                                     "message.qu.[message.i].[message.j].s == -3)\n"
                                     "}\n",
                                     "Deepest");
    const struct ksm_table *t = r.t;
    assert_int_equal(r.len, KSM_HEADER_SIZE + 28);
    uint32_t fixed = 28, rd[2] = {8, 2}, r_run[4] = {0, 0, 24, 2}, r1_run[4] = {0, 0, 40, 2},
             qid[2] = {48, 2}, qi_run[4] = {0, 0, 64, 2}, ab[2] = {0, 3}, items[2] = {128, 2},
             pt = 1, qud[2] = {136, 2}, qu_run[4] = {0, 0, 152, 2}, s_arm = 1, far[2] = {4000, 2};
    uint16_t r11[2] = {7, 500}, it[2] = {0, 9};
    int32_t y = -7;
    int16_t sv = -3;
    uint8_t *f = buf + KSM_HEADER_SIZE, *arena = buf + 56;
    memcpy(buf + 8, &fixed, 4);
    memcpy(f, rd, 8);
    memcpy(f + 8, qid, 8);
    memcpy(f + 16, qud, 8);
    memcpy(arena, "ab\0", 3);
    memcpy(arena + 8, r_run, 16);   /* r[1]: two sequences at 24 */
    memcpy(arena + 24, r1_run, 16); /* r[1][1]: two UInt16 at 40 */
    memcpy(arena + 40, r11, 4);
    memcpy(arena + 48, qi_run, 16); /* qi[1]: two Items at 64, 32 bytes each */
    memcpy(arena + 96 + 4, ab, 8);  /* qi[1][1].name */
    memcpy(arena + 96 + 12, items, 8);
    memcpy(arena + 96 + 20, &pt, 4); /* u holds pt: x at 24, y at 28 */
    memcpy(arena + 96 + 28, &y, 4);
    memcpy(arena + 128, it, 4);
    memcpy(arena + 136, qu_run, 16); /* qu[1]: two Nums at 152, 8 bytes each */
    memcpy(arena + 160, &s_arm, 4);
    memcpy(arena + 164, &sv, 2);
    f[24] = f[25] = f[26] = 1; /* i, j, k */
    size_t len = 56 + 168;
    uint32_t third = 0;
    for (uint32_t k = 2; k < t->ncode; k++) /* r.[i].[j].[k]: three element steps in a row */
        third += t->code[k].op == KSM_OP_ELEM_ADDR && t->code[k].flags == KSM_INSN_BASE &&
                 t->code[k - 2].op == KSM_OP_ELEM_ADDR && t->code[k - 2].flags == KSM_INSN_BASE;
    assert_true(third >= 1);
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    static const struct far_case cases[] = {
        /* at: a descriptor replaced by far */
        {56 + 16, "message.r.[]"},            /* r[1] */
        {56 + 32, "message.r.[].[]"},         /* r[1][1] */
        {KSM_HEADER_SIZE, "message.r"},       /* r itself */
        {56 + 56, "message.qi.[]"},           /* qi[1] */
        {56 + 100, "message.qi.[].[].name"},  /* qi[1][1].name */
        {56 + 108, "message.qi.[].[].items"}, /* qi[1][1].items */
        {56 + 144, "message.qu.[]"},          /* qu[1] */
    };
    expect_far_denied(t, &r, len, cases, sizeof cases / sizeof cases[0], far);
    static const struct {
        uint32_t at; /* an index, or a count, set to 2 or less than the index */
        uint8_t value;
        const char *field;
    } past[] = {
        {KSM_HEADER_SIZE + 26, 2, "message.r.[].[]"}, /* k past r[1][1]'s two */
        {KSM_HEADER_SIZE + 25, 2, "message.r.[]"},    /* j past r[1]'s two */
        {KSM_HEADER_SIZE + 24, 2, "message.r"},       /* i past r's two */
        {56 + 36, 1, "message.r.[].[]"},              /* r[1][1] holds one: k 1 past it */
        {56 + 60, 1, "message.qi.[]"},                /* qi[1] holds one Item: j 1 past it */
        {56 + 148, 1, "message.qu.[]"},               /* qu[1] holds one Num: j 1 past it */
    };
    for (size_t c = 0; c < sizeof past / sizeof past[0]; c++) {
        uint8_t saved = buf[past[c].at];
        buf[past[c].at] = past[c].value;
        struct ksm_verdict v = calc_decide(t, &r, len);
        assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
        assert_string_equal(t->fields[v.field], past[c].field);
        buf[past[c].at] = saved;
    }
    buf[56 + 116] = 0; /* qi[1][1].u holds code: pt.y is not read */
    struct ksm_verdict v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_UNION_ARM);
    assert_string_equal(t->fields[v.field], "message.qi.[].[].u.pt.y");
    buf[56 + 116] = 1;
    buf[56 + 160] = 5; /* a tag naming no arm of Num */
    v = calc_decide(t, &r, len);
    assert_int_equal(v.reason, KSM_R_UNION_ARM);
    assert_string_equal(t->fields[v.field], "message.qu.[].[]");
    buf[56 + 160] = 0; /* n: the test is false, s not read */
    assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
    buf[56 + 160] = 1;
    /* each read depends on its nested value: 500, 7 (member), the name, 9, y, s */
    static const uint32_t flips[] = {56 + 42, 56 + 40, 56 + 0, 56 + 130, 56 + 124, 56 + 164};
    for (size_t c = 0; c < sizeof flips / sizeof flips[0]; c++) {
        uint8_t saved = buf[flips[c]];
        buf[flips[c]] ^= 1;
        assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
        buf[flips[c]] = saved;
    }
    assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
}

/* psltest.Calc.Arrays's request byte by byte (fixed part 40 bytes, arena at 64): m's descriptor
 * at 0 to two arrays of three UInt16 in place at arena 0 (6 bytes each: {1, 2, 3}, {4, 300, 6}),
 * ms's at 8 to three arrays of two string descriptors at arena 12 (16 bytes each; ms[1] is
 * {"ab", "root"}, the texts at arena 60 and 64), mp's at 16 to two arrays of two Points at arena
 * 72 (16 bytes each; mp[1][1].y -9), the array of arrays aa in place at 24 (aa[2][1] -1), i at
 * 30 and j at 31 (both 1). Returns the message's length. */
static size_t arrays_request(void)
{
    uint32_t fixed = 40, md[2] = {0, 2}, msd[2] = {12, 3}, mpd[2] = {72, 2}, ab[2] = {60, 3},
             root[2] = {64, 5};
    uint16_t m[6] = {1, 2, 3, 4, 300, 6};
    int32_t y = -9;
    uint8_t *f = buf + KSM_HEADER_SIZE, *arena = buf + 64;
    memcpy(buf + 8, &fixed, 4);
    memcpy(f, md, 8);
    memcpy(f + 8, msd, 8);
    memcpy(f + 16, mpd, 8);
    f[24 + 2 * 2 + 1] = 0xff; /* aa[2][1]: -1 */
    f[30] = f[31] = 1;
    memcpy(arena, m, 12);
    memcpy(arena + 12 + 16, ab, 8); /* ms[1][0] */
    memcpy(arena + 12 + 24, root, 8);
    memcpy(arena + 60, "ab\0", 3);
    memcpy(arena + 64, "root", 5);
    memcpy(arena + 72 + 16 + 8 + 4, &y, 4); /* mp[1][1].y */
    return 64 + 104;
}

/* Arrays as a sequence's elements, in place (psltest.Calc.Arrays): element i of m is i times 6
 * bytes into m's run (KSM_OP_ELEM_ADDR, stride 6, then the inner array's element j at 0 in it,
 * KSM_INSN_BASE, size 1), the run counted by its elements' size (KSM_OP_SEQ_COUNT size 0, stride
 * 6); an array's strings, structs and an array of arrays in the fixed part read the same way.
 * Each read depends on the bytes it names; an index past the sequence or past an inner array,
 * a run or a string outside the message, denies naming the level's path. */
static void arrays_in_sequence_elements(void **state)
{
    (void)state;
    static const struct {
        const char *rule;
        uint32_t flip; /* a byte of the value read: the rule fails without it */
        struct {
            uint32_t at; /* a byte set to value: an index past its elements, a count, an offset */
            uint8_t value;
            const char *field;
        } past[4];
    } parts[] = {
        {"assert (message.m.[message.i].[message.j] == 300 && size (message.m) == 2 && size "
         "(message.m.[message.i]) == 3 && member {value : 4, of : message.m.[message.i]})",
         64 + 8,
         {{KSM_HEADER_SIZE + 30, 2, "message.m"},
          {KSM_HEADER_SIZE + 31, 3, "message.m.[]"},
          {KSM_HEADER_SIZE + 4, 30, "message.m"}, /* the run past the message */
          {KSM_HEADER_SIZE + 4, 1, "message.m"}}},
        {"assert (message.ms.[message.i].[message.j] == \"root\" && length "
         "(message.ms.[message.i].[0]) == 2 && member {value : \"ab\", of : "
         "message.ms.[message.i]})",
         64 + 65,
         {{KSM_HEADER_SIZE + 30, 3, "message.ms"},
          {KSM_HEADER_SIZE + 31, 2, "message.ms.[]"},
          {64 + 12 + 24, 200, "message.ms.[]"}, /* ms[1][1]'s text past the message */
          {KSM_HEADER_SIZE + 12, 1, "message.ms"}}},
        {"assert (message.mp.[message.i].[message.j].y == -9 && member {value : -9, of : "
         "message.mp.[message.i], field : y})",
         64 + 100,
         {{KSM_HEADER_SIZE + 30, 2, "message.mp"},
          {KSM_HEADER_SIZE + 31, 2, "message.mp.[]"},
          {KSM_HEADER_SIZE + 20, 3, "message.mp"},
          {KSM_HEADER_SIZE + 16, 90, "message.mp"}}},
        {"assert (message.aa.[message.i + 1].[message.j] == -1 && member {value : -1, of : "
         "message.aa.[2]} && size (message.aa.[message.i]) == 2)",
         KSM_HEADER_SIZE + 29,
         {{KSM_HEADER_SIZE + 30, 2, "message.aa"},
          {KSM_HEADER_SIZE + 31, 2, "message.aa.[]"},
          {KSM_HEADER_SIZE + 30, 3, "message.aa"},
          {KSM_HEADER_SIZE + 31, 255, "message.aa.[]"}}},
    };
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        struct calc_req r = calc_request(psl_fmt("request dst=psltest.Server endpoint=calc "
                                                 "method=Arrays {\n  %s\n}\n",
                                                 parts[k].rule),
                                         "Arrays");
        const struct ksm_table *t = r.t;
        assert_int_equal(r.len, KSM_HEADER_SIZE + 40);
        size_t len = arrays_request();
        assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
        uint8_t saved = buf[parts[k].flip];
        buf[parts[k].flip] ^= 1;
        assert_int_equal(calc_decide(t, &r, len).reason, KSM_R_RULE);
        buf[parts[k].flip] = saved;
        for (size_t c = 0; c < 4; c++) {
            saved = buf[parts[k].past[c].at];
            buf[parts[k].past[c].at] = parts[k].past[c].value;
            struct ksm_verdict v = calc_decide(t, &r, len);
            if (v.reason != KSM_R_FIELD_BOUNDS || v.field >= t->nfields ||
                strcmp(t->fields[v.field], parts[k].past[c].field))
                fail_msg("part %zu, case %zu: reason %s, field %s, want %s", k, c,
                         ksm_reason_name(v.reason),
                         v.field < t->nfields ? t->fields[v.field] : "(none)",
                         parts[k].past[c].field);
            buf[parts[k].past[c].at] = saved;
        }
        if (k == 0) { /* m's elements: 6 bytes apart, in the counting and in the element step */
            int steps = 0, counts = 0;
            for (uint32_t c = 0; c < t->ncode; c++) {
                const struct ksm_insn *in = &t->code[c];
                uint64_t imm = (uint64_t)in->imm;
                steps += in->op == KSM_OP_ELEM_ADDR && in->size == 0 && imm >> 48 == 6;
                steps += in->op == KSM_OP_ELEM_ADDR && in->size == 1 &&
                         in->flags == KSM_INSN_BASE && imm >> 48 == 2 &&
                         ((imm >> 32) & 0xffff) == 2;
                counts += in->op == KSM_OP_SEQ_COUNT && in->size == 0 && (imm >> 32) == 6;
            }
            assert_true(steps >= 2 && counts == 1);
        }
        assert_int_equal(calc_decide(t, &r, len).verdict, KSM_GRANTED);
    }
}

/* Nested elements byte by byte (psltest.Calc.Nested: fixed part 68 bytes, arena at 96: the array
 * of strings a's three descriptors in place at 0, q's descriptor at 24, i at 56, j at 57). a.[i]
 * is KSM_OP_ELEM_ADDR (an array, 8-byte elements) and the string instruction with
 * KSM_INSN_STR_POPPED, a.[0] a string at a fixed offset, member of a KSM_OP_SEQ_STR_MEMBER with
 * size 3 (the array's length); q.[i] is element i's offset (KSM_OP_ELEM_ADDR of the run of
 * descriptors), then the inner sequence's descriptor at 0 in it (KSM_INSN_BASE). Every index
 * past its elements and every descriptor outside the message denies, naming the field; a table
 * whose ELEM_ADDR is neither a sequence's nor an array's, or that pops the value of a member
 * from an empty stack, is malformed. */
static void nested_elements(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Nested {\n"
                                     "  assert (message.a.[message.i] != \"root\" && length "
                                     "(message.a.[0]) == 2)\n"
                                     "  assert (!member {value : \"evil\", of : message.a})\n"
                                     "  assert (size (message.q.[message.i]) <= 2 && "
                                     "message.q.[message.i].[message.j] != 9)\n}\n",
                                     "Nested");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    uint8_t *f = buf + KSM_HEADER_SIZE;
    uint32_t fixed = 68, asize = 40, a[6] = {0, 3, 4, 3, 0, 0}, q[2] = {8, 2};
    uint32_t qd[4] = {24, 2, 26, 1}; /* q.[0]: {1, 2} at arena 24, q.[1]: {3} at 26 */
    memcpy(buf + 8, &fixed, 4);
    memcpy(buf + 12, &asize, 4);
    memcpy(f, a, 24);
    memcpy(f + 24, q, 8);
    memcpy(buf + 96, "ab\0cd\0", 6);
    memcpy(buf + 96 + 8, qd, 16);
    const uint8_t qb[3] = {1, 2, 3};
    memcpy(buf + 96 + 24, qb, 3);
    memcpy(buf + 96 + 28, "evil", 5); /* not yet any element's */
    f[56] = 1;
    size_t len = 96 + 40;
    int elem_addr = 0, member = 0;
    for (uint32_t k = 0; k < t->ncode; k++) {
        const struct ksm_insn *in = &t->code[k];
        elem_addr += in->op == KSM_OP_ELEM_ADDR && in->arg == KSM_HEADER_SIZE && in->size == 1 &&
                     ((uint64_t)in->imm >> 48) == 8 && t->code[k + 1].op == KSM_OP_STR_EQ &&
                     t->code[k + 1].flags == KSM_INSN_STR_POPPED;
        member += in->op == KSM_OP_SEQ_STR_MEMBER && in->size == 3 && in->arg == KSM_HEADER_SIZE;
    }
    assert_int_equal(elem_addr, 1);
    assert_int_equal(member, 1);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    f[56] = 3; /* i past a's three strings */
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.a");
    f[56] = 1;
    a[2] = 4000; /* a.[1]'s text past the message */
    memcpy(f, a, 24);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.a");
    a[2] = 4;
    a[0] = 1; /* a.[0] "b": length 1 */
    memcpy(f, a, 24);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    a[0] = 0;
    a[4] = 28; /* a.[2] "evil" */
    a[5] = 5;
    memcpy(f, a, 24);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    a[4] = 4000; /* a.[2] past the message: member reads it, finding no equal one before */
    memcpy(f, a, 24);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.a");
    a[4] = 0;
    a[5] = 0;
    memcpy(f, a, 24);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    f[57] = 1; /* j past q.[1]'s one byte */
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.q.[]");
    f[56] = 0; /* q.[0].[1] is 2 */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    buf[96 + 25] = 9; /* now 9 */
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    buf[96 + 25] = 2;
    f[56] = 2; /* i past q's two sequences (a.[2] is empty, not root) */
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.q");
    f[56] = 1;
    f[57] = 0;
    qd[2] = 4000; /* q.[1]'s bytes past the message */
    memcpy(buf + 96 + 8, qd, 16);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.q.[]");
    qd[2] = 26;
    memcpy(buf + 96 + 8, qd, 16);
    q[1] = 5; /* the run of descriptors past the message */
    memcpy(f + 24, q, 8);
    v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.q");
    q[1] = 2;
    memcpy(f + 24, q, 8);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    struct ksm_insn code[256];
    struct ksm_table bad = code_copy(t, code, 256);
    for (uint32_t k = 0; k < t->ncode; k++)
        if (code[k].op == KSM_OP_ELEM_ADDR && code[k].arg == KSM_HEADER_SIZE)
            code[k].size = 2; /* neither a sequence nor an array */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    bad = code_copy(t, code, 256);
    for (uint32_t k = 0; k < t->ncode; k++)
        if (code[k].op == KSM_OP_SEQ_STR_MEMBER)
            code[k].flags |= KSM_INSN_OTHER_POPPED; /* a value's offset from an empty stack */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

/* member through a union's arm in the elements, byte by byte (Mixed: nums' descriptor at 12 of
 * the fixed part, each Num 8 bytes in the arena at 104: its tag, then n or s at 4): the guard
 * (KSM_OP_UNION_ARM with KSM_INSN_EACH, the tag 4 bytes before the field) is checked in each
 * element, and an element holding another arm, or a tag naming none, does not match; elements
 * past the message deny naming the sequence; a guard that is no UNION_ARM, or whose tag would
 * lie before the message, is a malformed table. */
static void member_through_union(void **state)
{
    (void)state;
    struct calc_req r = calc_request("request dst=psltest.Server endpoint=calc method=Mixed {\n"
                                     "  deny (member {value : 7, of : message.nums, field : "
                                     "n})\n}\n",
                                     "Mixed");
    const struct ksm_table *t = r.t;
    uint32_t cl = r.cl, sv = r.sv, ep = r.ep, m = r.m;
    uint32_t fixed = 80, desc[2] = {0, 2}, el[4] = {0, 1, 1, 7}; /* n 1, then s 7 */
    memcpy(buf + 8, &fixed, 4);
    memcpy(buf + KSM_HEADER_SIZE + 12, desc, 8);
    memcpy(buf + 104, el, 16);
    size_t len = 104 + 16;
    uint32_t guards = 0, at = 0;
    for (uint32_t k = 0; k < t->ncode; k++)
        if (t->code[k].flags & KSM_INSN_EACH) {
            guards++;
            at = k;
            assert_int_equal(t->code[k].op, KSM_OP_UNION_ARM);
            assert_int_equal(t->code[k].arg, 4);
            assert_int_equal(t->code[k + 1].op, KSM_OP_SEQ_FIELD_MEMBER);
        }
    assert_int_equal(guards, 1);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    el[2] = 0; /* the second holds n 7 */
    memcpy(buf + 104, el, 16);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    el[2] = 2; /* a tag naming no arm: no n there */
    memcpy(buf + 104, el, 16);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    desc[1] = 3; /* a third element past the message */
    memcpy(buf + KSM_HEADER_SIZE + 12, desc, 8);
    struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(t->fields[v.field], "message.nums");
    desc[1] = 2;
    memcpy(buf + KSM_HEADER_SIZE + 12, desc, 8);
    el[2] = 0;
    memcpy(buf + 104, el, 16);
    struct ksm_insn code[64];
    struct ksm_table bad = code_copy(t, code, 64);
    code[at].arg = 200; /* the tag before the message's start */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    bad = code_copy(t, code, 64);
    code[at].op = KSM_OP_UNION_TAG; /* a guard is a UNION_ARM */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
    bad = code_copy(t, code, 64);
    code[at - 1].flags |= KSM_INSN_EACH; /* the value's CONST taken for a guard */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

/* A handle's object type: one byte per handle right after the message (24 + 16 + 8 * 2 + arena
 * for Blob with two handles), padded to 8, present only when the length says so; without them
 * (a core request, a message too close to the limit) the rule denies naming the field. The types
 * are no part of the message: nothing else reads them. */
static void handle_types(void **state)
{
    (void)state;
    struct policy *p;
    struct ksm_table *t = compile("request dst=psltest.Server endpoint=calc method=Blob {\n"
                                  "  assert (message.h.type == 7)\n}\n",
                                  &p);
    uint32_t cl = (uint32_t)psl_test_class(p, "psltest.Client"),
             sv = (uint32_t)psl_test_class(p, "psltest.Server"), ep, m;
    memset(buf, 0, 256);
    psl_test_msg(p, KSM_EV_REQUEST, "psltest.Server", "calc", "Blob", buf, &ep, &m);
    uint32_t fixed = 12, index = 1, arena = 3;
    memcpy(buf + 8, &fixed, 4);
    memcpy(buf + 12, &arena, 4);
    buf[16] = 2; /* handle_count */
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    /* the table at 40 and 48, the arena's 3 bytes at 56, the types at 59 and 60, zeros to 67 */
    buf[59] = 1;
    buf[60] = 7;
    size_t len = 59 + 8;
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    index = 0; /* the other handle: a process */
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason, KSM_R_RULE);
    index = 1;
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    for (size_t cut = 59; cut < len + 8; cut++) { /* any other length: no types */
        if (cut == len)
            continue;
        struct ksm_verdict v = ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, cut);
        assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
        assert_string_equal(t->fields[v.field], "message.h.type");
    }
    index = 2; /* past handle_count */
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    assert_int_equal(ksm_decide(t, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_FIELD_BOUNDS);
    index = 1;
    memcpy(buf + KSM_HEADER_SIZE + 8, &index, 4);
    /* The types are not part of the message: a sequence reaching into them is out of bounds. */
    struct ksm_table *s = compile("request dst=psltest.Server endpoint=calc method=Blob {\n"
                                  "  assert (message.h.type == 7 && size (message.data) <= 9)\n}\n",
                                  &p);
    uint32_t data[2] = {0, 3}; /* data: the arena's 3 bytes */
    memcpy(buf + KSM_HEADER_SIZE, data, 8);
    assert_int_equal(ksm_decide(s, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).verdict, KSM_GRANTED);
    data[1] = 4; /* one byte into the types */
    memcpy(buf + KSM_HEADER_SIZE, data, 8);
    struct ksm_verdict v = ksm_decide(s, KSM_EV_REQUEST, cl, sv, ep, m, buf, len);
    assert_int_equal(v.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(s->fields[v.field], "message.data");
    struct ksm_insn code[64];
    struct ksm_table bad = code_copy(t, code, 64);
    for (uint32_t k = 0; k < t->ncode; k++)
        if (code[k].op == KSM_OP_HANDLE)
            code[k].imm = (int64_t)((uint64_t)code[k].imm | 3ull << 32); /* no fourth part */
    assert_int_equal(ksm_decide(&bad, KSM_EV_REQUEST, cl, sv, ep, m, buf, len).reason,
                     KSM_R_BAD_TABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_table_matches_compiler),
        cmocka_unit_test(every_event_type),
        cmocka_unit_test(bad_ids_and_bounds),
        cmocka_unit_test(class_ids_by_name),
        cmocka_unit_test(default_deny),
        cmocka_unit_test(selectors_and_nesting),
        cmocka_unit_test(all_rules_must_grant),
        cmocka_unit_test(operators_and_types),
        cmocka_unit_test(string_fields),
        cmocka_unit_test(every_integer_type),
        cmocka_unit_test(nested_struct_fields),
        cmocka_unit_test(nested_string_fields),
        cmocka_unit_test(strings_and_sequences_in_elements),
        cmocka_unit_test(member_of_a_sequence_in_an_element),
        cmocka_unit_test(sequences_and_arrays_in_elements),
        cmocka_unit_test(field_member_in_elements),
        cmocka_unit_test(deeper_nested_elements),
        cmocka_unit_test(deepest_nested_elements),
        cmocka_unit_test(arrays_in_sequence_elements),
        cmocka_unit_test(hashset_tuple_entries),
        cmocka_unit_test(hashset_entry_range),
        cmocka_unit_test(member_through_union),
        cmocka_unit_test(nested_elements),
        cmocka_unit_test(audit_flags),
        cmocka_unit_test(lookup_independent_of_rule_count),
        cmocka_unit_test(flow_state),
        cmocka_unit_test(hashset_state),
        cmocka_unit_test(staticmap_state),
        cmocka_unit_test(staticmap_bytes_state),
        cmocka_unit_test(mic_state),
        cmocka_unit_test(resource_state),
        cmocka_unit_test(struct_element_fields),
        cmocka_unit_test(regex_table),
        cmocka_unit_test(choice_table),
        cmocka_unit_test(sequence_elements),
        cmocka_unit_test(handle_fields),
        cmocka_unit_test(array_struct_fields),
        cmocka_unit_test(string_elements),
        cmocka_unit_test(handle_types),
        cmocka_unit_test(union_elements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
