/*
 * The audit of security model objects' methods (KasperskyOS CE 1.2's per-object audit
 * configurations: kss, Flow's omit, Regex's emit) on ksm/policy/test/audit.psl, as pslc wrote
 * it as C (the KSM's table): which records ksm_decide_audit() gives at each runtime level of the
 * profile `trace`, and that none are looked for when no profile audits an object. The verdict
 * text the KSM sends with them is checked in ksm_answer_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "psl_audit_table.psl.h"
#include "ksm_test_store.h"
#include "psl_testlib.h"

#define C(name) psl_audit_table_CLASS_##name

static struct ksm_table table; /* a copy of the emitted table: tests set its runtime level */
static struct policy *pol;

/* The process slots: the kernel, Einit 1, the server 2, the client 3, a second server 4. */
static struct ksm_test_store store;
static struct ksm_state st;
static uint8_t buf[512];

static int setup(void **state)
{
    (void)state;
    table = psl_audit_table;
    pol = NULL;
    psl_test_policy(PSL_POLICY_DIR "/audit.psl", &pol);
    return ksm_test_store_reset(&store, &table, 8, &st) ? 0 : -1;
}

static struct ksm_verdict start(uint32_t cls, uint32_t sid, struct ksm_audit_log *log)
{
    return ksm_decide_audit(&table, &st, log, KSM_EV_EXECUTE, C(psltest_Einit), cls, 1, sid, 0, 0,
                            NULL, 0);
}

/* A request of the client (slot 3) to the server in slot `srv`; msg[0..len). */
static struct ksm_verdict call(uint32_t srv, uint32_t ep, uint32_t m, size_t len,
                               struct ksm_audit_log *log)
{
    return ksm_decide_audit(&table, &st, log, KSM_EV_REQUEST, C(psltest_Client), C(psltest_Server),
                            3, srv, ep, m, buf, len);
}

static size_t msg(const char *method, uint32_t *ep, uint32_t *m)
{
    memset(buf, 0, sizeof buf);
    return psl_test_msg(pol, KSM_EV_REQUEST, "psltest.Server", "calc", method, buf, ep, m);
}

/* A string `s` for the descriptor at byte `desc` of a message of len bytes (its fixed part the
 * whole message): returns the new length. */
static size_t with_string(size_t len, uint32_t desc, const char *s)
{
    uint32_t fixed = (uint32_t)(len - KSM_HEADER_SIZE), off = 0, count = (uint32_t)strlen(s) + 1;
    fixed = (fixed + 7u) & ~7u;
    memcpy(buf + 8, &fixed, 4);
    memcpy(buf + desc, &off, 4);
    memcpy(buf + desc + 4, &count, 4);
    memcpy(buf + KSM_HEADER_SIZE + fixed, s, count);
    return KSM_HEADER_SIZE + fixed + count;
}

static struct ksm_verdict ping(uint32_t srv, uint32_t value, struct ksm_audit_log *log)
{
    uint32_t ep, m;
    size_t len = msg("Ping", &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, "psltest.Server", "calc", "Ping", buf, "value", value);
    return call(srv, ep, m, len, log);
}

static struct ksm_verdict nest(uint32_t srv, struct ksm_audit_log *log)
{
    uint32_t ep, m;
    size_t len = msg("Nest", &ep, &m);
    return call(srv, ep, m, len, log);
}

static struct ksm_verdict name(uint32_t srv, const char *text, struct ksm_audit_log *log)
{
    uint32_t ep, m;
    size_t len = msg("Name", &ep, &m);
    len = with_string(len, KSM_HEADER_SIZE, text); /* the first parameter: its descriptor */
    return call(srv, ep, m, len, log);
}

/* The descriptor of Label's l.label: the operand of the table's select instruction. */
static uint32_t label_desc(void)
{
    for (uint32_t i = 0; i < table.ncode; i++)
        if (table.code[i].op == KSM_OP_REGEX_MATCH && table.code[i].size == 1)
            return table.code[i].arg;
    fail();
    return 0;
}

static struct ksm_verdict label(uint32_t srv, const char *text, struct ksm_audit_log *log)
{
    uint32_t ep, m;
    size_t len = msg("Label", &ep, &m);
    len = with_string(len, label_desc(), text);
    return call(srv, ep, m, len, log);
}

static void check(const struct ksm_audit_rec *r, uint32_t method, int granted, uint64_t a,
                  uint64_t b)
{
    assert_int_equal(r->method, method);
    assert_int_equal(r->granted, granted);
    assert_int_equal(r->a, a);
    assert_int_equal(r->b, b);
    assert_true(r->loc != 0 && r->loc < table.nlocs);
}

/* The table: one audit configuration per (profile, level, object); each pattern's object. */
static void table_layout(void **state)
{
    (void)state;
    assert_non_null(table.obj_audit);
    assert_int_equal(table.naudit_objects, 1 + 1 + 1 + 1 + 2); /* sess ports lim mic re names */
    assert_int_equal(table.nregex_objects, 2);
    assert_string_equal(table.regex_object_names[0], "re");
    assert_string_equal(table.regex_object_names[1], "names");
    assert_int_equal(table.audit_level, 1);
    /* trace (profile 1), level 2: sess omits "open" (state 1), ports logs denials only */
    const struct ksm_obj_audit *l2 =
        &table.obj_audit[(1 * table.nlevels + 2) * table.naudit_objects];
    assert_int_equal(l2[0].mask, KSM_AUDIT_GRANTED | KSM_AUDIT_DENIED);
    assert_int_equal(l2[0].omit, 1u << 1);
    assert_int_equal(l2[1].mask, KSM_AUDIT_DENIED);
    assert_int_equal(l2[2].mask, 0);
    assert_int_equal(l2[ksm_audit_object_id(&table, 4, 0)].mask, KSM_AUDIT_EMIT_SELECT);
    assert_int_equal(l2[ksm_audit_object_id(&table, 4, 1)].mask, 0);
    for (uint32_t k = 0; k < table.nregexes; k++)
        assert_int_equal(table.regex_object[k],
                         strcmp(table.regexes[k].pattern, "^[a-z]+$") == 0 ? 1u : 0u);
}

/* Level 1 logs every method: the rules of the execute, a transition and an add, every
 * expression, a Mic rule, a select; the methods after a denying rule are not called. */
static void every_method(void **state)
{
    (void)state;
    struct ksm_audit_log log;
    table.audit_level = 1;
    assert_int_equal(start(C(psltest_Server), 2, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 4);
    check(&log.rec[0], KSM_CALL_FLOW_INIT, 1, 0, 1); /* no machine -> idle */
    check(&log.rec[1], KSM_CALL_SET_INIT, 1, 0, 0);
    check(&log.rec[2], KSM_CALL_MAP_INIT, 1, 0, 0);
    check(&log.rec[3], KSM_CALL_MIC_EXECUTE, 1, 0, 0);
    assert_int_equal(start(C(psltest_Client), 3, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 1);

    /* Name while idle: the match runs, the query gives idle, the assert denies: no more. */
    assert_int_equal(name(2, "abc", &log).verdict, KSM_DENIED);
    assert_int_equal(log.n, 2);
    check(&log.rec[0], KSM_AX_REGEX_MATCH, 1, 1, 0);
    check(&log.rec[1], KSM_AX_FLOW_QUERY, 1, 0, 0);

    assert_int_equal(ping(2, 80, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 2);
    check(&log.rec[0], KSM_CALL_FLOW_ENTER, 1, 1, 2); /* idle -> open */
    check(&log.rec[1], KSM_CALL_SET_ADD, 1, 80, 0);

    assert_int_equal(name(2, "abc", &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 5);
    check(&log.rec[0], KSM_AX_REGEX_MATCH, 1, 1, 0);
    check(&log.rec[1], KSM_AX_FLOW_QUERY, 1, 1, 0);           /* open */
    check(&log.rec[2], KSM_AX_MAP_GET_UNCOMMITTED, 1, 10, 0); /* max = 10 */
    check(&log.rec[3], KSM_AX_MIC_QUERY_LEVEL, 1, 0, 0);      /* low */
    check(&log.rec[4], KSM_CALL_MIC_CALL, 1, 0, 0);

    /* open -> open is no transition: denied, and the add after it is not called */
    assert_int_equal(ping(2, 81, &log).verdict, KSM_DENIED);
    assert_int_equal(log.n, 1);
    check(&log.rec[0], KSM_CALL_FLOW_ENTER, 0, 2, 2);

    assert_int_equal(label(2, "ab", &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 1);
    check(&log.rec[0], KSM_AX_REGEX_SELECT, 1, 1, 0);

    /* A server with no machine (slot 5 never started): the query cannot run. */
    assert_int_equal(name(5, "abc", &log).reason, KSM_R_NO_STATE);
    assert_int_equal(log.n, 2);
    check(&log.rec[1], KSM_AX_FLOW_QUERY, 0, 0, 0);
}

/* Level 2: Flow records only while the machine is not "open" before the call, HashSet records
 * only of failures, Regex records only of select, none of the objects it does not name. */
static void omit_and_emit(void **state)
{
    (void)state;
    struct ksm_audit_log log;
    table.audit_level = 2;
    assert_int_equal(start(C(psltest_Server), 2, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 1); /* sess.init; ports.init granted: not asked for */
    check(&log.rec[0], KSM_CALL_FLOW_INIT, 1, 0, 1);
    assert_int_equal(start(C(psltest_Client), 3, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 0);

    assert_int_equal(ping(2, 1, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 1); /* from idle: logged; the add succeeded: not */
    check(&log.rec[0], KSM_CALL_FLOW_ENTER, 1, 1, 2);
    assert_int_equal(nest(2, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 0); /* from open: omitted */
    assert_int_equal(name(2, "abc", &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 1); /* names, lim and mic are not audited; the query in closed is */
    check(&log.rec[0], KSM_AX_FLOW_QUERY, 1, 2, 0);
    /* closed -> open, then the add to the full table fails: both logged */
    assert_int_equal(ping(2, 2, &log).verdict, KSM_DENIED);
    assert_int_equal(log.n, 2);
    check(&log.rec[0], KSM_CALL_FLOW_ENTER, 1, 3, 2);
    check(&log.rec[1], KSM_CALL_SET_ADD, 0, 2, 0);
    assert_int_equal(label(2, "b", &log).verdict, KSM_DENIED);
    assert_int_equal(log.n, 1);
    check(&log.rec[0], KSM_AX_REGEX_SELECT, 1, 0, 0);
}

/* Level 0 configures no object: no record, and a grant writes nothing. */
static void level_without_objects(void **state)
{
    (void)state;
    struct ksm_audit_log log;
    table.audit_level = 0;
    struct ksm_verdict v = start(C(psltest_Server), 2, &log);
    assert_int_equal(v.verdict, KSM_GRANTED);
    assert_int_equal(v.audit, 0);
    assert_int_equal(log.n, 0);
    assert_int_equal(start(C(psltest_Client), 3, &log).verdict, KSM_GRANTED);
    assert_int_equal(ping(2, 1, &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 0);
    assert_int_equal(label(2, "ab", &log).verdict, KSM_GRANTED);
    assert_int_equal(log.n, 0);
}

/* A table without audited objects gives no records and has no audit table at all; and
 * ksm_decide_state decides exactly as ksm_decide_audit. */
static void no_object_audit(void **state)
{
    (void)state;
    struct ksm_table t = table;
    t.obj_audit = NULL;
    t.audit_level = 1;
    struct ksm_audit_log log;
    log.n = 99;
    assert_int_equal(ksm_decide_audit(&t, &st, &log, KSM_EV_EXECUTE, C(psltest_Einit),
                                      C(psltest_Server), 1, 2, 0, 0, NULL, 0)
                         .verdict,
                     KSM_GRANTED);
    assert_int_equal(log.n, 0);
    struct policy *p;
    char *diag;
    struct ksm_table *plain = psl_test_compile("execute: kl.core.Execute\nuse nk.base._\nuse "
                                               "nk.flow._\nuse EDL kl.core.Core\n"
                                               "policy object f : Flow { config = { states : "
                                               "[\"a\"], initial : \"a\", transitions : "
                                               "{ \"a\" : [\"a\"] } } }\n"
                                               "audit profile p = { 0 : { base : { kss : "
                                               "[\"granted\"] } } }\naudit default = p 0\n"
                                               "execute { f.init {sid : dst_sid} }\n",
                                               &p, &diag);
    assert_non_null(plain);
    assert_null(plain->obj_audit);
    table.audit_level = 1;
    struct ksm_verdict a = ksm_decide_audit(&table, &st, NULL, KSM_EV_EXECUTE, C(psltest_Einit),
                                            C(psltest_Client), 1, 3, 0, 0, NULL, 0);
    assert_int_equal(a.verdict, KSM_GRANTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(table_layout, setup),
        cmocka_unit_test_setup(every_method, setup),
        cmocka_unit_test_setup(omit_and_emit, setup),
        cmocka_unit_test_setup(level_without_objects, setup),
        cmocka_unit_test_setup(no_object_audit, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
