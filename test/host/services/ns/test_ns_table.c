/* Host tests of services/ns/ns_table.c under cmocka. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ns_table.h"

static struct ns_table t;

static int setup(void **state)
{
    (void)state;
    ns_table_init(&t);
    return 0;
}

static void test_publish_enum(void **state)
{
    (void)state;
    const char *s = NULL, *e = NULL;
    assert_int_equal(ns_table_enum(&t, "ostest.Probe", 0, &s, &e), rcNotFound);
    assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", "echo", "ostest.Probe"), rcOk);
    assert_int_equal(ns_table_publish(&t, "Other", 8, "Other", "files", "fs.Files"), rcOk);
    assert_int_equal(ns_table_publish(&t, "Other", 8, "Other", "probe", "ostest.Probe"), rcOk);
    assert_int_equal(ns_table_enum(&t, "ostest.Probe", 0, &s, &e), rcOk);
    assert_string_equal(s, "Echo");
    assert_string_equal(e, "echo");
    assert_int_equal(ns_table_enum(&t, "ostest.Probe", 1, &s, &e), rcOk);
    assert_string_equal(s, "Other");
    assert_string_equal(e, "probe");
    assert_int_equal(ns_table_enum(&t, "ostest.Probe", 2, &s, &e), rcNotFound);
    /* An empty type lists every entry. */
    assert_int_equal(ns_table_enum(&t, "", 2, &s, &e), rcOk);
    assert_int_equal(ns_table_enum(&t, "", 3, &s, &e), rcNotFound);
    /* The same endpoint twice by one server; another server may use the same endpoint name. */
    assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", "echo", "ostest.Probe"),
                     rcAlreadyExists);
    assert_int_equal(ns_table_publish(&t, "Other", 8, "Other", "echo", "ostest.Probe"), rcOk);
}

static void test_only_own_name(void **state)
{
    (void)state;
    const char *s = NULL, *e = NULL;
    assert_int_equal(ns_table_publish(&t, "Mallory", 9, "Echo", "echo", "ostest.Probe"),
                     rcNsNotPublisher);
    assert_int_equal(ns_table_enum(&t, "", 0, &s, &e), rcNotFound);
    /* Unpublish reaches only the caller's own entries. */
    assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", "echo", "ostest.Probe"), rcOk);
    assert_int_equal(ns_table_unpublish(&t, "Mallory", "echo"), rcNotFound);
    assert_int_equal(ns_table_enum(&t, "", 0, &s, &e), rcOk);
    assert_int_equal(ns_table_unpublish(&t, "Echo", "echo"), rcOk);
    assert_int_equal(ns_table_enum(&t, "", 0, &s, &e), rcNotFound);
    assert_int_equal(ns_table_unpublish(&t, "Echo", "echo"), rcNotFound);
}

static void test_bad_strings(void **state)
{
    (void)state;
    char long_name[NS_SERVER_MAX + 1];
    memset(long_name, 'a', NS_SERVER_MAX);
    long_name[NS_SERVER_MAX] = 0;
    assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", "", "ostest.Probe"),
                     rcInvalidArgument);
    assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", "echo", ""), rcInvalidArgument);
    assert_int_equal(ns_table_publish(&t, long_name, 7, long_name, "echo", "ostest.Probe"),
                     rcInvalidArgument);
}

static void test_full(void **state)
{
    (void)state;
    char ep[16];
    for (uint32_t i = 0; i < NS_ENTRIES_MAX; i++) {
        snprintf(ep, sizeof ep, "ep%u", i);
        assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", ep, "ostest.Probe"), rcOk);
    }
    assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", "one-more", "ostest.Probe"),
                     rcNsTableFull);
    /* A freed entry is taken again. */
    assert_int_equal(ns_table_unpublish(&t, "Echo", "ep3"), rcOk);
    assert_int_equal(ns_table_publish(&t, "Echo", 7, "Echo", "one-more", "ostest.Probe"), rcOk);
}

/* Alive: only "Live" with pid 1 (a later "Dead" with another pid is not the publisher). */
static bool only_live(void *ctx, const char *server, uint32_t pid)
{
    (void)ctx;
    return strcmp(server, "Live") == 0 && pid == 1;
}

static void test_prune(void **state)
{
    (void)state;
    const char *s = NULL, *e = NULL;
    assert_int_equal(ns_table_publish(&t, "Dead", 2, "Dead", "a", "T"), rcOk);
    assert_int_equal(ns_table_publish(&t, "Live", 1, "Live", "b", "T"), rcOk);
    assert_int_equal(ns_table_publish(&t, "Live", 3, "Live", "c", "T"), rcOk); /* an older Live */
    assert_int_equal(ns_table_prune(&t, only_live, NULL), 2);
    assert_int_equal(ns_table_enum(&t, "T", 0, &s, &e), rcOk);
    assert_string_equal(e, "b");
    assert_int_equal(ns_table_enum(&t, "T", 1, &s, &e), rcNotFound);
    assert_int_equal(ns_table_prune(&t, only_live, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_publish_enum, setup),
        cmocka_unit_test_setup(test_only_own_name, setup),
        cmocka_unit_test_setup(test_bad_strings, setup),
        cmocka_unit_test_setup(test_full, setup),
        cmocka_unit_test_setup(test_prune, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
