/*
 * Generated proxies -> transport -> generated dispatcher -> handlers, end to end over the demo
 * interface (every parameter form), and every kind of malformed message rejected with its
 * named error before any handler runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "demo/Echo.idl.h"
#include "demo/Server.edl.h"

static int handler_calls;

static Retcode h_add(void *ctx, uint32_t a, uint32_t b, uint64_t *sum)
{
    (void)ctx;
    handler_calls++;
    *sum = (uint64_t)a + b;
    return rcOk;
}

static char loud_buf[64];
static Retcode h_shout(void *ctx, const char *text, const char **loud)
{
    (void)ctx;
    handler_calls++;
    size_t i;
    for (i = 0; text[i] && i < sizeof loud_buf - 1; i++)
        loud_buf[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
    loud_buf[i] = 0;
    *loud = loud_buf;
    return rcOk;
}

static uint16_t words_buf[8];
static Retcode h_blob(void *ctx, struct idl_seq data, uint32_t *len, struct idl_seq *words)
{
    (void)ctx;
    handler_calls++;
    *len = data.count;
    uint32_t n = data.count / 2 > 8 ? 8 : data.count / 2;
    memcpy(words_buf, data.data, n * 2);
    words->data = words_buf;
    words->count = n;
    return rcOk;
}

static Retcode h_move(void *ctx, const struct demo_Types_Shape *shape,
                      const struct demo_Types_Value *v, const uint8_t *mac,
                      struct demo_Types_Shape *moved, struct demo_Types_Value *back)
{
    (void)ctx;
    handler_calls++;
    *moved = *shape;
    moved->origin.x += 1;
    memcpy(moved->mac, mac, 6);
    *back = *v;
    return rcOk;
}

static Retcode h_pass(void *ctx, idl_handle_t h, idl_handle_t *dup, int32_t *rc)
{
    (void)ctx;
    handler_calls++;
    dup->handle = h.handle + 1;
    dup->rights = h.rights & 0xF;
    *rc = 7;
    return rcOk;
}

static Retcode h_names(void *ctx, struct idl_seq names, uint32_t *total)
{
    (void)ctx;
    handler_calls++;
    *total = 0;
    for (uint32_t i = 0; i < names.count; i++)
        *total += (uint32_t)strlen(idl_seq_string(&names, i));
    return rcOk;
}

static Retcode h_mixed(void *ctx, uint32_t *first, uint8_t x, int64_t *second, uint32_t *code)
{
    (void)ctx;
    handler_calls++;
    if (x == 0) {
        *code = 42;
        return rcInvalidArgument;
    }
    *first = x;
    *second = -(int64_t)x;
    return rcOk;
}

static struct demo_Types_Point rev_buf[12];
static Retcode h_points(void *ctx, struct idl_seq pts, struct idl_seq *rev)
{
    (void)ctx;
    handler_calls++;
    const struct demo_Types_Point *p = pts.data;
    for (uint32_t i = 0; i < pts.count; i++)
        rev_buf[i] = p[pts.count - 1 - i];
    rev->data = rev_buf;
    rev->count = pts.count;
    return rcOk;
}

static Retcode h_tags(void *ctx, const struct demo_Types_Tagged *t, uint16_t *n)
{
    (void)ctx;
    handler_calls++;
    *n = (uint16_t)(t->n + t->vals[0].tag + t->vals[1].tag);
    return rcOk;
}

static const struct demo_Echo_ops ops = {
    .Tags = h_tags,
    .Add = h_add,
    .Shout = h_shout,
    .Blob = h_blob,
    .Move = h_move,
    .Pass = h_pass,
    .Names = h_names,
    .Mixed = h_mixed,
    .Points = h_points,
    .Nothing = NULL,
};

/* The transport: copies the request as the kernel would and runs the dispatcher. A request
 * that validates also goes through demo_Echo_dispatch_validated (the kernel's entry for
 * requests the router validated), which must answer byte for byte the same. */
static _Alignas(8) uint8_t server_req[IDL_MESSAGE_MAX], res_validated[IDL_MESSAGE_MAX];
static int validated_compared;
static Retcode transport(void *ctx, const void *req, size_t req_len, void *res, size_t res_cap,
                         size_t *res_len)
{
    memcpy(server_req, req, req_len);
    Retcode rc = demo_Echo_dispatch(ctx, NULL, server_req, req_len, res, res_cap, res_len);
    struct idl_header h;
    if (idl_peek_header(server_req, req_len, &h) == IDL_OK &&
        h.method_id < demo_Echo_METHOD_COUNT &&
        idl_validate(&demo_Echo_methods[h.method_id], IDL_PART_REQUEST, server_req, req_len) ==
            IDL_OK) {
        size_t len2 = 0;
        Retcode rc2 = demo_Echo_dispatch_validated(ctx, NULL, server_req, req_len, res_validated,
                                                   res_cap, &len2);
        assert_int_equal(rc2, rc);
        if (rc == rcOk) {
            assert_int_equal(len2, *res_len);
            assert_memory_equal(res_validated, res, len2);
        }
        validated_compared++;
    }
    return rc;
}

static _Alignas(8) uint8_t req_buf[IDL_MESSAGE_MAX], res_buf[IDL_MESSAGE_MAX];
static struct idl_client client = {transport,      (void *)&ops,   demo_Server_EP_a_inner_echo,
                                   req_buf,        sizeof req_buf, res_buf,
                                   sizeof res_buf, IDL_OK,         0};

static void test_scalars_and_strings(void **state)
{
    (void)state;
    uint64_t sum = 0;
    assert_int_equal(demo_Echo_Add(&client, 40, 2, &sum), rcOk);
    assert_int_equal(sum, 42);
    const char *loud = NULL;
    assert_int_equal(demo_Echo_Shout(&client, "hello idl", &loud), rcOk);
    assert_string_equal(loud, "HELLO IDL");
    assert_true((const uint8_t *)loud >= res_buf &&
                (const uint8_t *)loud < res_buf + sizeof res_buf);
    assert_int_equal(demo_Echo_Shout(&client, "", &loud), rcOk);
    assert_string_equal(loud, "");
    /* 33 characters: one more than string<NameMax>. */
    assert_int_equal(demo_Echo_Shout(&client, "abcdefghijklmnopqrstuvwxyz0123456", &loud),
                     rcOutOfRange);
    assert_int_equal(client.last_error, IDL_ERR_STRING_TOO_LONG);
    assert_int_equal(demo_Echo_Shout(&client, "abcdefghijklmnopqrstuvwxyz012345", &loud), rcOk);
    assert_int_equal(strlen(loud), 32);
}

static void test_sequences(void **state)
{
    (void)state;
    uint8_t data[10] = {1, 0, 2, 0, 3, 0, 4, 0, 5, 0};
    uint32_t len = 0;
    struct idl_seq words = {0};
    assert_int_equal(demo_Echo_Blob(&client, (struct idl_seq){data, 10, NULL}, &len, &words), rcOk);
    assert_int_equal(len, 10);
    assert_int_equal(words.count, 5);
    assert_int_equal(((const uint16_t *)words.data)[4], 5);
    assert_int_equal(demo_Echo_Blob(&client, (struct idl_seq){NULL, 0, NULL}, &len, &words), rcOk);
    assert_int_equal(len, 0);
    assert_int_equal(words.count, 0);
    uint8_t big[65] = {0};
    assert_int_equal(demo_Echo_Blob(&client, (struct idl_seq){big, 65, NULL}, &len, &words),
                     rcBadMessage);
    assert_int_equal(client.last_error, IDL_ERR_COUNT_OVERFLOW);

    struct demo_Types_Point pts[3] = {{1, 2}, {3, 4}, {-5, -6}};
    struct idl_seq rev = {0};
    assert_int_equal(demo_Echo_Points(&client, (struct idl_seq){pts, 3, NULL}, &rev), rcOk);
    assert_int_equal(rev.count, 3);
    const struct demo_Types_Point *r = rev.data;
    assert_int_equal(r[0].x, -5);
    assert_int_equal(r[2].y, 2);

    const char *names[] = {"one", "", "three"};
    uint32_t total = 0;
    assert_int_equal(demo_Echo_Names(&client, (struct idl_seq){names, 3, NULL}, &total), rcOk);
    assert_int_equal(total, 8);
}

static void test_structs_unions_arrays_handles(void **state)
{
    (void)state;
    struct demo_Types_Shape s, moved;
    memset(&s, 0, sizeof s);
    s.kind = 3;
    s.origin.x = 10;
    s.corners[2].y = 99;
    s.area = 1ull << 40;
    struct demo_Types_Value v = {.tag = demo_Types_Value_point_TAG, .u.point = {7, 8}}, back;
    uint8_t mac[6] = {0xde, 0xad, 0xbe, 0xef, 0, 1};
    assert_int_equal(demo_Echo_Move(&client, &s, &v, mac, &moved, &back), rcOk);
    assert_int_equal(moved.origin.x, 11);
    assert_int_equal(moved.corners[2].y, 99);
    assert_int_equal(moved.area, 1ull << 40);
    assert_memory_equal(moved.mac, mac, 6);
    assert_int_equal(back.tag, demo_Types_Value_point_TAG);
    assert_int_equal(back.u.point.y, 8);

    idl_handle_t dup = {0, 0};
    int32_t rc = 0;
    assert_int_equal(demo_Echo_Pass(&client, (idl_handle_t){100, 0xFF}, &dup, &rc), rcOk);
    assert_int_equal(dup.handle, 101);
    assert_int_equal(dup.rights, 0xF);
    assert_int_equal(rc, 7);
}

static void test_error_reply_and_missing_handler(void **state)
{
    (void)state;
    uint32_t first = 0, code = 0;
    int64_t second = 0;
    assert_int_equal(demo_Echo_Mixed(&client, &first, 5, &second, &code), rcOk);
    assert_int_equal(first, 5);
    assert_int_equal(second, -5);
    assert_int_equal(demo_Echo_Mixed(&client, &first, 0, &second, &code), IDL_RC_ERROR_REPLY);
    assert_int_equal(code, 42);
    assert_int_equal(demo_Echo_Nothing(&client), rcNotSupported);
    struct demo_Types_Tagged tg;
    memset(&tg, 0, sizeof tg);
    tg.n = 10;
    tg.vals[0].tag = demo_Types_Value_point_TAG;
    tg.vals[1].tag = demo_Types_Value_big_TAG;
    uint16_t n = 0;
    assert_int_equal(demo_Echo_Tags(&client, &tg, &n), rcOk);
    assert_int_equal(n, 13);
}

/* --- malformed messages ------------------------------------------------------------------ */

static _Alignas(8) uint8_t msg[4096];
static size_t msg_len;

static const struct idl_method_desc *method(uint32_t mid)
{
    return &demo_Echo_methods[mid];
}

static void build(uint32_t mid, const void *const *args)
{
    assert_int_equal(idl_marshal(method(mid), IDL_PART_REQUEST, 0, args, msg, sizeof msg, &msg_len),
                     IDL_OK);
    assert_int_equal(idl_validate(method(mid), IDL_PART_REQUEST, msg, msg_len), IDL_OK);
}

static void put32(size_t off, uint32_t v)
{
    memcpy(msg + off, &v, 4);
}

/* The message must be refused with `want`, and the dispatcher must not call a handler. */
static void expect_rejected(uint32_t mid, size_t len, enum idl_error want)
{
    assert_int_equal(idl_validate(method(mid), IDL_PART_REQUEST, msg, len), want);
    int before = handler_calls;
    size_t res_len = 0;
    assert_int_equal(demo_Echo_dispatch(&ops, NULL, msg, len, res_buf, sizeof res_buf, &res_len),
                     idl_error_retcode(want));
    assert_int_equal(handler_calls, before);
    assert_int_equal(idl_error_retcode(want), rcBadMessage);
}

static void test_malformed(void **state)
{
    (void)state;
    const char *text = "abc";
    const void *shout_args[] = {&text};
    const uint32_t SHOUT = demo_Echo_Shout_MID, BLOB = demo_Echo_Blob_MID,
                   PASS = demo_Echo_Pass_MID;

    /* Truncated: shorter than the header, and shorter than the sizes say. */
    build(SHOUT, shout_args);
    expect_rejected(SHOUT, 10, IDL_ERR_TRUNCATED);
    expect_rejected(SHOUT, msg_len - 1, IDL_ERR_TRUNCATED);
    /* Trailing garbage. */
    expect_rejected(SHOUT, msg_len + 1, IDL_ERR_TOO_LONG);
    /* Oversized arena: above the method's worst case (string<32> -> 40). */
    put32(12, 4000);
    expect_rejected(SHOUT, 32 + 4000, IDL_ERR_ARENA_TOO_BIG);
    /* String offset past the end of the arena. */
    build(SHOUT, shout_args);
    put32(24, 2);
    expect_rejected(SHOUT, msg_len, IDL_ERR_OFFSET_RANGE);
    /* Missing terminator: overwrite the NUL. */
    build(SHOUT, shout_args);
    msg[32 + 3] = 'x';
    expect_rejected(SHOUT, msg_len, IDL_ERR_NO_TERMINATOR);
    /* String longer than its bound. */
    build(SHOUT, shout_args);
    put32(28, 34);
    expect_rejected(SHOUT, msg_len, IDL_ERR_COUNT_OVERFLOW);
    /* Header: reserved bits, response flag on a request, unknown method, fixed size. */
    build(SHOUT, shout_args);
    put32(20, 1);
    expect_rejected(SHOUT, msg_len, IDL_ERR_HEADER);
    build(SHOUT, shout_args);
    msg[18] = IDL_FLAG_RESPONSE;
    expect_rejected(SHOUT, msg_len, IDL_ERR_HEADER);
    build(SHOUT, shout_args);
    put32(8, 16);
    expect_rejected(SHOUT, msg_len, IDL_ERR_FIXED_SIZE);
    build(SHOUT, shout_args);
    put32(4, 200);
    assert_int_equal(idl_validate(method(SHOUT), IDL_PART_REQUEST, msg, msg_len), IDL_ERR_METHOD);
    size_t res_len;
    assert_int_equal(
        demo_Echo_dispatch(&ops, NULL, msg, msg_len, res_buf, sizeof res_buf, &res_len),
        rcBadMessage);

    /* Count overflow: a count whose byte size wraps 32 bits, and one above the bound. */
    uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct idl_seq seq = {data, 8, NULL};
    const void *blob_args[] = {&seq};
    build(BLOB, blob_args);
    put32(28, 0xFFFFFFFFu);
    expect_rejected(BLOB, msg_len, IDL_ERR_COUNT_OVERFLOW);
    build(BLOB, blob_args);
    put32(28, 65);
    expect_rejected(BLOB, msg_len, IDL_ERR_COUNT_OVERFLOW);
    build(BLOB, blob_args);
    put32(24, 0xFFFFFFF8u);
    expect_rejected(BLOB, msg_len, IDL_ERR_OFFSET_RANGE);

    /* Misaligned sequence of Points (align 4). */
    struct demo_Types_Point pts[2] = {{1, 2}, {3, 4}};
    struct idl_seq pseq = {pts, 2, NULL};
    const void *pts_args[] = {&pseq};
    build(demo_Echo_Points_MID, pts_args);
    put32(24, 1);
    expect_rejected(demo_Echo_Points_MID, msg_len, IDL_ERR_MISALIGNED);

    /* Handles: too many, count mismatch, index out of range. */
    idl_handle_t h = {5, 1};
    const void *pass_args[] = {&h};
    build(PASS, pass_args);
    msg[16] = 17;
    expect_rejected(PASS, msg_len, IDL_ERR_TOO_MANY_HANDLES);
    build(PASS, pass_args);
    msg[16] = 0;
    expect_rejected(PASS, msg_len - 8, IDL_ERR_HANDLE_COUNT);
    build(PASS, pass_args);
    put32(24, 1);
    expect_rejected(PASS, msg_len, IDL_ERR_HANDLE_INDEX);

    /* Union tag naming no arm (Value has 3 arms; tag at 24 + 56). */
    struct demo_Types_Shape s;
    memset(&s, 0, sizeof s);
    struct demo_Types_Value v = {.tag = 1, .u.big = 9};
    uint8_t mac[6] = {0};
    const void *move_args[] = {&s, &v, mac};
    build(demo_Echo_Move_MID, move_args);
    put32(24 + 56, 3);
    expect_rejected(demo_Echo_Move_MID, msg_len, IDL_ERR_BAD_TAG);

    /* A union inside an array inside a struct: Tagged.vals[1].tag at 24 + 8 + 16. */
    struct demo_Types_Tagged tg;
    memset(&tg, 0, sizeof tg);
    tg.vals[1].tag = demo_Types_Value_big_TAG;
    const void *tags_args[] = {&tg};
    build(demo_Echo_Tags_MID, tags_args);
    put32(24 + 8 + 16, 7);
    expect_rejected(demo_Echo_Tags_MID, msg_len, IDL_ERR_BAD_TAG);
    build(demo_Echo_Tags_MID, tags_args);
    put32(24 + 8, 3);
    expect_rejected(demo_Echo_Tags_MID, msg_len, IDL_ERR_BAD_TAG);

    /* sequence<string>: an element string without terminator, and one past the arena. */
    const char *names[] = {"ab", "cd"};
    struct idl_seq nseq = {names, 2, NULL};
    const void *names_args[] = {&nseq};
    build(demo_Echo_Names_MID, names_args);
    /* arena at 32: two descriptors (16 bytes), then "ab\0cd\0" */
    msg[32 + 16 + 2] = 'z';
    expect_rejected(demo_Echo_Names_MID, msg_len, IDL_ERR_NO_TERMINATOR);
    build(demo_Echo_Names_MID, names_args);
    put32(32 + 8, 1000);
    expect_rejected(demo_Echo_Names_MID, msg_len, IDL_ERR_OFFSET_RANGE);
}

static void test_error_names(void **state)
{
    (void)state;
    for (int e = 0; e < IDL_ERR_COUNT_; e++) {
        assert_non_null(idl_error_name((enum idl_error)e));
        assert_string_not_equal(idl_error_name((enum idl_error)e), "IDL_ERR_?");
    }
    assert_string_equal(idl_error_name(IDL_ERR_NO_TERMINATOR), "IDL_ERR_NO_TERMINATOR");
    assert_int_equal(idl_error_retcode(IDL_OK), rcOk);
    assert_int_equal(idl_error_retcode(IDL_ERR_BUFFER_TOO_SMALL), rcBufferTooSmall);
}

static void test_endpoint_table(void **state)
{
    (void)state;
    /* Routing by header: endpoint -> interface -> method, then validation. */
    const char *text = "hi";
    const void *args[] = {&text};
    size_t len = 0;
    assert_int_equal(idl_marshal(&demo_Echo_methods[demo_Echo_Shout_MID], IDL_PART_REQUEST,
                                 demo_Server_EP_b_echo, args, msg, sizeof msg, &len),
                     IDL_OK);
    const struct idl_method_desc *m = NULL;
    struct idl_header h = {0};
    assert_int_equal(
        idl_route_request(demo_Server_endpoints, demo_Server_ENDPOINT_COUNT, msg, len, &m, &h),
        IDL_OK);
    assert_ptr_equal(m, &demo_Echo_methods[demo_Echo_Shout_MID]);
    /* The header it hands back is the one it routed by and validated. */
    assert_int_equal(h.endpoint_id, demo_Server_EP_b_echo);
    assert_int_equal(h.method_id, demo_Echo_Shout_MID);
    assert_int_equal(h.fixed_size, m->part[IDL_PART_REQUEST].fixed_size);
    assert_int_equal(idl_validate_header(m, IDL_PART_REQUEST, &h, msg, len), IDL_OK);
    assert_int_equal(idl_validate_header(m, IDL_PART_REQUEST, &h, msg, IDL_HEADER_SIZE - 1),
                     IDL_ERR_TRUNCATED);
    put32(0, demo_Server_ENDPOINT_COUNT);
    assert_int_equal(
        idl_route_request(demo_Server_endpoints, demo_Server_ENDPOINT_COUNT, msg, len, &m, NULL),
        IDL_ERR_ENDPOINT);
    assert_null(m);
    put32(0, 0);
    put32(4, demo_Echo_METHOD_COUNT);
    assert_int_equal(
        idl_route_request(demo_Server_endpoints, demo_Server_ENDPOINT_COUNT, msg, len, &m, NULL),
        IDL_ERR_METHOD);
    put32(4, demo_Echo_Shout_MID);
    assert_int_equal(idl_route_request(demo_Server_endpoints, demo_Server_ENDPOINT_COUNT, msg,
                                       len - 1, &m, NULL),
                     IDL_ERR_TRUNCATED);
    assert_int_equal(demo_Server_ENDPOINT_COUNT, 5);
    assert_string_equal(demo_Server_endpoints[demo_Server_EP_a_inner_echo].path, "a.inner.echo");
    assert_ptr_equal(demo_Server_endpoints[0].iface, &demo_Echo_interface);
    assert_int_equal(demo_Echo_interface.nmethods, demo_Echo_METHOD_COUNT);
}

/* The class dispatcher routes by endpoint id to that endpoint's handlers: the same answer as
 * the interface's own dispatcher; an endpoint without handlers is rcNotSupported, an id the
 * class does not have rcBadMessage, both without calling a handler. */
static void test_class_dispatcher(void **state)
{
    (void)state;
    const char *text = "hi";
    const void *args[] = {&text};
    size_t len = 0, res_len = 0, res_len2 = 0;
    assert_int_equal(idl_marshal(&demo_Echo_methods[demo_Echo_Shout_MID], IDL_PART_REQUEST,
                                 demo_Server_EP_b_echo, args, msg, sizeof msg, &len),
                     IDL_OK);
    const struct demo_Server_handlers handlers = {.b_echo = &ops};
    assert_int_equal(
        demo_Server_dispatch(&handlers, NULL, msg, len, res_buf, sizeof res_buf, &res_len), rcOk);
    assert_int_equal(
        demo_Echo_dispatch(&ops, NULL, msg, len, res_validated, sizeof res_validated, &res_len2),
        rcOk);
    assert_int_equal(res_len, res_len2);
    assert_memory_equal(res_buf, res_validated, res_len);
    assert_int_equal(demo_Server_dispatch_validated(&handlers, NULL, msg, len, res_buf,
                                                    sizeof res_buf, &res_len),
                     rcOk);
    assert_memory_equal(res_buf, res_validated, res_len);
    int before = handler_calls;
    put32(0, demo_Server_EP_direct); /* a real endpoint, but this server has no handlers for it */
    assert_int_equal(
        demo_Server_dispatch(&handlers, NULL, msg, len, res_buf, sizeof res_buf, &res_len),
        rcNotSupported);
    put32(0, demo_Server_ENDPOINT_COUNT);
    assert_int_equal(
        demo_Server_dispatch(&handlers, NULL, msg, len, res_buf, sizeof res_buf, &res_len),
        rcBadMessage);
    assert_int_equal(
        demo_Server_dispatch(&handlers, NULL, msg, 3, res_buf, sizeof res_buf, &res_len),
        rcBadMessage);
    assert_int_equal(handler_calls, before);
}

/* Last: the calls above went through both dispatchers and they agreed (see transport). */
static void test_validated_dispatch_agrees(void **state)
{
    (void)state;
    assert_true(validated_compared > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_and_strings),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_structs_unions_arrays_handles),
        cmocka_unit_test(test_error_reply_and_missing_handler),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_endpoint_table),
        cmocka_unit_test(test_class_dispatcher),
        cmocka_unit_test(test_validated_dispatch_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
