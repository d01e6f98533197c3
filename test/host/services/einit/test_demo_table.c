/*
 * The demo solution's start-up table, generated at build time from services/einit/init.yaml by
 * einit-compile and compiled freestanding, linked here and read back as Einit will read it.
 * Checks the invariants startup_table.h promises and the demo's actual content.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "startup_table.h"
#include "startup_table_check.h"

static const struct einit_startup_table *const T = &einit_startup_table;

static void test_header(void **state)
{
    (void)state;
    assert_int_equal(T->magic, EINIT_TABLE_MAGIC);
    assert_int_equal(T->version, EINIT_TABLE_VERSION);
    assert_string_equal(T->source, "init.yaml");
    assert_int_equal(T->nentries, 8);
    assert_int_equal(T->nlisteners, 3); /* echo, the driver's nic, the stack's net.untrusted */
    /* Einit's own run-time check accepts what the compiler produced. */
    assert_int_equal(einit_table_check(T, NULL), rcOk);
}

/* What startup_table.h promises every reader, checked on a real generated table. */
static void test_invariants(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < T->nentries; i++) {
        const struct einit_entry *e = &T->entries[i];
        assert_non_null(e->class_name);
        assert_non_null(e->task_name);
        assert_non_null(e->path);
        assert_true(strlen(e->task_name) <= EINIT_MAX_NAME);
        for (uint32_t j = 0; j < i; j++)
            assert_string_not_equal(T->entries[j].task_name, e->task_name);
        assert_true(e->limits.kernel_memory > 0);
        assert_true(e->limits.ram > 0);
        assert_true((e->nargs == 0) == (e->args == NULL));
        assert_true((e->nenv == 0) == (e->env == NULL));
        assert_true((e->nconnections == 0) == (e->connections == NULL));
        for (uint32_t k = 0; k < e->nconnections; k++) {
            const struct einit_connection *c = &e->connections[k];
            assert_true(c->server < T->nentries);
            assert_true(c->listener < T->nlisteners);
            assert_int_equal(T->listeners[c->listener].server, c->server);
            assert_string_equal(T->listeners[c->listener].id, c->id);
        }
    }
}

static void test_demo_content(void **state)
{
    (void)state;
    const struct einit_entry *hello = &T->entries[0], *srv = &T->entries[1];
    const struct einit_entry *c1 = &T->entries[2], *c2 = &T->entries[3];

    assert_string_equal(hello->class_name, "Hello");
    assert_string_equal(hello->task_name, "Hello");
    assert_string_equal(hello->path, "hello");
    assert_int_equal(hello->limits.ram, 2u << 20);             /* its own limit */
    assert_int_equal(hello->limits.kernel_memory, 512u << 10); /* the file's default */

    assert_string_equal(srv->class_name, "echo.Server");
    assert_string_equal(srv->task_name, "EchoServer");
    assert_int_equal(srv->nconnections, 0);
    assert_int_equal(srv->limits.ram, 8u << 20);

    /* Two processes of one class and one executable. */
    assert_string_equal(c1->class_name, "echo.Client");
    assert_string_equal(c2->class_name, "echo.Client");
    assert_string_equal(c1->path, c2->path);
    assert_string_equal(c1->task_name, "EchoClient1");
    assert_string_equal(c2->task_name, "EchoClient2");
    assert_int_equal(c1->nargs, 3);
    assert_string_equal(c1->args[2], "hello from client 1");
    assert_int_equal(c1->nenv, 1);
    assert_string_equal(c1->env[0].name, "ECHO_VERBOSE");
    assert_string_equal(c1->env[0].value, "1");
    assert_int_equal(c2->limits.kernel_memory, 256u << 10);

    /* Both clients reach EchoServer through one shared listener named "echo". */
    assert_int_equal(c1->nconnections, 1);
    assert_int_equal(c2->nconnections, 1);
    assert_int_equal(c1->connections[0].server, 1);
    assert_int_equal(c1->connections[0].listener, c2->connections[0].listener);
    assert_string_equal(T->listeners[0].id, "echo");
    assert_int_equal(T->listeners[0].server, 1);

    /* The network: the driver has its device by PCI id; the stack reaches the driver. */
    const struct einit_entry *nic = &T->entries[4], *stack = &T->entries[5];
    assert_string_equal(nic->class_name, "net.E1000");
    assert_int_equal(nic->ndevices, 1);
    assert_string_equal(stack->class_name, "net.NetStack");
    assert_int_equal(stack->nconnections, 1);
    assert_int_equal(stack->connections[0].server, 4);
    assert_string_equal(stack->connections[0].id, "nic");

    /* The untrusted program (the policy's nine denials) reaches the echo server and the stack. */
    const struct einit_entry *untrusted = &T->entries[6];
    assert_string_equal(untrusted->class_name, "demo.Untrusted");
    assert_int_equal(untrusted->nconnections, 2);
    assert_int_equal(untrusted->connections[0].server, 1);
    assert_int_equal(untrusted->connections[1].server, 5);
    assert_string_equal(untrusted->connections[1].id, "net.untrusted");

    /* The program that crashes on purpose comes last, with the file's default limits. */
    const struct einit_entry *crash = &T->entries[7];
    assert_string_equal(crash->class_name, "demo.Crash");
    assert_string_equal(crash->task_name, "Crasher");
    assert_string_equal(crash->path, "crash");
    assert_int_equal(crash->nconnections, 0);
    assert_int_equal(crash->limits.ram, 8u << 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_invariants),
        cmocka_unit_test(test_demo_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
