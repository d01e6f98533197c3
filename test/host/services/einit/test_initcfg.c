/*
 * cmocka tests of the init description compiler's library (services/einit/tools/initcfg*.c):
 * valid descriptions give the right model; every rule that fails reports at the right
 * line:column; limits take their defaults; sizes parse with their units and overflow checks;
 * the emitted C and the dump have the expected content.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initcfg.h"
#include "startup_table.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static struct initcfg parse_ok(const char *text)
{
    struct initcfg cfg;
    struct initcfg_diags d = {0};
    Retcode rc = initcfg_parse(text, strlen(text), &cfg, &d);
    if (rc != rcOk)
        initcfg_diags_print(stderr, "<test>", &d);
    assert_int_equal(rc, rcOk);
    assert_int_equal(d.count, 0);
    initcfg_diags_free(&d);
    return cfg;
}

/* Parses text that must fail with `rc`, and checks that one of the errors sits at line:column
 * and contains `needle`. Returns the number of errors. */
static size_t expect_error_rc(const char *text, Retcode want_rc, unsigned line, unsigned column,
                              const char *needle)
{
    struct initcfg cfg;
    struct initcfg_diags d = {0};
    Retcode rc = initcfg_parse(text, strlen(text), &cfg, &d);
    bool found = false;
    for (size_t i = 0; i < d.count; i++)
        if (d.items[i].pos.line == line && d.items[i].pos.column == column &&
            strstr(d.items[i].message, needle) != NULL)
            found = true;
    if (!found) {
        fprintf(stderr, "wanted %u:%u containing \"%s\"; got:\n", line, column, needle);
        initcfg_diags_print(stderr, "<test>", &d);
    }
    assert_int_equal(rc, want_rc);
    assert_true(found);
    /* A failed parse hands out no model. */
    assert_null(cfg.entities);
    assert_int_equal(cfg.nentities, 0);
    size_t n = d.count;
    initcfg_diags_free(&d);
    return n;
}

static size_t expect_error(const char *text, unsigned line, unsigned column, const char *needle)
{
    return expect_error_rc(text, rcBadFormat, line, column, needle);
}

static char *emit_to_string(const struct initcfg *cfg,
                            void (*fn)(FILE *, const struct initcfg *, const char *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(f, cfg, "dir/init.yaml");
    fclose(f);
    return buf;
}

/* ---- valid descriptions ------------------------------------------------------------------ */

/* KasperskyOS's own first example: names, paths and process names all default. */
static void test_kos_client_server(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: Client\n"
                                  "  connections:\n"
                                  "  - target: Server\n"
                                  "    id: server_connection\n"
                                  "- name: Server\n");
    assert_int_equal(cfg.nentities, 2);
    const struct initcfg_entity *c = &cfg.entities[0], *s = &cfg.entities[1];
    assert_string_equal(c->class_name, "Client");
    assert_string_equal(c->task_name, "Client");
    assert_false(c->task_given);
    assert_string_equal(c->path, "Client");
    assert_false(c->path_given);
    assert_int_equal(c->pos.line, 2);
    assert_int_equal(c->nconns, 1);
    assert_string_equal(c->conns[0].target, "Server");
    assert_string_equal(c->conns[0].id, "server_connection");
    assert_int_equal(c->conns[0].kind, INITCFG_ID_STRING);
    assert_int_equal(c->conns[0].server, 1);
    assert_int_equal(c->conns[0].listener, 0);
    assert_string_equal(s->class_name, "Server");
    assert_int_equal(s->nconns, 0);
    assert_int_equal(s->pos.line, 6);
    assert_int_equal(cfg.nlisteners, 1);
    assert_int_equal(cfg.listeners[0].server, 1);
    assert_string_equal(cfg.listeners[0].id, "server_connection");
    initcfg_free(&cfg);
}

/* The default path is the class's short name: net.Client runs from "Client". */
static void test_default_path_is_short_class_name(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n- name: net.tcp.Client\n- name: Srv\n  path: "
                                  "bin/srv\n");
    assert_string_equal(cfg.entities[0].path, "Client");
    assert_string_equal(cfg.entities[0].task_name, "net.tcp.Client");
    assert_string_equal(cfg.entities[1].path, "bin/srv");
    assert_true(cfg.entities[1].path_given);
    initcfg_free(&cfg);
}

/* Two servers of one class, told apart by `task`; the client connects to each by task name. */
static void test_task_names_and_listeners(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: Client\n"
                                  "  connections:\n"
                                  "  - target: UserServer\n"
                                  "    id: us\n"
                                  "  - target: PrivilegedServer\n"
                                  "    id: ps\n"
                                  "- task: UserServer\n"
                                  "  name: Server\n"
                                  "- task: PrivilegedServer\n"
                                  "  name: Server\n");
    assert_int_equal(cfg.nentities, 3);
    assert_string_equal(cfg.entities[1].task_name, "UserServer");
    assert_true(cfg.entities[1].task_given);
    assert_string_equal(cfg.entities[2].class_name, "Server");
    assert_string_equal(cfg.entities[2].path, "Server");
    assert_int_equal(cfg.entities[0].conns[0].server, 1);
    assert_int_equal(cfg.entities[0].conns[1].server, 2);
    assert_int_equal(cfg.nlisteners, 2);
    assert_int_equal(cfg.entities[0].conns[1].listener, 1);
    assert_int_equal(cfg.listeners[1].server, 2);
    initcfg_free(&cfg);
}

/* Clients naming the same id on the same server share one listener; another id gets its own. */
static void test_shared_listener(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- {name: S}\n"
                                  "- {name: C, task: C1, connections: [{target: S, id: echo}]}\n"
                                  "- {name: C, task: C2, connections: [{target: S, id: echo}, "
                                  "{target: S, id: admin}]}\n");
    assert_int_equal(cfg.nlisteners, 2);
    assert_int_equal(cfg.entities[1].conns[0].listener, 0);
    assert_int_equal(cfg.entities[2].conns[0].listener, 0);
    assert_int_equal(cfg.entities[2].conns[1].listener, 1);
    assert_string_equal(cfg.listeners[1].id, "admin");
    initcfg_free(&cfg);
}

/* Cycles and self-connections are legal: the table only lists channels. */
static void test_cycles_allowed(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: A\n  connections: [{target: B, id: ab}, {target: A, id: "
                                  "self}]\n"
                                  "- name: B\n  connections: [{target: A, id: ba}]\n");
    assert_int_equal(cfg.entities[0].conns[0].server, 1);
    assert_int_equal(cfg.entities[0].conns[1].server, 0);
    assert_int_equal(cfg.entities[1].conns[0].server, 0);
    assert_int_equal(cfg.nlisteners, 3);
    initcfg_free(&cfg);
}

static void test_args_env_and_blank_lists(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: Vfs\n"
                                  "  connections:\n"
                                  "  args:\n"
                                  "    - -l\n"
                                  "    - devfs /dev devfs 0\n"
                                  "    - \"\"\n"
                                  "    - ~\n"
                                  "    - '~'\n"
                                  "  env:\n"
                                  "    ROOTFS: ramdisk0,0 / ext2 0\n"
                                  "    UNMAP_ROMFS: 1\n"
                                  "    EMPTY:\n"
                                  "- name: Other\n  args:\n  env: ~\n  limits:\n");
    const struct initcfg_entity *e = &cfg.entities[0];
    assert_int_equal(e->nconns, 0);
    assert_int_equal(e->nargs, 5);
    assert_string_equal(e->args[0], "-l");
    assert_string_equal(e->args[1], "devfs /dev devfs 0");
    assert_string_equal(e->args[2], "");
    assert_string_equal(e->args[3], "");  /* YAML null */
    assert_string_equal(e->args[4], "~"); /* quoted: the literal */
    assert_int_equal(e->nenv, 3);
    assert_string_equal(e->env[0].name, "ROOTFS");
    assert_string_equal(e->env[0].value, "ramdisk0,0 / ext2 0");
    assert_string_equal(e->env[1].value, "1"); /* a YAML number is passed as its text */
    assert_string_equal(e->env[2].value, "");
    assert_int_equal(cfg.entities[1].nargs, 0);
    assert_int_equal(cfg.entities[1].nenv, 0);
    initcfg_free(&cfg);
}

/* ---- limits --------------------------------------------------------------------------- */

static void test_limits_builtin_defaults(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n- name: A\n");
    assert_int_equal(cfg.default_kernel_memory, EINIT_DEFAULT_KERNEL_MEMORY);
    assert_int_equal(cfg.default_ram, EINIT_DEFAULT_RAM);
    assert_int_equal(cfg.entities[0].kernel_memory, 1024 * 1024);
    assert_int_equal(cfg.entities[0].ram, 16 * 1024 * 1024);
    assert_false(cfg.entities[0].kernel_memory_given);
    assert_false(cfg.entities[0].ram_given);
    initcfg_free(&cfg);
}

/* Top-level limits replace the built-in defaults; an entity's own limits win for that entity,
 * key by key. The top-level block may come after `entities`. */
static void test_limits_override(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: A\n"
                                  "  limits: { ram: 2MiB }\n"
                                  "- name: B\n"
                                  "  limits:\n"
                                  "    kernel_memory: 256KiB\n"
                                  "    ram: 1GiB\n"
                                  "- name: C\n"
                                  "limits:\n"
                                  "  kernel_memory: 512 KiB\n");
    assert_int_equal(cfg.default_kernel_memory, 512 * 1024);
    assert_int_equal(cfg.default_ram, EINIT_DEFAULT_RAM);
    assert_int_equal(cfg.entities[0].kernel_memory, 512 * 1024);
    assert_int_equal(cfg.entities[0].ram, 2 * 1024 * 1024);
    assert_true(cfg.entities[0].ram_given);
    assert_false(cfg.entities[0].kernel_memory_given);
    assert_int_equal(cfg.entities[1].kernel_memory, 256 * 1024);
    assert_int_equal(cfg.entities[1].ram, 1024ull * 1024 * 1024);
    assert_int_equal(cfg.entities[2].kernel_memory, 512 * 1024);
    assert_int_equal(cfg.entities[2].ram, EINIT_DEFAULT_RAM);
    initcfg_free(&cfg);
}

static void size_ok(const char *text, uint64_t want)
{
    uint64_t v = 0;
    const char *why = NULL;
    assert_int_equal(initcfg_size_parse(text, &v, &why), rcOk);
    assert_true(v == want);
}

static void size_bad(const char *text, Retcode want)
{
    uint64_t v = 7;
    const char *why = NULL;
    assert_int_equal(initcfg_size_parse(text, &v, &why), want);
    assert_non_null(why);
    assert_true(v == 7); /* untouched on failure */
}

static void test_size_units(void **state)
{
    (void)state;
    size_ok("1", 1);
    size_ok("4096", 4096);
    size_ok("1B", 1);
    size_ok("4KiB", 4096);
    size_ok("16MiB", 16u << 20);
    size_ok("16 MiB", 16u << 20);
    size_ok("3\tGiB", 3ull << 30);
    size_ok("2TiB", 2ull << 40);
    size_ok("007KiB", 7 * 1024);
    size_bad("", rcBadFormat);
    size_bad("KiB", rcBadFormat);
    size_bad("16MB", rcBadFormat); /* decimal or binary? refused, not guessed */
    size_bad("16M", rcBadFormat);
    size_bad("16kib", rcBadFormat); /* units are case-sensitive */
    size_bad("1.5MiB", rcBadFormat);
    size_bad("-1", rcBadFormat);
    size_bad("+1", rcBadFormat);
    size_bad("0x10", rcBadFormat);
    size_bad("1 2", rcBadFormat);
    size_bad("16MiB ", rcBadFormat);
    size_bad("0", rcOutOfRange);
    size_bad("0KiB", rcOutOfRange);
}

static void test_size_overflow(void **state)
{
    (void)state;
    size_ok("18446744073709551615", UINT64_MAX);
    size_bad("18446744073709551616", rcOverflow);
    size_bad("99999999999999999999999", rcOverflow);
    size_ok("16777215TiB", 16777215ull << 40);
    size_bad("16777216TiB", rcOverflow); /* 2^24 * 2^40 = 2^64 */
    size_ok("17179869183GiB", 17179869183ull << 30);
    size_bad("17179869184GiB", rcOverflow);
    size_bad("18014398509481984KiB", rcOverflow);
}

/* ---- errors, each at its line:column -------------------------------------------------- */

static void test_error_unknown_keys(void **state)
{
    (void)state;
    expect_error("entities:\n- name: A\nprocesses: 1\n", 3, 1, "unknown key 'processes'");
    expect_error("entities:\n- name: A\n  pth: a\n", 3, 3, "unknown key 'pth' in an entity");
    expect_error("entities:\n- name: A\n  connections:\n  - target: A\n    id: x\n    kind: y\n", 6,
                 5, "unknown key 'kind' in a connection");
    expect_error("entities:\n- name: A\n  limits: { rom: 1KiB }\n", 3, 13,
                 "unknown key 'rom' in 'limits'");
    expect_error("limits:\n  cpu: 1\nentities:\n- name: A\n", 2, 3, "unknown key 'cpu'");
}

static void test_error_duplicate_keys(void **state)
{
    (void)state;
    expect_error("entities:\n- name: A\n  path: a\n  path: b\n", 4, 3,
                 "duplicate key 'path' in an entity (first at line 3)");
    expect_error("entities:\n- name: A\nentities:\n- name: B\n", 3, 1, "duplicate key 'entities'");
    expect_error("entities:\n- name: A\n  env:\n    X: 1\n    X: 2\n", 5, 5,
                 "duplicate env variable 'X' (first at line 4)");
}

static void test_error_entities_shape(void **state)
{
    (void)state;
    expect_error("limits: {ram: 1MiB}\n", 1, 1, "missing the key 'entities'");
    expect_error("entities:\n", 1, 10, "lists no entity");
    expect_error("entities: []\n", 1, 11, "lists no entity");
    expect_error("entities: Client\n", 1, 11, "'entities' must be a list");
    expect_error("- name: A\n", 1, 1, "an init description is a mapping");
    expect_error("entities:\n- Client\n", 2, 3, "an entity must be a mapping");
    expect_error("", 1, 1, "empty init description");
    expect_error("# only a comment\n", 1, 1, "empty init description");
}

static void test_error_required_keys(void **state)
{
    (void)state;
    expect_error("entities:\n- name: A\n- path: b\n  task: B\n", 3, 3, "entity has no 'name'");
    expect_error("entities:\n- name:\n", 2, 8, "'name' needs a value");
    expect_error("entities:\n- name: [A]\n", 2, 9, "'name' must be a string, not a list");
    expect_error("entities:\n- name: A\n  connections:\n  - id: x\n", 4, 5,
                 "connection has no 'target'");
    expect_error("entities:\n- name: A\n  connections:\n  - target: A\n", 4, 5,
                 "connection has no 'id'");
    expect_error("entities:\n- name: A\n  connections: {target: A, id: x}\n", 3, 16,
                 "'connections' must be a list");
    expect_error("entities:\n- name: A\n  connections:\n  - A\n", 4, 5,
                 "a connection must be a mapping");
}

static void test_error_names(void **state)
{
    (void)state;
    expect_error("entities:\n- name: echo server\n", 2, 9, "bad class name 'echo server'");
    expect_error("entities:\n- name: echo..Server\n", 2, 9, "bad class name");
    expect_error("entities:\n- name: 1Server\n", 2, 9, "bad class name");
    expect_error("entities:\n- name: Server.\n", 2, 9, "bad class name");
    expect_error("entities:\n- name: kl.core.Core\n", 2, 9,
                 "class name 'kl.core.Core' is reserved");
    expect_error("entities:\n- name: kl.core.VMM\n", 2, 9, "for the kernel");
    expect_error("entities:\n- name: Einit\n", 2, 9, "for Einit itself");
    struct initcfg cfg = parse_ok("entities:\n- name: kl.coreutils.Ls\n- name: kl.VfsNet\n");
    assert_string_equal(cfg.entities[0].class_name, "kl.coreutils.Ls");
    initcfg_free(&cfg);
    expect_error("entities:\n- name: S\n  task: 'my task'\n", 3, 9, "bad task name 'my task'");
    expect_error("entities:\n- name: S\n  path: ''\n", 3, 9, "'path' needs a value");
    expect_error("entities:\n- name: S\n  path: \"\"\n", 3, 9, "'path' needs a value");
    expect_error("entities:\n- name: S\n  path: /bin/s\n", 3, 9, "drop the leading '/'");
    expect_error("entities:\n- name: S\n  path: a b\n", 3, 9, "bad path 'a b'");
    expect_error("entities:\n- name: S\n  env:\n    1X: a\n", 4, 5, "bad env variable name '1X'");
    expect_error("entities:\n- name: S\n  env:\n    A=B: a\n", 4, 5, "bad env variable name 'A=B'");
    expect_error("entities:\n- name: S\n  args: -l\n", 3, 9, "'args' must be a list of strings");
    expect_error("entities:\n- name: S\n  args:\n    - {a: 1}\n", 4, 7,
                 "each of 'args' must be a string");
    expect_error("entities:\n- name: S\n  env: [A]\n", 3, 8, "'env' must be a mapping");
    expect_error("entities:\n- name: S\n  env:\n    A: [1]\n", 4, 8,
                 "the value of env variable 'A' must be a string");
    expect_error("entities:\n- name: \"A\\0B\"\n", 2, 9, "NUL character");
}

static void test_error_duplicate_process(void **state)
{
    (void)state;
    /* Same class, no task: both default to the class name. Reported at the second name. */
    expect_error("entities:\n- name: Client\n- name: Server\n- name: Client\n", 4, 9,
                 "duplicate process name 'Client' (first at line 2)");
    /* An explicit task clashing with a default one is reported at the task value. */
    expect_error("entities:\n- name: Client\n- name: Other\n  task: Client\n", 4, 9,
                 "duplicate process name 'Client'");
}

static void test_error_connections(void **state)
{
    (void)state;
    expect_error("entities:\n- name: C\n  connections:\n  - target: Servr\n    id: s\n- name: "
                 "Server\n",
                 4, 13, "connection target 'Servr' is not the task name of any entity");
    /* target names the process, not the class: a class name that is not a task name fails. */
    expect_error("entities:\n- name: C\n  connections: [{target: Server, id: s}]\n"
                 "- name: Server\n  task: S1\n",
                 3, 26, "connection target 'Server'");
    expect_error("entities:\n- name: C\n  connections:\n  - target: S\n    id: s\n"
                 "  - target: T\n    id: s\n- name: S\n- name: T\n",
                 7, 9, "duplicate connection id 's' in entity 'C' (first at line 4)");
    expect_error("entities:\n- name: C\n  connections: [{target: C, id: 'a b'}]\n", 3, 33,
                 "bad connection id 'a b'");
    expect_error("entities:\n- name: C\n  connections: [{target: C, id: {var: X}}]\n", 3, 33,
                 "needs both 'var'");
    expect_error("entities:\n- name: C\n  connections: [{target: C, id: {var: 1X, include: "
                 "a.h}}]\n",
                 3, 39, "'var' must be a C macro name");
    expect_error("entities:\n- name: C\n  connections: [{target: C, id: {var: X, include: "
                 "'a\"b.h'}}]\n",
                 3, 51, "'include' must be a header path");
}

static void test_error_limits(void **state)
{
    (void)state;
    expect_error("entities:\n- name: A\n  limits:\n    ram: 16MB\n", 4, 10,
                 "bad size '16MB' for 'ram': unknown unit");
    expect_error("entities:\n- name: A\n  limits:\n    kernel_memory: 0\n", 4, 20,
                 "greater than zero");
    expect_error("entities:\n- name: A\n  limits:\n    ram: 16777216TiB\n", 4, 10,
                 "does not fit in 64 bits");
    expect_error("limits: 1MiB\nentities:\n- name: A\n", 1, 9, "'limits' must be a mapping");
    expect_error("entities:\n- name: A\n  limits:\n    ram: [1]\n", 4, 10,
                 "'ram' must be a string");
}

static void test_error_yaml(void **state)
{
    (void)state;
    expect_error("entities:\n- name: A\n  connections: [\n", 4, 1, "YAML syntax");
    expect_error("entities:\n- name: A\n path: x\n", 3, 2, "YAML syntax");
    expect_error("entities:\n- name: &n A\n- name: *n\n", 3, 9, "aliases");
    expect_error("entities:\n- name: A\xff\n", 2, 10, "invalid leading UTF-8 octet");
    expect_error("entities:\n- name: A\n\tpath: x\n", 3, 1, "tab character");
    expect_error("entities:\n- name: A\n---\nentities:\n- name: B\n", 3, 1, "one YAML document");
}

/* Parses len bytes that must fail with rcBadFormat and an error at line:column containing
 * needle (expect_error measures text with strlen, which would stop at a NUL). */
static void expect_bytes_error(const char *text, size_t len, unsigned line, unsigned column,
                               const char *needle)
{
    struct initcfg cfg;
    struct initcfg_diags d = {0};
    assert_int_equal(initcfg_parse(text, len, &cfg, &d), rcBadFormat);
    bool found = false;
    for (size_t i = 0; i < d.count; i++)
        if (d.items[i].pos.line == line && d.items[i].pos.column == column &&
            strstr(d.items[i].message, needle) != NULL)
            found = true;
    if (!found) {
        fprintf(stderr, "wanted %u:%u containing \"%s\"; got:\n", line, column, needle);
        initcfg_diags_print(stderr, "<test>", &d);
    }
    assert_true(found);
    initcfg_diags_free(&d);
}

/* A NUL byte anywhere (value, quoted string, comment, start, end) is an error at its position,
 * never the silent end of the description; deep nesting stops at the tree's depth limit. */
static void test_error_bytes_and_depth(void **state)
{
    (void)state;
    static const char in_value[] = "entities:\n- name: A\0B\n";
    expect_bytes_error(in_value, sizeof in_value - 1, 2, 10, "control characters are not allowed");
    static const char in_quotes[] = "entities:\n- name: \"A\0\"\n";
    expect_bytes_error(in_quotes, sizeof in_quotes - 1, 2, 11,
                       "control characters are not allowed");
    static const char in_comment[] = "entities:\n- name: A # x\0y\n- name: B\n";
    expect_bytes_error(in_comment, sizeof in_comment - 1, 2, 14,
                       "control characters are not allowed");
    static const char at_start[] = "\0entities:\n- name: A\n";
    expect_bytes_error(at_start, sizeof at_start - 1, 1, 1, "control characters are not allowed");
    static const char at_end[] = "entities:\n- name: A\n\0";
    expect_bytes_error(at_end, sizeof at_end - 1, 3, 1, "control characters are not allowed");
    size_t n = 100000;
    char *deep = malloc(n + 16);
    assert_non_null(deep);
    memcpy(deep, "entities: ", 10);
    memset(deep + 10, '[', n);
    expect_bytes_error(deep, n + 10, 1, 42, "nesting deeper than 32 levels");
    free(deep);
}

static void test_error_limits_of_the_table(void **state)
{
    (void)state;
    /* EINIT_MAX_ENTRIES + 1 entities: the last is reported (its line: 1 + its number). */
    char *text = malloc(16 * 1024);
    assert_non_null(text);
    strcpy(text, "entities:\n");
    for (unsigned i = 0; i < EINIT_MAX_ENTRIES + 1; i++)
        sprintf(text + strlen(text), "- name: P%u\n", i);
    char want[64];
    snprintf(want, sizeof want, "too many entities (at most %u)", EINIT_MAX_ENTRIES);
    expect_error_rc(text, rcOutOfRange, EINIT_MAX_ENTRIES + 2, 3, want);
    /* EINIT_MAX_ENTRIES are fine. */
    strcpy(text, "entities:\n");
    for (unsigned i = 0; i < EINIT_MAX_ENTRIES; i++)
        sprintf(text + strlen(text), "- name: P%u\n", i);
    struct initcfg cfg = parse_ok(text);
    assert_int_equal(cfg.nentities, EINIT_MAX_ENTRIES);
    initcfg_free(&cfg);
    /* A 64-byte class name is one too long. */
    strcpy(text, "entities:\n- name: ");
    memset(text + strlen(text), 'N', 64);
    strcpy(text + strlen("entities:\n- name: ") + 64, "\n");
    expect_error_rc(text, rcOutOfRange, 2, 9, "at most 63");
    free(text);
}

/* One run reports every mistake, sorted by position. */
static void test_all_errors_reported_in_order(void **state)
{
    (void)state;
    const char *text = "entities:\n"
                       "- name: C\n" /* 2 */
                       "  connections:\n"
                       "  - target: Nobody\n" /* 4: unknown target */
                       "    id: x\n"
                       "  limits: {ram: 1MB}\n" /* 6: bad size */
                       "- name: C\n"            /* 7: duplicate process */
                       "  colour: red\n";       /* 8: unknown key */
    struct initcfg cfg;
    struct initcfg_diags d = {0};
    assert_int_equal(initcfg_parse(text, strlen(text), &cfg, &d), rcBadFormat);
    assert_int_equal(d.count, 4);
    assert_int_equal(d.items[0].pos.line, 4);
    assert_int_equal(d.items[1].pos.line, 6);
    assert_int_equal(d.items[2].pos.line, 7);
    assert_int_equal(d.items[3].pos.line, 8);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    initcfg_diags_print(f, "init.yaml", &d);
    fclose(f);
    assert_non_null(strstr(buf, "init.yaml:4:13: error: connection target 'Nobody'"));
    assert_non_null(strstr(buf, "init.yaml:8:3: error: unknown key 'colour'"));
    free(buf);
    initcfg_diags_free(&d);
}

/* ---- output ------------------------------------------------------------------------------ */

static void test_emit_c(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: S\n"
                                  "- name: C\n"
                                  "  args: ['say \"hi\"', 'x\\y', 'tab\there', 'q?\?=']\n"
                                  "  env: {A: '1'}\n"
                                  "  connections:\n"
                                  "  - {target: S, id: plain}\n"
                                  "  - {target: S, id: {var: ECHO_CONN, include: echo/conn.h}}\n"
                                  "  limits: {kernel_memory: 300KiB}\n");
    char *out = emit_to_string(&cfg, initcfg_emit_c);
    assert_non_null(strstr(out, "#include \"startup_table.h\"\n#include \"echo/conn.h\"\n"));
    assert_non_null(strstr(out, "\"say \\\"hi\\\"\""));
    assert_non_null(strstr(out, "\"x\\\\y\""));
    assert_non_null(strstr(out, "\"tab\\011here\""));
    assert_non_null(strstr(out, "\"q\\?\\?=\""));
    assert_non_null(strstr(out, "{ .id = \"plain\", .server = 0u, .listener = 0u }"));
    assert_non_null(strstr(out, "{ .id = ECHO_CONN, .server = 0u, .listener = 1u }"));
    assert_non_null(strstr(out, ".limits = { .kernel_memory = 307200ull, .ram = 16777216ull }"));
    assert_non_null(strstr(out, ".nentries = 2u"));
    assert_non_null(strstr(out, ".nlisteners = 2u"));
    assert_non_null(strstr(out, ".source = \"init.yaml\"")); /* base name only */
    assert_null(strstr(out, "dir/"));
    /* Entry 0 has no args: no array, and the pointer is left NULL. */
    assert_null(strstr(out, "einit_args_0"));
    free(out);
    initcfg_free(&cfg);
}

/* The SDK's static VFS connection, as KasperskyOS examples write it: the target is the server's
 * default task name (its class), the id the SDK's macro from vfs/defs.h. Einit tells the server
 * apart by its class at run time (per_client_server), so the table is an ordinary one: both
 * clients name one listener row, which Einit leaves unused. */
static void test_emit_sdk_vfs_form(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: client.Client\n"
                                  "  connections:\n"
                                  "  - target: kl.VfsRamFs\n"
                                  "    id: {var: _VFS_CONNECTION_ID, include: vfs/defs.h}\n"
                                  "- name: client.Client\n"
                                  "  task: Client2\n"
                                  "  connections:\n"
                                  "  - target: kl.VfsRamFs\n"
                                  "    id: {var: _VFS_CONNECTION_ID, include: vfs/defs.h}\n"
                                  "- name: kl.VfsRamFs\n"
                                  "  path: VfsRamFs\n");
    char *out = emit_to_string(&cfg, initcfg_emit_c);
    /* Included once, however many connections name it. */
    const char *inc = strstr(out, "#include \"vfs/defs.h\"\n");
    assert_non_null(inc);
    assert_null(strstr(inc + 1, "#include \"vfs/defs.h\""));
    assert_non_null(strstr(out, "{ .id = _VFS_CONNECTION_ID, .server = 2u, .listener = 0u }"));
    assert_non_null(strstr(out, ".class_name = \"kl.VfsRamFs\",\n        .task_name = "
                                "\"kl.VfsRamFs\",\n        .path = \"VfsRamFs\""));
    assert_non_null(strstr(out, ".nlisteners = 1u"));
    /* The file system is marked as a per-client server; its clients are not. */
    assert_non_null(strstr(out, ".path = \"VfsRamFs\",\n        .line = 11u,\n        .flags = "
                                "EINIT_ENTRY_PER_CLIENT_SERVER,\n"));
    const char *first = strstr(out, "EINIT_ENTRY_PER_CLIENT_SERVER");
    assert_null(strstr(first + 1, "EINIT_ENTRY_PER_CLIENT_SERVER"));
    free(out);
    initcfg_free(&cfg);
}

/* The SDK's name server, as its init descriptions write it: the class kl.core.NameServer (the
 * one kl.core.* class a process may have), whose default task name is the class, and each
 * client's connection with target and id kl.core.NameServer. It is a per-client server, so that
 * Einit binds each client's end to that client's name. */
static void test_sdk_name_server_form(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: client.Client\n"
                                  "  connections:\n"
                                  "  - target: kl.core.NameServer\n"
                                  "    id: kl.core.NameServer\n"
                                  "- name: server.Server\n"
                                  "  connections:\n"
                                  "  - target: kl.core.NameServer\n"
                                  "    id: kl.core.NameServer\n"
                                  "- name: kl.core.NameServer\n"
                                  "  path: ns\n");
    assert_int_equal(cfg.nentities, 3);
    assert_string_equal(cfg.entities[2].class_name, "kl.core.NameServer");
    assert_string_equal(cfg.entities[2].task_name, "kl.core.NameServer");
    assert_true(cfg.entities[2].per_client_server);
    assert_false(cfg.entities[0].per_client_server);
    assert_false(cfg.entities[1].per_client_server);
    assert_int_equal(cfg.entities[0].conns[0].server, 2);
    char *out = emit_to_string(&cfg, initcfg_emit_c);
    assert_non_null(strstr(out, "{ .id = \"kl.core.NameServer\", .server = 2u, .listener = 0u }"));
    assert_non_null(strstr(out, ".path = \"ns\",\n        .line = 10u,\n        .flags = "
                                "EINIT_ENTRY_PER_CLIENT_SERVER,\n"));
    free(out);
    out = emit_to_string(&cfg, initcfg_dump);
    assert_non_null(strstr(out, "class=kl.core.NameServer task=kl.core.NameServer(default) "
                                "path=ns line=10\n  limits kernel_memory=1048576(default) "
                                "ram=16777216(default)\n  per-client server\n"));
    free(out);
    initcfg_free(&cfg);
}

/* The exception is that one name, nothing wider: the kernel's classes, a name that only starts
 * like it, one under it, and another case stay reserved. */
static void test_name_server_exception_is_exact(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "kl.core.VMM",       "kl.core.Core",       "kl.core.NameServerX", "kl.core.NameServer.X",
        "kl.core.NameServe", "kl.core.nameserver", "kl.core.CM",          "kl.core",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "entities:\n- name: %s\n", refused[i]);
        expect_error(text, 2, 9, "for the kernel");
    }
    /* Outside kl.core nothing is reserved, the name server's other spellings included. */
    struct initcfg cfg = parse_ok("entities:\n- name: kl.NameServer\n- name: NameServer\n- name: "
                                  "kl.ns.NS\n");
    assert_false(cfg.entities[0].per_client_server);
    assert_false(cfg.entities[1].per_client_server);
    assert_false(cfg.entities[2].per_client_server);
    initcfg_free(&cfg);
}

static void test_put_c_string_high_bytes(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    initcfg_put_c_string(f, "\xc3\xa9"
                            "1"); /* é then a digit: octal escapes stop at 3 digits */
    fclose(f);
    assert_string_equal(buf, "\"\\303\\2511\"");
    free(buf);
}

static void test_dump(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: echo.Server\n  task: Echo\n"
                                  "- name: echo.Client\n  connections: [{target: Echo, id: e}]\n"
                                  "  limits: {ram: 4MiB}\n");
    char *out = emit_to_string(&cfg, initcfg_dump);
    assert_non_null(strstr(out, "source dir/init.yaml\n"));
    assert_non_null(strstr(out, "defaults kernel_memory=1048576 ram=16777216\n"));
    assert_non_null(strstr(out, "entity 0 class=echo.Server task=Echo path=Server(default) "
                                "line=2\n"));
    assert_non_null(strstr(out, "entity 1 class=echo.Client task=echo.Client(default) "
                                "path=Client(default) line=4\n"));
    assert_non_null(strstr(out, "  limits kernel_memory=1048576(default) ram=4194304\n"));
    assert_non_null(strstr(out, "  connection id=e target=Echo server=0 listener=0\n"));
    assert_non_null(strstr(out, "listener 0 id=e server=0 (Echo)\n"));
    free(out);
    initcfg_free(&cfg);
}

/* ---- hostile input --------------------------------------------------------------------- */

/* Deterministic mutations of a valid description, parsed under ASan/UBSan: the parser must
 * either accept (and then the model is consistent) or report errors positioned inside the text;
 * never crash, leak or read out of bounds. */
static void test_mutations(void **state)
{
    (void)state;
    static const char seed[] = "limits: {ram: 8MiB}\n"
                               "entities:\n"
                               "- name: echo.Server\n"
                               "  task: EchoServer\n"
                               "- name: echo.Client\n"
                               "  connections:\n"
                               "  - target: EchoServer\n"
                               "    id: echo\n"
                               "  args: [a, \"b c\"]\n"
                               "  env: {X: 1}\n"
                               "  limits: {kernel_memory: 64KiB}\n";
    static const char alphabet[] = ":-[]{},&*!|>'\"#\n\t %@`?0aZ.\\";
    uint32_t rng = 12345;
    size_t accepted = 0, rejected = 0;
    char buf[512];

    for (int iter = 0; iter < 4000; iter++) {
        size_t len = sizeof(seed) - 1;
        memcpy(buf, seed, len);
        int edits = 1 + iter % 3;
        for (int k = 0; k < edits; k++) {
            rng = rng * 1103515245u + 12345u;
            size_t at = (rng >> 8) % len;
            char ch = alphabet[(rng >> 20) % (sizeof(alphabet) - 1)];
            switch ((rng >> 4) % 3) {
            case 0: /* replace */
                buf[at] = ch;
                break;
            case 1: /* insert */
                if (len + 1 < sizeof(buf)) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = ch;
                    len++;
                }
                break;
            default: /* delete */
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;
            }
        }
        unsigned lines = 1;
        for (size_t i = 0; i < len; i++)
            lines += buf[i] == '\n';

        struct initcfg cfg;
        struct initcfg_diags d = {0};
        Retcode rc = initcfg_parse(buf, len, &cfg, &d);
        if (rc == rcOk) {
            accepted++;
            assert_int_equal(d.count, 0);
            for (size_t i = 0; i < cfg.nentities; i++)
                for (size_t c = 0; c < cfg.entities[i].nconns; c++) {
                    const struct initcfg_conn *cn = &cfg.entities[i].conns[c];
                    assert_true(cn->server < cfg.nentities);
                    assert_true(cn->listener < cfg.nlisteners);
                    assert_int_equal(cfg.listeners[cn->listener].server, cn->server);
                }
            char *out = emit_to_string(&cfg, initcfg_emit_c);
            free(out);
            initcfg_free(&cfg);
        } else {
            rejected++;
            assert_true(d.count > 0);
            for (size_t i = 0; i < d.count; i++) {
                assert_true(d.items[i].pos.line >= 1 && d.items[i].pos.line <= lines + 1);
                assert_true(d.items[i].pos.column >= 1);
                assert_true(d.items[i].message[0] != '\0');
            }
        }
        initcfg_diags_free(&d);
    }
    /* Both paths were exercised, so the loop tested something. */
    assert_true(accepted > 100);
    assert_true(rejected > 100);
}

/* --romfs-dir: a missing executable is reported at its `path`, or at `name` for a default path. */
static void test_check_paths(void **state)
{
    (void)state;
    char dir[] = "/tmp/initcfg-romfs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[64];
    snprintf(file, sizeof(file), "%s/hello", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    char sub[64];
    snprintf(sub, sizeof(sub), "%s/adir", dir);
    assert_int_equal(mkdir(sub, 0700), 0);

    struct initcfg cfg = parse_ok("entities:\n"
                                  "- name: Hello\n  path: hello\n"
                                  "- name: net.Missing\n"
                                  "- name: D\n  path: adir\n");
    struct initcfg_diags d = {0};
    assert_int_equal(initcfg_check_paths(&cfg, dir, &d), rcNotFound);
    assert_int_equal(d.count, 2);
    assert_int_equal(d.items[0].pos.line, 4); /* default path "Missing": at the name */
    assert_int_equal(d.items[0].pos.column, 9);
    assert_non_null(strstr(d.items[0].message, "no executable 'Missing'"));
    assert_int_equal(d.items[1].pos.line, 6); /* a folder is not an executable */
    assert_int_equal(d.items[1].pos.column, 9);
    initcfg_diags_free(&d);
    initcfg_free(&cfg);

    cfg = parse_ok("entities:\n- name: Hello\n  path: hello\n");
    assert_int_equal(initcfg_check_paths(&cfg, dir, &d), rcOk);
    assert_int_equal(d.count, 0);
    initcfg_free(&cfg);

    unlink(file);
    rmdir(sub);
    rmdir(dir);
}

/* ---- devices ----------------------------------------------------------------------------- */

static void test_devices(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n- name: drv.Edu\n  devices:\n"
                                  "  - {name: edu, pci: \"1234:11E8\"}\n"
                                  "  - name: nic\n    bdf: \"00:1f.7\"\n- name: drv.None\n"
                                  "  devices:\n");
    assert_int_equal(cfg.entities[0].ndevices, 2);
    const struct initcfg_device *d = cfg.entities[0].devices;
    assert_string_equal(d[0].name, "edu");
    assert_int_equal(d[0].match, INITCFG_DEVICE_BY_ID);
    assert_int_equal(d[0].vendor, 0x1234);
    assert_int_equal(d[0].device, 0x11e8);
    assert_int_equal(d[0].pos.line, 4);
    assert_string_equal(d[1].name, "nic");
    assert_int_equal(d[1].match, INITCFG_DEVICE_BY_BDF);
    assert_int_equal(d[1].bdf, 0x00FF);            /* bus 0, device 0x1f, function 7 */
    assert_int_equal(cfg.entities[1].ndevices, 0); /* a blank list is no devices */
    char *c = emit_to_string(&cfg, initcfg_emit_c);
    assert_non_null(strstr(c, "static const struct einit_device einit_devices_0[] = {"));
    assert_non_null(strstr(c, "{ .name = \"edu\", .match = EINIT_DEVICE_BY_ID, .vendor = 0x1234u, "
                              ".device = 0x11e8u, .bdf = 0x0000u, .line = 4u },"));
    assert_non_null(strstr(c, ".match = EINIT_DEVICE_BY_BDF, .vendor = 0x0000u, .device = "
                              "0x0000u, .bdf = 0x00ffu, .line = 5u },"));
    assert_non_null(strstr(c, ".devices = einit_devices_0,\n        .ndevices = 2u,"));
    assert_null(strstr(c, "einit_devices_1"));
    free(c);
    char *dump = emit_to_string(&cfg, initcfg_dump);
    assert_non_null(strstr(dump, "  device edu pci=1234:11e8 line=4\n"));
    assert_non_null(strstr(dump, "  device nic bdf=00:1f.7 line=5\n"));
    free(dump);
    initcfg_free(&cfg);
}

/* `tee: true` names the TEE partition (docs/tee.md): carried into the table's flags, shown by
 * --dump; `false` and absence are the rich world; anything else, and a second partition, are
 * errors at their value. */
static void test_tee_partition(void **state)
{
    (void)state;
    struct initcfg cfg = parse_ok("entities:\n- name: A\n  tee: true\n- name: B\n  tee: false\n"
                                  "- name: C\n");
    assert_true(cfg.entities[0].tee_partition);
    assert_false(cfg.entities[1].tee_partition);
    assert_false(cfg.entities[2].tee_partition);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    initcfg_emit_c(f, &cfg, "init.yaml");
    fclose(f);
    assert_non_null(strstr(buf, ".flags = EINIT_ENTRY_TEE_PARTITION"));
    /* Only A's entry has it. */
    assert_null(strstr(strstr(buf, ".flags = EINIT_ENTRY_TEE_PARTITION") + 1, ".flags = "
                                                                              "EINIT_ENTRY_TEE_"
                                                                              "PARTITION"));
    free(buf);
    f = open_memstream(&buf, &len);
    initcfg_dump(f, &cfg, "init.yaml");
    fclose(f);
    assert_non_null(strstr(buf, "  tee partition\n"));
    free(buf);
    initcfg_free(&cfg);
    expect_error("entities:\n- name: A\n  tee: yes\n", 3, 8,
                 "bad value 'yes' for 'tee': expected true or false");
    expect_error("entities:\n- name: A\n  tee: true\n- name: B\n  tee: true\n", 5, 8,
                 "a second TEE partition (the first at line 3)");
}

static void test_error_devices(void **state)
{
    (void)state;
    const char *head = "entities:\n- name: D\n  devices:\n";
    char text[512];
#define DEV_ERR(body, line, col, needle)                 \
    do {                                                 \
        snprintf(text, sizeof text, "%s%s", head, body); \
        expect_error(text, line, col, needle);           \
    } while (0)
    expect_error("entities:\n- name: D\n  devices: edu\n", 3, 12, "'devices' must be a list");
    DEV_ERR("  - edu\n", 4, 5, "a device must be a mapping");
    DEV_ERR("  - {pci: \"1234:11e8\"}\n", 4, 5, "device has no 'name'");
    DEV_ERR("  - {name: 1edu, pci: \"1234:11e8\"}\n", 4, 12, "bad device name '1edu'");
    DEV_ERR("  - {name: edu}\n", 4, 5, "neither 'pci");
    DEV_ERR("  - {name: edu, pci: \"1234:11e8\", bdf: \"00:03.0\"}\n", 4, 5,
            "both 'pci' and 'bdf'");
    DEV_ERR("  - {name: edu, pci: \"1234-11e8\"}\n", 4, 22, "bad PCI id '1234-11e8'");
    DEV_ERR("  - {name: edu, pci: \"ffff:11e8\"}\n", 4, 22, "bad PCI id 'ffff:11e8'");
    DEV_ERR("  - {name: edu, pci: \"12345:1e8\"}\n", 4, 22, "bad PCI id");
    DEV_ERR("  - {name: edu, pci: \"12g4:11e8\"}\n", 4, 22, "bad PCI id");
    DEV_ERR("  - {name: edu, bdf: \"00:20.0\"}\n", 4, 22, "bad PCI address '00:20.0'");
    DEV_ERR("  - {name: edu, bdf: \"00:03.8\"}\n", 4, 22, "bad PCI address");
    DEV_ERR("  - {name: edu, bdf: \"0:3.0\"}\n", 4, 22, "bad PCI address");
    DEV_ERR("  - {name: edu, bdf: \"00:03.0\", irq: 5}\n", 4, 33, "unknown key 'irq' in a device");
    DEV_ERR("  - {name: edu, pci: \"1234:11e8\"}\n  - {name: edu, bdf: \"00:03.0\"}\n", 5, 5,
            "duplicate device name 'edu' (first at line 4)");
#undef DEV_ERR
    /* One device, two drivers: by id, and by address. */
    expect_error("entities:\n- name: A\n  devices: [{name: e, pci: \"1234:11e8\"}]\n"
                 "- name: B\n  devices: [{name: f, pci: \"1234:11E8\"}]\n",
                 5, 13, "this device is already given to 'A' (line 3)");
    expect_error("entities:\n- name: A\n  devices: [{name: e, bdf: \"00:03.0\"}, {name: f, bdf: "
                 "\"00:03.0\"}]\n",
                 3, 40, "this device is already given to 'A' (line 3)");
    /* The names a device makes must not hide a connection or an env variable. */
    expect_error("entities:\n- name: A\n  connections: [{target: A, id: edu.bar0}]\n"
                 "  devices: [{name: edu, pci: \"1234:11e8\"}]\n",
                 3, 17, "connection id 'edu.bar0' is the name of a handle of device 'edu'");
    expect_error("entities:\n- name: A\n  env: {edu_bdf: x}\n"
                 "  devices: [{name: edu, pci: \"1234:11e8\"}]\n",
                 3, 9, "env variable 'edu_bdf' is set by Einit for device 'edu'");
    expect_error_rc("entities:\n- name: A\n  devices: [{name: a, bdf: \"00:01.0\"}, {name: b, bdf: "
                    "\"00:02.0\"}, {name: c, bdf: \"00:03.0\"}, {name: d, bdf: \"00:04.0\"}, "
                    "{name: "
                    "e, bdf: \"00:05.0\"}, {name: f, bdf: \"00:06.0\"}, {name: g, bdf: "
                    "\"00:07.0\"}, "
                    "{name: h, bdf: \"00:08.0\"}, {name: i, bdf: \"00:09.0\"}]\n",
                    rcOutOfRange, 3, 229, "too many devices (at most 8 per entity)");
    /* A name that would not leave room for "<name>.bar5" in a handle name. */
    expect_error_rc("entities:\n- name: A\n  devices: [{name: "
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, pci: "
                    "\"1234:11e8\"}]\n",
                    rcOutOfRange, 3, 20, "'name' is 59 bytes long; at most 58");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kos_client_server),
        cmocka_unit_test(test_default_path_is_short_class_name),
        cmocka_unit_test(test_task_names_and_listeners),
        cmocka_unit_test(test_shared_listener),
        cmocka_unit_test(test_cycles_allowed),
        cmocka_unit_test(test_args_env_and_blank_lists),
        cmocka_unit_test(test_limits_builtin_defaults),
        cmocka_unit_test(test_limits_override),
        cmocka_unit_test(test_size_units),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_error_unknown_keys),
        cmocka_unit_test(test_error_duplicate_keys),
        cmocka_unit_test(test_error_entities_shape),
        cmocka_unit_test(test_error_required_keys),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_error_duplicate_process),
        cmocka_unit_test(test_error_connections),
        cmocka_unit_test(test_error_limits),
        cmocka_unit_test(test_error_yaml),
        cmocka_unit_test(test_error_bytes_and_depth),
        cmocka_unit_test(test_error_limits_of_the_table),
        cmocka_unit_test(test_all_errors_reported_in_order),
        cmocka_unit_test(test_emit_c),
        cmocka_unit_test(test_emit_sdk_vfs_form),
        cmocka_unit_test(test_sdk_name_server_form),
        cmocka_unit_test(test_name_server_exception_is_exact),
        cmocka_unit_test(test_put_c_string_high_bytes),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_check_paths),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_error_devices),
        cmocka_unit_test(test_tee_partition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
