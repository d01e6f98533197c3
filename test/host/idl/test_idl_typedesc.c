/*
 * idlc's outputs, generated in process from the demo descriptions (test/host/idl/samples/demo):
 * the JSON type description pslc and the completeness check read (every kind of constant, type,
 * parameter, endpoint and component, with the layout facts the policy compiler relies on), and
 * the C header facts that tie the generated code to the same layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostlib/arena.h"
#include "hostlib/json.h"
#include "hostlib/textfile.h"
#include "idlc.h"

static char tmpdir[256];
static struct host_arena arena;
static const struct json *td;

static const struct json *named(const char *array, const char *name)
{
    const struct json *j = json_find(json_get(td, array), "name", name);
    if (!j)
        fail_msg("no %s entry named %s", array, name);
    return j;
}

static const struct json *param(const char *method, const char *name)
{
    const struct json *m =
        json_find(json_get(named("interfaces", "demo.Echo"), "methods"), "name", method);
    assert_non_null(m);
    const struct json *p = json_find(json_get(m, "params"), "name", name);
    if (!p)
        fail_msg("demo.Echo.%s has no parameter %s", method, name);
    return p;
}

static char *generated(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/c/demo/%s", tmpdir, file);
    char *text = host_read_file(&arena, path, NULL);
    if (!text)
        fail_msg("idlc did not write %s", path);
    return text;
}

static void expect_line(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("generated code lacks: %s", line);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/idl_typedesc.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char out[300], json[300];
    snprintf(out, sizeof out, "%s/c", tmpdir);
    snprintf(json, sizeof json, "%s/demo.json", tmpdir);
    char *argv[] = {"idlc",
                    "-I",
                    IDL_SAMPLES,
                    "--out-dir",
                    out,
                    "--typedesc",
                    json,
                    IDL_SAMPLES "/demo/Echo.idl",
                    IDL_SAMPLES "/demo/Types.idl",
                    IDL_SAMPLES "/demo/Echo.cdl",
                    IDL_SAMPLES "/demo/Server.edl",
                    IDL_SAMPLES "/demo/Client.edl",
                    IDL_SAMPLES "/demo/Elements.idl",
                    NULL};
    if (idlc_main(13, argv, stderr, NULL) != 0)
        return -1;
    size_t len;
    char *text = host_read_file(&arena, json, &len);
    char err[128];
    td = text ? json_parse(&arena, text, len, err, sizeof err) : NULL;
    return td ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    host_free_all(&arena);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_header_and_limits(void **state)
{
    (void)state;
    assert_string_equal(json_get_string(td, "format"), "bastion-typedesc");
    assert_int_equal(json_get_int(td, "version", 0), 1);
    const struct json *limits = json_get(td, "limits");
    assert_int_equal(json_get_int(limits, "header_size", 0), 24);
    assert_int_equal(json_get_int(limits, "message_max", 0), 65536);
    assert_int_equal(json_get_int(limits, "handles_max", 0), 16);
}

/* Constants are folded (shifts, octal, powers, negation) and keep their doc comment. */
static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(json_get_int(named("constants", "demo.Types.ItemsMax"), "value", 0), 12);
    assert_int_equal(json_get_int(named("constants", "demo.Types.Negative"), "value", 0), -8);
    assert_string_equal(json_get_string(named("constants", "demo.Types.Negative"), "type"), "SInt1"
                                                                                            "6");
    const struct json *big = named("constants", "demo.Types.Big");
    assert_int_equal(json_get_int(big, "value", 0), 384000);
    assert_string_equal(json_get_string(big, "doc"), "Documents Big (the trailing comment above "
                                                     "does not).");
    assert_null(json_get_string(named("constants", "demo.Echo.BlobMax"), "doc"));
}

static void test_types(void **state)
{
    (void)state;
    const struct json *rc = named("types", "demo.Types.Retcode");
    assert_string_equal(json_get_string(rc, "kind"), "typedef");
    assert_string_equal(json_get_string(rc, "resolved_kind"), "scalar");
    assert_true(json_get_bool(rc, "signed"));
    const struct json *mac = named("types", "demo.Types.Mac");
    assert_string_equal(json_get_string(mac, "resolved_kind"), "array");
    assert_string_equal(json_get_string(mac, "element_type"), "UInt8");
    assert_int_equal(json_get_int(mac, "count", 0), 6);
    assert_int_equal(json_get_int(mac, "size", 0), 6);
    assert_string_equal(json_get_string(named("types", "demo.Types.Name"), "type"), "string<32>");

    const struct json *shape = named("types", "demo.Types.Shape");
    assert_string_equal(json_get_string(shape, "kind"), "struct");
    assert_int_equal(json_get_int(shape, "size", 0), 56);
    assert_int_equal(json_get_int(shape, "align", 0), 8);
    const struct json *fields = json_get(shape, "fields");
    const struct json *origin = json_find(fields, "name", "origin");
    assert_string_equal(json_get_string(origin, "kind"), "struct");
    assert_int_equal(json_get_int(origin, "offset", 0), 4);
    assert_int_equal(json_get_int(origin, "size", 0), 8);
    const struct json *corners = json_find(fields, "name", "corners");
    assert_string_equal(json_get_string(corners, "type"), "array<demo.Types.Point, 3>");
    assert_int_equal(json_get_int(corners, "offset", 0), 12);
    assert_int_equal(json_get_int(corners, "size", 0), 24); /* 3 points of 8 bytes */
    const struct json *area = json_find(fields, "name", "area");
    assert_int_equal(json_get_int(area, "offset", 0), 48);
    assert_false(json_get_bool(area, "signed"));
    assert_string_equal(json_get_string(named("types", "demo.Types.Point"), "doc"), "A point on a "
                                                                                    "plane.");

    /* A union: the tag first, the payload at its own offset, one tag per member. */
    const struct json *value = named("types", "demo.Types.Value");
    assert_string_equal(json_get_string(value, "kind"), "union");
    assert_int_equal(json_get_int(value, "tag_offset", -1), 0);
    assert_int_equal(json_get_int(value, "payload_offset", 0), 8);
    const struct json *point = json_find(json_get(value, "fields"), "name", "point");
    assert_int_equal(json_get_int(point, "tag", -1), 2);
    assert_int_equal(json_get_int(point, "offset", 0), 8);
    /* An array of unions inside a struct. */
    const struct json *vals =
        json_find(json_get(named("types", "demo.Types.Tagged"), "fields"), "name", "vals");
    assert_int_equal(json_get_int(vals, "size", 0), 32);
    assert_string_equal(json_get_string(vals, "element_type"), "demo.Types.Value");
}

/* Parameters: directions, offsets per part, and the arena facts of variable-size ones. */
static void test_parameters(void **state)
{
    (void)state;
    const struct json *b = param("Add", "b");
    assert_string_equal(json_get_string(b, "dir"), "in");
    assert_int_equal(json_get_int(b, "offset", 0), 4);
    const struct json *text = param("Shout", "text");
    assert_string_equal(json_get_string(text, "kind"), "string");
    const struct json *arena_facts = json_get(text, "arena");
    assert_int_equal(json_get_int(arena_facts, "max_count", 0), 33); /* 32 and the NUL */
    assert_true(json_get_bool(arena_facts, "terminated"));
    const struct json *words = json_get(param("Blob", "words"), "arena");
    assert_string_equal(json_get_string(words, "element_type"), "UInt16");
    assert_int_equal(json_get_int(words, "element_size", 0), 2);
    assert_false(json_get_bool(words, "terminated"));
    assert_int_equal(json_get_int(json_get(param("Names", "names"), "arena"), "string_bound", 0),
                     32);
    assert_string_equal(json_get_string(param("Mixed", "code"), "dir"), "error");
    assert_int_equal(json_get_int(param("Mixed", "second"), "offset", 0), 8);
    assert_true(json_get_bool(param("Mixed", "second"), "signed"));
    assert_string_equal(json_get_string(param("Pass", "h"), "kind"), "handle");
    assert_string_equal(json_get_string(param("Move", "mac"), "element_type"), "UInt8");

    const struct json *methods = json_get(named("interfaces", "demo.Echo"), "methods");
    assert_int_equal(json_len(methods), 10);
    const struct json *names = json_find(methods, "name", "Names");
    assert_int_equal(json_get_int(names, "id", -1), 5);
    assert_int_equal(json_get_int(json_get(names, "request"), "arena_max", 0), 583);
    const struct json *pass = json_find(methods, "name", "Pass");
    assert_int_equal(json_get_int(json_get(pass, "response"), "handles", 0), 1);
    assert_string_equal(json_get_string(json_find(methods, "name", "Add"), "doc"), "Adds two "
                                                                                   "numbers.");
}

/* Endpoints are numbered in the class's order, through nested components. */
static void test_classes_and_components(void **state)
{
    (void)state;
    const struct json *server = named("classes", "demo.Server");
    const struct json *eps = json_get(server, "endpoints");
    assert_int_equal(json_len(eps), 5);
    assert_int_equal(json_get_int(json_find(eps, "name", "a.inner.echo"), "id", -1), 3);
    assert_string_equal(json_get_string(json_find(eps, "name", "b.echo"), "interface"), "demo."
                                                                                        "Echo");
    assert_int_equal(json_len(json_get(named("classes", "demo.Client"), "endpoints")), 0);
    const struct json *outer = named("components", "demo.Outer");
    assert_string_equal(json_get_string(outer, "security"), "demo.Echo");
    assert_string_equal(json_get_string(json_at(json_get(outer, "components"), 0), "component"),
                        "demo.EchoComp");
    const struct json *ieps = json_get(named("interfaces", "demo.Echo"), "endpoints");
    assert_int_equal(json_len(ieps), 5);
    assert_string_equal(json_get_string(json_at(ieps, 0), "class"), "demo.Server");
}

/* The C header states the same layout, checked by the compiler where it is included. */
static void test_generated_c(void **state)
{
    (void)state;
    char *types = generated("Types.idl.h");
    expect_line(types, "#define demo_Types_Negative ((int16_t)(-8LL))");
    expect_line(types, "_Static_assert(sizeof(struct demo_Types_Shape) == 56, \"demo.Types.Shape "
                       "size\");");
    expect_line(types, "_Static_assert(offsetof(struct demo_Types_Point, y) == 4, "
                       "\"demo.Types.Point.y offset\");");
    char *echo = generated("Echo.idl.h");
    expect_line(echo, "#define demo_Echo_METHOD_COUNT 10u");
    expect_line(echo, "#define demo_Echo_Names_MID 5u");
    char *server = generated("Server.edl.h");
    expect_line(server, "#define demo_Server_EP_a_inner_echo 3u /* demo.Echo */");
    generated("Echo.idl.c");
    generated("Client.edl.c");
}

static const struct json *elements_param(const char *method, const char *name)
{
    const struct json *m =
        json_find(json_get(named("interfaces", "demo.Elements"), "methods"), "name", method);
    assert_non_null(m);
    const struct json *p = json_find(json_get(m, "params"), "name", name);
    if (!p)
        fail_msg("demo.Elements.%s has no parameter %s", method, name);
    return p;
}

/* Nested sequence elements and arrays of strings and sequences: descriptors in place in the
 * fixed part, a nested sequence's element run and items in the generated tables. */
static void test_nested_elements(void **state)
{
    (void)state;
    const struct json *labels = elements_param("Labels", "lists");
    assert_int_equal(json_get_int(labels, "offset", 0), 24);
    assert_int_equal(json_get_int(labels, "size", 0), 16);
    assert_string_equal(json_get_string(labels, "kind"), "array");
    const struct json *rows = elements_param("Grid", "rows");
    assert_string_equal(json_get_string(rows, "type"), "sequence<sequence<UInt8, 4>, 3>");
    const struct json *arena_desc = json_get(rows, "arena");
    assert_int_equal(json_get_int(arena_desc, "element_size", 0), 8);
    assert_int_equal(json_get_int(arena_desc, "max_count", 0), 3);
    assert_true(json_get_bool(arena_desc, "nested"));
    const struct json *tags =
        json_find(json_get(named("types", "demo.Elements.Holder"), "fields"), "name", "tags");
    assert_int_equal(json_get_int(tags, "size", 0), 16);

    char *h = generated("Elements.idl.h");
    expect_line(h, "typedef const char *demo_Elements_Names[3];\n"
                   "typedef struct idl_desc demo_Elements_Names_wire[3];");
    expect_line(h, "    struct idl_desc lists[2];");
    expect_line(h, "    const char *tags[2];");
    expect_line(h, "Retcode demo_Elements_Labels(struct idl_client *idl_cl, const char *const "
                   "*names, const struct idl_seq *lists, const char **back, uint32_t *sum);");
    expect_line(h, "_Static_assert(sizeof(struct demo_Elements_Item_wire) == 32, "
                   "\"demo.Elements.Item size\");");
    char *c = generated("Elements.idl.c");
    /* Grid's rows: the outer run (3 descriptors, 1 item per element), then the element; the
     * parameter names its items, and the method its parameters and name, by offsets inside the
     * one descriptor object (names[14]: "Grid" after "demo.Elements"). */
    expect_line(c, "    .items =\n        {\n"
                   "        {IDL_KIND_SEQNEST, 0, 0, 0, 0, 0, 1, 8, 4, 3, 0, 24},\n"
                   "        {IDL_KIND_SEQ, 0, 0, 0, 0, 0, 0, 1, 1, 4, 0, 0},\n");
    expect_line(c, "{IDL_REL(struct demo_Elements_idl_desc, params[0], names[19]), 0, "
                   "IDL_KIND_NESTED, 0, 0, 8, 8, 4, 3, 0, 0, 24, 2, IDL_REL(struct "
                   "demo_Elements_idl_desc, params[0], items[0])},");
    expect_line(c, "    .names = \"demo.Elements\\0\" \"Grid\\0\" \"rows\\0\"");
    /* An Item element: its union's text arm guarded by the tag inside the element. */
    expect_line(c, "        {IDL_KIND_SEQNEST, 0, 0, 0, 0, 0, 6, 32, 4, 4, 0, 56},\n"
                   "        {IDL_KIND_PLAIN, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0},\n"
                   "        {IDL_KIND_STRING, 0, 0, 0, 4, 8, 0, 0, 0, 16, 0, 0},\n"
                   "        {IDL_KIND_SEQ, 0, 0, 0, 12, 16, 0, 4, 4, 4, 0, 0},\n"
                   "        {IDL_KIND_TAG, 0, 0, 0, 20, 40, 2, 0, 0, 0, 0, 0},\n"
                   "        {IDL_KIND_PLAIN, 0, 5, 0, 24, 48, 2, 0, 0, 0, 0, 0},\n"
                   "        {IDL_KIND_STRING, 0, 5, 1, 24, 48, 0, 0, 0, 128, 0, 0},\n");
    /* The worst-case arena: 3 descriptors + 7, and each row's 4 bytes + 7. */
    expect_line(c, "{IDL_REL(struct demo_Elements_idl_desc, methods[0], names[14]), 0, 2, "
                   "IDL_REL(struct demo_Elements_idl_desc, methods[0], params[0]), {{8, 64, 0}, "
                   "{8, 64, 0}, {0, 0, 0}}},");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_limits),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_classes_and_components),
        cmocka_unit_test(test_generated_c),
        cmocka_unit_test(test_nested_elements),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
