/* Host tests of services/vfs (vfs_path.c, vfs_tree.c, vfs_files.c) under cmocka. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vfs_errors.h"
#include "vfs_files.h"
#include "vfs_path.h"
#include "vfs_tree.h"

static struct vfs_tree t;

static int setup(void **state)
{
    (void)state;
    vfs_tree_init(&t, VFS_BYTES_MAX);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < VFS_NODES_MAX; i++)
        if (t.nodes[i].kind == VFS_KIND_FILE)
            vfs_tree_truncate(&t, i);
    return 0;
}

static int32_t norm(const char *s, struct vfs_path *p)
{
    return vfs_path_normalise(s, strlen(s), p);
}

/* The normalised path joined with '/', "/" for the root. */
static const char *joined(const struct vfs_path *p)
{
    static char out[512];
    out[0] = 0;
    if (p->n == 0)
        return "/";
    for (uint32_t i = 0; i < p->n; i++) {
        strcat(out, "/");
        strcat(out, p->comp[i]);
    }
    return out;
}

static void test_path_normalise(void **state)
{
    (void)state;
    struct vfs_path p;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"/", "/"},
        {"//", "/"},
        {"/a", "/a"},
        {"/a/", "/a"},
        {"/a//b", "/a/b"},
        {"/./a/.", "/a"},
        {"/a/..", "/"},
        {"/a/b/../c", "/a/c"},
        {"/a/b/../../c/./d/..", "/c"},
        {"/...", "/..."},
        {"/..a/b..", "/..a/b.."},
        {"/a b/c~d", "/a b/c~d"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(norm(ok[i].in, &p), VFS_OK);
        assert_string_equal(joined(&p), ok[i].out);
    }
    assert_int_equal(norm("", &p), VFS_ERR_PATH_EMPTY);
    assert_int_equal(norm("a/b", &p), VFS_ERR_PATH_RELATIVE);
    assert_int_equal(norm(".", &p), VFS_ERR_PATH_RELATIVE);
    assert_int_equal(norm("/..", &p), VFS_ERR_PATH_ABOVE_ROOT);
    assert_int_equal(norm("/../a", &p), VFS_ERR_PATH_ABOVE_ROOT);
    assert_int_equal(norm("/a/../..", &p), VFS_ERR_PATH_ABOVE_ROOT);
    assert_int_equal(norm("/a/./../b/../../etc/passwd", &p), VFS_ERR_PATH_ABOVE_ROOT);
    assert_int_equal(norm("/a\tb", &p), VFS_ERR_PATH_BAD_BYTE);
    assert_int_equal(norm("/a\x7f", &p), VFS_ERR_PATH_BAD_BYTE);
    assert_int_equal(vfs_path_normalise("/a\0b", 4, &p), VFS_ERR_PATH_BAD_BYTE);
    /* 255 bytes is a path, 256 is not. */
    char longp[300];
    longp[0] = '/';
    memset(longp + 1, 'x', 254);
    longp[255] = 0;
    assert_int_equal(norm(longp, &p), VFS_OK);
    assert_int_equal(p.n, 1);
    assert_int_equal(strlen(p.comp[0]), 254);
    longp[255] = 'x';
    longp[256] = 0;
    assert_int_equal(norm(longp, &p), VFS_ERR_PATH_TOO_LONG);
    /* 32 components, then 33. */
    char deep[300] = "";
    for (int i = 0; i < 32; i++)
        strcat(deep, "/d");
    assert_int_equal(norm(deep, &p), VFS_OK);
    assert_int_equal(p.n, 32);
    strcat(deep, "/d");
    assert_int_equal(norm(deep, &p), VFS_ERR_PATH_TOO_LONG);
    /* Many ".." that stay inside: every pop frees its bytes. */
    char back[300] = "";
    for (int i = 0; i < 40; i++)
        strcat(back, "/a/..");
    strcat(back, "/z");
    assert_int_equal(norm(back, &p), VFS_OK);
    assert_string_equal(joined(&p), "/z");
}

static uint32_t mk(const char *path, uint32_t kind)
{
    struct vfs_path p;
    uint32_t node = 0;
    assert_int_equal(norm(path, &p), VFS_OK);
    assert_int_equal(vfs_tree_create(&t, &p, kind, &node), VFS_OK);
    return node;
}

static int32_t create(const char *path, uint32_t kind)
{
    struct vfs_path p;
    uint32_t node;
    assert_int_equal(norm(path, &p), VFS_OK);
    return vfs_tree_create(&t, &p, kind, &node);
}

static int32_t unlink_(const char *path)
{
    struct vfs_path p;
    assert_int_equal(norm(path, &p), VFS_OK);
    return vfs_tree_unlink(&t, &p);
}

static int32_t rename_(const char *a, const char *b)
{
    struct vfs_path p, q;
    assert_int_equal(norm(a, &p), VFS_OK);
    assert_int_equal(norm(b, &q), VFS_OK);
    return vfs_tree_rename(&t, &p, &q);
}

static int32_t lookup(const char *path, uint32_t *node)
{
    struct vfs_path p;
    assert_int_equal(norm(path, &p), VFS_OK);
    return vfs_tree_lookup(&t, &p, node);
}

static void test_tree(void **state)
{
    (void)state;
    uint32_t n, kind;
    uint64_t size;
    uint32_t d = mk("/d", VFS_KIND_DIR);
    uint32_t f = mk("/d/f", VFS_KIND_FILE);
    assert_int_equal(create("/d", VFS_KIND_DIR), VFS_ERR_EXISTS);
    assert_int_equal(create("/none/x", VFS_KIND_FILE), VFS_ERR_NOT_FOUND);
    assert_int_equal(create("/d/f/x", VFS_KIND_FILE), VFS_ERR_NOT_DIR);
    assert_int_equal(create("/", VFS_KIND_DIR), VFS_ERR_PATH_IS_ROOT);
    assert_int_equal(lookup("/d/f", &n), VFS_OK);
    assert_int_equal(n, f);
    assert_int_equal(lookup("/d/f/x", &n), VFS_ERR_NOT_DIR);
    assert_int_equal(lookup("/d/g", &n), VFS_ERR_NOT_FOUND);
    /* Same name under another directory is another node. */
    uint32_t f2 = mk("/f", VFS_KIND_FILE);
    assert_int_not_equal(f2, f);
    const char *name;
    assert_int_equal(vfs_tree_readdir(&t, d, 0, &name, &kind), VFS_OK);
    assert_string_equal(name, "f");
    assert_int_equal(vfs_tree_readdir(&t, d, 1, &name, &kind), VFS_ERR_NO_MORE_ENTRIES);
    assert_int_equal(vfs_tree_readdir(&t, f, 0, &name, &kind), VFS_ERR_NOT_DIR);
    vfs_tree_stat(&t, VFS_ROOT, &kind, &size);
    assert_int_equal(kind, VFS_KIND_DIR);
    assert_int_equal(size, 2);
    /* Rename: no replace, not into itself, not the root. */
    assert_int_equal(rename_("/d", "/d/sub"), VFS_ERR_RENAME_INTO_SELF);
    assert_int_equal(rename_("/f", "/d/f"), VFS_ERR_EXISTS);
    assert_int_equal(rename_("/", "/x"), VFS_ERR_PATH_IS_ROOT);
    assert_int_equal(rename_("/x", "/"), VFS_ERR_PATH_IS_ROOT);
    assert_int_equal(rename_("/f", "/d/g"), VFS_OK);
    assert_int_equal(lookup("/d/g", &n), VFS_OK);
    assert_int_equal(n, f2);
    mk("/e", VFS_KIND_DIR);
    assert_int_equal(rename_("/d", "/e/d"), VFS_OK);
    assert_int_equal(lookup("/e/d/f", &n), VFS_OK);
    assert_int_equal(rename_("/e", "/e/d/e"), VFS_ERR_RENAME_INTO_SELF);
    /* Unlink: busy, not empty, root. */
    t.nodes[f].opens = 1;
    assert_int_equal(unlink_("/e/d/f"), VFS_ERR_BUSY);
    assert_int_equal(rename_("/e/d/f", "/h"), VFS_ERR_BUSY);
    t.nodes[f].opens = 0;
    assert_int_equal(unlink_("/e/d"), VFS_ERR_DIR_NOT_EMPTY);
    assert_int_equal(unlink_("/"), VFS_ERR_PATH_IS_ROOT);
    assert_int_equal(unlink_("/e/d/f"), VFS_OK);
    assert_int_equal(unlink_("/e/d/g"), VFS_OK);
    assert_int_equal(unlink_("/e/d"), VFS_OK);
    assert_int_equal(unlink_("/e"), VFS_OK);
    assert_int_equal(unlink_("/e"), VFS_ERR_NOT_FOUND);
    vfs_tree_stat(&t, VFS_ROOT, &kind, &size);
    assert_int_equal(size, 0);
    /* The node table's bound. */
    char name2[16];
    uint32_t made = 0;
    int32_t rc;
    for (;;) {
        snprintf(name2, sizeof name2, "/n%u", (unsigned)made);
        if ((rc = create(name2, VFS_KIND_FILE)) != VFS_OK)
            break;
        made++;
    }
    assert_int_equal(rc, VFS_ERR_TOO_MANY_NODES);
    assert_int_equal(made, VFS_NODES_MAX - 1);
}

static void test_storage(void **state)
{
    (void)state;
    static uint8_t chunk[4096], back[4096];
    uint32_t got, kind;
    uint64_t size;
    uint32_t f = mk("/f", VFS_KIND_FILE);
    assert_int_equal(vfs_tree_write(&t, f, 0, (const uint8_t *)"hello", 5), VFS_OK);
    assert_int_equal(vfs_tree_write(&t, f, 10, (const uint8_t *)"x", 1), VFS_OK);
    vfs_tree_stat(&t, f, &kind, &size);
    assert_int_equal(size, 11);
    vfs_tree_read(&t, f, 3, 100, back, &got);
    assert_int_equal(got, 8);
    assert_memory_equal(back, "lo\0\0\0\0\0x", 8);
    vfs_tree_read(&t, f, 11, 1, back, &got);
    assert_int_equal(got, 0);
    vfs_tree_read(&t, f, UINT64_MAX, 1, back, &got);
    assert_int_equal(got, 0);
    assert_int_equal(vfs_tree_write(&t, f, UINT64_MAX - 1, chunk, 2), VFS_ERR_OFFSET_OVERFLOW);
    assert_int_equal(vfs_tree_write(&t, f, VFS_FILE_MAX - 1, chunk, 2), VFS_ERR_FILE_TOO_LARGE);
    assert_int_equal(vfs_tree_write(&t, f, VFS_FILE_MAX - 2, chunk, 2), VFS_OK);
    assert_int_equal(t.bytes, VFS_FILE_MAX);
    /* The budget: a second full file fits, a third byte anywhere new does not. */
    uint32_t g = mk("/g", VFS_KIND_FILE), h = mk("/h", VFS_KIND_FILE);
    assert_int_equal(vfs_tree_write(&t, g, VFS_FILE_MAX - 1, chunk, 1), VFS_OK);
    assert_int_equal(t.bytes, VFS_BYTES_MAX);
    assert_int_equal(vfs_tree_write(&t, h, 0, chunk, 1), VFS_ERR_NO_SPACE);
    vfs_tree_stat(&t, h, &kind, &size);
    assert_int_equal(size, 0);
    /* Unlink gives the bytes back. */
    assert_int_equal(unlink_("/g"), VFS_OK);
    assert_int_equal(t.bytes, VFS_FILE_MAX);
    assert_int_equal(vfs_tree_write(&t, h, 0, chunk, 1), VFS_OK);
    vfs_tree_truncate(&t, h);
    assert_int_equal(t.bytes, VFS_FILE_MAX);
}

static void test_files(void **state)
{
    (void)state;
    struct vfs_files a, b;
    struct vfs_path p;
    uint32_t fa, fb, got, ids[VFS_OPEN_MAX + 1];
    uint8_t buf[16];
    vfs_files_init(&a);
    vfs_files_init(&b);
    assert_int_equal(norm("/f", &p), VFS_OK);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDONLY, &fa), VFS_ERR_NOT_FOUND);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDWR | VFS_O_CREAT, &fa), VFS_OK);
    assert_int_equal(vfs_files_write(&a, &t, fa, 0, (const uint8_t *)"secret", 6), VFS_OK);
    /* The same file opened by b, in the same slot of b's table: an id of its own. a's id
     * names nothing in b's table (another generation), so b cannot use it; had b's table the
     * same value, it would name b's own file, never a's. */
    assert_int_equal(vfs_files_close(&a, &t, fa), VFS_OK);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDWR, &fa), VFS_OK);
    assert_int_equal(vfs_files_open(&b, &t, &p, VFS_O_RDONLY, &fb), VFS_OK);
    assert_int_equal(t.nodes[1].opens, 2);
    assert_int_equal(fb & 0xff, fa & 0xff);
    assert_int_not_equal(fb, fa);
    assert_int_equal(vfs_files_read(&b, &t, fa, 0, 6, buf, &got), VFS_ERR_BAD_FILE_ID);
    assert_int_equal(vfs_files_write(&b, &t, fa, 0, (const uint8_t *)"x", 1), VFS_ERR_BAD_FILE_ID);
    assert_int_equal(vfs_files_close(&b, &t, fa), VFS_ERR_BAD_FILE_ID);
    assert_int_equal(vfs_files_close(&b, &t, fb), VFS_OK);
    assert_int_equal(vfs_files_read(&a, &t, fa, 0, 6, buf, &got), VFS_OK);
    assert_int_equal(got, 6);
    /* A closed id stays refused when its slot is reused; forged ids. */
    assert_int_equal(vfs_files_close(&a, &t, fa), VFS_OK);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDONLY, &fb), VFS_OK);
    assert_int_equal(fb & 0xff, fa & 0xff);
    assert_int_not_equal(fb, fa);
    assert_int_equal(vfs_files_read(&a, &t, fa, 0, 1, buf, &got), VFS_ERR_BAD_FILE_ID);
    assert_int_equal(vfs_files_read(&a, &t, 0, 0, 1, buf, &got), VFS_ERR_BAD_FILE_ID);
    assert_int_equal(vfs_files_read(&a, &t, 0xffu, 0, 1, buf, &got), VFS_ERR_BAD_FILE_ID);
    assert_int_equal(vfs_files_read(&a, &t, (fb & ~0xffu) | 17u, 0, 1, buf, &got),
                     VFS_ERR_BAD_FILE_ID);
    /* Access modes, counts, offsets. */
    assert_int_equal(vfs_files_write(&a, &t, fb, 0, (const uint8_t *)"x", 1), VFS_ERR_NOT_WRITABLE);
    assert_int_equal(vfs_files_read(&a, &t, fb, 0, VFS_IO_MAX + 1, buf, &got),
                     VFS_ERR_COUNT_TOO_LARGE);
    assert_int_equal(vfs_files_read(&a, &t, fb, UINT64_MAX - 4, 4, buf, &got), VFS_OK);
    assert_int_equal(vfs_files_read(&a, &t, fb, UINT64_MAX - 4, 5, buf, &got),
                     VFS_ERR_OFFSET_OVERFLOW);
    assert_int_equal(vfs_files_close(&a, &t, fb), VFS_OK);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_WRONLY, &fa), VFS_OK);
    assert_int_equal(vfs_files_read(&a, &t, fa, 0, 1, buf, &got), VFS_ERR_NOT_READABLE);
    assert_int_equal(vfs_files_close(&a, &t, fa), VFS_OK);
    /* Flags. */
    assert_int_equal(vfs_files_open(&a, &t, &p, 3, &fa), VFS_ERR_BAD_FLAGS);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDONLY | VFS_O_TRUNC, &fa),
                     VFS_ERR_BAD_FLAGS);
    assert_int_equal(vfs_files_open(&a, &t, &p, 0x1000, &fa), VFS_ERR_BAD_FLAGS);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, &fa),
                     VFS_ERR_EXISTS);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_WRONLY | VFS_O_TRUNC, &fa), VFS_OK);
    assert_int_equal(t.nodes[1].size, 0);
    assert_int_equal(vfs_files_close(&a, &t, fa), VFS_OK);
    /* A directory is not opened. */
    mk("/d", VFS_KIND_DIR);
    assert_int_equal(norm("/d", &p), VFS_OK);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDONLY, &fa), VFS_ERR_IS_DIR);
    /* The table's bound: a full table creates nothing. */
    assert_int_equal(norm("/f", &p), VFS_OK);
    for (uint32_t i = 0; i < VFS_OPEN_MAX; i++)
        assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDONLY, &ids[i]), VFS_OK);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDONLY, &ids[VFS_OPEN_MAX]),
                     VFS_ERR_TOO_MANY_OPEN);
    assert_int_equal(norm("/new", &p), VFS_OK);
    assert_int_equal(vfs_files_open(&a, &t, &p, VFS_O_RDWR | VFS_O_CREAT, &fa),
                     VFS_ERR_TOO_MANY_OPEN);
    uint32_t n;
    assert_int_equal(vfs_tree_lookup(&t, &p, &n), VFS_ERR_NOT_FOUND);
    /* b is not affected by a's full table. */
    assert_int_equal(vfs_files_open(&b, &t, &p, VFS_O_RDWR | VFS_O_CREAT, &fb), VFS_OK);
    /* Closing all of a's ids leaves b's. */
    assert_int_equal(t.nodes[1].opens, VFS_OPEN_MAX);
    vfs_files_close_all(&a, &t);
    assert_int_equal(t.nodes[1].opens, 0);
    assert_int_equal(vfs_files_write(&b, &t, fb, 0, (const uint8_t *)"y", 1), VFS_OK);
    assert_int_equal(vfs_files_close(&b, &t, fb), VFS_OK);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(vfs_error_name(VFS_ERR_PATH_ABOVE_ROOT), "ErrPathAboveRoot");
    assert_string_equal(vfs_error_name(VFS_ERR_NO_MEMORY), "ErrNoMemory");
    assert_string_equal(vfs_error_name(-7), "Err?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_normalise),
        cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files, setup, teardown),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
