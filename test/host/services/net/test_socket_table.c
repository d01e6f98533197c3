/* Host tests of the network stack's socket tables (services/net/netstack/socket_table.c): the
 * numbers a client gets, the per-client and total limits, and that a number means something
 * only in its own client's table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "socket_table.h"

static void numbers_start_at_one_per_client(void **state)
{
    (void)state;
    struct sock_table t;
    sock_table_init(&t);
    uint32_t n, slot_a, slot_b, slot_c;
    assert_int_equal(sock_table_alloc(&t, 0, &n, &slot_a), rcOk);
    assert_int_equal(n, 1);
    assert_int_equal(sock_table_alloc(&t, 0, &n, &slot_b), rcOk);
    assert_int_equal(n, 2);
    assert_int_equal(sock_table_alloc(&t, 1, &n, &slot_c), rcOk);
    assert_int_equal(n, 1); /* client 1's own numbering */
    assert_int_not_equal(slot_a, slot_c);
    uint32_t found;
    assert_int_equal(sock_table_find(&t, 0, 1, &found), rcOk);
    assert_int_equal(found, slot_a);
    assert_int_equal(sock_table_find(&t, 1, 1, &found), rcOk);
    assert_int_equal(found, slot_c);
}

static void another_clients_number_is_bad_handle(void **state)
{
    (void)state;
    struct sock_table t;
    sock_table_init(&t);
    uint32_t n, slot;
    for (int i = 0; i < 3; i++)
        assert_int_equal(sock_table_alloc(&t, 2, &n, &slot), rcOk);
    uint32_t found = 77;
    for (uint32_t number = 0; number <= SOCK_PER_CLIENT_MAX + 1; number++)
        assert_int_equal(sock_table_find(&t, 5, number, &found), rcBadHandle);
    assert_int_equal(found, 77);
    assert_int_equal(sock_table_find(&t, 2, 0, &found), rcBadHandle);
    assert_int_equal(sock_table_find(&t, 2, 4, &found), rcBadHandle);
    assert_int_equal(sock_table_find(&t, SOCK_CLIENTS_MAX, 1, &found), rcBadHandle);
    assert_int_equal(sock_table_alloc(&t, SOCK_CLIENTS_MAX, &n, &slot), rcInvalidArgument);
}

static void freed_number_is_gone_then_reused(void **state)
{
    (void)state;
    struct sock_table t;
    sock_table_init(&t);
    uint32_t n, s1, s2, s3, found;
    sock_table_alloc(&t, 0, &n, &s1);
    sock_table_alloc(&t, 0, &n, &s2);
    sock_table_free(&t, s1);
    assert_int_equal(sock_table_find(&t, 0, 1, &found), rcBadHandle);
    assert_int_equal(sock_table_find(&t, 0, 2, &found), rcOk);
    assert_int_equal(sock_table_alloc(&t, 0, &n, &s3), rcOk);
    assert_int_equal(n, 1); /* the smallest free number */
    sock_table_free(&t, s3);
    sock_table_free(&t, s3); /* twice: left alone */
    sock_table_free(&t, SOCK_TOTAL_MAX);
    assert_int_equal(t.used, 1);
    assert_int_equal(t.count[0], 1);
}

static void per_client_limit(void **state)
{
    (void)state;
    struct sock_table t;
    sock_table_init(&t);
    uint32_t n, slot;
    for (uint32_t i = 0; i < SOCK_PER_CLIENT_MAX; i++)
        assert_int_equal(sock_table_alloc(&t, 3, &n, &slot), rcOk);
    assert_int_equal(n, SOCK_PER_CLIENT_MAX);
    assert_int_equal(sock_table_alloc(&t, 3, &n, &slot), rcTooManySockets);
    /* Another client is not held back by client 3's limit. */
    assert_int_equal(sock_table_alloc(&t, 4, &n, &slot), rcOk);
}

static void total_limit(void **state)
{
    (void)state;
    struct sock_table t;
    sock_table_init(&t);
    uint32_t n, slot, made = 0;
    for (uint32_t c = 0; c < SOCK_CLIENTS_MAX && made < SOCK_TOTAL_MAX; c++)
        for (uint32_t i = 0; i < SOCK_PER_CLIENT_MAX && made < SOCK_TOTAL_MAX; i++, made++)
            assert_int_equal(sock_table_alloc(&t, c, &n, &slot), rcOk);
    assert_int_equal(made, SOCK_TOTAL_MAX);
    assert_int_equal(sock_table_alloc(&t, SOCK_CLIENTS_MAX - 1, &n, &slot), rcStackFull);
    sock_table_free(&t, 0);
    assert_int_equal(sock_table_alloc(&t, SOCK_CLIENTS_MAX - 1, &n, &slot), rcOk);
    assert_int_equal(slot, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_start_at_one_per_client),
        cmocka_unit_test(another_clients_number_is_bad_handle),
        cmocka_unit_test(freed_number_is_gone_then_reused),
        cmocka_unit_test(per_client_limit),
        cmocka_unit_test(total_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
