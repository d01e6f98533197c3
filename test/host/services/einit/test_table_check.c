/*
 * einit_table_check (services/einit/startup_table_check.c): a valid hand-made table passes;
 * each broken invariant gives its named code and says where.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "startup_table_check.h"

static const char *const args1[] = {"-v"};
static const struct einit_env env1[] = {{"A", "1"}};

/* Mutable copies: each test breaks one thing. */
static struct einit_listener listeners[2];
static struct einit_connection conns1[2];
static struct einit_device devs0[2];
static struct einit_entry entries[3];
static struct einit_startup_table table;

static int setup(void **state)
{
    (void)state;
    listeners[0] = (struct einit_listener){.id = "echo", .server = 0};
    listeners[1] = (struct einit_listener){.id = "admin", .server = 0};
    conns1[0] = (struct einit_connection){.id = "echo", .server = 0, .listener = 0};
    conns1[1] = (struct einit_connection){.id = "admin", .server = 0, .listener = 1};
    devs0[0] = (struct einit_device){
        .name = "edu", .match = EINIT_DEVICE_BY_ID, .vendor = 0x1234, .device = 0x11e8};
    devs0[1] = (struct einit_device){.name = "nic_0", .match = EINIT_DEVICE_BY_BDF, .bdf = 0x18};
    entries[0] = (struct einit_entry){.class_name = "echo.Server",
                                      .task_name = "S",
                                      .path = "s",
                                      .devices = devs0,
                                      .ndevices = 2,
                                      .limits = {4096, 4096}};
    entries[1] = (struct einit_entry){.class_name = "echo.Client",
                                      .task_name = "C1",
                                      .path = "c",
                                      .args = args1,
                                      .nargs = 1,
                                      .env = env1,
                                      .nenv = 1,
                                      .connections = conns1,
                                      .nconnections = 2,
                                      .limits = {4096, 4096}};
    entries[2] = (struct einit_entry){
        .class_name = "Hello", .task_name = "Hello", .path = "hello", .limits = {1, 1}};
    table = (struct einit_startup_table){.magic = EINIT_TABLE_MAGIC,
                                         .version = EINIT_TABLE_VERSION,
                                         .entries = entries,
                                         .nentries = 3,
                                         .listeners = listeners,
                                         .nlisteners = 2};
    return 0;
}

static void expect(Retcode want, uint32_t entry)
{
    struct einit_check_failure why = {0, 0, NULL};
    assert_int_equal(einit_table_check(&table, &why), want);
    assert_non_null(why.reason);
    assert_int_equal(why.entry, entry);
}

static void test_valid(void **state)
{
    (void)state;
    assert_int_equal(einit_table_check(&table, NULL), rcOk);
}

static void test_header(void **state)
{
    (void)state;
    assert_int_equal(einit_table_check(NULL, NULL), rcInvalidArgument);
    table.magic ^= 1;
    expect(rcBadFormat, UINT32_MAX);
    setup(NULL);
    table.version = EINIT_TABLE_VERSION + 1;
    expect(rcBadFormat, UINT32_MAX);
    setup(NULL);
    table.nentries = 0;
    expect(rcOutOfRange, UINT32_MAX);
    setup(NULL);
    table.nentries = EINIT_MAX_ENTRIES + 1;
    expect(rcOutOfRange, UINT32_MAX);
    setup(NULL);
    table.listeners = NULL;
    expect(rcBadFormat, UINT32_MAX);
}

static void test_strings(void **state)
{
    (void)state;
    entries[2].path = NULL;
    expect(rcBadFormat, 2);
    setup(NULL);
    char longname[EINIT_MAX_NAME + 2];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    entries[0].task_name = longname;
    expect(rcOutOfRange, 0);
    longname[EINIT_MAX_NAME] = '\0'; /* exactly the limit is fine */
    assert_int_equal(einit_table_check(&table, NULL), rcOk);
    setup(NULL);
    entries[2].task_name = "C1";
    expect(rcAlreadyExists, 2);
}

/* The entry flags Einit knows pass, on any entry; an unknown bit is refused. */
static void test_flags(void **state)
{
    (void)state;
    entries[0].flags = EINIT_ENTRY_PER_CLIENT_SERVER;
    entries[2].flags = EINIT_ENTRY_TEE_PARTITION | EINIT_ENTRY_PER_CLIENT_SERVER;
    assert_int_equal(einit_table_check(&table, NULL), rcOk);
    entries[1].flags = 0x4u;
    expect(rcBadFormat, 1);
}

static void test_counts_and_limits(void **state)
{
    (void)state;
    entries[1].nargs = 0; /* pointer without count */
    expect(rcBadFormat, 1);
    setup(NULL);
    entries[1].nenv = EINIT_MAX_ENV + 1;
    expect(rcOutOfRange, 1);
    setup(NULL);
    entries[2].limits.ram = 0;
    expect(rcOutOfRange, 2);
}

static void test_connections(void **state)
{
    (void)state;
    conns1[0].server = 3;
    expect(rcOutOfRange, 1);
    setup(NULL);
    conns1[1].listener = 2;
    expect(rcOutOfRange, 1);
    setup(NULL);
    conns1[1].listener = 0; /* listener 0 is "echo", the connection says "admin" */
    expect(rcBadFormat, 1);
    setup(NULL);
    conns1[1].server = 1; /* listener 1 belongs to entry 0 */
    expect(rcBadFormat, 1);
    setup(NULL);
    conns1[1].id = "echo";
    conns1[1].listener = 0;
    expect(rcAlreadyExists, 1);
    setup(NULL);
    listeners[1].id = "echo"; /* two listeners for (0, "echo") */
    expect(rcAlreadyExists, UINT32_MAX);
    setup(NULL);
    listeners[1].server = 7;
    expect(rcOutOfRange, UINT32_MAX);
}

static void test_devices(void **state)
{
    (void)state;
    entries[0].ndevices = EINIT_MAX_DEVICES + 1;
    expect(rcOutOfRange, 0);
    setup(NULL);
    entries[0].devices = NULL;
    expect(rcBadFormat, 0);
    setup(NULL);
    devs0[1].name = NULL;
    expect(rcBadFormat, 0);
    setup(NULL);
    devs0[1].name = "9nic"; /* handle names are built from it: an identifier only */
    expect(rcBadFormat, 0);
    setup(NULL);
    devs0[1].name = "nic.bar0";
    expect(rcBadFormat, 0);
    setup(NULL);
    devs0[1].name = "";
    expect(rcBadFormat, 0);
    setup(NULL);
    devs0[1].name = "a2345678901234567890123456789012345678901234567890123456789"; /* 59 */
    expect(rcOutOfRange, 0);
    setup(NULL);
    devs0[1].match = 3;
    expect(rcBadFormat, 0);
    setup(NULL);
    devs0[1].name = "edu";
    expect(rcAlreadyExists, 0);
    setup(NULL);
    devs0[1] = devs0[0]; /* the same device twice, under two names */
    devs0[1].name = "again";
    expect(rcAlreadyExists, 0);
    setup(NULL);
    entries[2].devices = devs0; /* and in two entries */
    entries[2].ndevices = 1;
    expect(rcAlreadyExists, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_valid, setup),
        cmocka_unit_test_setup(test_header, setup),
        cmocka_unit_test_setup(test_strings, setup),
        cmocka_unit_test_setup(test_flags, setup),
        cmocka_unit_test_setup(test_counts_and_limits, setup),
        cmocka_unit_test_setup(test_connections, setup),
        cmocka_unit_test_setup(test_devices, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
