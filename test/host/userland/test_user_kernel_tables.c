/*
 * The kernel's process list and per-class decision counts as user mode checks them
 * (userland/ipc/task_table_parse.c, security_table_parse.c): a well-formed file is taken whole,
 * every way the bytes can be wrong is rcBadFormat, and nothing of a refused file is handed out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <user/security_table.h>
#include <user/task_table.h>

static struct {
    struct bastion_task_table_header h;
    struct bastion_task_record rec[2];
} tasks;

static struct {
    struct bastion_security_table_header h;
    struct bastion_security_record rec[2];
} sec;

static struct task_table tt;
static struct security_table st;

static int setup(void **state)
{
    (void)state;
    memset(&tasks, 0, sizeof tasks);
    tasks.h = (struct bastion_task_table_header){BASTION_TASK_TABLE_MAGIC,
                                                 BASTION_TASK_TABLE_VERSION,
                                                 2,
                                                 sizeof(struct bastion_task_record),
                                                 3,
                                                 0};
    tasks.rec[0] = (struct bastion_task_record){.pid = 7, .parent = 2, .state = 1, .threads = 2};
    strcpy(tasks.rec[0].name, "StatusServer");
    strcpy(tasks.rec[0].class_name, "httpd.StatusServer");
    tasks.rec[1] = (struct bastion_task_record){.pid = 2, .parent = 0, .state = 3};
    strcpy(tasks.rec[1].name, "Einit");
    strcpy(tasks.rec[1].class_name, "Einit");
    memset(&sec, 0, sizeof sec);
    sec.h = (struct bastion_security_table_header){BASTION_SECURITY_TABLE_MAGIC,
                                                   BASTION_SECURITY_TABLE_VERSION,
                                                   2,
                                                   sizeof(struct bastion_security_record),
                                                   100,
                                                   9};
    strcpy(sec.rec[0].class_name, "Einit");
    sec.rec[0].decisions = 50;
    strcpy(sec.rec[1].class_name, "demo.Untrusted");
    sec.rec[1].decisions = 10;
    sec.rec[1].denials = 5;
    return 0;
}

static void test_tasks_valid(void **state)
{
    (void)state;
    assert_int_equal(task_table_parse(&tasks, sizeof tasks, &tt), rcOk);
    assert_int_equal(tt.count, 2);
    assert_int_equal(tt.total, 3);
    assert_int_equal(tt.rec[0].pid, 7);
    assert_string_equal(tt.rec[0].class_name, "httpd.StatusServer");
    assert_string_equal(task_state_name(tt.rec[1].state), "dead");
    assert_string_equal(task_state_name(99), "?");
    /* An empty table (header only) is a table. */
    tasks.h.count = 0;
    assert_int_equal(task_table_parse(&tasks, sizeof tasks.h, &tt), rcOk);
    assert_int_equal(tt.count, 0);
}

static void refused_task(void)
{
    tt.count = 99;
    assert_int_equal(task_table_parse(&tasks, sizeof tasks, &tt), rcBadFormat);
    assert_int_equal(tt.count, 0);
}

static void test_tasks_bad(void **state)
{
    (void)state;
    tasks.h.magic ^= 1;
    refused_task();
    setup(NULL);
    tasks.h.version = 2;
    refused_task();
    setup(NULL);
    tasks.h.record_size = 200;
    refused_task();
    setup(NULL);
    tasks.h.count = 3; /* more records than bytes */
    refused_task();
    setup(NULL);
    tasks.h.total = 1; /* fewer processes than records */
    refused_task();
    setup(NULL);
    tasks.rec[1].state = BASTION_TASK_STATES;
    refused_task();
    setup(NULL);
    memset(tasks.rec[0].name, 'A', sizeof tasks.rec[0].name); /* no NUL in the field */
    refused_task();
    setup(NULL);
    memset(tasks.rec[1].class_name, 'A', sizeof tasks.rec[1].class_name);
    refused_task();
    setup(NULL);
    assert_int_equal(task_table_parse(&tasks, sizeof tasks - 1, &tt), rcBadFormat);
    assert_int_equal(task_table_parse(&tasks, sizeof tasks.h - 1, &tt), rcBadFormat);
}

static void test_security_valid(void **state)
{
    (void)state;
    assert_int_equal(security_table_parse(&sec, sizeof sec, &st), rcOk);
    assert_int_equal(st.count, 2);
    assert_int_equal(st.decisions, 100);
    assert_int_equal(st.denials, 9);
    assert_string_equal(st.rec[1].class_name, "demo.Untrusted");
    assert_int_equal(st.rec[1].denials, 5);
}

static void refused_security(void)
{
    st.count = 99;
    assert_int_equal(security_table_parse(&sec, sizeof sec, &st), rcBadFormat);
    assert_int_equal(st.count, 0);
}

static void test_security_bad(void **state)
{
    (void)state;
    sec.h.magic = 0;
    refused_security();
    setup(NULL);
    sec.h.version = 0;
    refused_security();
    setup(NULL);
    sec.h.record_size = 8;
    refused_security();
    setup(NULL);
    sec.h.count = BASTION_SECURITY_TABLE_MAX + 1;
    refused_security();
    setup(NULL);
    sec.h.denials = 101; /* more denials than decisions */
    refused_security();
    setup(NULL);
    sec.rec[1].denials = 11;
    refused_security();
    setup(NULL);
    memset(sec.rec[0].class_name, 'x', sizeof sec.rec[0].class_name);
    refused_security();
    setup(NULL);
    assert_int_equal(security_table_parse(&sec, sizeof sec + 1, &st), rcBadFormat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tasks_valid, setup),
        cmocka_unit_test_setup(test_tasks_bad, setup),
        cmocka_unit_test_setup(test_security_valid, setup),
        cmocka_unit_test_setup(test_security_bad, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
