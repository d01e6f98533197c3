/*
 * idlc's limits: every recursion stops at IDL_NESTING_MAX (256) levels with "nesting too
 * deep" at the token that opens the level too many, constant folding reports every result C
 * would leave undefined as a named error at the operator, a NUL byte is an error at its
 * line:column, and deep input costs linear time and memory.
 *
 * Two harnesses: idlc_main() in this (ASan/UBSan) process, where a stack overflow or an
 * undefined shift ends the test; and the real idlc binary (IDLC_BIN) in a child process, whose
 * wall time and peak memory are measured. Bounds for the child: 1 s and 64 MB for 20k and 40k
 * levels of array<...> and for 100k parentheses (idlc before the limit: 20k levels took 18 s
 * and 594 MB, 100k parentheses died with SIGSEGV).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "idlc.h"

#define CHILD_SECONDS_MAX 1.0
#define CHILD_KB_MAX (64 * 1024)

static char tmpdir[256];

static char *path_of(const char *rel)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    return path;
}

static void write_bytes(const char *rel, const char *text, size_t n)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path_of(rel));
    *strrchr(dir, '/') = 0;
    mkdir(dir, 0777);
    FILE *f = fopen(path_of(rel), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
}

/* Runs idlc_main on t/A.idl holding `text`; returns the status and the first stderr line
 * without the temp dir prefix. */
static int idlc_in_process(const char *text, size_t n, char *line, size_t cap)
{
    write_bytes("t/A.idl", text, n);
    char inc[300], file[600];
    snprintf(inc, sizeof inc, "-I%s", tmpdir);
    snprintf(file, sizeof file, "%s/t/A.idl", tmpdir);
    char *argv[] = {"idlc", inc, "--no-c", file, NULL};
    FILE *err = tmpfile();
    int rc = idlc_main(4, argv, err, NULL);
    rewind(err);
    char buf[4096] = "";
    if (!fgets(buf, sizeof buf, err))
        buf[0] = 0;
    fclose(err);
    buf[strcspn(buf, "\n")] = 0;
    size_t skip = strncmp(buf, tmpdir, strlen(tmpdir)) == 0 ? strlen(tmpdir) + 1 : 0;
    snprintf(line, cap, "%s", buf + skip);
    return rc;
}

static void expect_error(const char *text, const char *want)
{
    char line[4096];
    int rc = idlc_in_process(text, strlen(text), line, sizeof line);
    if (rc != 1 || strcmp(line, want) != 0)
        fail_msg("status %d\n  got:  %s\n  want: %s\n  for:  %.200s", rc, line, want, text);
}

/* ---- constant folding ------------------------------------------------------------------ */

static void test_folding_errors(void **state)
{
    (void)state;
    expect_error("package t.A\nconst SInt64 X = -1 << 3;\n", "t/A.idl:2:21: error: negative shift: "
                                                             "left shift of the negative value -1");
    expect_error("package t.A\nconst UInt64 X = 1 << 64;\n", "t/A.idl:2:20: error: shift out of "
                                                             "range: count 64 is not in 0..63");
    expect_error("package t.A\nconst UInt64 X = 1 >> -1;\n", "t/A.idl:2:20: error: shift out of "
                                                             "range: count -1 is not in 0..63");
    expect_error("package t.A\nconst SInt64 X = 3 << 62;\n", "t/A.idl:2:20: error: constant "
                                                             "overflow: '<<' does not fit in 64 "
                                                             "bits");
    expect_error("package t.A\nconst SInt64 M = -9223372036854775807 - 1;\nconst SInt64 X = M / "
                 "-1;\n",
                 "t/A.idl:3:20: error: division overflow: division of the smallest 64-bit value by "
                 "-1");
    expect_error("package t.A\nconst SInt64 M = -9223372036854775807 - 1;\nconst SInt64 X = M % "
                 "-1;\n",
                 "t/A.idl:3:20: error: division overflow: remainder of the smallest 64-bit value "
                 "by -1");
    expect_error("package t.A\nconst SInt64 X = 9223372036854775807 + 1;\n", "t/A.idl:2:38: error: "
                                                                             "constant overflow: "
                                                                             "'+' does not fit in "
                                                                             "64 bits");
    expect_error("package t.A\nconst SInt64 X = -9223372036854775807 - 2;\n", "t/A.idl:2:39: "
                                                                              "error: constant "
                                                                              "overflow: '-' does "
                                                                              "not fit in 64 bits");
    expect_error("package t.A\nconst SInt64 X = 4294967296 * 4294967296;\n", "t/A.idl:2:29: error: "
                                                                             "constant overflow: "
                                                                             "'*' does not fit in "
                                                                             "64 bits");
    expect_error("package t.A\nconst SInt64 M = -9223372036854775807 - 1;\nconst SInt64 X = -M;\n",
                 "t/A.idl:3:18: error: constant overflow: '-' does not fit in 64 bits");
    expect_error("package t.A\nconst SInt64 X = 2 ** 63;\n", "t/A.idl:2:20: error: constant "
                                                             "overflow: '**' does not fit in 64 "
                                                             "bits");
    expect_error("package t.A\nconst UInt8 Z = 4 % (2 - 2);\n", "t/A.idl:2:19: error: division by "
                                                                "zero in constant expression");
}

/* Results that are defined stay accepted: the edges of the range, arithmetic right shifts,
 * and powers of -1, 0 and 1 with any exponent (which must not take 2^63 steps). */
static void test_folding_edges(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "package t.A\nconst SInt64 M = -9223372036854775807 - 1;\nconst SInt64 X = M / 2 + (M % "
        "7);\n",
        "package t.A\nconst SInt64 X = 1 << 62 | (1 << 62) - 1;\n",
        "package t.A\nconst SInt64 X = -8 >> 1;\nconst SInt64 Y = -1 >> 63;\n",
        "package t.A\nconst SInt64 X = 1 ** 9223372036854775807 + (-1) ** 9223372036854775807;\n",
        "package t.A\nconst SInt64 X = 0 ** 9223372036854775807 + 0 ** 0;\n",
        "package t.A\nconst SInt64 X = 2 ** 62 + (2 ** 62 - 1);\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char line[4096];
        if (idlc_in_process(ok[i], strlen(ok[i]), line, sizeof line) != 0)
            fail_msg("rejected: %s\n  %s", ok[i], line);
    }
}

/* ---- nesting ----------------------------------------------------------------------------- */

/* "package t.A\n" + head + open^n + leaf + close^n + tail */
static char *nested(const char *head, const char *open, const char *leaf, const char *close,
                    const char *tail, int n)
{
    size_t len = 64 + strlen(head) + strlen(tail) + strlen(leaf) +
                 (size_t)n * (strlen(open) + strlen(close));
    char *s = malloc(len), *p = s;
    if (!s)
        abort();
    p = stpcpy(stpcpy(p, "package t.A\n"), head);
    for (int i = 0; i < n; i++)
        p = stpcpy(p, open);
    p = stpcpy(p, leaf);
    for (int i = 0; i < n; i++)
        p = stpcpy(p, close);
    stpcpy(p, tail);
    return s;
}

static void expect_nested(const char *head, const char *open, const char *leaf, const char *close,
                          const char *tail, int n, const char *want)
{
    char *s = nested(head, open, leaf, close, tail, n);
    expect_error(s, want);
    free(s);
}

static void expect_nested_ok(const char *head, const char *open, const char *leaf,
                             const char *close, const char *tail, int n)
{
    char *s = nested(head, open, leaf, close, tail, n), line[4096];
    if (idlc_in_process(s, strlen(s), line, sizeof line) != 0)
        fail_msg("%d levels rejected: %s", n, line);
    free(s);
}

static void test_nesting_limits(void **state)
{
    (void)state;
    /* The 257th '(' is at column 16 + 257. */
    expect_nested("const UInt8 X = ", "(", "1", ")", ";\n", 100000,
                  "t/A.idl:2:273: error: nesting too deep: more than 256 levels of parentheses, "
                  "operators or type arguments");
    expect_nested_ok("const UInt8 X = ", "(", "1", ")", ";\n", 256);
    expect_nested("const SInt8 X = ", "-", "1", "", ";\n", 100000,
                  "t/A.idl:2:273: error: nesting too deep: more than 256 levels of parentheses, "
                  "operators or type arguments");
    /* Right-associative '**' recurses once per operator; the 257th is at 16 + 5 * 256 + 3. */
    expect_nested("const UInt8 X = ", "1 ** ", "1", "", ";\n", 100000,
                  "t/A.idl:2:1299: error: nesting too deep: more than 256 levels of parentheses, "
                  "operators or type arguments");
    /* Left-associative chains build a deep tree without deep parsing: bounded by its depth.
     * The 257th '+' is at 15 + 4 * 257. */
    expect_nested_ok("const UInt8 X = 0", "", "", " + 0", ";\n", 256);
    expect_nested("const UInt8 X = 0", "", "", " + 0", ";\n", 100000,
                  "t/A.idl:2:1043: error: nesting too deep: more than 256 levels of operators");
    /* array<...>: the 257th 'array' is at column 9 + 6 * 256. */
    expect_nested("typedef ", "array<", "UInt8", ", 1>", " X;\n", 100000,
                  "t/A.idl:2:1545: error: nesting too deep: more than 256 levels of parentheses, "
                  "operators or type arguments");
    expect_nested("typedef ", "sequence<", "UInt8", ", 1>", " X;\n", 100000,
                  "t/A.idl:2:2313: error: nesting too deep: more than 256 levels of parentheses, "
                  "operators or type arguments");
    expect_nested_ok("typedef ", "array<", "UInt8", ", 1>", " X;\n", 256);
}

/* Nesting through names: each struct holds the previous one (in order, so resolution itself
 * never recurses, but layout and generation walk the whole chain). */
static void test_nesting_through_names(void **state)
{
    (void)state;
    size_t cap = 300 * 64;
    char *s = malloc(cap), *p = s;
    if (!s)
        abort();
    p += sprintf(p, "package t.A\nstruct S0 { UInt8 a; }\n");
    for (int i = 1; i <= 256; i++)
        p += sprintf(p, "struct S%d { S%d a; }\n", i, i - 1);
    expect_error(s, "t/A.idl:258:15: error: nesting too deep: more than 256 levels of types");
    /* Definitions used before they are defined: each constant resolves the next first. */
    p = s;
    p += sprintf(p, "package t.A\n");
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "const UInt8 C%d = C%d;\n", i, i + 1);
    sprintf(p, "const UInt8 C300 = 1;\n");
    expect_error(s, "t/A.idl:258:13: error: nesting too deep: more than 256 levels of definitions "
                    "used before they "
                    "are defined");
    free(s);
}

/* Runs idlc_main on the given files (relative to tmpdir) with a JSON description; returns the
 * status and leaves the first stderr line in line. */
static int idlc_files(const char *const *rel, int n, char *line, size_t cap)
{
    char inc[300], paths[4][600];
    snprintf(inc, sizeof inc, "-I%s", tmpdir);
    char *argv[10] = {"idlc", inc, "--no-c", "--typedesc", "/nonexistent/x.json"};
    for (int i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", tmpdir, rel[i]);
        argv[5 + i] = paths[i];
    }
    FILE *err = tmpfile();
    int rc = idlc_main(5 + n, argv, err, NULL);
    rewind(err);
    if (!fgets(line, (int)cap, err))
        line[0] = 0;
    fclose(err);
    return rc;
}

/* Components nest by instances; each instance repeats its endpoints, so their number is capped. */
static void test_component_limits(void **state)
{
    (void)state;
    static const char iface[] = "package t.I\ninterface { }\n";
    write_bytes("t/I.idl", iface, strlen(iface));
    char *s = malloc(400 * 80), *p = s, line[4096];
    if (!s)
        abort();
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "component t.C%d\ncomponents { c : t.C%d }\n", i, i + 1);
    sprintf(p, "component t.C300\nendpoints { e : t.I }\n");
    write_bytes("t/Deep.cdl", s, strlen(s));
    const char *deep[] = {"t/Deep.cdl"};
    assert_int_equal(idlc_files(deep, 1, line, sizeof line), 1);
    if (!strstr(line, "error: nesting too deep: more than 256 levels of component instances"))
        fail_msg("got: %s", line);
    /* Two instances per level: 2^20 endpoints from 40 lines. */
    p = s;
    for (int i = 0; i < 20; i++)
        p += sprintf(p, "component t.W%d\ncomponents { a : t.W%d\n b : t.W%d }\n", i, i + 1, i + 1);
    sprintf(p, "component t.W20\nendpoints { e : t.I }\n");
    write_bytes("t/Wide.cdl", s, strlen(s));
    static const char edl[] = "entity t.K\ncomponents { top : t.W0 }\n";
    write_bytes("t/K.edl", edl, strlen(edl));
    const char *wide[] = {"t/Wide.cdl", "t/K.edl"};
    assert_int_equal(idlc_files(wide, 2, line, sizeof line), 1);
    if (!strstr(line, "error: too many endpoints: 't.K' has more than 1024"))
        fail_msg("got: %s", line);
    free(s);
}

/* ---- bytes ------------------------------------------------------------------------------- */

static void test_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "package t.A\nconst UInt8 X = 1;\n  \0 interface { Bad_Name(); }\n";
    char line[4096];
    assert_int_equal(idlc_in_process(text, sizeof text - 1, line, sizeof line), 1);
    assert_string_equal(line, "t/A.idl:3:3: error: invalid byte: NUL (0x00) inside the file");
    static const char ctl[] = "package t.A\nconst UInt8 X = \x01;\n";
    assert_int_equal(idlc_in_process(ctl, sizeof ctl - 1, line, sizeof line), 1);
    assert_string_equal(line, "t/A.idl:2:17: error: invalid byte: 0x01");
}

/* ---- the real binary: time and memory ------------------------------------------------- */

struct child_run {
    int status;     /* exit status, or 128 + signal */
    double seconds; /* wall time */
    long max_kb;    /* peak resident set */
    char line[4096];
};

static struct child_run run_idlc_binary(const char *text)
{
    struct child_run r = {0};
    write_bytes("t/A.idl", text, strlen(text));
    char errpath[600], inc[300], file[600], out[600];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", tmpdir);
    snprintf(inc, sizeof inc, "-I%s", tmpdir);
    snprintf(file, sizeof file, "%s/t/A.idl", tmpdir);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(errpath, "w", stderr))
            _exit(99);
        alarm(20); /* the old quadratic idlc would take minutes on 40k levels */
        execl(IDLC_BIN, "idlc", inc, "--out-dir", out, file, (char *)NULL);
        _exit(98);
    }
    int st;
    struct rusage ru;
    assert_int_equal(wait4(pid, &st, 0, &ru), pid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    r.max_kb = ru.ru_maxrss;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    FILE *f = fopen(errpath, "r");
    if (f) {
        char buf[4096] = "";
        if (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\n")] = 0;
            size_t skip = strncmp(buf, tmpdir, strlen(tmpdir)) == 0 ? strlen(tmpdir) + 1 : 0;
            snprintf(r.line, sizeof r.line, "%s", buf + skip);
        }
        fclose(f);
    }
    return r;
}

static void expect_binary_within(const char *what, char *text, int want_status,
                                 const char *want_line, double seconds_max, long kb_max)
{
    struct child_run r = run_idlc_binary(text);
    free(text);
    print_message("%s: status %d, %.3f s, %ld KB\n", what, r.status, r.seconds, r.max_kb);
    if (r.status != want_status || (want_line && strcmp(r.line, want_line) != 0))
        fail_msg("%s: status %d (want %d), first line:\n  %s\nwant\n  %s", what, r.status,
                 want_status, r.line, want_line ? want_line : "");
    if (r.seconds > seconds_max || r.max_kb > kb_max)
        fail_msg("%s: %.3f s and %ld KB, above the bound of %.1f s and %ld KB", what, r.seconds,
                 r.max_kb, seconds_max, kb_max);
}

static void expect_binary(const char *what, char *text, int want_status, const char *want_line)
{
    expect_binary_within(what, text, want_status, want_line, CHILD_SECONDS_MAX, CHILD_KB_MAX);
}

/* A package of n lines: head, then line_fmt with i (and i - 1) for i in 1..n, then tail. */
static char *many(const char *head, const char *line_fmt, const char *tail, int n)
{
    size_t cap = strlen(head) + strlen(tail) + (size_t)n * (strlen(line_fmt) + 24) + 64;
    char *s = malloc(cap), *p = s;
    if (!s)
        abort();
    p += snprintf(p, cap, "package t.A\n%s", head);
    for (int i = 1; i <= n; i++)
        p += snprintf(p, cap - (size_t)(p - s), line_fmt, i, i - 1);
    snprintf(p, cap - (size_t)(p - s), "%s", tail);
    return s;
}

/*
 * Many names: every duplicate check and lookup is a hash, every typedef chain is looked
 * through in O(1). Bound for 40,000 names, with C and JSON generated: 5 s and 256 MB (measured
 * 0.6-1.9 s and 33-77 MB on the shared development VM; the linear scans before took 23 s for
 * 20,000 chained typedefs and 2.5-3.9 s for 20,000 typedefs, fields or methods).
 */
static void test_binary_many_names(void **state)
{
    (void)state;
    const double s_max = 5.0;
    const long kb_max = 256 * 1024;
    expect_binary_within("40k typedefs", many("", "typedef UInt8 T%d;\n", "", 40000), 0, NULL,
                         s_max, kb_max);
    expect_binary_within("40k chained typedefs",
                         many("typedef UInt8 T0;\n", "typedef T%2$d T%1$d;\n", "", 40000), 0, NULL,
                         s_max, kb_max);
    expect_binary_within("40k fields", many("struct S {\n", "  UInt8 f%d;\n", "}\n", 40000), 0,
                         NULL, s_max, kb_max);
    expect_binary_within(
        "40k methods", many("interface {\n", "  M%d(in UInt8 a);\n", "}\n", 40000), 1,
        "t/A.idl:2:1: error: interface 't.A' has 40000 methods, the limit is 255", s_max, kb_max);
    expect_binary_within("40k parameters",
                         many("interface {\n  M(", "in UInt8 a%d, ", "in UInt8 z);\n}\n", 40000), 0,
                         NULL, s_max, kb_max);
}

static void test_binary_time_and_memory(void **state)
{
    (void)state;
    const char *deep = "t/A.idl:2:1545: error: nesting too deep: more than 256 levels of "
                       "parentheses, operators or "
                       "type arguments";
    expect_binary("20k levels of array<>",
                  nested("typedef ", "array<", "UInt8", ", 1>", " X;\n", 20000), 1, deep);
    expect_binary("40k levels of array<>",
                  nested("typedef ", "array<", "UInt8", ", 1>", " X;\n", 40000), 1, deep);
    expect_binary("100k parentheses", nested("const UInt8 X = ", "(", "1", ")", ";\n", 100000), 1,
                  "t/A.idl:2:273: error: nesting too deep: more than 256 levels of parentheses, "
                  "operators or type "
                  "arguments");
    /* At the limit, with C generated: the declarator is built once, not copied per level. */
    expect_binary(
        "256 levels of array<>, generated",
        nested("typedef ", "array<", "UInt8", ", 1>", " X;\ninterface { M(in X x); }\n", 256), 0,
        NULL);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/idl_limits.XXXXXX");
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
        cmocka_unit_test(test_folding_errors),         cmocka_unit_test(test_folding_edges),
        cmocka_unit_test(test_nesting_limits),         cmocka_unit_test(test_nesting_through_names),
        cmocka_unit_test(test_component_limits),       cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_binary_time_and_memory), cmocka_unit_test(test_binary_many_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
