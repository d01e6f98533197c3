/*
 * A policy compiled by pslc deciding on requests that idlc's generated proxies marshalled
 * (test/host/ksm/wire): the two ends of docs/message-format.md's nested forms, written by one
 * program and read by the other. The other decision tests build their messages with pslc's own
 * builder (PAL, psl_testlib), which shares pslc's idea of the layout; here the bytes come from
 * the generated C and the idl runtime, so an offset, alignment, element size or signedness the
 * two sides disagree on turns a grant into a denial or back.
 *
 * The transport is the monitored path in small: the proxy's request is copied, decided by
 * ksm_decide() on wire.psl as the kernel's security channel asks, and only a granted request
 * goes on to the generated dispatcher (which validates it again and calls the handler).
 * Forms: an array of strings, a sequence of sequences, a sequence of structs holding a string
 * and a signed sequence, bytes in a sequence, and a signed sequence of sequences compared with
 * negative literals; every rule's value is placed where the arena holds earlier parameters'
 * bytes before it (Mixed), and alone at arena offset 0 (Signed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "psl_testlib.h"
#include "wiretest/Wire.idl.h"

static struct typedesc td;
static struct policy *pol;
static struct ksm_table *tab;
static uint32_t cls_client, cls_server;

static struct ksm_verdict last; /* the verdict on the last request */
static int decided, handled;

/* A granted request reached the handler: counted, answered with rc 0. */
static Retcode h_rc(uint32_t *rc)
{
    handled++;
    *rc = 0;
    return rcOk;
}

static Retcode h_mixed(void *ctx, const char *const *a, struct idl_seq q, struct idl_seq items,
                       struct idl_seq bq, struct idl_seq s, uint8_t i, uint8_t j, uint32_t *rc)
{
    (void)ctx, (void)a, (void)q, (void)items, (void)bq, (void)s, (void)i, (void)j;
    return h_rc(rc);
}

static Retcode h_signed(void *ctx, struct idl_seq s, uint8_t i, uint8_t j, uint32_t *rc)
{
    (void)ctx, (void)s, (void)i, (void)j;
    return h_rc(rc);
}

static const struct wiretest_Wire_ops ops = {h_mixed, h_signed};

/* The monitor's copy, then the receiver's (the same bytes: these requests carry no handles). */
static _Alignas(8) uint8_t seen[IDL_MESSAGE_MAX];
static Retcode transport(void *ctx, const void *req, size_t len, void *res, size_t cap,
                         size_t *res_len)
{
    memcpy(seen, req, len);
    uint32_t ep, m;
    memcpy(&ep, seen, 4); /* the header's endpoint_id and method_id, as the kernel reads them */
    memcpy(&m, seen + 4, 4);
    decided++;
    last = ksm_decide(tab, KSM_EV_REQUEST, cls_client, cls_server, ep, m, seen, len);
    if (last.verdict != KSM_GRANTED)
        return rcSecurityDisallow;
    return wiretest_Wire_dispatch(ctx, NULL, seen, len, res, cap, res_len);
}

static _Alignas(8) uint8_t req_buf[IDL_MESSAGE_MAX], res_buf[IDL_MESSAGE_MAX];
static struct idl_client client = {transport, (void *)&ops,   0,      req_buf, sizeof req_buf,
                                   res_buf,   sizeof res_buf, IDL_OK, 0};

static int setup(void **state)
{
    (void)state;
    if (td_load_file(&td, KL_CORE_TYPEDESC) || td_load_file(&td, PSL_WIRE_TYPEDESC))
        return -1;
    psl_diag_reset(stderr);
    tab = pslc_compile_file(&td, NULL, 0, PSL_WIRE_POLICY, &pol);
    if (!tab)
        return -1;
    cls_client = (uint32_t)policy_class_id(pol, "wiretest.Client");
    cls_server = (uint32_t)policy_class_id(pol, "wiretest.Server");
    return 0;
}

/* The values of one Mixed request, in C form; mixed_base() gives one every rule grants. */
struct mixed {
    const char *a[3];
    uint8_t q0[4], q1[4], q2[4];
    struct idl_seq qrows[3];
    int16_t v0[4], v1[4];
    struct wiretest_Wire_Item items[3];
    uint8_t b0[16], b1[16];
    struct idl_seq blobs[2];
    int16_t s0[4], s1[4], s2[4];
    struct idl_seq srows[3];
    uint8_t i, j;
};

static void mixed_base(struct mixed *x)
{
    memset(x, 0, sizeof *x);
    x->a[0] = "alice";
    x->a[1] = "bob";
    x->a[2] = "carol";
    memcpy(x->q0, (uint8_t[]){1, 2, 3}, 3);
    memcpy(x->q1, (uint8_t[]){4, 5, 6, 7}, 4);
    memcpy(x->q2, (uint8_t[]){8, 9}, 2);
    x->qrows[0] = (struct idl_seq){x->q0, 3, NULL};
    x->qrows[1] = (struct idl_seq){x->q1, 4, NULL};
    x->qrows[2] = (struct idl_seq){x->q2, 2, NULL};
    memcpy(x->v0, (int16_t[]){-1, 5}, 2 * sizeof(int16_t));
    memcpy(x->v1, (int16_t[]){100, -100, 3}, 3 * sizeof(int16_t));
    x->items[0] = (struct wiretest_Wire_Item){.id = 1, .name = "x", .vals = {x->v0, 2, NULL}};
    x->items[1] = (struct wiretest_Wire_Item){.id = 2, .name = "yy", .vals = {x->v1, 3, NULL}};
    x->items[2] = (struct wiretest_Wire_Item){.id = 3, .name = "", .vals = {NULL, 0, NULL}};
    for (int k = 0; k < 16; k++)
        x->b0[k] = (uint8_t)k;
    memcpy(x->b1, (uint8_t[]){1, 2, 3}, 3);
    x->blobs[0] = (struct idl_seq){x->b0, 16, NULL};
    x->blobs[1] = (struct idl_seq){x->b1, 3, NULL};
    memcpy(x->s0, (int16_t[]){-1, -2}, 2 * sizeof(int16_t));
    memcpy(x->s1, (int16_t[]){3, -4, 5}, 3 * sizeof(int16_t));
    memcpy(x->s2, (int16_t[]){-6, 7, -8, -9}, 4 * sizeof(int16_t));
    x->srows[0] = (struct idl_seq){x->s0, 2, NULL};
    x->srows[1] = (struct idl_seq){x->s1, 3, NULL};
    x->srows[2] = (struct idl_seq){x->s2, 4, NULL};
}

/* Sends x through the generated proxy; returns the verdict (after checking that a grant reached
 * the handler and a denial did not). */
static int send_mixed(const struct mixed *x)
{
    uint32_t rc = 99;
    int d = decided, h = handled;
    Retcode r = wiretest_Wire_Mixed(
        &client, x->a, (struct idl_seq){x->qrows, 3, NULL}, (struct idl_seq){x->items, 3, NULL},
        (struct idl_seq){x->blobs, 2, NULL}, (struct idl_seq){x->srows, 3, NULL}, x->i, x->j, &rc);
    assert_int_equal(decided, d + 1);
    if (last.verdict == KSM_GRANTED) {
        assert_int_equal(r, rcOk);
        assert_int_equal(handled, h + 1);
        assert_int_equal(rc, 0);
    } else {
        assert_int_equal(r, rcSecurityDisallow);
        assert_int_equal(handled, h);
    }
    return last.verdict;
}

/* The verdict was a denial by a rule (not a bounds or malformed-table denial). */
static void assert_rule_denied(int verdict)
{
    assert_int_equal(verdict, KSM_DENIED);
    assert_int_equal(last.reason, KSM_R_RULE);
}

static void base_granted(void **state)
{
    (void)state;
    struct mixed x;
    mixed_base(&x);
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    /* The computed indexes over every element the rules read. */
    for (x.i = 0; x.i < 3; x.i++)
        for (x.j = 0; x.j < 5; x.j++)
            assert_int_equal(send_mixed(&x), KSM_GRANTED);
}

static void array_of_strings(void **state)
{
    (void)state;
    struct mixed x;
    mixed_base(&x);
    x.a[1] = "root";
    assert_rule_denied(send_mixed(&x));
    x.a[1] = "roo";
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.a[0] = "root"; /* the constant index reads the second string only */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    mixed_base(&x);
    x.a[2] = "evil";
    x.i = 2;
    assert_rule_denied(send_mixed(&x));
    x.i = 1;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
}

static void sequence_of_sequences(void **state)
{
    (void)state;
    struct mixed x;
    mixed_base(&x);
    x.q1[2] = 200; /* q.[1].[2] */
    assert_rule_denied(send_mixed(&x));
    mixed_base(&x);
    x.q0[2] = 200; /* q.[0].[2]: not the element the rule names */
    x.q1[3] = 200;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    mixed_base(&x);
    x.q2[1] = 77; /* q.[i].[j] with i = 2, j = 1 */
    x.i = 2;
    x.j = 1;
    assert_rule_denied(send_mixed(&x));
    x.j = 0;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.i = 1; /* q.[1].[1] is 5 */
    x.j = 1;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
}

static void sequence_of_structs(void **state)
{
    (void)state;
    struct mixed x;
    mixed_base(&x);
    x.items[1].id = 13;
    x.i = 1;
    assert_rule_denied(send_mixed(&x));
    x.i = 0;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);

    mixed_base(&x);
    x.items[2].name = "mallory";
    assert_rule_denied(send_mixed(&x));
    x.items[2].name = "mallor";
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.items[1].name = "mallory"; /* the rule reads element 2's name only */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);

    /* A signed sequence in an element: items.[1].vals.[1] < -100. */
    mixed_base(&x);
    x.i = 1;
    x.j = 1;
    assert_int_equal(send_mixed(&x), KSM_GRANTED); /* -100 itself */
    x.v1[1] = -101;
    assert_rule_denied(send_mixed(&x));
    x.v1[1] = INT16_MIN;
    assert_rule_denied(send_mixed(&x));
    x.v1[1] = INT16_MAX;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.v1[1] = -101;
    x.j = 2; /* element 1's third value, 3 */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.j = 3; /* past element 1's three values: the guard stops the read */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.i = 0; /* element 0's values: -1, 5 */
    x.j = 1;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.v0[1] = -30000;
    assert_rule_denied(send_mixed(&x));
}

static void bytes_in_a_sequence(void **state)
{
    (void)state;
    struct mixed x;
    mixed_base(&x);
    x.b1[2] = 255; /* member of bq.[1] */
    assert_rule_denied(send_mixed(&x));
    x.b1[2] = 254;
    x.b0[15] = 255; /* bq.[0] is not looked at */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.b1[3] = 255; /* past bq.[1]'s three bytes: not one of them */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.blobs[1].count = 16; /* now it is */
    assert_rule_denied(send_mixed(&x));
}

static void signed_sequence_of_sequences(void **state)
{
    (void)state;
    struct mixed x;
    mixed_base(&x);
    /* s.[i].[j] == -7 */
    x.s2[2] = -7;
    x.i = 2;
    x.j = 2;
    assert_rule_denied(send_mixed(&x));
    x.j = 1; /* 7, not -7 */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.s2[1] = -7;
    assert_rule_denied(send_mixed(&x));
    x.i = 1; /* s.[1].[1] is -4 */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.s1[1] = -7;
    assert_rule_denied(send_mixed(&x));
    /* s.[2].[3] < -1000 */
    mixed_base(&x);
    x.s2[3] = -1000;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.s2[3] = -1001;
    assert_rule_denied(send_mixed(&x));
    x.s2[3] = INT16_MIN;
    assert_rule_denied(send_mixed(&x));
    x.s2[3] = INT16_MAX;
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
    x.s2[3] = -1001;
    x.srows[2].count = 3; /* no fourth value: the guard stops the read */
    assert_int_equal(send_mixed(&x), KSM_GRANTED);
}

/* Signed: the run at arena offset 0, read without guards. */
static int send_signed(struct idl_seq *rows, uint32_t n, uint8_t i, uint8_t j)
{
    uint32_t rc = 99;
    int h = handled;
    Retcode r = wiretest_Wire_Signed(&client, (struct idl_seq){rows, n, NULL}, i, j, &rc);
    assert_int_equal(r, last.verdict == KSM_GRANTED ? rcOk : rcSecurityDisallow);
    assert_int_equal(handled, h + (last.verdict == KSM_GRANTED));
    return last.verdict;
}

static void signed_alone(void **state)
{
    (void)state;
    int16_t r0[4] = {-32767, 1, -6, 8}, r1[2] = {-7, 7};
    struct idl_seq rows[2] = {{r0, 4, NULL}, {r1, 2, NULL}};
    assert_int_equal(send_signed(rows, 2, 0, 2), KSM_GRANTED);
    assert_int_equal(send_signed(rows, 2, 1, 1), KSM_GRANTED);
    assert_rule_denied(send_signed(rows, 2, 1, 0)); /* -7 */
    r0[3] = -7;
    assert_rule_denied(send_signed(rows, 2, 0, 3));
    /* member {value : -32768, of : s.[0]}: the most negative value, not its neighbour */
    r0[3] = INT16_MIN;
    assert_rule_denied(send_signed(rows, 2, 0, 0));
    r0[3] = 8;
    r1[0] = INT16_MIN; /* in s.[1], which member does not look at */
    assert_int_equal(send_signed(rows, 2, 0, 0), KSM_GRANTED);
    /* Indexes past the sequences, or past sequence i's values: out of bounds, by name. */
    assert_int_equal(send_signed(rows, 2, 2, 0), KSM_DENIED);
    assert_int_equal(last.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(tab->fields[last.field], "message.s");
    assert_int_equal(send_signed(rows, 2, 1, 2), KSM_DENIED);
    assert_int_equal(last.reason, KSM_R_FIELD_BOUNDS);
    assert_string_equal(tab->fields[last.field], "message.s.[]");
    assert_int_equal(send_signed(rows, 2, 0, 3), KSM_GRANTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_granted),          cmocka_unit_test(array_of_strings),
        cmocka_unit_test(sequence_of_sequences), cmocka_unit_test(sequence_of_structs),
        cmocka_unit_test(bytes_in_a_sequence),   cmocka_unit_test(signed_sequence_of_sequences),
        cmocka_unit_test(signed_alone),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
