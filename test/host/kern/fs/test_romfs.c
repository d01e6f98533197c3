/* romfs parser: hand-built images (valid and corrupt) and a genromfs-made image. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fs/romfs.h"

/* ---- image builder -------------------------------------------------------------------- */

struct img {
    uint8_t b[8192];
    uint32_t len;
    uint32_t hdrs[64];
    int nhdrs;
};

static void wbe(struct img *im, uint32_t off, uint32_t v)
{
    im->b[off] = (uint8_t)(v >> 24);
    im->b[off + 1] = (uint8_t)(v >> 16);
    im->b[off + 2] = (uint8_t)(v >> 8);
    im->b[off + 3] = (uint8_t)v;
}

static uint32_t rbe(const struct img *im, uint32_t off)
{
    const uint8_t *p = im->b + off;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t pad16(uint32_t v)
{
    return (v + 15) & ~15u;
}

static void img_begin(struct img *im, const char *vol)
{
    memset(im, 0, sizeof *im);
    memcpy(im->b, "-rom1fs-", 8);
    strcpy((char *)im->b + 16, vol);
    im->len = pad16(16 + (uint32_t)strlen(vol) + 1);
}

/* Append a header; `next` is filled in later with set_next. Returns the header offset. */
static uint32_t add(struct img *im, const char *name, uint32_t type, uint32_t spec,
                    const char *data)
{
    uint32_t off = im->len;
    uint32_t size = data ? (uint32_t)strlen(data) : 0;
    wbe(im, off, type);
    wbe(im, off + 4, spec);
    wbe(im, off + 8, size);
    strcpy((char *)im->b + off + 16, name);
    uint32_t d = off + 16 + pad16((uint32_t)strlen(name) + 1);
    if (data)
        memcpy(im->b + d, data, size);
    im->len = pad16(d + size);
    im->hdrs[im->nhdrs++] = off;
    return off;
}

static void set_next(struct img *im, uint32_t off, uint32_t next)
{
    wbe(im, off, (rbe(im, off) & 15u) | next);
}

static void set_spec(struct img *im, uint32_t off, uint32_t spec)
{
    wbe(im, off + 4, spec);
}

static void fix_header_sum(struct img *im, uint32_t off)
{
    uint32_t meta = 16 + pad16((uint32_t)strlen((char *)im->b + off + 16) + 1);
    wbe(im, off + 12, 0);
    uint32_t s = 0;
    for (uint32_t i = 0; i < meta; i += 4)
        s += rbe(im, off + i);
    wbe(im, off + 12, (uint32_t)-s);
}

static void fix_sb_sum(struct img *im)
{
    uint32_t n = im->len < 512 ? im->len : 512;
    wbe(im, 12, 0);
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i += 4)
        s += rbe(im, i);
    wbe(im, 12, (uint32_t)-s);
}

static void img_finish(struct img *im)
{
    if (im->len < 32)
        im->len = 32;
    wbe(im, 8, im->len);
    for (int i = 0; i < im->nhdrs; i++)
        fix_header_sum(im, im->hdrs[i]);
    fix_sb_sum(im);
}

/*
 * The standard test tree:
 *   /            . (dir, spec=root) .. (hardlink->root) hello.txt  bin/  link -> bin/tool
 *   /bin/        . (hardlink->bin) .. (hardlink->root) tool (exec)
 */
struct tree {
    uint32_t root, dotdot, hello, bin, link, bdot, bdotdot, tool;
};

static void build_tree(struct img *im, struct tree *t)
{
    img_begin(im, "testvol");
    t->root = add(im, ".", ROMFS_DIR, 0, NULL);
    t->dotdot = add(im, "..", ROMFS_HARDLINK, 0, NULL);
    t->hello = add(im, "hello.txt", ROMFS_FILE, 0, "Hello, Bastion!\n");
    t->bin = add(im, "bin", ROMFS_DIR, 0, NULL);
    t->link = add(im, "link", ROMFS_HARDLINK, 0, NULL);
    t->bdot = add(im, ".", ROMFS_HARDLINK, 0, NULL);
    t->bdotdot = add(im, "..", ROMFS_HARDLINK, 0, NULL);
    t->tool = add(im, "tool", ROMFS_FILE | 8, 0,
                  "\x7f"
                  "ELF-ish binary bytes, longer than sixteen");
    set_spec(im, t->root, t->root);
    set_spec(im, t->dotdot, t->root);
    set_next(im, t->root, t->dotdot);
    set_next(im, t->dotdot, t->hello);
    set_next(im, t->hello, t->bin);
    set_next(im, t->bin, t->link);
    set_spec(im, t->bin, t->bdot);
    set_spec(im, t->link, t->tool);
    set_spec(im, t->bdot, t->bin);
    set_spec(im, t->bdotdot, t->root);
    set_next(im, t->bdot, t->bdotdot);
    set_next(im, t->bdotdot, t->tool);
    img_finish(im);
}

static struct img im;
static struct tree tr;
static struct romfs fs;

/* ---- tests --------------------------------------------------------------------------- */

static void test_mount_and_list_root(void **state)
{
    (void)state;
    build_tree(&im, &tr);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_string_equal(fs.volume, "testvol");
    assert_int_equal(fs.root, 32);
    struct romfs_entry root, e;
    assert_int_equal(romfs_root(&fs, &root), rcOk);
    struct romfs_dir it;
    assert_int_equal(romfs_opendir(&fs, &root, &it), rcOk);
    const char *names[] = {".", "..", "hello.txt", "bin", "link"};
    const uint8_t types[] = {ROMFS_DIR, ROMFS_DIR, ROMFS_FILE, ROMFS_DIR, ROMFS_FILE};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(romfs_readdir(&it, &e), rcOk);
        assert_string_equal(e.name, names[i]);
        assert_int_equal(e.type, types[i]); /* hard links resolved to their targets */
    }
    assert_int_equal(romfs_readdir(&it, &e), rcNotFound);
    assert_int_equal(romfs_readdir(&it, &e), rcNotFound);
}

static void test_lookup_and_read(void **state)
{
    (void)state;
    build_tree(&im, &tr);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    struct romfs_entry e;
    char buf[64];
    size_t got;
    assert_int_equal(romfs_lookup(&fs, "/hello.txt", &e), rcOk);
    assert_int_equal(e.type, ROMFS_FILE);
    assert_int_equal(e.size, 16);
    assert_int_equal(romfs_read(&fs, &e, 0, buf, sizeof buf, &got), rcOk);
    assert_int_equal(got, 16);
    assert_memory_equal(buf, "Hello, Bastion!\n", 16);
    assert_int_equal(romfs_read(&fs, &e, 7, buf, 4, &got), rcOk);
    assert_int_equal(got, 4);
    assert_memory_equal(buf, "Bast", 4);
    assert_int_equal(romfs_read(&fs, &e, 16, buf, 4, &got), rcOk);
    assert_int_equal(got, 0);
    assert_int_equal(romfs_read(&fs, &e, 1ull << 40, buf, 4, &got), rcOk);
    assert_int_equal(got, 0);
    assert_memory_equal(romfs_data(&fs, &e), "Hello", 5);

    assert_int_equal(romfs_lookup(&fs, "bin//tool", &e), rcOk);
    assert_true(e.exec);
    assert_int_equal(e.offset, tr.tool);
    assert_int_equal(romfs_lookup(&fs, "/link", &e), rcOk);
    assert_int_equal(e.offset, tr.tool); /* the hard link reaches the same data */
    assert_string_equal(e.name, "link");
    assert_int_equal(romfs_lookup(&fs, "/bin/./../bin/tool", &e), rcOk);
    assert_int_equal(e.offset, tr.tool);
    assert_int_equal(romfs_lookup(&fs, "/", &e), rcOk);
    assert_int_equal(e.type, ROMFS_DIR);
    assert_int_equal(romfs_lookup(&fs, "bin/", &e), rcOk);
    assert_int_equal(e.type, ROMFS_DIR);

    assert_int_equal(romfs_lookup(&fs, "/nope", &e), rcNotFound);
    assert_int_equal(romfs_lookup(&fs, "/bin/hello.txt", &e), rcNotFound);
    assert_int_equal(romfs_lookup(&fs, "/hello.txt/x", &e), rcInvalidArgument);
    assert_int_equal(romfs_lookup(&fs, "/hello.tx", &e), rcNotFound); /* no prefix matches */
    assert_int_equal(romfs_lookup(&fs, "/bin", &e), rcOk);
    assert_int_equal(romfs_read(&fs, &e, 0, buf, 4, &got), rcInvalidArgument);
    struct romfs_dir it;
    struct romfs_entry f;
    assert_int_equal(romfs_lookup(&fs, "/hello.txt", &f), rcOk);
    assert_int_equal(romfs_opendir(&fs, &f, &it), rcInvalidArgument);
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(romfs_lookup(&fs, big, &e), rcInvalidArgument);

    /* The page-aligned store: this hand-built image packs data at 16 bytes, so nothing is
     * mappable in place; each way a file can fail to be is its own code. */
    assert_int_equal(romfs_lookup(&fs, "/hello.txt", &e), rcOk);
    assert_int_equal(romfs_data_pages(&fs, &e), rcAlignment);
    assert_string_equal(fs.error, "file data not on an image page");
    assert_int_equal(romfs_lookup(&fs, "/bin", &e), rcOk);
    assert_int_equal(romfs_data_pages(&fs, &e), rcInvalidArgument);
    assert_int_equal(romfs_data_pages(&fs, NULL), rcInvalidArgument);
    assert_int_equal(romfs_lookup(&fs, "/hello.txt", &e), rcOk);
    e.data = (fs.size / 4096u + 1u) * 4096u; /* a forged entry: on a page, past the image */
    assert_int_equal(romfs_data_pages(&fs, &e), rcOutOfRange);
    e.data = 0;
    e.size = fs.size + 1;
    assert_int_equal(romfs_data_pages(&fs, &e), rcOutOfRange);
    e.size = 16;
    assert_int_equal(romfs_data_pages(&fs, &e), rcOk); /* offset 0 is on a page */
}

static void test_bad_superblock(void **state)
{
    (void)state;
    build_tree(&im, &tr);
    assert_int_equal(romfs_mount(&fs, im.b, 16), rcTruncated);
    assert_int_equal(romfs_mount(&fs, im.b, im.len - 16), rcTruncated); /* full_size > avail */
    assert_int_equal(romfs_mount(&fs, NULL, 100), rcInvalidArgument);

    im.b[3] = 'R';
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcBadFormat);
    assert_string_equal(fs.error, "bad magic (not -rom1fs-)");
    build_tree(&im, &tr);
    im.b[17] ^= 1; /* volume name changed, checksum not updated */
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcBadChecksum);
    assert_int_equal(fs.error_offset, 12);
    /* Corruption beyond the first 512 bytes is not covered by the superblock checksum. */
    build_tree(&im, &tr);
    assert_true(im.len <= 512);
    wbe(&im, 8, 24);
    fix_sb_sum(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcBadFormat); /* full_size too small */
}

static void test_unterminated_volume(void **state)
{
    (void)state;
    memset(&im, 0, sizeof im);
    memcpy(im.b, "-rom1fs-", 8);
    memset(im.b + 16, 'v', 48); /* volume name runs to the end of the image */
    im.len = 64;
    wbe(&im, 8, 64);
    fix_sb_sum(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcBadFormat);
    assert_string_equal(fs.error, "volume name not terminated");
}

static void test_bad_header_checksum(void **state)
{
    (void)state;
    build_tree(&im, &tr);
    im.b[tr.hello + 16] = 'J'; /* "Jello.txt": header checksum no longer matches */
    fix_sb_sum(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    struct romfs_entry e;
    assert_int_equal(romfs_lookup(&fs, "hello.txt", &e), rcBadChecksum);
    assert_int_equal(fs.error_offset, tr.hello);
    assert_int_equal(romfs_stat(&fs, tr.hello, &e), rcBadChecksum);
}

static void test_offsets_past_end(void **state)
{
    (void)state;
    struct romfs_entry e;
    /* next pointing past the image. */
    build_tree(&im, &tr);
    set_next(&im, tr.link, 0x10000);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_stat(&fs, tr.link, &e), rcOutOfRange);
    assert_int_equal(romfs_lookup(&fs, "nothere", &e), rcOutOfRange);
    /* data size running past the image. */
    build_tree(&im, &tr);
    wbe(&im, tr.hello + 8, 0x7fffffff);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_lookup(&fs, "hello.txt", &e), rcOutOfRange);
    assert_string_equal(fs.error, "file data past the end of the image");
    /* directory's first entry outside the image, and a misaligned one. */
    build_tree(&im, &tr);
    set_spec(&im, tr.bin, 0xfff0);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_lookup(&fs, "bin/tool", &e), rcOutOfRange);
    build_tree(&im, &tr);
    set_spec(&im, tr.bin, tr.bdot + 4);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_lookup(&fs, "bin/tool", &e), rcAlignment);
    /* hard link to an offset inside the superblock. */
    build_tree(&im, &tr);
    set_spec(&im, tr.link, 0);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_lookup(&fs, "link", &e), rcOutOfRange);
    assert_int_equal(romfs_stat(&fs, 0xfffffff0u, &e), rcOutOfRange);
}

static void test_loops(void **state)
{
    (void)state;
    struct romfs_entry e;
    /* The last root entry points back to the first: the walk must stop with an error. */
    build_tree(&im, &tr);
    set_next(&im, tr.link, tr.root);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_lookup(&fs, "missing", &e), rcBadFormat);
    assert_string_equal(fs.error, "directory chain loops");
    /* An entry whose next is itself. */
    build_tree(&im, &tr);
    set_next(&im, tr.hello, tr.hello);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_lookup(&fs, "missing", &e), rcBadFormat);
    /* Two hard links pointing at each other. */
    build_tree(&im, &tr);
    set_spec(&im, tr.link, tr.dotdot);
    set_spec(&im, tr.dotdot, tr.link);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_lookup(&fs, "link", &e), rcBadFormat);
    assert_string_equal(fs.error, "hard link chain loops");
}

static void test_unterminated_name(void **state)
{
    (void)state;
    /* The last header's name fills the image to its end without a NUL. */
    img_begin(&im, "v");
    uint32_t h = add(&im, "x", ROMFS_FILE, 0, NULL);
    memset(im.b + h + 16, 'n', 16);
    im.len = h + 32;
    wbe(&im, 8, im.len);
    fix_sb_sum(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    struct romfs_entry e;
    assert_int_equal(romfs_stat(&fs, h, &e), rcBadFormat);
    assert_string_equal(fs.error, "file name not terminated (or longer than 255)");
}

static void test_genromfs_image(void **state)
{
    (void)state;
#ifdef ROMFS_GENROMFS_IMAGE
    FILE *f = fopen(ROMFS_GENROMFS_IMAGE, "rb");
    assert_non_null(f);
    static uint8_t buf[65536] __attribute__((aligned(4096)));
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 32);
    assert_int_equal(romfs_mount(&fs, buf, n), rcOk);
    assert_string_equal(fs.volume, "bastion-test");
    struct romfs_entry motd, link;
    char text[32];
    size_t got;
    assert_int_equal(romfs_lookup(&fs, "/etc/motd", &motd), rcOk);
    assert_int_equal(romfs_read(&fs, &motd, 0, text, sizeof text, &got), rcOk);
    assert_int_equal(got, 11);
    assert_memory_equal(text, "hello romfs", 11);
    assert_int_equal(romfs_lookup(&fs, "/bin/motd-link", &link), rcOk);
    assert_int_equal(link.data, motd.data); /* genromfs stores the data once */
    /* -a 4096: the page-aligned image store the program loader maps from. */
    assert_int_equal(motd.data % ROMFS_PAGE, 0);
    assert_int_equal(romfs_data_pages(&fs, &motd), rcOk);
    assert_int_equal(romfs_lookup(&fs, "/etc/../etc/policy", &motd), rcOk);
    assert_int_equal(motd.size, 6);
    /* Every entry of every directory passes header and checksum checks. */
    const char *dirs[] = {"/", "/etc", "/bin"};
    for (int d = 0; d < 3; d++) {
        struct romfs_entry de, e;
        struct romfs_dir it;
        assert_int_equal(romfs_lookup(&fs, dirs[d], &de), rcOk);
        assert_int_equal(romfs_opendir(&fs, &de, &it), rcOk);
        int count = 0;
        Retcode rc;
        while ((rc = romfs_readdir(&it, &e)) == rcOk)
            count++;
        assert_int_equal(rc, rcNotFound);
        assert_true(count >= 3); /* ".", ".." and at least one entry */
    }
    /* Flip one byte of a file name: the walk through /etc stops at the corrupt header. */
    uint32_t off = motd.offset;
    buf[off + 16] ^= 0x20;
    assert_int_equal(romfs_lookup(&fs, "/etc/policy", &motd), rcBadChecksum);
    assert_int_equal(romfs_stat(&fs, off, &motd), rcBadChecksum);
#else
    skip();
#endif
}

/* romfs_check, what FSUnsafe.Change runs: the whole tree sound, and each structural error deep
 * in it (where a lookup of another path would never look) found with its named code. */
static void test_check(void **state)
{
    (void)state;
    build_tree(&im, &tr);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcOk);
    /* A bad checksum in a subdirectory. */
    build_tree(&im, &tr);
    img_finish(&im);
    im.b[tr.tool + 16] ^= 1;
    fix_sb_sum(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcBadChecksum);
    assert_int_equal(fs.error_offset, tr.tool);
    /* A file's data past the end. */
    build_tree(&im, &tr);
    wbe(&im, tr.tool + 8, 100000);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcOutOfRange);
    /* A subdirectory's chain that loops. */
    build_tree(&im, &tr);
    set_next(&im, tr.tool, tr.bdot);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcBadFormat);
    /* A hard link to an unaligned header. */
    build_tree(&im, &tr);
    set_spec(&im, tr.link, tr.tool + 4);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcAlignment);
    /* A directory that contains itself (under another name than "."). */
    build_tree(&im, &tr);
    set_spec(&im, tr.bin, tr.bin);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcBadFormat);
    /* Directories nested past ROMFS_CHECK_DEPTH. */
    img_begin(&im, "deep");
    uint32_t prev = 0;
    for (int i = 0; i <= ROMFS_CHECK_DEPTH + 1; i++) {
        uint32_t d = add(&im, "d", ROMFS_DIR, 0, NULL);
        if (prev)
            set_spec(&im, prev, d);
        prev = d;
    }
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcBadFormat);
    assert_string_equal(fs.error, "directories nested too deep (or a directory loop)");
    assert_int_equal(romfs_check(NULL), rcInvalidArgument);
}

/* romfs_check's verdict is kept (fs->checked) and later reads skip the header sums only when
 * it covers every header a read can reach: not after a failed check, not before one, not when
 * a "." entry leads to a chain the check did not walk, and not after a new mount. */
static void test_checked_once(void **state)
{
    (void)state;
    struct romfs_entry e;
    build_tree(&im, &tr);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_false(fs.checked);
    assert_int_equal(romfs_check(&fs), rcOk);
    assert_true(fs.checked);
    assert_int_equal(romfs_lookup(&fs, "/bin/tool", &e), rcOk);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_false(fs.checked);
    /* A check that fails leaves every read checking: the corrupt header is still refused. */
    im.b[tr.tool + 16] ^= 1; /* "uool" */
    fix_sb_sum(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcBadChecksum);
    assert_false(fs.checked);
    assert_int_equal(romfs_lookup(&fs, "/bin/uool", &e), rcBadChecksum);
    /* /bin/. made a directory of its own whose one entry is corrupt: the check does not walk
     * "." (it passes) but must not vouch for the header behind it. */
    build_tree(&im, &tr);
    uint32_t hidden = add(&im, "hidden", ROMFS_FILE, 0, "secret");
    wbe(&im, tr.bdot, (rbe(&im, tr.bdot) & ~7u) | ROMFS_DIR);
    set_spec(&im, tr.bdot, hidden);
    img_finish(&im);
    assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
    assert_int_equal(romfs_check(&fs), rcOk);
    assert_false(fs.checked);
    assert_int_equal(romfs_lookup(&fs, "/bin/./hidden", &e), rcOk);
    im.b[hidden + 16] ^= 1; /* "iidden" (past the superblock's 512 bytes: still mounted) */
    assert_int_equal(romfs_lookup(&fs, "/bin/./iidden", &e), rcBadChecksum);
}

/* A checked image's lookups compare names in place and read only the entry found: the same
 * answers, entries and errors as the lookups that read every header. */
static void test_checked_lookup_same(void **state)
{
    (void)state;
    const char *paths[] = {"",
                           "/",
                           "hello.txt",
                           "/bin/tool",
                           "link",
                           "bin/..",
                           "bin/../hello.txt",
                           "/bin/./tool",
                           "/./bin/.",
                           "nothere",
                           "bin/nothere",
                           "hello.txt/x",
                           "hello.tx",
                           "hello.txt2",
                           "bi",
                           "/bin//tool/"};
    build_tree(&im, &tr);
    for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct romfs_entry a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        assert_int_equal(romfs_mount(&fs, im.b, im.len), rcOk);
        Retcode ra = romfs_lookup(&fs, paths[i], &a);
        assert_int_equal(romfs_check(&fs), rcOk);
        assert_true(fs.checked);
        Retcode rb = romfs_lookup(&fs, paths[i], &b);
        assert_int_equal(ra, rb);
        if (ra != rcOk)
            continue;
        assert_int_equal(a.offset, b.offset);
        assert_int_equal(a.next, b.next);
        assert_int_equal(a.type, b.type);
        assert_int_equal(a.data, b.data);
        assert_int_equal(a.size, b.size);
        assert_int_equal(a.spec, b.spec);
        assert_ptr_equal(a.name, b.name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount_and_list_root),
        cmocka_unit_test(test_lookup_and_read),
        cmocka_unit_test(test_bad_superblock),
        cmocka_unit_test(test_unterminated_volume),
        cmocka_unit_test(test_bad_header_checksum),
        cmocka_unit_test(test_offsets_past_end),
        cmocka_unit_test(test_loops),
        cmocka_unit_test(test_unterminated_name),
        cmocka_unit_test(test_genromfs_image),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_checked_once),
        cmocka_unit_test(test_checked_lookup_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
