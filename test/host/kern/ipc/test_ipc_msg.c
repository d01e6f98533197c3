/*
 * IPC message checks between processes (kern/ipc/msg.c): the layout every message must have,
 * whatever its interface, and the translation of its handles with rights that only shrink,
 * all or nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/msg.h"

static uint64_t msgbuf[IDL_MESSAGE_MAX / 8 + 8];

/* Builds a message with the given sizes; returns its length. */
static size_t mk(uint32_t fixed, uint16_t handles, uint32_t arena, uint16_t flags)
{
    memset(msgbuf, 0, sizeof msgbuf);
    struct idl_header h = {7, 3, fixed, arena, handles, flags, 0};
    memcpy(msgbuf, &h, sizeof h);
    return IDL_HEADER_SIZE + ((fixed + 7u) & ~7u) + 8u * handles + arena;
}

static void test_layout_ok(void **state)
{
    (void)state;
    struct idl_header h;
    size_t len = mk(12, 2, 40, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    assert_int_equal(h.endpoint_id, 7);
    assert_int_equal(h.method_id, 3);
    assert_int_equal(h.handle_count, 2);
    /* The handle table follows the padded fixed part. */
    assert_ptr_equal(ipc_msg_handles(msgbuf, &h), (uint8_t *)msgbuf + 24 + 16);
    len = mk(0, 0, 0, IDL_FLAG_RESPONSE);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_RESPONSE, &h), rcOk);
    len = mk(4, 0, 0, IDL_FLAG_RESPONSE | IDL_FLAG_ERROR);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_RESPONSE, &h), rcOk);
}

static void test_layout_bad(void **state)
{
    (void)state;
    struct idl_header h;
    size_t len = mk(12, 2, 40, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len - 1, IPC_MSG_REQUEST, &h), rcBadMessage);
    assert_int_equal(ipc_msg_check(msgbuf, len + 1, IPC_MSG_REQUEST, &h), rcBadMessage);
    assert_int_equal(ipc_msg_check(msgbuf, 23, IPC_MSG_REQUEST, &h), rcBadMessage);
    assert_int_equal(ipc_msg_check(msgbuf, 0, IPC_MSG_REQUEST, &h), rcBadMessage);
    assert_int_equal(ipc_msg_check(NULL, len, IPC_MSG_REQUEST, &h), rcInvalidArgument);
    /* Wrong kind. */
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_RESPONSE, &h), rcBadMessage);
    len = mk(0, 0, 0, IDL_FLAG_RESPONSE);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcBadMessage);
    len = mk(0, 0, 0, IDL_FLAG_ERROR); /* error without response */
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_RESPONSE, &h), rcBadMessage);
    len = mk(0, 0, 0, IDL_FLAG_RESPONSE | 0x8);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_RESPONSE, &h), rcBadMessage);
    /* Reserved field. */
    len = mk(8, 0, 0, 0);
    ((uint8_t *)msgbuf)[20] = 1;
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcBadMessage);
    /* Too many handles. */
    len = mk(0, IDL_HANDLES_MAX + 1, 0, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcBadMessage);
    /* Sizes that would wrap a 32-bit sum: the total must still match exactly. */
    mk(0xfffffff8u, 0, 0x10u, 0);
    assert_int_equal(ipc_msg_check(msgbuf, 24 + 8, IPC_MSG_REQUEST, &h), rcBadMessage);
    /* Above the maximum. */
    len = mk(0, 0, IDL_MESSAGE_MAX - 24 + 8, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcBadMessage);
    len = mk(0, 0, IDL_MESSAGE_MAX - 24, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
}

/* ---- translation ---------------------------------------------------------------------- */

static Retcode t_alloc(void *ctx, size_t bytes, void **out)
{
    (void)ctx;
    *out = calloc(1, bytes);
    return *out ? rcOk : rcOutOfMemory;
}

static void t_free(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    (void)bytes;
    free(p);
}

static const struct handle_table_ops tops = {t_alloc, t_free, NULL, NULL, NULL};

static int destroyed;
static void obj_destroy(struct kobj *o)
{
    (void)o;
    destroyed++;
}
static const struct kobj_ops client_ops = {KOBJ_IPC_CLIENT, "client", obj_destroy};

struct fixture {
    struct handle_table a, b;
    struct kobj o1, o2;
    handle_t h1, h2;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_int_equal(handle_table_init(&f->a, &tops, NULL, 64, 1), rcOk);
    assert_int_equal(handle_table_init(&f->b, &tops, NULL, 3, 2), rcOk);
    assert_int_equal(kobj_init(&f->o1, &client_ops, KOBJ_SID_NONE, NULL, 0), rcOk);
    assert_int_equal(kobj_init(&f->o2, &client_ops, KOBJ_SID_NONE, NULL, 0), rcOk);
    assert_int_equal(handle_install(&f->a, &f->o1, HR_IPC_CLIENT, &f->h1), rcOk);
    /* h2 cannot be transferred. */
    assert_int_equal(handle_install(&f->a, &f->o2, HR_IPC_CALL | HR_DUPLICATE, &f->h2), rcOk);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    handle_table_destroy(&f->a);
    handle_table_destroy(&f->b);
    kobj_unref(&f->o1);
    kobj_unref(&f->o2);
    free(f);
    return 0;
}

static size_t mk_handles(const struct handle_desc *d, uint16_t n)
{
    size_t len = mk(4, n, 0, 0);
    struct idl_header h;
    memcpy(&h, msgbuf, sizeof h);
    memcpy(ipc_msg_handles(msgbuf, &h), d, n * sizeof *d);
    return len;
}

static void test_translate_shrinks(void **state)
{
    struct fixture *f = *state;
    struct handle_desc d[2] = {{f->h1, HR_IPC_CALL}, {f->h1, HR_IPC_CALL | HR_TRANSFER}};
    size_t len = mk_handles(d, 2);
    struct idl_header h;
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    assert_int_equal(ipc_msg_translate(msgbuf, &h, &f->a, &f->b, NULL), rcOk);
    struct handle_desc *t = ipc_msg_handles(msgbuf, &h);
    assert_int_equal(handle_table_count(&f->b), 2);
    struct kobj *o;
    handle_rights_t r;
    assert_int_equal(handle_get(&f->b, t[0].handle, KOBJ_IPC_CLIENT, HR_IPC_CALL, &o, &r), rcOk);
    assert_ptr_equal(o, &f->o1);
    assert_int_equal(r, HR_IPC_CALL);
    kobj_unref(o);
    /* The first one cannot be passed on: it did not get HR_TRANSFER. */
    assert_int_equal(handle_get(&f->b, t[0].handle, KOBJ_ANY, HR_TRANSFER, &o, NULL),
                     rcAccessDenied);
    assert_int_equal(t[1].rights, HR_IPC_CALL | HR_TRANSFER);
    ipc_msg_untranslate(msgbuf, &h, &f->b);
    assert_int_equal(handle_table_count(&f->b), 0);
}

static void test_translate_refusals(void **state)
{
    struct fixture *f = *state;
    struct idl_header h;
    uint32_t bad = 99;
    /* Rights cannot grow. */
    struct handle_desc grow[2] = {{f->h1, HR_IPC_CALL}, {f->h1, HR_IPC_CLIENT | HR_IPC_RECV}};
    ipc_msg_check(msgbuf, mk_handles(grow, 2), IPC_MSG_REQUEST, &h);
    assert_int_equal(ipc_msg_translate(msgbuf, &h, &f->a, &f->b, &bad), rcAccessDenied);
    assert_int_equal(bad, 1);
    assert_int_equal(handle_table_count(&f->b), 0); /* all or nothing */
    struct handle_desc *t = ipc_msg_handles(msgbuf, &h);
    assert_int_equal(t[0].handle, f->h1); /* message unchanged */
    /* No HR_TRANSFER on the source. */
    struct handle_desc nt[1] = {{f->h2, HR_IPC_CALL}};
    ipc_msg_check(msgbuf, mk_handles(nt, 1), IPC_MSG_REQUEST, &h);
    assert_int_equal(ipc_msg_translate(msgbuf, &h, &f->a, &f->b, &bad), rcAccessDenied);
    /* Not a handle. */
    struct handle_desc junk[1] = {{0x1234, 0}};
    ipc_msg_check(msgbuf, mk_handles(junk, 1), IPC_MSG_REQUEST, &h);
    assert_int_equal(ipc_msg_translate(msgbuf, &h, &f->a, &f->b, &bad), rcBadHandle);
    /* The receiver's table is full after 3: the 4th fails and the first 3 are undone. */
    struct handle_desc four[4] = {{f->h1, 0}, {f->h1, 0}, {f->h1, 0}, {f->h1, 0}};
    ipc_msg_check(msgbuf, mk_handles(four, 4), IPC_MSG_REQUEST, &h);
    assert_int_equal(ipc_msg_translate(msgbuf, &h, &f->a, &f->b, &bad), rcQuotaExceeded);
    assert_int_equal(bad, 3);
    assert_int_equal(handle_table_count(&f->b), 0);
    /* A revoked handle. */
    handle_t c;
    assert_int_equal(handle_copy(&f->a, f->h1, HR_IPC_CLIENT, NULL, &c), rcOk);
    handle_t gc;
    assert_int_equal(handle_copy(&f->a, c, HR_IPC_CLIENT, NULL, &gc), rcOk);
    assert_int_equal(handle_revoke(&f->a, c), rcOk);
    struct handle_desc rv[1] = {{gc, HR_IPC_CALL}};
    ipc_msg_check(msgbuf, mk_handles(rv, 1), IPC_MSG_REQUEST, &h);
    assert_int_equal(ipc_msg_translate(msgbuf, &h, &f->a, &f->b, &bad), rcHandleRevoked);
}

/* The monitor's view of a message: handle values replaced by SIDs, every other byte the same,
 * the handles' types after the message, the message itself untouched. */
static void test_sid_view(void **state)
{
    (void)state;
    struct idl_header h;
    size_t len = mk(12, 3, 16, 0);
    uint8_t *m = (uint8_t *)msgbuf;
    for (size_t i = 24; i < len; i++)
        m[i] = (uint8_t)(i * 13);
    struct handle_desc *t = ipc_msg_handles(msgbuf, &(struct idl_header){7, 3, 12, 16, 3, 0, 0});
    for (uint32_t i = 0; i < 3; i++)
        t[i] = (struct handle_desc){.handle = 5 + i, .rights = 0x30 + i};
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    uint8_t before[sizeof msgbuf], view[sizeof msgbuf];
    memcpy(before, msgbuf, len);
    const kobj_sid_t sids[3] = {1001, 1002, 77777};
    const uint8_t types[3] = {KOBJ_MEMORY, KOBJ_IPC_CLIENT, KOBJ_IPC_SYNC};
    size_t n = ipc_msg_monitor_len(len, &h);
    assert_int_equal(n, len + 8); /* three types, padded to 8 */
    memset(view, 0xee, sizeof view);
    ipc_msg_sid_view(view, n, msgbuf, len, &h, sids, types);
    assert_memory_equal(msgbuf, before, len); /* the message itself is unchanged */
    const uint8_t tail[8] = {
        OBJ_TYPE_MEMORY, OBJ_TYPE_IPC_CLIENT, OBJ_TYPE_IPC_SYNC, 0, 0, 0, 0, 0};
    assert_memory_equal(view + len, tail, 8);
    assert_int_equal(view[n], 0xee); /* nothing written past the view */
    const struct handle_desc *v = ipc_msg_handles(view, &h);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(v[i].handle, sids[i]);
        assert_int_equal(v[i].rights, 0x30 + i);
    }
    size_t table_at = (size_t)((const uint8_t *)v - view), table_end = table_at + 3 * sizeof *v;
    assert_memory_equal(view, before, table_at);
    assert_memory_equal(view + table_end, before + table_end, len - table_end);
}

/* The types take room only where there is some: none without handles, none when they would
 * take the copy past IDL_MESSAGE_MAX (the monitor then finds none), 8 bytes for 8 handles and
 * 16 for 9 to 16. */
static void test_monitor_len(void **state)
{
    (void)state;
    struct idl_header h;
    size_t len = mk(12, 0, 16, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    assert_int_equal(ipc_msg_monitor_len(len, &h), len);
    len = mk(12, 8, 16, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    assert_int_equal(ipc_msg_monitor_len(len, &h), len + 8);
    len = mk(12, 9, 16, 0);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    assert_int_equal(ipc_msg_monitor_len(len, &h), len + 16);
    size_t fixed = 16, arena = IDL_MESSAGE_MAX - IDL_HEADER_SIZE - fixed - 8 * 2 - 8;
    len = mk((uint32_t)fixed, 2, (uint32_t)arena, 0); /* room for the types, exactly */
    assert_int_equal(len, IDL_MESSAGE_MAX - 8);
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    assert_int_equal(ipc_msg_monitor_len(len, &h), IDL_MESSAGE_MAX);
    len = mk((uint32_t)fixed, 2, (uint32_t)arena + 1, 0); /* one byte short */
    assert_int_equal(ipc_msg_check(msgbuf, len, IPC_MSG_REQUEST, &h), rcOk);
    assert_int_equal(ipc_msg_monitor_len(len, &h), len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_ok),
        cmocka_unit_test(test_monitor_len),
        cmocka_unit_test(test_layout_bad),
        cmocka_unit_test(test_sid_view),
        cmocka_unit_test_setup_teardown(test_translate_shrinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translate_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
