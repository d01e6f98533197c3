/* Host tests of hostlib/: the JSON reader, the arena, the diagnostic format and input files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostlib/arena.h"
#include "hostlib/diag.h"
#include "hostlib/json.h"
#include "hostlib/textfile.h"

static void test_json_reader(void **state)
{
    (void)state;
    struct host_arena a = {0};
    char err[128];
    const char *doc = "{\"a\": [1, -2, {\"b\": \"x\\u00e9\\ud83d\\ude00\\n\"}], \"t\": true, "
                      "\"n\": null}";
    struct json *j = json_parse(&a, doc, strlen(doc), err, sizeof err);
    assert_non_null(j);
    const struct json *arr = json_get(j, "a");
    assert_int_equal(json_len(arr), 3);
    assert_int_equal(json_at(arr, 1)->integer, -2);
    assert_null(json_at(arr, 3));
    assert_string_equal(json_get_string(json_at(arr, 2), "b"), "x\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_int_equal(json_get(j, "t")->boolean, 1);
    assert_int_equal(json_get(j, "n")->kind, JSON_NULL);
    assert_null(json_get(j, "absent"));
    assert_null(json_get(arr, "a"));  /* not an object */
    assert_int_equal(json_len(j), 0); /* not an array */

    static const char *const bad[] = {
        "",         "{",           "[1,]",        "{\"a\" 1}",
        "\"abc",    "[1] x",       "\"\\ud800\"", "\"\\u0000\"",
        "\"a\tb\"", "tru",         "-",           "{\"a\":1,}",
        "\"\\x\"",  "\"\\u12g4\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "{1:2}",    "[1 2]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = json_parse(&a, bad[i], strlen(bad[i]), err, sizeof err);
        if (j)
            fail_msg("accepted bad JSON %s", bad[i]);
        assert_true(strlen(err) > 0);
    }
    /* Integers out of range are refused; other numbers parse without a value. */
    assert_null(json_parse(&a, "99999999999999999999", 20, err, sizeof err));
    j = json_parse(&a, "[1e999, 2.5]", 12, err, sizeof err);
    assert_non_null(j);
    assert_int_equal(json_at(j, 0)->is_integer, 0);

    /* Nesting is bounded. */
    char deep[200];
    memset(deep, '[', sizeof deep);
    assert_null(json_parse(&a, deep, sizeof deep, err, sizeof err));
    assert_non_null(strstr(err, "nesting"));
    host_free_all(&a);
    assert_null(a.newest);
}

/* An error names the line and column where the reader stopped. */
static void test_json_error_position(void **state)
{
    (void)state;
    struct host_arena a = {0};
    char err[128];
    const char *doc = "{\n  \"a\": 1,\n  \"b\" 2\n}";
    assert_null(json_parse(&a, doc, strlen(doc), err, sizeof err));
    assert_string_equal(err, "3:7: expected ':'");
    host_free_all(&a);
}

static void test_json_typed_getters(void **state)
{
    (void)state;
    struct host_arena a = {0};
    char err[64];
    const char *doc = "{\"i\": 7, \"f\": 2.5, \"s\": \"x\", \"t\": true, \"z\": false, "
                      "\"l\": [{\"name\": \"p\"}, {\"name\": \"q\", \"v\": 3}]}";
    struct json *j = json_parse(&a, doc, strlen(doc), err, sizeof err);
    assert_non_null(j);
    assert_int_equal(json_get_int(j, "i", -1), 7);
    assert_int_equal(json_get_int(j, "f", -1), -1); /* not an integer */
    assert_int_equal(json_get_int(j, "s", -1), -1);
    assert_int_equal(json_get_int(j, "absent", 42), 42);
    assert_true(json_get_bool(j, "t"));
    assert_false(json_get_bool(j, "z"));
    assert_false(json_get_bool(j, "i"));
    assert_null(json_get_string(j, "i"));
    const struct json *l = json_get(j, "l");
    assert_int_equal(json_get_int(json_find(l, "name", "q"), "v", 0), 3);
    assert_null(json_find(l, "name", "r"));
    json_remove((struct json *)l, 0);
    assert_int_equal(json_len(l), 1);
    assert_string_equal(json_get_string(json_at(l, 0), "name"), "q");
    json_remove((struct json *)l, 5); /* out of range: nothing happens */
    assert_int_equal(json_len(l), 1);
    host_free_all(&a);
}

static void test_arena_mark_and_free_since(void **state)
{
    (void)state;
    struct host_arena a = {0};
    char *keep = host_strdup(&a, "kept");
    unsigned long long mark = host_mark(&a);
    assert_int_equal(mark, 1);
    char *gone = host_printf(&a, "%s-%d", "x", 5);
    assert_string_equal(gone, "x-5");
    /* A reallocated block keeps its number: it is still freed with what came after the mark. */
    gone = host_realloc(&a, gone, 4096);
    int *zeroed = host_alloc(&a, 16 * sizeof(int));
    for (int i = 0; i < 16; i++)
        assert_int_equal(zeroed[i], 0);
    host_free_since(&a, mark);
    assert_string_equal(keep, "kept"); /* ASan would report a use after free if it were gone */
    host_free(&a, keep);
    assert_null(a.newest);
    host_free(&a, NULL);
}

static void test_arena_free_in_the_middle(void **state)
{
    (void)state;
    struct host_arena a = {0};
    char *x = host_strndup(&a, "abcdef", 3);
    char *y = host_strdup(&a, "y");
    char *z = host_strdup(&a, "z");
    assert_string_equal(x, "abc");
    host_free(&a, y); /* unlinked from between x and z */
    z = host_realloc(&a, z, 100);
    assert_string_equal(z, "z");
    host_free_since(&a, 0);
    assert_null(a.newest);
    assert_int_equal(host_mark(&a), 3);
}

static void test_arena_push(void **state)
{
    (void)state;
    struct host_arena a = {0};
    int *arr = NULL, n = 0, cap = 0;
    for (int i = 0; i < 20; i++) {
        arr = host_push(&a, arr, &n, &cap, sizeof *arr);
        assert_int_equal(arr[n - 1], 0);
        arr[n - 1] = i * i;
    }
    assert_int_equal(n, 20);
    assert_int_equal(cap, 32);
    for (int i = 0; i < 20; i++)
        assert_int_equal(arr[i], i * i);
    host_free_all(&a);
}

static char *captured(void (*print)(FILE *))
{
    static char buf[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    print(f);
    fclose(f);
    return buf;
}

static void print_at(FILE *f)
{
    host_diag_at(f, "a.idl", 3, 14, "error", "unknown type '%s'", "Foo");
    host_diag_at(f, "b.psl", 1, 1, "warning", "%d unused", 2);
}

static void print_in(FILE *f)
{
    host_diag_in(f, "idlc", "error", "cannot open '%s'", "x");
}

static void test_diag_format(void **state)
{
    (void)state;
    assert_string_equal(captured(print_at), "a.idl:3:14: error: unknown type 'Foo'\nb.psl:1:1: "
                                            "warning: 2 unused\n");
    assert_string_equal(captured(print_in), "idlc: error: cannot open 'x'\n");
}

static void test_out_of_memory_exits_2(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        host_out_of_memory("tool");
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
}

static void test_read_file(void **state)
{
    (void)state;
    struct host_arena a = {0};
    char path[] = "/tmp/hostlib-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* Larger than the first buffer, so that it grows; with a NUL inside. */
    static char data[10000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    data[5000] = 0;
    assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
    close(fd);
    size_t len = 0;
    char *text = host_read_file(&a, path, &len);
    unlink(path);
    assert_non_null(text);
    assert_int_equal(len, sizeof data);
    assert_memory_equal(text, data, sizeof data);
    assert_int_equal(text[len], 0);

    errno = 0;
    assert_null(host_read_file(&a, "/nonexistent/hostlib-test", &len));
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_null(host_read_file(&a, "/", NULL)); /* a folder opens but cannot be read */
    assert_int_equal(errno, EIO);
    host_free_all(&a);
}

static void test_text_pos(void **state)
{
    (void)state;
    const char *t = "ab\ncde\n\nx";
    int line, col;
    host_text_pos(t, 0, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
    host_text_pos(t, 2, &line, &col); /* the newline itself ends line 1 */
    assert_int_equal(line, 1);
    assert_int_equal(col, 3);
    host_text_pos(t, 5, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 3);
    host_text_pos(t, 8, &line, &col);
    assert_int_equal(line, 4);
    assert_int_equal(col, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_reader),
        cmocka_unit_test(test_json_error_position),
        cmocka_unit_test(test_json_typed_getters),
        cmocka_unit_test(test_arena_mark_and_free_since),
        cmocka_unit_test(test_arena_free_in_the_middle),
        cmocka_unit_test(test_arena_push),
        cmocka_unit_test(test_diag_format),
        cmocka_unit_test(test_out_of_memory_exits_2),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_text_pos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
