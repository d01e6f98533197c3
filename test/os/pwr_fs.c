/*
 * pwr_fs (class ostest.FsChange, the power image test/os/power.yaml): kl.core.FSUnsafe.Change
 * as an updater with the right uses it (test/os/policy/ostest.psl).
 *
 *   - malformed images, each refused with its named code and nothing changed (this program's
 *     own file still opens): size 0, size over 16 MiB, a range the caller does not own, bad
 *     magic, an image shorter than its full_size, the superblock and a file header checksum,
 *     file data past the end, a hard link to an unaligned header, a sibling chain that loops, a directory
 *     that contains itself;
 *   - a good image: Change succeeds; the new file opens and reads what was written, the old
 *     files are gone for new Opens, Count and GetFsSize describe the new volume, and a file
 *     opened before the change still reads its old contents (the volume it was opened in stays
 *     while the file is open).
 * The new volume holds "pwr-done", which tells pwr_off this program is done.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fs_calls.h"
#include "ostest.h"
#include "romfs_build.h"

#define SELF "pwr_fs"
#define NEW_TEXT "a replaced volume\n"
#define KERNEL_ADDRESS 0xffffffff80000000ull

static uint8_t img[4096] __attribute__((aligned(16)));

/* A sound two-file image: "new.txt" and "pwr-done"; offsets of the two headers. */
static uint32_t good(struct romfs_build *b, uint32_t *h1, uint32_t *h2)
{
    rb_begin(b, img, sizeof img, "changed");
    *h1 = rb_entry(b, "new.txt", RB_FILE, 0, NEW_TEXT, sizeof NEW_TEXT - 1);
    *h2 = rb_entry(b, "pwr-done", RB_FILE, 0, "", 0);
    return rb_end(b);
}

static bool unchanged(void)
{
    uint32_t h = 0;
    bool ok = OT_RC(fs_open(SELF, &h), rcOk);
    if (ok)
        (void)fs_close(h);
    return ok;
}

static bool malformed(void)
{
    struct romfs_build b;
    uint32_t h1, h2, size;
    bool ok = true;
    size = good(&b, &h1, &h2);
    ok &= OT_RC(fs_change(img, 0), rcInvalidArgument);
    ok &= OT_RC(fs_change(img, (16u << 20) + 1), rcOutOfRange);
    ok &= OT_FAILS(fs_change((const void *)(uintptr_t)KERNEL_ADDRESS, size));
    ok &= OT_FAILS(fs_change((const void *)(uintptr_t)0x1000, size));

    size = good(&b, &h1, &h2);
    img[0] = 'X';
    ok &= OT_RC(fs_change(img, size), rcBadFormat);

    size = good(&b, &h1, &h2);
    ok &= OT_RC(fs_change(img, size - 16), rcTruncated);

    size = good(&b, &h1, &h2);
    img[12] ^= 1; /* superblock checksum */
    ok &= OT_RC(fs_change(img, size), rcBadChecksum);

    size = good(&b, &h1, &h2);
    img[h1 + 12] ^= 1; /* the header's checksum, the superblock's made right again */
    rb_fix_super(&b);
    ok &= OT_RC(fs_change(img, size), rcBadChecksum);

    size = good(&b, &h1, &h2);
    rb_put32(img + h1 + 8, 4096); /* data past the end */
    rb_fix_header(&b, h1);
    rb_fix_super(&b);
    ok &= OT_RC(fs_change(img, size), rcOutOfRange);

    size = good(&b, &h1, &h2);
    rb_put32(img + h1, (rb_get32(img + h1) & ~15u) | RB_HARDLINK); /* a hard link whose */
    rb_put32(img + h1 + 4, h2 + 8); /* target header is not 16-aligned */
    rb_fix_header(&b, h1);
    rb_fix_super(&b);
    ok &= OT_RC(fs_change(img, size), rcAlignment);

    size = good(&b, &h1, &h2);
    rb_put32(img + h2, h1 | RB_FILE); /* the chain loops back */
    rb_fix_header(&b, h2);
    rb_fix_super(&b);
    ok &= OT_RC(fs_change(img, size), rcBadFormat);

    /* A directory whose first entry is its own header: it contains itself. */
    rb_begin(&b, img, sizeof img, "loop");
    uint32_t d = b.len;
    (void)rb_entry(&b, "d", RB_DIR, d, NULL, 0);
    size = rb_end(&b);
    ok &= OT_RC(fs_change(img, size), rcBadFormat);

    ok &= unchanged();
    return ok;
}

static bool change(void)
{
    uint32_t old = 0, got = 0, h = 0, n = 0, h1, h2;
    char buf[64];
    bool ok = OT_RC(fs_open(SELF, &old), rcOk); /* opened before the change */
    struct romfs_build b;
    uint32_t size = good(&b, &h1, &h2);
    ok &= OT_RC(fs_change(img, size), rcOk);
    memset(img, 0, sizeof img); /* the kernel has its own copy */

    ok &= OT_RC(fs_open("new.txt", &h), rcOk);
    ok &= OT_RC(fs_read0(h, buf, sizeof buf, &got), rcOk);
    ok &= OT_EQ(got, sizeof NEW_TEXT - 1);
    ok &= OT_TRUE(memcmp(buf, NEW_TEXT, sizeof NEW_TEXT - 1) == 0);
    (void)fs_close(h);
    ok &= OT_RC(fs_open(SELF, &h), rcNotFound);
    ok &= OT_RC(fs_count(&n), rcOk);
    ok &= OT_EQ(n, 2);
    uint64_t fs_bytes = 0;
    ok &= OT_RC(fs_size(&fs_bytes), rcOk);
    ok &= OT_EQ(fs_bytes, size);

    /* The file opened before still reads the old volume: this program's ELF header. */
    ok &= OT_RC(fs_read0(old, buf, sizeof buf, &got), rcOk);
    ok &= OT_TRUE(got >= 4 && memcmp(buf, "\177ELF", 4) == 0);
    ok &= OT_RC(fs_close(old), rcOk);
    printf("pwr_fs: the file system is now the volume \"changed\" (%u bytes)\n", size);
    return ok;
}

int main(void)
{
    ot_begin("pwr_fs");
    (void)malformed();
    (void)change();
    return ot_end();
}
