/*
 * The kernel interface in idl/kl/core/ against its documentation.
 *
 * The first test runs the checker on the real inputs: docs/spec/core-methods.tsv and the type
 * description idlc wrote for idl/kl/core/ at build time. The others prove the checker can fail:
 * each doctors one thing in a copy (a method, a parameter, a direction, the order, an endpoint,
 * the spec itself) and expects the matching complaint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completeness.h"
#include "hostlib/arena.h"
#include "hostlib/json.h"
#include "hostlib/textfile.h"
#include "spec_tsv.h"

/* Files read and JSON trees of one test; freed by its teardown (or at its end). */
static struct host_arena arena;

#ifndef SPEC_TSV
#error "SPEC_TSV (path of core-methods.tsv) must be defined by the build"
#endif
#ifndef ENDPOINT_DOC
#error "ENDPOINT_DOC (path of docs/endpoint-reference.md) must be defined by the build"
#endif
#ifndef TYPEDESC_JSON
#error "TYPEDESC_JSON (path of the kl.core type description) must be defined by the build"
#endif

struct fixture {
    char *tsv_text;
    size_t tsv_len;
    struct spec spec;
    struct json *td;
};

/* Collected complaints of one check. */
struct log {
    char text[16384];
    size_t used;
    size_t count;
};

static void collect(void *ctx, const char *msg)
{
    struct log *l = ctx;
    int n = snprintf(l->text + l->used, sizeof l->text - l->used, "%s\n", msg);
    if (n > 0 && l->used + (size_t)n < sizeof l->text)
        l->used += (size_t)n;
    l->count++;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->tsv_text = host_read_file(&arena, SPEC_TSV, &f->tsv_len);
    assert_non_null(f->tsv_text);
    char err[256];
    assert_int_equal(spec_parse(f->tsv_text, f->tsv_len, &f->spec, err, sizeof err), 0);
    size_t len;
    char *json = host_read_file(&arena, TYPEDESC_JSON, &len);
    assert_non_null(json);
    f->td = json_parse(&arena, json, len, err, sizeof err);
    if (!f->td)
        fail_msg("%s:%s", TYPEDESC_JSON, err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    spec_free(&f->spec);
    host_free_all(&arena);
    free(f);
    return 0;
}

static size_t run(struct fixture *f, struct log *l)
{
    memset(l, 0, sizeof *l);
    return completeness_check(&f->spec, f->td, collect, l);
}

/* The tree is the test's own: dropping const to doctor it is fine here. */
static struct json *mut(const struct json *j)
{
    assert_non_null(j);
    return (struct json *)(uintptr_t)j;
}

static size_t index_by_name(const struct json *arr, const char *name)
{
    for (size_t i = 0; i < json_len(arr); i++) {
        const char *n = json_get_string(json_at(arr, i), "name");
        if (n && strcmp(n, name) == 0)
            return i;
    }
    fail_msg("no element named %s", name);
    return 0;
}

static struct json *interface(struct fixture *f, const char *name)
{
    const struct json *all = json_get(f->td, "interfaces");
    return mut(json_at(all, index_by_name(all, name)));
}

static struct json *method(struct fixture *f, const char *iface, const char *name)
{
    const struct json *ms = json_get(interface(f, iface), "methods");
    return mut(json_at(ms, index_by_name(ms, name)));
}

static void set_string(const struct json *node, const char *key, const char *value)
{
    struct json *v = mut(json_get(node, key));
    assert_int_equal(v->kind, JSON_STRING);
    v->string = host_strdup(&arena, value);
}

static void expect(const struct log *l, const char *needle)
{
    if (!strstr(l->text, needle))
        fail_msg("expected a complaint containing '%s', got:\n%s", needle, l->text);
}

static void test_real_description_is_complete(void **state)
{
    struct fixture *f = *state;
    struct log l;
    size_t n = run(f, &l);
    if (n)
        fail_msg("%zu problem(s):\n%s", n, l.text);
    /* The spec itself is what the design brief says it is: 146 methods of 21 interfaces, 72 of
     * them potentially dangerous. */
    assert_int_equal(f->spec.count, 146);
    size_t interfaces = 0, dangerous = 0;
    for (size_t i = 0; i < f->spec.count; i++) {
        if (i == 0 || strcmp(f->spec.methods[i].interface, f->spec.methods[i - 1].interface))
            interfaces++;
        dangerous += (size_t)f->spec.methods[i].dangerous;
    }
    assert_int_equal(interfaces, 21);
    assert_int_equal(dangerous, 72);
}

/* The hand-written endpoint table of docs/endpoint-reference.md ("| id | endpoint | interface |
 * ...") must list exactly the endpoints of kl.core.Core with their ids, so it cannot go stale. */
static void test_endpoint_doc_matches(void **state)
{
    struct fixture *f = *state;
    size_t len;
    char *doc = host_read_file(&arena, ENDPOINT_DOC, &len);
    assert_non_null(doc);
    const struct json *eps =
        json_get(json_find(json_get(f->td, "classes"), "name", CORE_CLASS), "endpoints");
    assert_true(json_len(eps) > 0);
    size_t rows = 0;
    for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n")) {
        long id;
        char endpoint[64], iface[64];
        if (sscanf(line, "| %ld | %63s | %63s |", &id, endpoint, iface) != 3)
            continue;
        const struct json *e = json_find(eps, "name", endpoint);
        if (!e)
            fail_msg("%s lists %s, which kl.core.Core does not have", ENDPOINT_DOC, endpoint);
        assert_int_equal(json_get(e, "id")->integer, id);
        assert_string_equal(json_get_string(e, "interface"), iface);
        rows++;
    }
    assert_int_equal(rows, json_len(eps));
}

static void test_missing_method_fails(void **state)
{
    struct fixture *f = *state;
    struct json *ms = mut(json_get(interface(f, "kl.core.VMM"), "methods"));
    json_remove(ms, index_by_name(ms, "MdlClone"));
    struct log l;
    assert_true(run(f, &l) >= 1);
    expect(&l, "kl.core.VMM.MdlClone: method is missing");
}

static void test_missing_parameter_fails(void **state)
{
    struct fixture *f = *state;
    struct json *ps = mut(json_get(method(f, "kl.core.Task", "LoadElfSyms"), "params"));
    json_remove(ps, index_by_name(ps, "strSegAttr"));
    struct log l;
    assert_int_equal(run(f, &l), 1);
    expect(&l, "kl.core.Task.LoadElfSyms: parameter [in] strSegAttr is missing");
}

static void test_wrong_direction_fails(void **state)
{
    struct fixture *f = *state;
    const struct json *ps = json_get(method(f, "kl.core.HAL", "GetEntropy"), "params");
    set_string(json_at(ps, index_by_name(ps, "size")), "dir", "out");
    struct log l;
    assert_int_equal(run(f, &l), 1);
    expect(&l, "kl.core.HAL.GetEntropy: parameter size is 'out', documented [in]");
}

static void test_wrong_order_fails(void **state)
{
    struct fixture *f = *state;
    /* Thread.Create starts with two outs, then ins: swap the first two. */
    struct json *ps = mut(json_get(method(f, "kl.core.Thread", "Create"), "params"));
    assert_true(ps->count >= 2);
    struct json *t = ps->items[0];
    ps->items[0] = ps->items[1];
    ps->items[1] = t;
    struct log l;
    assert_int_equal(run(f, &l), 1);
    expect(&l, "kl.core.Thread.Create: parameter 1 is tid, documented order has thread there");
}

static void test_renamed_parameter_fails(void **state)
{
    struct fixture *f = *state;
    const struct json *ps = json_get(method(f, "kl.core.CpuFreq", "SetOppId"), "params");
    set_string(json_at(ps, index_by_name(ps, "GroupId")), "name", "groupId");
    struct log l;
    assert_int_equal(run(f, &l), 2);
    expect(&l, "parameter [in] GroupId is missing");
    expect(&l, "kl.core.CpuFreq.SetOppId: parameter groupId is not documented");
}

static void test_rc_must_be_retcode(void **state)
{
    struct fixture *f = *state;
    const struct json *ps = json_get(method(f, "kl.core.Sync", "Wake"), "params");
    set_string(json_at(ps, index_by_name(ps, "rc")), "type", "UInt32");
    struct log l;
    assert_int_equal(run(f, &l), 1);
    expect(&l, "kl.core.Sync.Wake: parameter rc has type UInt32, expected Retcode");
}

static void test_missing_doc_fails(void **state)
{
    struct fixture *f = *state;
    set_string(method(f, "kl.core.PM", "Request"), "doc", "");
    struct log l;
    assert_int_equal(run(f, &l), 1);
    expect(&l, "kl.core.PM.Request: method has no doc comment");
}

static void test_missing_interface_fails(void **state)
{
    struct fixture *f = *state;
    struct json *all = mut(json_get(f->td, "interfaces"));
    json_remove(all, index_by_name(all, "kl.core.IPC"));
    struct log l;
    assert_true(run(f, &l) >= 1);
    expect(&l, "interface kl.core.IPC is missing");
}

static void test_undocumented_method_fails(void **state)
{
    struct fixture *f = *state;
    set_string(method(f, "kl.core.IOMMU", "Detach"), "name", "Reset");
    struct log l;
    assert_int_equal(run(f, &l), 2);
    expect(&l, "kl.core.IOMMU.Detach: method is missing");
    expect(&l, "kl.core.IOMMU.Reset: method is not documented");
}

static void test_wrong_endpoint_fails(void **state)
{
    struct fixture *f = *state;
    /* fs.FSUnsafe renamed to fs.Unsafe, in the class and in the interface. */
    const struct json *cls =
        json_at(json_get(f->td, "classes"), index_by_name(json_get(f->td, "classes"), CORE_CLASS));
    const struct json *ceps = json_get(cls, "endpoints");
    set_string(json_at(ceps, index_by_name(ceps, "fs.FSUnsafe")), "name", "fs.Unsafe");
    const struct json *ieps = json_get(interface(f, "kl.core.FSUnsafe"), "endpoints");
    set_string(json_at(ieps, index_by_name(ieps, "fs.FSUnsafe")), "name", "fs.Unsafe");
    struct log l;
    assert_int_equal(run(f, &l), 3);
    expect(&l, "kl.core.FSUnsafe: not bound to endpoint fs.FSUnsafe of kl.core.Core");
    expect(&l, "class kl.core.Core has no endpoint fs.FSUnsafe");
    expect(&l, "class kl.core.Core: endpoint fs.Unsafe is not documented");
}

static void test_hypervisor_endpoint_required(void **state)
{
    struct fixture *f = *state;
    struct json *classes = mut(json_get(f->td, "classes"));
    struct json *eps = mut(json_get(json_at(classes, index_by_name(classes, CORE_CLASS)), "endpoint"
                                                                                          "s"));
    json_remove(eps, index_by_name(eps, "hypervisor.Hypervisor"));
    struct log l;
    assert_int_equal(run(f, &l), 1);
    expect(&l, "documented endpoint hypervisor.Hypervisor is missing");
}

static void test_doctored_spec_fails(void **state)
{
    struct fixture *f = *state;
    /* One more documented method than the IDL has. */
    static const char extra[] = "kl.core.VMM\tvmm.VMM\tMdlSplit\t[in] handle, [out] left, [out] "
                                "rc\tno\tSplits.\t\n";
    size_t len = f->tsv_len + sizeof extra - 1;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memcpy(text, f->tsv_text, f->tsv_len);
    memcpy(text + f->tsv_len, extra, sizeof extra);
    struct spec doctored;
    char err[256];
    assert_int_equal(spec_parse(text, len, &doctored, err, sizeof err), 0);
    assert_int_equal(doctored.count, f->spec.count + 1);
    struct log l = {.used = 0};
    assert_int_equal(completeness_check(&doctored, f->td, collect, &l), 1);
    expect(&l, "kl.core.VMM.MdlSplit: method is missing");
    spec_free(&doctored);
    free(text);
}

static void test_not_a_typedesc_fails(void **state)
{
    (void)state;
    struct spec empty = {0};
    char err[64];
    struct json *j = json_parse(&arena, "{\"format\":\"other\"}", 18, err, sizeof err);
    assert_non_null(j);
    struct log l = {.used = 0};
    assert_int_equal(completeness_check(&empty, j, collect, &l), 1);
    expect(&l, "not a bastion type description");
    host_free_all(&arena);
}

static void test_spec_parser_rejects_malformed(void **state)
{
    (void)state;
    static const char head[] = "interface\tendpoint\tmethod\tparameters\tpotentially_"
                               "dangerous\tpurpose\tdanger\n";
    static const char *const bad[] = {
        "a\tb\tc\t[inout] x\tno\tp\t\n",       /* unknown direction */
        "a\tb\tc\t[in] x\tmaybe\tp\t\n",       /* danger flag */
        "a\tb\tc\t[in] x\tno\tp\n",            /* a column short */
        "a\tb\tc\t[in] x,[out] rc\tno\tp\t\n", /* separator */
        "a\tb\tc\t\tno\tp\t\n",                /* no parameters */
        "\tb\tc\t[in] x\tno\tp\t\n",           /* no interface */
        "a\tb\tc\t[in] x-y\tno\tp\t\n",        /* bad name */
    };
    char text[512], err[256];
    struct spec s;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "%s%s", head, bad[i]);
        if (spec_parse(text, strlen(text), &s, err, sizeof err) == 0)
            fail_msg("accepted bad line %zu: %s", i, bad[i]);
        assert_non_null(strstr(err, "line 2:"));
    }
    /* A wrong header is refused too. */
    assert_int_equal(spec_parse("iface\tx\n", 8, &s, err, sizeof err), -1);
    /* And a good line parses into the right fields. */
    snprintf(text, sizeof text, "%s%s", head,
             "kl.core.X\tx.X\tM\t[out] a, [in] b\tyes\tDo.\tHarm.\n");
    assert_int_equal(spec_parse(text, strlen(text), &s, err, sizeof err), 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.methods[0].nparams, 2);
    assert_string_equal(s.methods[0].params[0].dir, "out");
    assert_string_equal(s.methods[0].params[1].name, "b");
    assert_int_equal(s.methods[0].dangerous, 1);
    assert_string_equal(s.methods[0].danger, "Harm.");
    spec_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_description_is_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_doc_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_method_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_parameter_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_direction_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_order_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renamed_parameter_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rc_must_be_retcode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_doc_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_interface_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undocumented_method_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_endpoint_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hypervisor_endpoint_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_doctored_spec_fails, setup, teardown),
        cmocka_unit_test(test_not_a_typedesc_fails),
        cmocka_unit_test(test_spec_parser_rejects_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
