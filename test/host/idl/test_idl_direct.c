/*
 * The direct proxies and handlers idlc generates for methods of one fixed message layout
 * (idl/gen_c_direct.c) against the table-driven runtime they stand in for: the same request
 * bytes, the same values out of a good response, and for every other response (an error
 * response, a short or long one, a wrong header, a handle index out of range) the same
 * return code and last_error as idl_client_call. The handlers: the same response bytes as
 * idl_server_reply, and an unvalidated malformed request refused as idl_unmarshal refuses it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idl_bytes.h"
#include "kl/core/Core.edl.h"

/* The transport double: keeps the request, answers with a canned response. */
static _Alignas(8) uint8_t sent[256], canned[256], req_buf[256], res_buf[256];
static size_t sent_len, canned_len;

static Retcode canned_transport(void *ctx, const void *req, size_t req_len, void *res,
                                size_t res_cap, size_t *res_len)
{
    (void)ctx;
    assert_true(req_len <= sizeof sent && canned_len <= res_cap);
    memcpy(sent, req, req_len);
    sent_len = req_len;
    memcpy(res, canned, canned_len);
    *res_len = canned_len;
    return rcOk;
}

static struct idl_client client(uint32_t endpoint)
{
    return (struct idl_client){canned_transport, NULL,           endpoint,
                               req_buf,          sizeof req_buf, res_buf,
                               sizeof res_buf,   IDL_ERR_HEADER, 0};
}

/* The canned response: the generic marshalling of `part` of m with `args`. */
static void can(const struct idl_method_desc *m, enum idl_part part, const void *const *args)
{
    assert_int_equal(idl_marshal(m, part, 7, args, canned, sizeof canned, &canned_len), IDL_OK);
}

static const struct idl_method_desc *const get_pid = &kl_core_Task_methods[25];
static const struct idl_method_desc *const create_sync = &kl_core_IPC_methods[0];

static void request_bytes_are_the_generic_ones(void **state)
{
    (void)state;
    kl_core_Types_Pid pid = 0;
    kl_core_Types_Retcode rc = 0;
    kl_core_Types_Pid want_pid = 4242;
    kl_core_Types_Retcode want_rc = rcOk;
    const void *const res[] = {&want_pid, &want_rc};
    can(get_pid, IDL_PART_RESPONSE, res);
    struct idl_client cl = client(kl_core_Core_EP_task_Task);
    memset(req_buf, 0xa5, sizeof req_buf); /* stale bytes must not leak into the padding */
    idl_handle_t task = {0x1234, 0x5};
    assert_int_equal(kl_core_Task_GetPid(&cl, task, &pid, &rc), rcOk);
    assert_int_equal(pid, 4242);
    assert_int_equal(rc, rcOk);
    assert_int_equal(cl.last_error, IDL_OK);

    uint8_t generic[256];
    size_t glen = 0;
    const void *const in[] = {&task};
    assert_int_equal(idl_marshal(get_pid, IDL_PART_REQUEST, kl_core_Core_EP_task_Task, in, generic,
                                 sizeof generic, &glen),
                     IDL_OK);
    assert_int_equal(sent_len, glen);
    assert_memory_equal(sent, generic, glen);
    /* And the request is one the router accepts. */
    assert_int_equal(idl_validate(get_pid, IDL_PART_REQUEST, sent, sent_len), IDL_OK);
}

/* Runs GetPid's proxy and idl_client_call on the same canned response; both must agree. */
static void same_as_generic(void)
{
    idl_handle_t task = {3, 1};
    kl_core_Types_Pid pid_d = 77, pid_g = 77;
    kl_core_Types_Retcode rc_d = 77, rc_g = 77;
    struct idl_client d = client(kl_core_Core_EP_task_Task), g = d;
    Retcode r_d = kl_core_Task_GetPid(&d, task, &pid_d, &rc_d);
    const void *const in[] = {&task};
    void *const out[] = {&pid_g, &rc_g};
    Retcode r_g = idl_client_call(&g, get_pid, in, out, NULL);
    assert_int_equal(r_d, r_g);
    assert_int_equal(d.last_error, g.last_error);
    assert_int_equal(pid_d, pid_g);
    assert_int_equal(rc_d, rc_g);
}

static void other_responses_take_the_generic_path(void **state)
{
    (void)state;
    kl_core_Types_Pid want_pid = 9;
    kl_core_Types_Retcode want_rc = rcNotFound;
    const void *const res[] = {&want_pid, &want_rc};

    can(get_pid, IDL_PART_RESPONSE, res);
    same_as_generic(); /* the good one, for reference */

    /* An error response (GetPid has no error parameters: an empty one is well formed). */
    assert_int_equal(
        idl_marshal(get_pid, IDL_PART_ERROR, 7, NULL, canned, sizeof canned, &canned_len), IDL_OK);
    same_as_generic();

    /* One byte short, one byte long. */
    can(get_pid, IDL_PART_RESPONSE, res);
    canned_len--;
    same_as_generic();
    can(get_pid, IDL_PART_RESPONSE, res);
    canned[canned_len++] = 0;
    same_as_generic();

    /* Each header field wrong in turn: method, fixed size, arena, handles, flags, reserved. */
    static const size_t field_at[] = {4, 8, 12, 16, 18, 20};
    for (size_t i = 0; i < sizeof field_at / sizeof field_at[0]; i++) {
        can(get_pid, IDL_PART_RESPONSE, res);
        canned[field_at[i]] ^= 0x40;
        same_as_generic();
    }
}

static void out_handles(void **state)
{
    (void)state;
    idl_handle_t h = {0}, want = {0x99, 0x3};
    kl_core_Types_Retcode rc = 0, want_rc = rcOk;
    const void *const res[] = {&want, &want_rc};
    can(create_sync, IDL_PART_RESPONSE, res);
    struct idl_client cl = client(kl_core_Core_EP_ipc_IPC);
    assert_int_equal(kl_core_IPC_CreateSyncObject(&cl, &h, &rc), rcOk);
    assert_int_equal(h.handle, 0x99);
    assert_int_equal(h.rights, 0x3);
    assert_int_equal(rc, rcOk);

    /* A handle index out of range: refused as the runtime refuses it. */
    can(create_sync, IDL_PART_RESPONSE, res);
    canned[24] = 1;
    struct idl_client g = client(kl_core_Core_EP_ipc_IPC);
    void *const out[] = {&h, &rc};
    Retcode r_g = idl_client_call(&g, create_sync, NULL, out, NULL);
    assert_int_not_equal(r_g, rcOk);
    assert_int_equal(kl_core_IPC_CreateSyncObject(&cl, &h, &rc), r_g);
    assert_int_equal(cl.last_error, IDL_ERR_HANDLE_INDEX);

    /* NULL out pointers are skipped, as the runtime skips them. */
    can(create_sync, IDL_PART_RESPONSE, res);
    assert_int_equal(kl_core_IPC_CreateSyncObject(&cl, NULL, NULL), rcOk);
}

static void small_request_buffer(void **state)
{
    (void)state;
    struct idl_client cl = client(kl_core_Core_EP_task_Task);
    cl.req_cap = 16;
    sent_len = 0;
    assert_int_equal(kl_core_Task_GetPid(&cl, (idl_handle_t){1, 1}, NULL, NULL),
                     idl_error_retcode(IDL_ERR_BUFFER_TOO_SMALL));
    assert_int_equal(cl.last_error, IDL_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sent_len, 0); /* nothing was sent */
}

/* The handler side: a GetPid that answers from the handle it was given. */
static idl_handle_t seen;
static Retcode serve_get_pid(void *ctx, idl_handle_t task, kl_core_Types_Pid *pid,
                             kl_core_Types_Retcode *rc)
{
    (void)ctx;
    seen = task;
    *pid = task.handle + 1;
    *rc = rcOk;
    return rcOk;
}

static void handler_matches_generic_reply(void **state)
{
    (void)state;
    struct kl_core_Task_ops ops = {.GetPid = serve_get_pid};
    idl_handle_t task = {41, 2};
    const void *const in[] = {&task};
    uint8_t req[64], res[64], generic[64];
    size_t req_len = 0, res_len = 0, glen = 0;
    assert_int_equal(idl_marshal(get_pid, IDL_PART_REQUEST, 5, in, req, sizeof req, &req_len),
                     IDL_OK);
    memset(res, 0xa5, sizeof res);
    assert_int_equal(kl_core_Task_dispatch(&ops, NULL, req, req_len, res, sizeof res, &res_len),
                     rcOk);
    assert_int_equal(seen.handle, 41);
    assert_int_equal(seen.rights, 2);
    kl_core_Types_Pid pid = 42;
    kl_core_Types_Retcode rc = rcOk;
    const void *const out[] = {&pid, &rc};
    assert_int_equal(
        idl_server_reply(get_pid, IDL_PART_RESPONSE, 5, out, generic, sizeof generic, &glen), rcOk);
    assert_int_equal(res_len, glen);
    assert_memory_equal(res, generic, glen);

    /* Too small a response buffer: refused as the runtime refuses it. */
    assert_int_equal(kl_core_Task_dispatch(&ops, NULL, req, req_len, res, 16, &res_len),
                     idl_error_retcode(IDL_ERR_BUFFER_TOO_SMALL));
    /* Unvalidated and malformed: a handle index out of range, and a short request. */
    req[24] = 1;
    assert_int_equal(kl_core_Task_dispatch(&ops, NULL, req, req_len, res, sizeof res, &res_len),
                     idl_error_retcode(IDL_ERR_HANDLE_INDEX));
    req[24] = 0;
    assert_int_equal(kl_core_Task_dispatch(&ops, NULL, req, req_len - 1, res, sizeof res, &res_len),
                     idl_error_retcode(IDL_ERR_TRUNCATED));
    /* No handler: rcNotSupported, as before. */
    struct kl_core_Task_ops none = {0};
    assert_int_equal(kl_core_Task_dispatch(&none, NULL, req, req_len, res, sizeof res, &res_len),
                     rcNotSupported);
}

/* ---- the request validators: the table-driven check's result on every request ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

/* The request of m with every plain byte 0 and handle k's index k at its parameter, in a
 * buffer of room bytes (arena room after it for the variable-size methods); its length. */
static size_t base_request(const struct idl_method_desc *m, uint32_t ep, uint8_t *b, size_t room)
{
    const struct idl_part_desc *pd = &m->part[IDL_PART_REQUEST];
    memset(b, 0, room);
    struct idl_header h = {ep, m->id, pd->fixed_size, 0, (uint16_t)pd->handles, 0, 0};
    memcpy(b, &h, sizeof h);
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        const struct idl_param_desc *p = &idl_method_params(m)[i];
        if (p->part == IDL_PART_REQUEST && p->kind == IDL_KIND_HANDLE) {
            memcpy(b + IDL_HEADER_SIZE + p->offset, &k, sizeof k);
            k++;
        }
    }
    return (size_t)idl_arena_at(pd->fixed_size, pd->handles);
}

/* Both checks on one request: the same answer, whichever it is. */
static enum idl_error same_answer(idl_request_validator v, const struct idl_method_desc *m,
                                  const uint8_t *b, size_t len)
{
    struct idl_header h;
    assert_int_equal(idl_peek_header(b, len, &h), IDL_OK);
    if (h.method_id != m->id)
        return IDL_ERR_METHOD; /* routed elsewhere: not this method's request */
    enum idl_error want = idl_validate_header(m, IDL_PART_REQUEST, &h, b, len);
    enum idl_error got = v(&h, b, len);
    if (got != want)
        fail_msg("%s: validator %d, table %d (len %zu)", idl_method_name(m), got, want, len);
    return got;
}

static void validators_agree_with_the_table(void **state)
{
    (void)state;
    static _Alignas(8) uint8_t b[1024];
    unsigned methods = 0, direct_ok = 0, mutations = 0;
    for (uint32_t ep = 0; ep < kl_core_Core_ENDPOINT_COUNT; ep++) {
        const struct idl_endpoint_desc *e = &kl_core_Core_endpoints[ep];
        assert_non_null(e->validate_request); /* every generated class table has them */
        for (uint32_t id = 0; id < e->iface->nmethods; id++) {
            const struct idl_method_desc *m = &idl_iface_methods(e->iface)[id];
            size_t len = base_request(m, ep, b, sizeof b);
            assert_true(len + 64 <= sizeof b);
            methods++;
            if (same_answer(e->validate_request, m, b, len) == IDL_OK)
                direct_ok++;
            /* Every length around it, and every header word off by one or all ones. */
            for (size_t l = IDL_HEADER_SIZE; l <= len + 16; l++)
                same_answer(e->validate_request, m, b, l), mutations++;
            for (size_t off = 8; off < IDL_HEADER_SIZE; off += 2) {
                uint8_t keep[2];
                memcpy(keep, b + off, 2);
                const uint16_t vals[] = {(uint16_t)(keep[0] + 1), 0xffff, 1, 8};
                for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
                    memcpy(b + off, &vals[v], 2);
                    same_answer(e->validate_request, m, b, len), mutations++;
                }
                memcpy(b + off, keep, 2);
            }
            /* Random corruption of the header, fixed part and handle table. */
            for (unsigned r = 0; r < 300; r++) {
                size_t l = len;
                base_request(m, ep, b, len + 64);
                unsigned flips = 1 + rng() % 3;
                for (unsigned f = 0; f < flips; f++) {
                    size_t at = 8 + rng() % (len + 8 - 8);
                    b[at] = (uint8_t)(rng() % 4 == 0 ? rng() : b[at] + 1 + rng() % 3);
                }
                if (rng() % 4 == 0)
                    l = IDL_HEADER_SIZE + rng() % (len + 16 - IDL_HEADER_SIZE);
                same_answer(e->validate_request, m, b, l), mutations++;
            }
        }
    }
    /* The kernel's interfaces: all 146 methods, most of them of one fixed layout, whose zeroed
     * request is valid (the constant compares accept it). */
    assert_int_equal(methods, 146);
    assert_true(direct_ok >= 100);
    assert_true(mutations > 146 * 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_bytes_are_the_generic_ones),
        cmocka_unit_test(other_responses_take_the_generic_path),
        cmocka_unit_test(out_handles),
        cmocka_unit_test(small_request_buffer),
        cmocka_unit_test(handler_matches_generic_reply),
        cmocka_unit_test(validators_agree_with_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
