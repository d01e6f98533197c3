/*
 * Nested types as sequence elements and strings and sequences as array elements
 * (demo/Elements.idl): generated proxies -> dispatcher -> handlers and back with every value
 * intact (handlers send received sequences on as they are, and build new ones in C form), and
 * every way a reference inside an element can be wrong refused with its named error: the
 * outer run and each inner descriptor out of the arena, over its bound, misaligned, a string
 * without its NUL, a union tag in an element naming no arm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "demo/Elements.idl.h"

static int handler_calls;

/* Sent back as it came: a received sequence of sequences, marshalled from its wire form. */
static Retcode h_grid(void *ctx, struct idl_seq rows, struct idl_seq *back)
{
    (void)ctx;
    handler_calls++;
    *back = rows;
    return rcOk;
}

/* The number of blobs times 1000 plus the sum of their bytes. */
static Retcode h_blobs(void *ctx, struct idl_seq blobs, uint32_t *total)
{
    (void)ctx;
    handler_calls++;
    *total = blobs.count * 1000u;
    for (uint32_t i = 0; i < blobs.count; i++) {
        struct idl_seq b = idl_seq_seq(&blobs, i);
        for (uint32_t k = 0; k < b.count; k++)
            *total += ((const uint8_t *)b.data)[k];
    }
    return rcOk;
}

/* The items in reverse order, each id + 1, built in C form from the received wire elements. */
static struct demo_Elements_Item items_back[4];
static Retcode h_items(void *ctx, struct idl_seq items, struct idl_seq *back)
{
    (void)ctx;
    handler_calls++;
    const struct demo_Elements_Item_wire *w = items.data;
    for (uint32_t i = 0; i < items.count; i++) {
        const struct demo_Elements_Item_wire *e = &w[items.count - 1 - i];
        struct demo_Elements_Item *o = &items_back[i];
        memset(o, 0, sizeof *o);
        o->id = (uint16_t)(e->id + 1);
        o->name = idl_desc_string(items.arena, &e->name);
        o->vals = idl_desc_seq(items.arena, &e->vals);
        o->reply.tag = e->reply.tag;
        if (e->reply.tag == demo_Nested_Reply_text_TAG)
            o->reply.u.text = idl_desc_string(items.arena, &e->reply.u.text);
        else
            o->reply.u.code = e->reply.u.code;
    }
    *back = (struct idl_seq){items_back, items.count, NULL};
    return rcOk;
}

/* The names reversed; the sum of both lists' numbers. */
static Retcode h_labels(void *ctx, const char *const *names, const struct idl_seq *lists,
                        const char **back, uint32_t *sum)
{
    (void)ctx;
    handler_calls++;
    for (int i = 0; i < 3; i++)
        back[i] = names[2 - i];
    *sum = 0;
    for (int l = 0; l < 2; l++)
        for (uint32_t k = 0; k < lists[l].count; k++)
            *sum += ((const uint32_t *)lists[l].data)[k];
    return rcOk;
}

/* Sent back as it came: a struct whose sequences of sequences are views of the request. */
static Retcode h_hold(void *ctx, const struct demo_Elements_Holder *h,
                      struct demo_Elements_Holder *back)
{
    (void)ctx;
    handler_calls++;
    *back = *h;
    return rcOk;
}

static const struct demo_Elements_ops ops = {h_grid, h_blobs, h_items, h_labels, h_hold};

static _Alignas(8) uint8_t server_req[IDL_MESSAGE_MAX];
static Retcode transport(void *ctx, const void *req, size_t req_len, void *res, size_t res_cap,
                         size_t *res_len)
{
    memcpy(server_req, req, req_len); /* the server's own copy, as a real transport gives it */
    return demo_Elements_dispatch(ctx, NULL, server_req, req_len, res, res_cap, res_len);
}

static _Alignas(8) uint8_t req_buf[IDL_MESSAGE_MAX], res_buf[IDL_MESSAGE_MAX];
static struct idl_client client = {transport, (void *)&ops,   0,      req_buf, sizeof req_buf,
                                   res_buf,   sizeof res_buf, IDL_OK, 0};

static const uint8_t row0[] = {1, 2, 3, 4}, row1[] = {5}, row2[] = {9, 9};

static void grid_rows(struct idl_seq *rows, struct idl_seq *outer)
{
    rows[0] = (struct idl_seq){row0, 4, NULL};
    rows[1] = (struct idl_seq){row1, 1, NULL};
    rows[2] = (struct idl_seq){row2, 2, NULL};
    *outer = (struct idl_seq){rows, 3, NULL};
}

static void test_sequence_of_sequences_round_trip(void **state)
{
    (void)state;
    struct idl_seq rows[3], outer, back = {0};
    grid_rows(rows, &outer);
    handler_calls = 0;
    assert_int_equal(demo_Elements_Grid(&client, outer, &back), rcOk);
    assert_int_equal(handler_calls, 1);
    assert_int_equal(back.count, 3);
    assert_non_null(back.arena); /* views into the response */
    for (uint32_t i = 0; i < 3; i++) {
        struct idl_seq r = idl_seq_seq(&back, i);
        assert_int_equal(r.count, rows[i].count);
        assert_memory_equal(r.data, rows[i].data, r.count);
    }
    /* An empty outer sequence, and an empty inner one. */
    outer.count = 0;
    assert_int_equal(demo_Elements_Grid(&client, outer, &back), rcOk);
    assert_int_equal(back.count, 0);
    rows[1].count = 0;
    outer.count = 3;
    assert_int_equal(demo_Elements_Grid(&client, outer, &back), rcOk);
    assert_int_equal(idl_seq_seq(&back, 1).count, 0);
    assert_int_equal(idl_seq_seq(&back, 2).count, 2);

    uint8_t b0[16], b1[3] = {7, 8, 9};
    memset(b0, 1, sizeof b0);
    struct idl_seq blobs[2] = {{b0, 16, NULL}, {b1, 3, NULL}};
    uint32_t total = 0;
    assert_int_equal(demo_Elements_Blobs(&client, (struct idl_seq){blobs, 2, NULL}, &total), rcOk);
    assert_int_equal(total, 2000u + 16u + 24u);
}

static const uint32_t vals_a[] = {10, 20}, vals_b[] = {30, 40, 50, 60};

static void make_items(struct demo_Elements_Item *it)
{
    memset(it, 0, 3 * sizeof *it);
    it[0] = (struct demo_Elements_Item){.id = 1, .name = "one", .vals = {vals_a, 2, NULL}};
    it[0].reply.tag = demo_Nested_Reply_text_TAG;
    it[0].reply.u.text = "first";
    it[1] = (struct demo_Elements_Item){.id = 2, .name = "", .vals = {vals_b, 4, NULL}};
    it[1].reply.tag = demo_Nested_Reply_code_TAG;
    it[1].reply.u.code = 77;
    it[2] = (struct demo_Elements_Item){.id = 3, .name = "three", .vals = {NULL, 0, NULL}};
    it[2].reply.tag = demo_Nested_Reply_text_TAG;
    it[2].reply.u.text = "";
}

static void test_sequence_of_structs_round_trip(void **state)
{
    (void)state;
    struct demo_Elements_Item it[3];
    make_items(it);
    struct idl_seq back = {0};
    assert_int_equal(demo_Elements_Items(&client, (struct idl_seq){it, 3, NULL}, &back), rcOk);
    assert_int_equal(back.count, 3);
    const struct demo_Elements_Item_wire *w = back.data;
    for (uint32_t i = 0; i < 3; i++) {
        const struct demo_Elements_Item *src = &it[2 - i];
        assert_int_equal(w[i].id, src->id + 1);
        assert_string_equal(idl_desc_string(back.arena, &w[i].name), src->name);
        struct idl_seq v = idl_desc_seq(back.arena, &w[i].vals);
        assert_int_equal(v.count, src->vals.count);
        if (v.count)
            assert_memory_equal(v.data, src->vals.data, 4 * v.count);
        assert_int_equal(w[i].reply.tag, src->reply.tag);
        if (src->reply.tag == demo_Nested_Reply_text_TAG)
            assert_string_equal(idl_desc_string(back.arena, &w[i].reply.u.text), src->reply.u.text);
        else
            assert_int_equal(w[i].reply.u.code, src->reply.u.code);
    }
}

static void test_arrays_of_strings_and_sequences_round_trip(void **state)
{
    (void)state;
    const char *names[3] = {"ab", "", "12345678"};
    static const uint32_t l0[] = {1, 2, 3, 4}, l1[] = {100};
    struct idl_seq lists[2] = {{l0, 4, NULL}, {l1, 1, NULL}};
    const char *back[3] = {0};
    uint32_t sum = 0;
    assert_int_equal(demo_Elements_Labels(&client, names, lists, back, &sum), rcOk);
    assert_string_equal(back[0], "12345678");
    assert_string_equal(back[1], "");
    assert_string_equal(back[2], "ab");
    assert_int_equal(sum, 110);
    names[1] = "123456789"; /* one over string<8> */
    assert_int_equal(demo_Elements_Labels(&client, names, lists, back, &sum), rcOutOfRange);
    assert_int_equal(client.last_error, IDL_ERR_STRING_TOO_LONG);
}

static const char *const w0[] = {"a", "bb"}, *const w1[] = {"ccc"};
static const uint8_t c00[] = {1, 2}, c01[] = {3}, c10[] = {4, 5};

static void make_holder(struct demo_Elements_Holder *h, struct idl_seq *words,
                        struct idl_seq *planes, struct idl_seq *cube)
{
    memset(h, 0, sizeof *h);
    h->tags[0] = "t0";
    h->tags[1] = "tag1";
    words[0] = (struct idl_seq){w0, 2, NULL};
    words[1] = (struct idl_seq){w1, 1, NULL};
    h->words = (struct idl_seq){words, 2, NULL};
    planes[0] = (struct idl_seq){c00, 2, NULL};
    planes[1] = (struct idl_seq){c01, 1, NULL};
    planes[2] = (struct idl_seq){c10, 2, NULL};
    cube[0] = (struct idl_seq){planes, 2, NULL};
    cube[1] = (struct idl_seq){planes + 2, 1, NULL};
    h->cube = (struct idl_seq){cube, 2, NULL};
}

static void test_three_levels_round_trip(void **state)
{
    (void)state;
    struct demo_Elements_Holder h, back;
    struct idl_seq words[2], planes[3], cube[2];
    make_holder(&h, words, planes, cube);
    assert_int_equal(demo_Elements_Hold(&client, &h, &back), rcOk);
    assert_string_equal(back.tags[0], "t0");
    assert_string_equal(back.tags[1], "tag1");
    assert_int_equal(back.words.count, 2);
    struct idl_seq wd = idl_seq_seq(&back.words, 0);
    assert_int_equal(wd.count, 2);
    assert_string_equal(idl_seq_string(&wd, 0), "a");
    assert_string_equal(idl_seq_string(&wd, 1), "bb");
    wd = idl_seq_seq(&back.words, 1);
    assert_int_equal(wd.count, 1);
    assert_string_equal(idl_seq_string(&wd, 0), "ccc");
    assert_int_equal(back.cube.count, 2);
    struct idl_seq p0 = idl_seq_seq(&back.cube, 0), p1 = idl_seq_seq(&back.cube, 1);
    assert_int_equal(p0.count, 2);
    assert_int_equal(p1.count, 1);
    struct idl_seq line = idl_seq_seq(&p0, 1);
    assert_int_equal(line.count, 1);
    assert_int_equal(((const uint8_t *)line.data)[0], 3);
    line = idl_seq_seq(&p1, 0);
    assert_int_equal(line.count, 2);
    assert_memory_equal(line.data, c10, 2);

    /* Over a bound three levels down: refused when marshalling already. */
    planes[2].count = 3;
    assert_int_equal(demo_Elements_Hold(&client, &h, &back), rcBadMessage);
    assert_int_equal(client.last_error, IDL_ERR_COUNT_OVERFLOW);
}

/* --- malformed messages ------------------------------------------------------------------ */

static _Alignas(8) uint8_t msg[4096];
static size_t msg_len;
static const struct idl_method_desc *cur;

static void build(uint32_t mid, const void *const *args)
{
    cur = &demo_Elements_methods[mid];
    assert_int_equal(idl_marshal(cur, IDL_PART_REQUEST, 0, args, msg, sizeof msg, &msg_len),
                     IDL_OK);
    assert_int_equal(idl_validate(cur, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
}

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

/* Where the arena starts, from the header. */
static size_t arena_at(void)
{
    return IDL_HEADER_SIZE + ((get32(8) + 7) & ~(size_t)7) + 8u * (msg[16] | msg[17] << 8);
}

static uint32_t arena_size(void)
{
    return get32(12);
}

/* Refused by validation and by the dispatcher, which never calls the handler. */
static void expect_rejected(enum idl_error want)
{
    assert_int_equal(idl_validate(cur, IDL_PART_REQUEST, msg, msg_len), want);
    handler_calls = 0;
    size_t res_len = 0;
    assert_int_equal(
        demo_Elements_dispatch(&ops, NULL, msg, msg_len, res_buf, sizeof res_buf, &res_len),
        rcBadMessage);
    assert_int_equal(handler_calls, 0);
}

static void build_grid(void)
{
    static struct idl_seq rows[3], outer;
    grid_rows(rows, &outer);
    const void *args[] = {&outer};
    build(demo_Elements_Grid_MID, args);
}

/* The Grid request: the outer descriptor in the fixed part, the inner ones in the arena. */
#define OUTER_AT (IDL_HEADER_SIZE + offsetof(struct demo_Elements_Grid_req, rows))
static size_t inner_at(uint32_t k)
{
    return arena_at() + get32(OUTER_AT) + 8u * k;
}

static void test_malformed_sequence_of_sequences(void **state)
{
    (void)state;
    /* The outer run: past the arena, over its bound (3), misaligned (descriptors: 4). */
    build_grid();
    put32(OUTER_AT, (arena_size() - 8) & ~3u);
    expect_rejected(IDL_ERR_OFFSET_RANGE);
    build_grid();
    put32(OUTER_AT, 0xFFFFFFF8u);
    expect_rejected(IDL_ERR_OFFSET_RANGE);
    build_grid();
    put32(OUTER_AT + 4, 4);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build_grid();
    put32(OUTER_AT + 4, 0xFFFFFFFFu);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build_grid();
    put32(OUTER_AT, get32(OUTER_AT) + 2);
    expect_rejected(IDL_ERR_MISALIGNED);

    /* An inner descriptor (the last row's): past the arena, over its bound (4). */
    build_grid();
    put32(inner_at(2), arena_size() - 1);
    expect_rejected(IDL_ERR_OFFSET_RANGE);
    build_grid();
    put32(inner_at(2), 0xFFFFFFFFu);
    expect_rejected(IDL_ERR_OFFSET_RANGE);
    build_grid();
    put32(inner_at(2) + 4, 5);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build_grid();
    put32(inner_at(0) + 4, 0x80000000u);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);

    /* What is harmless is accepted: every row the same bytes (views are read-only), and a row
     * over the outer run's own descriptors (read as UInt8s: the type, not the data, says what
     * a byte is, so no descriptor can make validation follow a cycle). */
    build_grid();
    put32(inner_at(1), get32(inner_at(0)));
    put32(inner_at(2), get32(inner_at(0)));
    assert_int_equal(idl_validate(cur, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
    build_grid();
    put32(inner_at(0), get32(OUTER_AT));
    assert_int_equal(idl_validate(cur, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
}

static void build_items(void)
{
    static struct demo_Elements_Item it[3];
    static struct idl_seq s;
    make_items(it);
    s = (struct idl_seq){it, 3, NULL};
    const void *args[] = {&s};
    build(demo_Elements_Items_MID, args);
}

/* Field f of wire element k of the Items request. */
static size_t item_at(uint32_t k, size_t f)
{
    size_t outer = IDL_HEADER_SIZE + offsetof(struct demo_Elements_Items_req, items);
    return arena_at() + get32(outer) + k * sizeof(struct demo_Elements_Item_wire) + f;
}
#define NAME_F offsetof(struct demo_Elements_Item_wire, name)
#define VALS_F offsetof(struct demo_Elements_Item_wire, vals)
#define TAG_F offsetof(struct demo_Elements_Item_wire, reply)
#define TEXT_F (TAG_F + offsetof(struct demo_Nested_Reply_wire, u))

static void test_malformed_sequence_of_structs(void **state)
{
    (void)state;
    /* The run of elements: over its bound (4), past the arena. */
    build_items();
    size_t outer = IDL_HEADER_SIZE + offsetof(struct demo_Elements_Items_req, items);
    put32(outer + 4, 5);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build_items();
    put32(outer, (arena_size() - 2 * (uint32_t)sizeof(struct demo_Elements_Item_wire)) & ~3u);
    expect_rejected(IDL_ERR_OFFSET_RANGE);

    /* The first element's name: its NUL gone, over string<16>, past the arena. */
    build_items();
    msg[arena_at() + get32(item_at(0, NAME_F)) + get32(item_at(0, NAME_F) + 4) - 1] = 'x';
    expect_rejected(IDL_ERR_NO_TERMINATOR);
    build_items();
    put32(item_at(0, NAME_F) + 4, 18);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build_items();
    put32(item_at(0, NAME_F), arena_size());
    expect_rejected(IDL_ERR_OFFSET_RANGE);

    /* The second element's vals: misaligned, over its bound (4). */
    build_items();
    put32(item_at(1, VALS_F), get32(item_at(1, VALS_F)) + 1);
    expect_rejected(IDL_ERR_MISALIGNED);
    build_items();
    put32(item_at(1, VALS_F) + 4, 5);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);

    /* The last element's union tag naming no arm. */
    build_items();
    put32(item_at(2, TAG_F), 2);
    expect_rejected(IDL_ERR_BAD_TAG);

    /* The tag decides, per element: the second selects `code`, so garbage where a text's
     * descriptor would be is no reference; selecting `text` there makes it one. */
    build_items();
    put32(item_at(1, TEXT_F) + 4, 0xFFFFFFF0u);
    assert_int_equal(idl_validate(cur, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
    put32(item_at(1, TAG_F), demo_Nested_Reply_text_TAG);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
}

static void test_malformed_arrays_and_deep_levels(void **state)
{
    (void)state;
    /* Labels: the third name's descriptor in the fixed part. */
    const char *names[3] = {"ab", "c", "xyz"};
    static const uint32_t l0[] = {1};
    struct idl_seq lists[2] = {{l0, 1, NULL}, {NULL, 0, NULL}};
    const void *largs[] = {names, lists};
    size_t name2 = IDL_HEADER_SIZE + offsetof(struct demo_Elements_Labels_req, names) + 16;
    size_t list1 = IDL_HEADER_SIZE + offsetof(struct demo_Elements_Labels_req, lists) + 8;
    build(demo_Elements_Labels_MID, largs);
    msg[arena_at() + get32(name2) + 3] = '!';
    expect_rejected(IDL_ERR_NO_TERMINATOR);
    build(demo_Elements_Labels_MID, largs);
    put32(name2 + 4, 10);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build(demo_Elements_Labels_MID, largs);
    put32(list1, 2); /* an empty sequence's offset is still checked: UInt32s */
    expect_rejected(IDL_ERR_MISALIGNED);
    build(demo_Elements_Labels_MID, largs);
    put32(list1, 0);
    put32(list1 + 4, 1); /* one UInt32 at offset 0 is in the arena: accepted */
    assert_int_equal(idl_validate(cur, IDL_PART_REQUEST, msg, msg_len), IDL_OK);
    put32(list1, (arena_size() + 3) & ~3u);
    expect_rejected(IDL_ERR_OFFSET_RANGE);

    /* Holder: a string two levels down, a sequence three levels down. */
    struct demo_Elements_Holder h;
    struct idl_seq words[2], planes[3], cube[2];
    make_holder(&h, words, planes, cube);
    const void *hargs[] = {&h};
    size_t h_at = IDL_HEADER_SIZE + offsetof(struct demo_Elements_Hold_req, h);
    size_t words_at = h_at + offsetof(struct demo_Elements_Holder_wire, words);
    size_t cube_at = h_at + offsetof(struct demo_Elements_Holder_wire, cube);
    build(demo_Elements_Hold_MID, hargs);
    /* words[1] -> its descriptor run -> string 0 ("ccc") */
    size_t w1 = arena_at() + get32(words_at) + 8;
    size_t s0 = arena_at() + get32(w1);
    put32(s0 + 4, get32(s0 + 4) - 1);
    expect_rejected(IDL_ERR_NO_TERMINATOR);
    build(demo_Elements_Hold_MID, hargs);
    s0 = arena_at() + get32(arena_at() + get32(words_at) + 8);
    put32(s0 + 4, 10);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build(demo_Elements_Hold_MID, hargs);
    put32(arena_at() + get32(words_at) + 4, 3); /* words[0] holds 3 strings: bound 2 */
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    /* cube[1] -> plane run -> line 0: its count, then its offset */
    build(demo_Elements_Hold_MID, hargs);
    size_t c1 = arena_at() + get32(cube_at) + 8;
    size_t line = arena_at() + get32(c1);
    put32(line + 4, 3);
    expect_rejected(IDL_ERR_COUNT_OVERFLOW);
    build(demo_Elements_Hold_MID, hargs);
    c1 = arena_at() + get32(cube_at) + 8;
    line = arena_at() + get32(c1);
    put32(line, arena_size() - 1);
    expect_rejected(IDL_ERR_OFFSET_RANGE);
    build(demo_Elements_Hold_MID, hargs);
    c1 = arena_at() + get32(cube_at) + 8;
    put32(c1, get32(c1) + 1); /* the plane run's descriptors must be 4-aligned */
    expect_rejected(IDL_ERR_MISALIGNED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence_of_sequences_round_trip),
        cmocka_unit_test(test_sequence_of_structs_round_trip),
        cmocka_unit_test(test_arrays_of_strings_and_sequences_round_trip),
        cmocka_unit_test(test_three_levels_round_trip),
        cmocka_unit_test(test_malformed_sequence_of_sequences),
        cmocka_unit_test(test_malformed_sequence_of_structs),
        cmocka_unit_test(test_malformed_arrays_and_deep_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
