/*
 * The start-up parameter builder (ipc/scp.c), the start block reader (crt/start.c) and the
 * server's error header (ipc/server.c), on the host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <user/ipc.h>
#include <user/scp.h>
#include <user/start.h>

#include "crt.h"
#include <bastion/startblock.h>

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_scp_layout(void **state)
{
    (void)state;
    _Alignas(8) uint8_t buf[256];
    struct scp_builder b;
    scp_init(&b, buf, sizeof buf, 4096, 8192);
    scp_arg(&b, "EchoClient1");
    scp_arg(&b, "--count");
    scp_arg(&b, NULL); /* the empty argument */
    scp_env(&b, "ECHO_VERBOSE", "1");
    scp_conn(&b, "echo", 0x01020304u);
    size_t len = 0;
    assert_int_equal(scp_finish(&b, &len), rcOk);

    struct bastion_scp_header h;
    memcpy(&h, buf, sizeof h);
    assert_int_equal(h.magic, BASTION_SCP_MAGIC);
    assert_int_equal(h.argc, 3);
    assert_int_equal(h.envc, 1);
    assert_int_equal(h.nconn, 1);
    assert_int_equal(h.kernel_memory_limit, 4096);
    assert_int_equal(h.ram_limit, 8192);
    const uint8_t *p = buf + sizeof h;
    static const char expect[] = "EchoClient1\0--count\0\0ECHO_VERBOSE=1\0echo";
    assert_memory_equal(p, expect, sizeof expect);
    p += sizeof expect;
    assert_int_equal(le32(p), 0x01020304u);
    assert_int_equal(len, sizeof h + sizeof expect + 4);
}

static void test_scp_errors(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct scp_builder b;
    size_t len = 99;

    scp_init(&b, buf, sizeof buf, 0, 0);
    scp_env(&b, "A", "b");
    scp_arg(&b, "late"); /* an argument after the environment */
    assert_int_equal(scp_finish(&b, &len), rcBadFormat);
    assert_int_equal(len, 99);

    scp_init(&b, buf, sizeof buf, 0, 0);
    scp_env(&b, "A=B", "c");
    assert_int_equal(scp_finish(&b, NULL), rcInvalidArgument);

    scp_init(&b, buf, sizeof buf, 0, 0);
    scp_conn(&b, "", 1);
    assert_int_equal(scp_finish(&b, NULL), rcInvalidArgument);

    scp_init(&b, buf, sizeof buf, 0, 0);
    for (int i = 0; i < 10; i++)
        scp_arg(&b, "0123456789");
    assert_int_equal(scp_finish(&b, NULL), rcBufferTooSmall);

    scp_init(&b, NULL, 10, 0, 0);
    assert_int_equal(scp_finish(&b, NULL), rcInvalidArgument);
}

static void test_start_block(void **state)
{
    (void)state;
    char *argv[] = {"EchoClient1", "--count", "3", NULL};
    char *envp[] = {"ECHO_VERBOSE=1", NULL};
    struct bastion_start_conn conns[] = {
        {.name = (uint64_t)(uintptr_t) "echo", .handle = 7},
        {.name = (uint64_t)(uintptr_t) "log", .handle = 9},
    };
    struct bastion_start_block sb = {
        .magic = BASTION_START_MAGIC,
        .version = BASTION_START_VERSION,
        .core_handle = 3,
        .tsc_hz = 2100000000u,
        .argc = 3,
        .argv = (uint64_t)(uintptr_t)argv,
        .envc = 1,
        .envp = (uint64_t)(uintptr_t)envp,
        .nconn = 2,
        .conns = (uint64_t)(uintptr_t)conns,
    };
    assert_int_equal(crt_read_start_block(&sb), 0);
    assert_int_equal(core_handle(), 3);
    assert_int_equal(start_tsc_hz(), 2100000000u);
    assert_int_equal(start_argc(), 3);
    assert_string_equal(start_argv()[0], "EchoClient1");
    assert_null(start_argv()[3]);
    assert_string_equal(start_envp()[0], "ECHO_VERBOSE=1");
    uint32_t h = 0;
    assert_int_equal(start_connection("log", &h), rcOk);
    assert_int_equal(h, 9);
    assert_int_equal(start_connection("echo", &h), rcOk);
    assert_int_equal(h, 7);
    assert_int_equal(start_connection("ech", &h), rcNotFound);
    assert_int_equal(start_connection(NULL, &h), rcInvalidArgument);
    assert_int_equal(start_connection_count(), 2);
    const char *name;
    assert_int_equal(start_connection_at(1, &name, &h), rcOk);
    assert_string_equal(name, "log");
    assert_int_equal(start_connection_at(2, &name, &h), rcOutOfRange);

    struct ipc_channel ch;
    assert_int_equal(ipc_connect(&ch, "echo"), rcOk);
    assert_int_equal(ch.handle, 7);
    assert_int_equal(ipc_connect(&ch, "nothing"), rcNotFound);

    /* A bad block is refused and changes nothing. */
    struct bastion_start_block bad = sb;
    bad.magic ^= 1;
    assert_int_equal(crt_read_start_block(&bad), -1);
    bad = sb;
    bad.version = 99;
    assert_int_equal(crt_read_start_block(&bad), -1);
    assert_int_equal(crt_read_start_block(NULL), -1);
    assert_int_equal(core_handle(), 3);

    /* No vectors: empty, never NULL. */
    struct bastion_start_block bare = {
        .magic = BASTION_START_MAGIC, .version = BASTION_START_VERSION, .argc = 5};
    assert_int_equal(crt_read_start_block(&bare), 0);
    assert_int_equal(start_argc(), 0);
    assert_null(start_argv()[0]);
    assert_null(start_envp()[0]);
    assert_int_equal(start_connection_count(), 0);
    assert_int_equal(start_connection("echo", &h), rcNotFound);
}

static void test_error_header(void **state)
{
    (void)state;
    struct idl_header req = {.endpoint_id = 2, .method_id = 5, .fixed_size = 8};
    _Alignas(8) uint8_t res[64];
    assert_int_equal(ipc_error_header(&req, sizeof req, res, sizeof res), IDL_HEADER_SIZE);
    struct idl_header h;
    memcpy(&h, res, sizeof h);
    assert_int_equal(h.endpoint_id, 2);
    assert_int_equal(h.method_id, 5);
    assert_int_equal(h.flags, IDL_FLAG_RESPONSE | IDL_FLAG_ERROR);
    assert_int_equal(h.fixed_size, 0);
    assert_int_equal(h.arena_size, 0);
    /* A request too short for a header still gets an answer; no room gives 0. */
    assert_int_equal(ipc_error_header(&req, 3, res, sizeof res), IDL_HEADER_SIZE);
    memcpy(&h, res, sizeof h);
    assert_int_equal(h.endpoint_id, 0);
    assert_int_equal(ipc_error_header(&req, sizeof req, res, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scp_layout),
        cmocka_unit_test(test_scp_errors),
        cmocka_unit_test(test_start_block),
        cmocka_unit_test(test_error_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
