/*
 * The start-up context (SCP) check and the start block layout (kern/proc/startblock_build.c):
 * a malformed SCP is refused at SetEnv, and the block the child gets has every pointer inside
 * itself, at the user address it will live at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proc/startblock_build.h"

static uint8_t blob[BASTION_SCP_MAX + 64];

static size_t put(size_t at, const void *p, size_t n)
{
    memcpy(blob + at, p, n);
    return at + n;
}

/* argv {"echo", "-v"}, env {"A=1"}, connections {"srv" -> 0x11223344}. */
static size_t good_scp(void)
{
    struct bastion_scp_header h = {BASTION_SCP_MAGIC, 2, 1, 1, 4096, 0};
    size_t at = put(0, &h, sizeof h);
    at = put(at, "echo", 5);
    at = put(at, "-v", 3);
    at = put(at, "A=1", 4);
    at = put(at, "srv", 4);
    uint8_t hv[4] = {0x44, 0x33, 0x22, 0x11};
    return put(at, hv, 4);
}

static void test_scp_ok(void **state)
{
    (void)state;
    struct scp_view v;
    size_t len = good_scp();
    assert_int_equal(scp_check(blob, len, &v), rcOk);
    assert_int_equal(v.hdr.argc, 2);
    assert_int_equal(v.hdr.kernel_memory_limit, 4096);
    struct bastion_scp_header h = {BASTION_SCP_MAGIC, 0, 0, 0, 0, 0};
    memcpy(blob, &h, sizeof h);
    assert_int_equal(scp_check(blob, sizeof h, &v), rcOk);
}

static void test_scp_bad(void **state)
{
    (void)state;
    struct scp_view v;
    size_t len = good_scp();
    assert_int_equal(scp_check(blob, len - 1, &v), rcTruncated); /* handle bytes cut */
    assert_int_equal(scp_check(blob, len - 5, &v), rcTruncated); /* name NUL missing */
    assert_int_equal(scp_check(blob, 31, &v), rcTruncated);
    assert_int_equal(scp_check(blob, BASTION_SCP_MAX + 1, &v), rcOutOfRange);
    assert_int_equal(scp_check(NULL, 4, &v), rcInvalidArgument);
    blob[len] = 'x';
    assert_int_equal(scp_check(blob, len + 1, &v), rcBadFormat); /* trailing byte */
    blob[0] ^= 1;
    assert_int_equal(scp_check(blob, len, &v), rcBadFormat); /* magic */
    len = good_scp();
    memcpy(blob + 32 + 8, "A_1", 3); /* env without '=' */
    assert_int_equal(scp_check(blob, len, &v), rcBadFormat);
    len = good_scp();
    struct bastion_scp_header h = {BASTION_SCP_MAGIC, BASTION_START_MAX_ARGS + 1, 0, 0, 0, 0};
    memcpy(blob, &h, sizeof h);
    assert_int_equal(scp_check(blob, len, &v), rcOutOfRange);
    /* A connection name longer than the maximum. */
    struct bastion_scp_header h2 = {BASTION_SCP_MAGIC, 0, 0, 1, 0, 0};
    size_t at = put(0, &h2, sizeof h2);
    memset(blob + at, 'n', BASTION_START_CONN_NAME_MAX + 1);
    at += BASTION_START_CONN_NAME_MAX + 1;
    blob[at++] = 0;
    at = put(at, "\0\0\0\0", 4);
    assert_int_equal(scp_check(blob, at, &v), rcOutOfRange);
    /* An empty connection name. */
    at = put(0, &h2, sizeof h2);
    at = put(at, "\0\1\0\0\0", 5);
    assert_int_equal(scp_check(blob, at, &v), rcBadFormat);
}

static uint64_t outbuf[STARTBLOCK_BUILD_MAX / 8 + 1];

/* Translates a user address of the block back into outbuf. */
static const void *at_user(uint64_t ua, uint64_t base)
{
    assert_true(ua >= base && ua < base + sizeof outbuf);
    return (const uint8_t *)outbuf + (ua - base);
}

static void test_build(void **state)
{
    (void)state;
    struct scp_view v;
    size_t len = good_scp();
    assert_int_equal(scp_check(blob, len, &v), rcOk);
    struct startblock_info info = {.name = "task",
                                   .core_handle = 77,
                                   .pid = 5,
                                   .stack_base = 0x7000,
                                   .stack_size = 0x1000,
                                   .tsc_hz = 2100000000u,
                                   .cpu_count = 3};
    const uint64_t ua = 0x7fff0000;
    size_t used;
    assert_int_equal(startblock_build(&v, &info, ua, outbuf, sizeof outbuf, &used), rcOk);
    assert_int_equal(used % 16, 0);
    const struct bastion_start_block *sb = (const void *)outbuf;
    assert_int_equal(sb->magic, BASTION_START_MAGIC);
    assert_int_equal(sb->core_handle, 77);
    assert_int_equal(sb->tsc_hz, 2100000000u);
    assert_int_equal(sb->cpu_count, 3);
    assert_int_equal(sb->argc, 2);
    const uint64_t *argv = at_user(sb->argv, ua);
    assert_string_equal(at_user(argv[0], ua), "echo");
    assert_string_equal(at_user(argv[1], ua), "-v");
    assert_int_equal(argv[2], 0);
    const uint64_t *envp = at_user(sb->envp, ua);
    assert_string_equal(at_user(envp[0], ua), "A=1");
    assert_int_equal(envp[1], 0);
    const struct bastion_start_conn *c = at_user(sb->conns, ua);
    assert_string_equal(at_user(c[0].name, ua), "srv");
    assert_int_equal(c[0].handle, 0x11223344u);
    /* Everything lies inside [ua, ua + used). */
    assert_true(c[0].name < ua + used);
    /* Too small a buffer. */
    assert_int_equal(startblock_build(&v, &info, ua, outbuf, 64, &used), rcBufferTooSmall);
    assert_int_equal(startblock_build(&v, &info, ua, outbuf, used - 16, &used), rcBufferTooSmall);
    /* Unaligned user address. */
    assert_int_equal(startblock_build(&v, &info, ua + 4, outbuf, sizeof outbuf, &used),
                     rcInvalidArgument);
}

static void test_build_no_scp(void **state)
{
    (void)state;
    struct startblock_info info = {.name = "Einit", .core_handle = 3};
    size_t used;
    assert_int_equal(startblock_build(NULL, &info, 0x1000, outbuf, sizeof outbuf, &used), rcOk);
    const struct bastion_start_block *sb = (const void *)outbuf;
    assert_int_equal(sb->argc, 1);
    const uint64_t *argv = at_user(sb->argv, 0x1000);
    assert_string_equal(at_user(argv[0], 0x1000), "Einit");
    assert_int_equal(sb->nconn, 0);
    assert_int_equal(sb->envc, 0);
}

/* startblock_size is the size the build gives, for SCPs whose strings leave every remainder
 * modulo 16 (the end is rounded up), with and without arguments, environment, connections. */
static void test_size_matches_build(void **state)
{
    (void)state;
    const char *names[] = {"t", "task", "a-longer-program-name"};
    struct startblock_info info = {.core_handle = 1};
    size_t used;
    for (unsigned k = 0; k < 3; k++) {
        info.name = names[k];
        assert_int_equal(startblock_build(NULL, &info, 0x1000, outbuf, sizeof outbuf, &used), rcOk);
        assert_int_equal(startblock_size(NULL, names[k]), used);
    }
    for (uint32_t argc = 0; argc < 3; argc++)
        for (uint32_t envc = 0; envc < 3; envc++)
            for (uint32_t nconn = 0; nconn < 3; nconn++)
                for (size_t extra = 0; extra < 16; extra++) {
                    struct bastion_scp_header h = {BASTION_SCP_MAGIC, argc, envc, nconn, 4096, 0};
                    size_t at = put(0, &h, sizeof h);
                    char str[40];
                    for (uint32_t i = 0; i < argc; i++) {
                        memset(str, 'a', sizeof str);
                        str[1 + (extra + i) % 16] = 0;
                        at = put(at, str, strlen(str) + 1);
                    }
                    for (uint32_t i = 0; i < envc; i++)
                        at = put(at, i ? "BB=2" : "A=1", i ? 5 : 4);
                    for (uint32_t i = 0; i < nconn; i++) {
                        memset(str, 'c', sizeof str);
                        str[1 + (extra * 3 + i) % 20] = 0;
                        at = put(at, str, strlen(str) + 1);
                        at = put(at, "\1\2\3\4", 4);
                    }
                    struct scp_view v;
                    assert_int_equal(scp_check(blob, at, &v), rcOk);
                    info.name = names[extra % 3];
                    assert_int_equal(
                        startblock_build(&v, &info, 0x7fff0000, outbuf, sizeof outbuf, &used),
                        rcOk);
                    assert_int_equal(startblock_size(&v, info.name), used);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scp_ok),
        cmocka_unit_test(test_scp_bad),
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_build_no_scp),
        cmocka_unit_test(test_size_matches_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
