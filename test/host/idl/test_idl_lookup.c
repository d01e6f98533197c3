/*
 * How idlc finds the description behind a name: a.b.C is <inc>/a/b/C.idl in each -I dir, then
 * <flat>/C.idl in each -F dir (the KasperskyOS SDK's flat resources folders), the same for
 * .cdl; the first that exists wins, and "not found" names every path tried.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "flat/Server.edl.h"
#include "idlc.h"

static char tmpdir[256];

static void write_file(const char *rel, const char *text)
{
    char path[600], cmd[700];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* <tmpdir>/rel in one of a ring of buffers (enough for one command line and its checks). */
static char *tmp(const char *rel)
{
    static char ring[48][600];
    static unsigned next;
    char *s = ring[next++ % 48];
    snprintf(s, sizeof ring[0], "%s/%s", tmpdir, rel);
    return s;
}

static char errline[2048];

/* Runs idlc with args (NULL-terminated; "@x" is <tmpdir>/x, and "-F@x" is -F<tmpdir>/x);
 * returns its status, the first stderr line in errline and the model in *keep (if asked). */
static int run(struct model **keep, const char *const *args)
{
    static char joined[600];
    char *argv[32] = {"idlc"};
    int argc = 1;
    for (; args[argc - 1]; argc++) {
        const char *a = args[argc - 1];
        if (a[0] == '@') {
            argv[argc] = tmp(a + 1);
        } else if (strncmp(a, "-F@", 3) == 0) {
            snprintf(joined, sizeof joined, "-F%s", tmp(a + 3));
            argv[argc] = joined;
        } else {
            argv[argc] = (char *)a;
        }
    }
    FILE *err = tmpfile();
    int rc = idlc_main(argc, argv, err, keep);
    rewind(err);
    errline[0] = 0;
    if (!fgets(errline, sizeof errline, err))
        errline[0] = 0;
    errline[strcspn(errline, "\n")] = 0;
    fclose(err);
    return rc;
}

static void clean(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", tmpdir);
    assert_int_equal(system(cmd), 0);
}

static const char ping_idl[] = "package echo.Ping\ninterface {\n  Ping(in UInt32 v, out UInt32 "
                               "r);\n}\n";
static const char comp_cdl[] = "component echo.Pinger\nendpoints {\n  ping : echo.Ping\n}\n";
static const char server_edl[] = "task class echo.Server\nendpoints {\n  main : "
                                 "echo.Ping\n}\ncomponents {\n  c : echo.Pinger\n}\n";

/* The SDK's echo example layout: everything in one resources folder. */
static void test_flat_resources_folder(void **state)
{
    (void)state;
    clean();
    write_file("resources/Ping.idl", ping_idl);
    write_file("resources/Pinger.cdl", comp_cdl);
    write_file("resources/Server.edl", server_edl);
    const char *const args[] = {"-F",   "@resources",          "--out-dir",
                                "@out", "@resources/Ping.idl", "@resources/Server.edl",
                                NULL};
    assert_int_equal(run(NULL, args), 0);
    struct stat st;
    char *h = tmp("out/echo/Server.edl.h"), *p = tmp("out/echo/Ping.idl.h");
    assert_int_equal(stat(h, &st), 0);
    assert_int_equal(stat(p, &st), 0);

    /* Without -F the same files are not found, and the error says where it looked. */
    const char *const no_flat[] = {
        "-I", "@resources", "--out-dir", "@out2", "@resources/Server.edl", NULL};
    assert_int_equal(run(NULL, no_flat), 1);
    char want[2048];
    snprintf(want, sizeof want,
             "%s/resources/Server.edl:3:10: error: unknown interface 'echo.Ping': tried "
             "%s/resources/echo/Ping.idl",
             tmpdir, tmpdir);
    assert_string_equal(errline, want);
}

/* The ping example's layout: one flat folder per language. */
static void test_one_flat_dir_per_language(void **state)
{
    (void)state;
    clean();
    write_file("resources/idl/Ping.idl", ping_idl);
    write_file("resources/cdl/Pinger.cdl", comp_cdl);
    write_file("resources/edl/Server.edl", server_edl);
    const char *const args[] = {
        "-F@resources/idl",          "--flat-dir", "@resources/cdl", "--no-c",
        "@resources/edl/Server.edl", NULL};
    struct model *m = NULL;
    assert_int_equal(run(&m, args), 0);
    assert_non_null(m);
    struct package *p = model_find_package(m, "echo.Ping");
    assert_non_null(p);
    char *want = tmp("resources/idl/Ping.idl");
    assert_string_equal(p->path, want);
    struct unit *u = model_find_unit(m, "echo.Pinger");
    assert_non_null(u);
    idlc_free_model();
}

/* Include dirs come first, in order; then flat dirs, in order. */
static void test_include_dirs_win(void **state)
{
    (void)state;
    clean();
    write_file("inc/echo/Ping.idl", ping_idl);
    write_file("flat/Ping.idl", ping_idl);
    write_file("a/Main.idl", "package a.Main\nimport echo.Ping\n");
    const char *const args[] = {"-F", "@flat", "-I", "@inc", "--no-c", "@a/Main.idl", NULL};
    struct model *m = NULL;
    assert_int_equal(run(&m, args), 0);
    char *want = tmp("inc/echo/Ping.idl");
    assert_string_equal(model_find_package(m, "echo.Ping")->path, want);
    idlc_free_model();
}

/* "Not found" lists every path tried, include dirs first; a flat file of another package is
 * an error, not a silent match. */
static void test_not_found_names_every_path(void **state)
{
    (void)state;
    clean();
    write_file("a/Main.idl", "package a.Main\nimport x.y.Gone\n");
    const char *const args[] = {"-I", "@i1", "-I",     "@i2",         "-F", "@f1",
                                "-F", "@f2", "--no-c", "@a/Main.idl", NULL};
    assert_int_equal(run(NULL, args), 1);
    char want[2048];
    snprintf(want, sizeof want,
             "%s/a/Main.idl:2:8: error: cannot find package 'x.y.Gone': tried %s/i1/x/y/Gone.idl, "
             "%s/i2/x/y/Gone.idl, %s/f1/Gone.idl, %s/f2/Gone.idl",
             tmpdir, tmpdir, tmpdir, tmpdir, tmpdir);
    assert_string_equal(errline, want);

    const char *const nowhere[] = {"--no-c", "@a/Main.idl", NULL};
    assert_int_equal(run(NULL, nowhere), 1);
    snprintf(want, sizeof want,
             "%s/a/Main.idl:2:8: error: cannot find package 'x.y.Gone': no -I or -F directory to "
             "look in",
             tmpdir);
    assert_string_equal(errline, want);

    write_file("f1/Gone.idl", "package other.Gone\n");
    assert_int_equal(run(NULL, args), 1);
    snprintf(want, sizeof want,
             "%s/f1/Gone.idl:1:9: error: file for package 'x.y.Gone' declares package 'other.Gone'",
             tmpdir);
    assert_string_equal(errline, want);
}

/* bastion_idl_generate(MODULE flat FLAT_DIRS ...) generated the flat sample where its names
 * say: flat/Server.edl.h with both endpoints, main and the component's. */
static void test_cmake_module(void **state)
{
    (void)state;
    assert_int_equal(flat_Server_ENDPOINT_COUNT, 2);
    assert_string_equal(flat_Server_endpoints[flat_Server_EP_main].path, "main");
    assert_string_equal(flat_Server_endpoints[flat_Server_EP_inner_ping].path, "inner.ping");
    assert_ptr_equal(flat_Server_endpoints[flat_Server_EP_inner_ping].iface, &flat_Ping_interface);
}

static void test_usage(void **state)
{
    (void)state;
    const char *const args[] = {"--no-c", "-F", NULL};
    assert_int_equal(run(NULL, args), 2);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/idl_lookup.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_resources_folder),
        cmocka_unit_test(test_one_flat_dir_per_language),
        cmocka_unit_test(test_include_dirs_win),
        cmocka_unit_test(test_not_found_names_every_path),
        cmocka_unit_test(test_cmake_module),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
