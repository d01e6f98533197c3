/*
 * Strings and sequences inside structs, unions and arrays (demo/Nested.idl): generated proxies
 * -> dispatcher -> handlers and back with every nested value intact, and every way a nested
 * reference can be wrong refused with its named error (out of the arena, count over the bound,
 * no terminator, misaligned, a union tag naming no arm), only where the union tags make the
 * reference present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "demo/Nested.idl.h"

static int handler_calls;

/* id 1: the reply is the name as text; else a code: the number and sum of the data bytes. */
static Retcode h_put(void *ctx, const struct demo_Nested_Entry *e, struct demo_Nested_Reply *r)
{
    (void)ctx;
    handler_calls++;
    if (e->id == 1) {
        r->tag = demo_Nested_Reply_text_TAG;
        r->u.text = e->name; /* a view into the request: still alive while the reply is made */
        return rcOk;
    }
    uint16_t sum = (uint16_t)e->data.count;
    for (uint32_t i = 0; i < e->data.count; i++)
        sum = (uint16_t)(sum + ((const uint8_t *)e->data.data)[i]);
    r->tag = demo_Nested_Reply_code_TAG;
    r->u.code = sum;
    return rcOk;
}

/* Everything back as it came, with count + 1 and the two rows swapped. */
static Retcode h_swap(void *ctx, const struct demo_Nested_Table *t, struct demo_Nested_Table *back)
{
    (void)ctx;
    handler_calls++;
    *back = *t;
    back->count = (uint8_t)(t->count + 1);
    back->rows[0] = t->rows[1];
    back->rows[1] = t->rows[0];
    return rcOk;
}

static Retcode h_choose(void *ctx, const struct demo_Nested_Deep *d,
                        const struct demo_Nested_Entry *p, uint32_t *n,
                        struct demo_Nested_Reply *why)
{
    (void)ctx;
    handler_calls++;
    if (d->tag == demo_Nested_Deep_entry_TAG && d->u.entry.id == 0) {
        why->tag = demo_Nested_Reply_text_TAG;
        why->u.text = "entry without an id";
        return rcInvalidArgument;
    }
    *n = d->tag * 1000u + p[0].id * 10u + p[1].id;
    if (d->tag == demo_Nested_Deep_reply_TAG && d->u.reply.tag == demo_Nested_Reply_text_TAG)
        *n += (uint32_t)strlen(d->u.reply.u.text) * 100000u;
    return rcOk;
}

static const struct demo_Nested_ops ops = {h_put, h_swap, h_choose};

static _Alignas(8) uint8_t server_req[IDL_MESSAGE_MAX];
static Retcode transport(void *ctx, const void *req, size_t req_len, void *res, size_t res_cap,
                         size_t *res_len)
{
    /* The server's own copy, as a real transport gives it. */
    memcpy(server_req, req, req_len);
    return demo_Nested_dispatch(ctx, NULL, server_req, req_len, res, res_cap, res_len);
}

static _Alignas(8) uint8_t req_buf[IDL_MESSAGE_MAX], res_buf[IDL_MESSAGE_MAX];
static struct idl_client client = {transport, (void *)&ops,   0,      req_buf, sizeof req_buf,
                                   res_buf,   sizeof res_buf, IDL_OK, 0};

static const uint8_t bytes5[] = {1, 2, 3, 4, 5};

static struct demo_Nested_Entry entry(uint32_t id, const char *name)
{
    struct demo_Nested_Entry e = {0};
    e.id = id;
    e.name = name;
    e.data = (struct idl_seq){bytes5, 5, NULL};
    e.reply.tag = demo_Nested_Reply_text_TAG;
    e.reply.u.text = "hello";
    return e;
}

static void test_struct_with_strings_round_trip(void **state)
{
    (void)state;
    struct demo_Nested_Entry e = entry(1, "alice");
    struct demo_Nested_Reply r;
    handler_calls = 0;
    assert_int_equal(demo_Nested_Put(&client, &e, &r), rcOk);
    assert_int_equal(handler_calls, 1);
    assert_int_equal(r.tag, demo_Nested_Reply_text_TAG);
    assert_string_equal(r.u.text, "alice");
    /* The view points into the response buffer. */
    assert_true((const uint8_t *)r.u.text >= res_buf &&
                (const uint8_t *)r.u.text < res_buf + sizeof res_buf);

    e = entry(2, "");
    assert_int_equal(demo_Nested_Put(&client, &e, &r), rcOk);
    assert_int_equal(r.tag, demo_Nested_Reply_code_TAG);
    assert_int_equal(r.u.code, 5 + 1 + 2 + 3 + 4 + 5);
}

static void test_arrays_sequences_of_strings_and_plain_unions(void **state)
{
    (void)state;
    static const char *const labels[] = {"one", "", "three"};
    static const uint32_t words[] = {7, 8};
    struct demo_Nested_Table t = {0}, back;
    t.count = 4;
    t.rows[0] = entry(10, "first");
    t.rows[1] = entry(20, "second");
    t.rows[1].reply.tag = demo_Nested_Reply_code_TAG;
    t.rows[1].reply.u.code = 0xBEEF;
    t.rows[1].data.count = 0;
    t.plain.tag = demo_Types_Value_point_TAG;
    t.plain.u.point.x = -3;
    t.plain.u.point.y = 9;
    t.labels = (struct idl_seq){labels, 3, NULL};
    t.alias = "bob";
    t.words = (struct idl_seq){words, 2, NULL};
    assert_int_equal(demo_Nested_Swap(&client, &t, &back), rcOk);
    assert_int_equal(back.count, 5);
    assert_int_equal(back.rows[0].id, 20);
    assert_string_equal(back.rows[0].name, "second");
    assert_int_equal(back.rows[0].data.count, 0);
    assert_int_equal(back.rows[0].reply.tag, demo_Nested_Reply_code_TAG);
    assert_int_equal(back.rows[0].reply.u.code, 0xBEEF);
    assert_int_equal(back.rows[1].id, 10);
    assert_string_equal(back.rows[1].name, "first");
    assert_int_equal(back.rows[1].data.count, 5);
    assert_memory_equal(back.rows[1].data.data, bytes5, 5);
    assert_int_equal(back.rows[1].reply.tag, demo_Nested_Reply_text_TAG);
    assert_string_equal(back.rows[1].reply.u.text, "hello");
    assert_int_equal(back.plain.tag, demo_Types_Value_point_TAG);
    assert_int_equal(back.plain.u.point.x, -3);
    assert_int_equal(back.plain.u.point.y, 9);
    assert_int_equal(back.labels.count, 3);
    assert_string_equal(idl_seq_string(&back.labels, 0), "one");
    assert_string_equal(idl_seq_string(&back.labels, 1), "");
    assert_string_equal(idl_seq_string(&back.labels, 2), "three");
    assert_string_equal(back.alias, "bob");
    assert_int_equal(back.words.count, 2);
    assert_memory_equal(back.words.data, words, sizeof words);
}

static void test_unions_of_nested_types_and_error_reply(void **state)
{
    (void)state;
    struct demo_Nested_Entry pair[2] = {entry(3, "x"), entry(4, "y")};
    struct demo_Nested_Deep d = {0};
    uint32_t n = 0;
    struct demo_Nested_Reply why = {0};
    d.tag = demo_Nested_Deep_reply_TAG;
    d.u.reply.tag = demo_Nested_Reply_text_TAG;
    d.u.reply.u.text = "four";
    assert_int_equal(demo_Nested_Choose(&client, &d, pair, &n, &why), rcOk);
    assert_int_equal(n, 4 * 100000u + 2000u + 34u);

    d.tag = demo_Nested_Deep_entry_TAG;
    d.u.entry = entry(0, "nobody");
    assert_int_equal(demo_Nested_Choose(&client, &d, pair, &n, &why), IDL_RC_ERROR_REPLY);
    assert_int_equal(why.tag, demo_Nested_Reply_text_TAG);
    assert_string_equal(why.u.text, "entry without an id");

    /* The sender's tag decides which arm is written: a tag naming no arm is refused already. */
    d.tag = 3;
    assert_int_equal(demo_Nested_Choose(&client, &d, pair, &n, &why), rcBadMessage);
    assert_int_equal(client.last_error, IDL_ERR_BAD_TAG);
}

static void test_marshal_refuses_bad_values(void **state)
{
    (void)state;
    char longname[66];
    memset(longname, 'a', 65);
    longname[65] = 0;
    struct demo_Nested_Entry e = entry(1, longname);
    struct demo_Nested_Reply r;
    assert_int_equal(demo_Nested_Put(&client, &e, &r), rcOutOfRange);
    assert_int_equal(client.last_error, IDL_ERR_STRING_TOO_LONG);
    e = entry(1, "ok");
    e.data.count = 17;
    assert_int_equal(demo_Nested_Put(&client, &e, &r), rcBadMessage);
    assert_int_equal(client.last_error, IDL_ERR_COUNT_OVERFLOW);
    e = entry(1, "ok");
    e.data.data = NULL;
    assert_int_equal(demo_Nested_Put(&client, &e, &r), rcInvalidArgument);
    assert_int_equal(client.last_error, IDL_ERR_ARGUMENT);
}

/* --- malformed messages ------------------------------------------------------------------ */

static _Alignas(8) uint8_t msg[4096];
static size_t msg_len;

/* A valid Put request for entry(1, "alice") with a text reply "hello". */
static void build_put(void)
{
    struct demo_Nested_Entry e = entry(1, "alice");
    const void *args[] = {&e};
    assert_int_equal(idl_marshal(&demo_Nested_methods[demo_Nested_Put_MID], IDL_PART_REQUEST, 0,
                                 args, msg, sizeof msg, &msg_len),
                     IDL_OK);
    assert_int_equal(
        idl_validate(&demo_Nested_methods[demo_Nested_Put_MID], IDL_PART_REQUEST, msg, msg_len),
        IDL_OK);
}

/* Byte offsets in the Put request: the entry's fields, and where the arena starts. */
#define E_AT (IDL_HEADER_SIZE + offsetof(struct demo_Nested_Put_req, e))
#define NAME_AT (E_AT + offsetof(struct demo_Nested_Entry_wire, name))
#define DATA_AT (E_AT + offsetof(struct demo_Nested_Entry_wire, data))
#define TAG_AT (E_AT + offsetof(struct demo_Nested_Entry_wire, reply))
#define TEXT_AT (TAG_AT + offsetof(struct demo_Nested_Reply_wire, u))
#define ARENA_AT (IDL_HEADER_SIZE + ((sizeof(struct demo_Nested_Put_req) + 7) & ~(size_t)7))

static uint32_t get32(size_t off)
{
    uint32_t v;
    memcpy(&v, msg + off, 4);
    return v;
}

static void put32(size_t off, uint32_t v)
{
    memcpy(msg + off, &v, 4);
}

/* Refused by validation and by the dispatcher, which never calls the handler. */
static void expect_rejected(enum idl_error want)
{
    const struct idl_method_desc *m = &demo_Nested_methods[demo_Nested_Put_MID];
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), want);
    handler_calls = 0;
    size_t res_len = 0;
    assert_int_equal(
        demo_Nested_dispatch(&ops, NULL, msg, msg_len, res_buf, sizeof res_buf, &res_len),
        rcBadMessage);
    assert_int_equal(handler_calls, 0);
}

static void test_malformed_nested_references(void **state)
{
    (void)state;
    /* The name's reference out of the arena, by offset and by count. */
    build_put();
    uint32_t arena_size = (uint32_t)(msg_len - ARENA_AT);
    put32(NAME_AT, arena_size);
    expect_rejected(IDL_ERR_OFFSET_RANGE);
    build_put();
    put32(NAME_AT, 0xFFFFFFF0u);
    expect_rejected(IDL_ERR_OFFSET_RANGE);
    build_put();
    put32(DATA_AT, arena_size - 2); /* 5 bytes from 2 before the end */
    expect_rejected(IDL_ERR_OFFSET_RANGE);

    /* Counts over the bound: 64 chars + NUL is the most; 16 bytes of data. */
    build_put();
    put32(NAME_AT + 4, 66);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build_put();
    put32(DATA_AT + 4, 17);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build_put();
    put32(TEXT_AT + 4, 130);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);

    /* The name's NUL replaced, then the text's count cut short of its NUL. */
    build_put();
    msg[ARENA_AT + get32(NAME_AT) + get32(NAME_AT + 4) - 1] = 'x';
    expect_rejected(IDL_ERR_NO_TERMINATOR);
    build_put();
    put32(TEXT_AT + 4, get32(TEXT_AT + 4) - 1);
    expect_rejected(IDL_ERR_NO_TERMINATOR);

    /* A union tag naming no arm. */
    build_put();
    put32(TAG_AT, 2);
    expect_rejected(IDL_ERR_BAD_TAG);
    build_put();
    put32(TAG_AT, 0xFFFFFFFFu);
    expect_rejected(IDL_ERR_BAD_TAG);

    /* The tag decides what is checked: with `code` selected, the bytes where the text's
     * descriptor was are a UInt16 and padding, and garbage there is no reference at all... */
    build_put();
    put32(TAG_AT, demo_Nested_Reply_code_TAG);
    put32(TEXT_AT, 0xFFFFFFF0u);
    put32(TEXT_AT + 4, 0xFFFFFFF0u);
    assert_int_equal(
        idl_validate(&demo_Nested_methods[demo_Nested_Put_MID], IDL_PART_REQUEST, msg, msg_len),
        IDL_OK);
    /* ...while with `text` selected the same bytes are refused. */
    put32(TAG_AT, demo_Nested_Reply_text_TAG);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
}

/* A misaligned UInt32 sequence inside a struct, and a bad tag of a plain union inside one. */
static void test_malformed_table(void **state)
{
    (void)state;
    static const uint32_t words[] = {1, 2, 3};
    struct demo_Nested_Table t = {0};
    t.rows[0] = entry(1, "a");
    t.rows[1] = entry(2, "b");
    t.words = (struct idl_seq){words, 3, NULL};
    const struct idl_method_desc *m = &demo_Nested_methods[demo_Nested_Swap_MID];
    const void *args[] = {&t};
    assert_int_equal(idl_marshal(m, IDL_PART_REQUEST, 0, args, msg, sizeof msg, &msg_len), IDL_OK);
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
    size_t t_at = IDL_HEADER_SIZE + offsetof(struct demo_Nested_Swap_req, t);
    size_t words_at = t_at + offsetof(struct demo_Nested_Table_wire, words);
    put32(words_at, get32(words_at) + 2);
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), IDL_ERR_MISALIGNED);
    put32(words_at, get32(words_at) - 2);
    size_t plain_at = t_at + offsetof(struct demo_Nested_Table_wire, plain);
    put32(plain_at, 3);
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), IDL_ERR_BAD_TAG);
    put32(plain_at, 0);
    /* The second row's reply tag, inside an array inside the struct. */
    size_t row1_tag = t_at + offsetof(struct demo_Nested_Table_wire, rows) +
                      sizeof(struct demo_Nested_Entry_wire) +
                      offsetof(struct demo_Nested_Entry_wire, reply);
    put32(row1_tag, 2);
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), IDL_ERR_BAD_TAG);
    put32(row1_tag, 0);
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
}

/* A union inside a selected arm is checked; inside an arm not selected it is not. */
static void test_union_in_union_arm(void **state)
{
    (void)state;
    struct demo_Nested_Entry pair[2] = {entry(3, "x"), entry(4, "y")};
    struct demo_Nested_Deep d = {0};
    d.tag = demo_Nested_Deep_reply_TAG;
    d.u.reply.tag = demo_Nested_Reply_code_TAG;
    const struct idl_method_desc *m = &demo_Nested_methods[demo_Nested_Choose_MID];
    const void *args[] = {&d, pair};
    assert_int_equal(idl_marshal(m, IDL_PART_REQUEST, 0, args, msg, sizeof msg, &msg_len), IDL_OK);
    size_t d_at = IDL_HEADER_SIZE + offsetof(struct demo_Nested_Choose_req, d);
    size_t inner_tag = d_at + offsetof(struct demo_Nested_Deep_wire, u);
    put32(inner_tag, 2);
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), IDL_ERR_BAD_TAG);
    put32(d_at, demo_Nested_Deep_point_TAG); /* now those bytes are Point.x */
    assert_int_equal(idl_validate(m, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
    struct demo_Nested_Deep out;
    memset(&out, 0xAA, sizeof out);
    void *outs[] = {&out, NULL};
    assert_int_equal(idl_unmarshal(m, IDL_PART_REQUEST, msg, msg_len, outs), IDL_OK);
    assert_int_equal(out.tag, demo_Nested_Deep_point_TAG);
    assert_int_equal(out.u.point.x, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_with_strings_round_trip),
        cmocka_unit_test(test_arrays_sequences_of_strings_and_plain_unions),
        cmocka_unit_test(test_unions_of_nested_types_and_error_reply),
        cmocka_unit_test(test_marshal_refuses_bad_values),
        cmocka_unit_test(test_malformed_nested_references),
        cmocka_unit_test(test_malformed_table),
        cmocka_unit_test(test_union_in_union_arm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
