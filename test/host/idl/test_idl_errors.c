/*
 * Every malformed description stops idlc with "file:line:column: error: message", exit
 * status 1, and no output file written (nor an old one replaced).
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

#include "idlc.h"

struct src {
    const char *path; /* relative to the temp dir */
    const char *text;
};

struct error_case {
    const char *what;
    struct src files[3];
    const char *expect; /* the whole first line of stderr, after the temp dir prefix */
};

static const struct error_case cases[] = {
    {"syntax error",
     {{"t/A.idl", "package t.A\ninterface {\n  Foo(in UInt32 a out UInt32 b);\n}\n"}},
     "t/A.idl:3:19: error: expected ',' or ')', found 'out'"},
    {"unknown type",
     {{"t/A.idl", "package t.A\ninterface {\n  Foo(in UInt33 a);\n}\n"}},
     "t/A.idl:3:10: error: unknown type or constant 'UInt33'"},
    {"duplicate method",
     {{"t/A.idl", "package t.A\ninterface {\n  Foo(in UInt32 a);\n  Bar();\n  Foo(out UInt8 "
                  "b);\n}\n"}},
     "t/A.idl:5:3: error: duplicate method 'Foo' (first defined at line 3)"},
    {"direction missing",
     {{"t/A.idl", "package t.A\ninterface {\n    Foo(UInt32 a);\n}\n"}},
     "t/A.idl:3:9: error: parameter direction missing: expected 'in', 'out' or 'error'"},
    {"cyclic import",
     {{"t/A.idl", "package t.A\nimport t.B\n"}, {"t/B.idl", "package t.B\n\nimport t.A\n"}},
     "t/B.idl:3:8: error: cyclic import: 't.B' imports 't.A', which imports it back"},
    {"bound zero",
     {{"t/A.idl", "package t.A\ntypedef string<0> S;\n"}},
     "t/A.idl:2:16: error: out-of-range bound 0 (must be 1..65536)"},
    {"bound too big",
     {{"t/A.idl", "package t.A\nconst UInt32 N = 70000;\ntypedef sequence<UInt8, N> S;\n"}},
     "t/A.idl:3:25: error: out-of-range bound 70000 (must be 1..65536)"},
    {"message too big",
     {{"t/A.idl", "package t.A\ninterface {\n  Big(in sequence<UInt64, 65536> a);\n}\n"}},
     "t/A.idl:3:3: error: out-of-range bound: the largest request of 'Big' is 524327 bytes, above "
     "the 65536-byte limit"},
    {"unterminated comment",
     {{"t/A.idl", "package t.A\n  /* no end\n"}},
     "t/A.idl:2:3: error: unterminated comment"},
    {"const does not fit",
     {{"t/A.idl", "package t.A\nconst UInt8 X = 256;\n"}},
     "t/A.idl:2:17: error: value 256 does not fit in UInt8"},
    {"struct contains itself",
     {{"t/A.idl", "package t.A\nstruct S {\n  UInt8 a;\n  S b;\n}\n"}},
     "t/A.idl:4:3: error: type 'S' contains itself"},
    {"handle in struct",
     {{"t/A.idl", "package t.A\nstruct S {\n  UInt8 b;\n  Handle a;\n}\n"}},
     "t/A.idl:4:3: error: field 'a': handles may only be method parameters"},
    {"handle in a union arm through a typedef",
     {{"t/A.idl", "package t.A\ntypedef Handle H;\nunion U {\n  UInt8 b;\n  H a;\n}\n"}},
     "t/A.idl:5:3: error: field 'a': handles may only be method parameters"},
    {"handle in an array",
     {{"t/A.idl", "package t.A\ntypedef array<Handle, 2> T;\n"}},
     "t/A.idl:2:15: error: array elements may not be handles: handles may only be method "
     "parameters"},
    {"sequences of sequences nested too deep",
     {{"t/A.idl", "package t.A\ntypedef sequence<sequence<sequence<sequence<sequence<sequence<"
                  "sequence<sequence<sequence<sequence<UInt8, 1>, 1>, 1>, 1>, 1>, 1>, 1>, 1>, 1>, "
                  "1> T;\n"}},
     "t/A.idl:2:9: error: sequences nested too deep: more than 8 levels of sequences of strings, "
     "sequences or nested types"},
    {"too many nested fields through a sequence's elements",
     {{"t/A.idl", "package t.A\ninterface {\n  M(in sequence<sequence<UInt8, 4>, 1024> s);\n}\n"}},
     "t/A.idl:3:43: error: too many nested fields: more than 1024 strings, sequences, union tags "
     "and plain runs in one parameter (each counted once per element of the sequences around "
     "it)"},
    {"too many nested fields through strings in a sequence's elements",
     {{"t/A.idl", "package t.A\ninterface {\n  M(in sequence<sequence<string<8>, 100>, 11> "
                  "s);\n}\n"}},
     "t/A.idl:3:47: error: too many nested fields: more than 1024 strings, sequences, union tags "
     "and plain runs in one parameter (each counted once per element of the sequences around "
     "it)"},
    {"too many nested fields",
     {{"t/A.idl", "package t.A\nstruct S {\n  string<4> a;\n}\ninterface {\n"
                  "  M(in array<S, 1025> s);\n}\n"}},
     "t/A.idl:6:23: error: too many nested fields: more than 1024 strings, sequences, union tags "
     "and plain runs in one parameter (each counted once per element of the sequences around "
     "it)"},
    {"nested strings over the message limit",
     {{"t/A.idl", "package t.A\nstruct S {\n  string<65536> a;\n  string<65536> b;\n}\n"
                  "interface {\n  M(in S s);\n}\n"}},
     "t/A.idl:7:3: error: out-of-range bound: the largest request of 'M' is 131128 bytes, above "
     "the 65536-byte limit"},
    {"underscore in method",
     {{"t/A.idl", "package t.A\ninterface {\n  Do_It();\n}\n"}},
     "t/A.idl:3:3: error: method name 'Do_It' must not contain '_'"},
    {"package does not match file",
     {{"t/A.idl", "package t.B\n"}},
     "t/A.idl:1:9: error: package 't.B' must be in a file named 'B.idl'"},
    {"missing import",
     {{"t/A.idl", "package t.A\nimport t.Gone\n"}},
     "t/A.idl:2:8: error: cannot find package 't.Gone': tried @/t/Gone.idl"},
    {"no package",
     {{"t/A.idl", "interface { }\n"}},
     "t/A.idl:1:1: error: expected 'package' declaration, found 'interface'"},
    {"edl unknown interface",
     {{"t/K.edl", "task class t.K\nendpoints {\n  main : t.Nope\n}\n"}},
     "t/K.edl:3:10: error: unknown interface 't.Nope': tried @/t/Nope.idl"},
    {"edl unknown component",
     {{"t/K.edl", "entity t.K\ncomponents {\n  c : t.Nope\n}\n"}},
     "t/K.edl:3:7: error: unknown component 't.Nope': not in the files loaded; tried "
     "@/t/Nope.cdl"},
    {"cdl duplicate endpoint",
     {{"t/C.cdl", "component t.C\nendpoints {\n  e : t.A\n  e : t.A\n}\n"},
      {"t/A.idl", "package t.A\ninterface { }\n"}},
     "t/C.cdl:4:3: error: duplicate endpoint 'e'"},
    {"cdl component contains itself",
     {{"t/C.cdl", "component t.C\ncomponents {\n  me : t.C\n}\n"}},
     "t/C.cdl:3:8: error: component 't.C' contains itself"},
    {"too many handles",
     {{"t/A.idl", "package t.A\ninterface {\n  H(in Handle h0, in Handle h1, in Handle h2, in "
                  "Handle h3, in Handle h4, in Handle h5, in Handle h6, in Handle h7, in Handle "
                  "h8, in Handle h9, in Handle h10, in Handle h11, in Handle h12, in Handle h13, "
                  "in Handle h14, in Handle h15, in Handle h16);\n}\n"}},
     "t/A.idl:3:3: error: method 'H': 17 handles in its request, the limit is 16"},
    {"ambiguous import",
     {{"t/A.idl", "package t.A\nimport t.B\nimport t.C\ntypedef X Y;\n"},
      {"t/B.idl", "package t.B\ntypedef UInt8 X;\n"},
      {"t/C.idl", "package t.C\ntypedef UInt16 X;\n"}},
     "t/A.idl:4:9: error: 'X' is ambiguous: defined in 't.B' and 't.C'"},
    {"constant used as a type",
     {{"t/A.idl", "package t.A\nconst UInt8 K = 1;\ntypedef K T;\n"}},
     "t/A.idl:3:9: error: 'K' is a constant, not a type"},
    {"handle in a sequence",
     {{"t/A.idl", "package t.A\ntypedef sequence<Handle, 4> T;\n"}},
     "t/A.idl:2:18: error: sequence elements may not be handles: handles may only be method "
     "parameters"},
    {"division by zero",
     {{"t/A.idl", "package t.A\nconst UInt32 Z = 4 / (2 - 2);\n"}},
     "t/A.idl:2:20: error: division by zero in constant expression"},
    {"two interfaces",
     {{"t/A.idl", "package t.A\ninterface { }\ninterface { }\n"}},
     "t/A.idl:3:1: error: a package holds one interface; this is the second"},
    {"edl missing colon",
     {{"t/K.edl", "task class t.K\nendpoints {\n  main t.A\n}\n"}},
     "t/K.edl:3:8: error: expected ':', found 't'"},
};

static char tmpdir[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    mkdir(dir, 0777);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs idlc on the case's files; returns its exit status and the first stderr line. */
static int run_idlc(const struct error_case *c, char *line, size_t cap, const char *out_dir)
{
    char inc[300], json[600];
    char *paths[3];
    snprintf(inc, sizeof inc, "-I%s", tmpdir);
    snprintf(json, sizeof json, "%s/x.json", out_dir);
    char *argv[10] = {"idlc", inc, "--out-dir", (char *)out_dir, "--typedesc", json};
    int argc = 6;
    for (int i = 0; i < 3 && c->files[i].path; i++) {
        write_file(c->files[i].path, c->files[i].text);
        paths[i] = malloc(600);
        snprintf(paths[i], 600, "%s/%s", tmpdir, c->files[i].path);
        argv[argc++] = paths[i];
    }
    /* Only the first file is named on the command line: imports must be found. */
    argc = 7;
    FILE *err = tmpfile();
    int rc = idlc_main(argc, argv, err, NULL);
    rewind(err);
    line[0] = 0;
    if (!fgets(line, (int)cap, err))
        line[0] = 0;
    line[strcspn(line, "\n")] = 0;
    fclose(err);
    for (int i = 0; i < 3 && c->files[i].path; i++)
        free(paths[i]);
    return rc;
}

static int count_entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "find '%s' -type f 2>/dev/null | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

/* The expected line: the temp dir, '/', then c->expect with each '@' standing for the temp
 * dir too (the paths an error lists as tried). */
static void expand_tmpdir(char *want, size_t cap, const char *expect)
{
    size_t n = (size_t)snprintf(want, cap, "%s/", tmpdir);
    for (const char *e = expect; *e && n + 1 < cap; e++) {
        if (*e == '@')
            n += (size_t)snprintf(want + n, cap - n, "%s", tmpdir);
        else
            want[n++] = *e;
        if (n >= cap)
            n = cap - 1;
    }
    want[n] = 0;
}

static void test_each_error(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct error_case *c = &cases[i];
        char cmd[600], out[600], line[1024], want[1024];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", tmpdir);
        assert_int_equal(system(cmd), 0);
        snprintf(out, sizeof out, "%s/out", tmpdir);
        int rc = run_idlc(c, line, sizeof line, out);
        expand_tmpdir(want, sizeof want, c->expect);
        if (rc != 1 || strcmp(line, want) != 0) {
            print_error("case '%s': status %d, got\n  %s\nwant\n  %s\n", c->what, rc, line, want);
            bad++;
        }
        assert_int_equal(count_entries(out), 0);
    }
    assert_int_equal(bad, 0);
}

/* A failing run leaves the outputs of the last good run exactly as they were. */
static void test_no_half_written_outputs(void **state)
{
    (void)state;
    char cmd[600], out[600], hdr[700], line[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    struct error_case good = {
        "good", {{"t/A.idl", "package t.A\ninterface {\n  Foo(in UInt32 a);\n}\n"}}, ""};
    assert_int_equal(run_idlc(&good, line, sizeof line, out), 0);
    snprintf(hdr, sizeof hdr, "%s/t/A.idl.h", out);
    struct stat before, after;
    assert_int_equal(stat(hdr, &before), 0);
    int files_before = count_entries(out);
    assert_int_equal(files_before, 3); /* .h, .c, .json */
    struct error_case bad = {"bad",
                             {{"t/A.idl", "package t.A\ninterface {\n  Foo(in UInt32 a);\n  Bar(in "
                                          "Nope b);\n}\n"}},
                             ""};
    assert_int_equal(run_idlc(&bad, line, sizeof line, out), 1);
    assert_int_equal(stat(hdr, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
    assert_int_equal(count_entries(out), files_before); /* no temp files left */
}

/* Parameters after an `error` parameter: a warning with its position, and the run succeeds. */
static void test_warning_is_not_an_error(void **state)
{
    (void)state;
    char cmd[600], out[600], line[1024], want[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/*", tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    struct error_case c = {"warn",
                           {{"t/A.idl", "package t.A\ninterface {\n  M(error UInt32 e, in UInt8 "
                                        "x);\n}\n"}},
                           ""};
    assert_int_equal(run_idlc(&c, line, sizeof line, out), 0);
    snprintf(want, sizeof want, "%s/t/A.idl:3:21: warning: parameter after an 'error' parameter",
             tmpdir);
    assert_string_equal(line, want);
    assert_int_equal(count_entries(out), 3);
}

static void test_usage_errors(void **state)
{
    (void)state;
    char *no_files[] = {"idlc", "--out-dir", "/tmp", NULL};
    FILE *err = tmpfile();
    assert_int_equal(idlc_main(3, no_files, err, NULL), 2);
    char *bad_ext[] = {"idlc", "--out-dir", "/tmp", "x.txt", NULL};
    assert_int_equal(idlc_main(4, bad_ext, err, NULL), 1);
    fclose(err);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/idl_errors.XXXXXX");
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
        cmocka_unit_test(test_each_error),
        cmocka_unit_test(test_no_half_written_outputs),
        cmocka_unit_test(test_warning_is_not_an_error),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
