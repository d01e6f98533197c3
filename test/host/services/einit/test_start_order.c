/*
 * einit_start_order (services/einit/start_order.c): every process starts after the servers of
 * its connections (the kernel learns a server's class when it starts), otherwise in table
 * order; connections to itself and to a left-out server hold nothing; a cycle is broken at its
 * first entry in table order; left-out entries are not started.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "start_order.h"

#define N 6

static struct einit_connection conns[N][N];
static struct einit_entry entries[N];
static struct einit_startup_table table;
static bool placed[N];
static uint32_t order[N];

/* A table of n entries, none connected yet. */
static void make(uint32_t n)
{
    for (uint32_t i = 0; i < N; i++)
        entries[i] = (struct einit_entry){
            .class_name = "c", .task_name = "t", .path = "p", .connections = conns[i]};
    table = (struct einit_startup_table){.entries = entries, .nentries = n};
}

/* Entry client connects to entry server. */
static void connect(uint32_t client, uint32_t server)
{
    struct einit_entry *e = &entries[client];
    conns[client][e->nconnections++] = (struct einit_connection){.id = "x", .server = server};
}

static void expect(uint32_t n, const uint32_t *want)
{
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(order[i], want[i]);
}

static void test_table_order_without_connections(void **state)
{
    (void)state;
    make(4);
    assert_int_equal(einit_start_order(&table, NULL, placed, order), 4);
    expect(4, (const uint32_t[]){0, 1, 2, 3});
}

/* The SDK's form: the client listed before the file system it connects to. */
static void test_server_before_its_client(void **state)
{
    (void)state;
    make(3);
    connect(0, 2);
    assert_int_equal(einit_start_order(&table, NULL, placed, order), 3);
    /* 1 goes first (nothing holds it), then 2, then its client 0 */
    expect(3, (const uint32_t[]){1, 2, 0});
}

/* A chain listed backwards: each waits for the next. */
static void test_chain(void **state)
{
    (void)state;
    make(4);
    connect(0, 1);
    connect(1, 2);
    connect(2, 3);
    assert_int_equal(einit_start_order(&table, NULL, placed, order), 4);
    expect(4, (const uint32_t[]){3, 2, 1, 0});
}

/* Two servers: the client waits for both; a connection to itself holds nothing. */
static void test_two_servers_and_self(void **state)
{
    (void)state;
    make(4);
    connect(0, 3);
    connect(0, 1);
    connect(2, 2);
    assert_int_equal(einit_start_order(&table, NULL, placed, order), 4);
    expect(4, (const uint32_t[]){1, 2, 3, 0});
}

/* A cycle 0 -> 1 -> 0 with 2 waiting for 0: broken at 0, the first in table order. */
static void test_cycle(void **state)
{
    (void)state;
    make(3);
    connect(0, 1);
    connect(1, 0);
    connect(2, 0);
    assert_int_equal(einit_start_order(&table, NULL, placed, order), 3);
    expect(3, (const uint32_t[]){0, 1, 2});
}

/* Left-out entries are not started and hold none of their clients. */
static void test_left_out(void **state)
{
    (void)state;
    make(4);
    connect(0, 2);
    connect(1, 3);
    bool left_out[N] = {false, false, true, false};
    assert_int_equal(einit_start_order(&table, left_out, placed, order), 3);
    expect(3, (const uint32_t[]){0, 3, 1});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_order_without_connections),
        cmocka_unit_test(test_server_before_its_client),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_two_servers_and_self),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
