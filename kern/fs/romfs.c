/*
 * Linux romfs parser. See romfs.h for the format and the contract.
 *
 * Bound on chains: every header takes at least 32 bytes (16-byte header + padded name), so a
 * directory chain or a tree walk can visit at most size / 32 distinct headers; going further
 * means the chain loops.
 */
#include "fs/romfs.h"

#define ROMFS_MAGIC_LEN 8
#define ROMFS_SB_CHECKED 512u
#define ROMFS_HDR 16u

static const char romfs_magic[ROMFS_MAGIC_LEN] = {'-', 'r', 'o', 'm', '1', 'f', 's', '-'};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t align16(uint32_t v)
{
    return (v + 15u) & ~15u;
}

static Retcode fail(struct romfs *fs, Retcode rc, const char *why, uint32_t off)
{
    fs->error = why;
    fs->error_offset = off;
    return rc;
}

/* Sum of big-endian words over [off, off + len); len is a multiple of 4 and in bounds. */
static uint32_t word_sum(const uint8_t *p, uint32_t len)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i + 4 <= len; i += 4)
        s += be32(p + i);
    return s;
}

/* Length of the NUL-terminated name at off, or -1 when it is not terminated in the image. */
static int32_t name_len(const struct romfs *fs, uint32_t off)
{
    uint32_t limit = fs->size - off;
    if (limit > ROMFS_NAME_MAX + 1)
        limit = ROMFS_NAME_MAX + 1;
    for (uint32_t n = 0; n < limit; n++)
        if (fs->image[off + n] == 0)
            return (int32_t)n;
    return -1;
}

Retcode romfs_mount(struct romfs *fs, const void *image, size_t avail)
{
    if (fs == NULL)
        return rcInvalidArgument;
    fs->image = image;
    fs->size = 0;
    fs->root = 0;
    fs->volume = "";
    fs->checked = false;
    fs->error = NULL;
    fs->error_offset = 0;
    if (image == NULL)
        return fail(fs, rcInvalidArgument, "no image", 0);
    if (avail < 32)
        return fail(fs, rcTruncated, "image shorter than a superblock", 0);
    const uint8_t *p = image;
    for (unsigned i = 0; i < ROMFS_MAGIC_LEN; i++)
        if (p[i] != (uint8_t)romfs_magic[i])
            return fail(fs, rcBadFormat, "bad magic (not -rom1fs-)", 0);
    uint32_t full = be32(p + 8);
    if (full < 32 || full % 16 != 0)
        return fail(fs, rcBadFormat, "full_size too small or not 16-aligned", 8);
    if (full > avail)
        return fail(fs, rcTruncated, "full_size larger than the image", 8);
    fs->size = full;
    uint32_t checked = full < ROMFS_SB_CHECKED ? full : ROMFS_SB_CHECKED;
    if (word_sum(p, checked) != 0)
        return fail(fs, rcBadChecksum, "superblock checksum mismatch", 12);
    int32_t vl = name_len(fs, 16);
    if (vl < 0)
        return fail(fs, rcBadFormat, "volume name not terminated", 16);
    fs->volume = (const char *)p + 16;
    uint32_t root = align16(16u + (uint32_t)vl + 1u);
    if (root + ROMFS_HDR > full)
        return fail(fs, rcOutOfRange, "root directory past the end of the image", root);
    fs->root = root;
    return rcOk;
}

/* Check the raw header at off (no link following). */
static Retcode read_header(struct romfs *fs, uint32_t off, struct romfs_entry *e)
{
    if (off % 16 != 0)
        return fail(fs, rcAlignment, "header offset not 16-aligned", off);
    if (off < fs->root || off > fs->size - ROMFS_HDR - 16)
        return fail(fs, rcOutOfRange, "header offset outside the image", off);
    const uint8_t *h = fs->image + off;
    int32_t nl = name_len(fs, off + ROMFS_HDR);
    if (nl < 0)
        return fail(fs, rcBadFormat, "file name not terminated (or longer than 255)", off);
    uint32_t meta = ROMFS_HDR + align16((uint32_t)nl + 1u);
    if (meta > fs->size - off)
        return fail(fs, rcOutOfRange, "file name padding past the end of the image", off);
    if (!fs->checked && word_sum(h, meta) != 0)
        return fail(fs, rcBadChecksum, "file header checksum mismatch", off);
    uint32_t next = be32(h), size = be32(h + 8);
    e->offset = off;
    e->next = next & ~15u;
    e->type = (uint8_t)(next & 7u);
    e->exec = (next & 8u) != 0;
    e->spec = be32(h + 4);
    e->size = size;
    e->data = off + meta;
    e->name = (const char *)h + ROMFS_HDR;
    if (size > fs->size - e->data)
        return fail(fs, rcOutOfRange, "file data past the end of the image", off);
    if (e->next != 0 && (e->next < fs->root || e->next >= fs->size))
        return fail(fs, rcOutOfRange, "next header offset outside the image", off);
    return rcOk;
}

Retcode romfs_stat(struct romfs *fs, uint32_t offset, struct romfs_entry *out)
{
    if (fs == NULL || out == NULL || fs->image == NULL)
        return rcInvalidArgument;
    Retcode rc = read_header(fs, offset, out);
    if (rc != rcOk)
        return rc;
    /* The name and sibling link belong to the link itself; everything else to its target. */
    const char *name = out->name;
    uint32_t next = out->next;
    for (unsigned hops = 0; out->type == ROMFS_HARDLINK; hops++) {
        if (hops == ROMFS_LINK_HOPS)
            return fail(fs, rcBadFormat, "hard link chain loops", offset);
        uint32_t target = out->spec;
        rc = read_header(fs, target, out);
        if (rc != rcOk)
            return rc;
    }
    out->name = name;
    out->next = next;
    return rcOk;
}

Retcode romfs_root(struct romfs *fs, struct romfs_entry *out)
{
    if (fs == NULL || out == NULL || fs->image == NULL)
        return rcInvalidArgument;
    /* The root has no header of its own: synthesise one whose first entry is fs->root. */
    out->offset = 0;
    out->next = 0;
    out->type = ROMFS_DIR;
    out->exec = false;
    out->spec = fs->root;
    out->size = 0;
    out->data = 0;
    out->name = "/";
    return rcOk;
}

Retcode romfs_opendir(struct romfs *fs, const struct romfs_entry *dir, struct romfs_dir *it)
{
    if (fs == NULL || dir == NULL || it == NULL)
        return rcInvalidArgument;
    if (dir->type != ROMFS_DIR)
        return fail(fs, rcInvalidArgument, "not a directory", dir->offset);
    it->fs = fs;
    it->next = dir->spec;
    it->steps = 0;
    return rcOk;
}

Retcode romfs_readdir(struct romfs_dir *it, struct romfs_entry *out)
{
    if (it == NULL || out == NULL || it->fs == NULL)
        return rcInvalidArgument;
    if (it->next == 0)
        return rcNotFound;
    if (++it->steps > it->fs->size / 32)
        return fail(it->fs, rcBadFormat, "directory chain loops", it->next);
    Retcode rc = romfs_stat(it->fs, it->next, out);
    if (rc != rcOk) {
        it->next = 0; /* a broken chain ends the walk; the caller saw the error */
        return rc;
    }
    it->next = out->next;
    return rcOk;
}

/* Compare the path component [c, c+n) with a NUL-terminated name. */
static bool comp_eq(const char *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (name[i] != c[i])
            return false;
    return name[n] == 0;
}

/* The entry of directory `dir` named [c, c + n), each entry read and checked in turn. */
static Retcode find_in_dir(struct romfs *fs, const struct romfs_entry *dir, const char *c, size_t n,
                           struct romfs_entry *out)
{
    struct romfs_dir it;
    Retcode rc = romfs_opendir(fs, dir, &it);
    while (rc == rcOk) {
        rc = romfs_readdir(&it, out);
        if (rc == rcNotFound)
            return fail(fs, rcNotFound, "no such file", dir->offset);
        if (rc == rcOk && comp_eq(c, n, out->name))
            return rcOk;
    }
    return rc;
}

/* find_in_dir on a checked image (fs->checked): every header on the chain was read and checked
 * by romfs_check (aligned, inside the image, its name terminated inside it, its `next` inside
 * it, the chain ending), so the names are compared in place and only the entry that matches is
 * read (romfs_stat, which checks its bounds again). The steps stay bounded all the same. */
static Retcode find_checked(struct romfs *fs, const struct romfs_entry *dir, const char *c,
                            size_t n, struct romfs_entry *out)
{
    if (dir->type != ROMFS_DIR)
        return fail(fs, rcInvalidArgument, "not a directory", dir->offset);
    uint32_t steps = 0;
    for (uint32_t off = dir->spec; off != 0; off = be32(fs->image + off) & ~15u) {
        if (++steps > fs->size / 32 || off % 16 != 0 || off > fs->size - ROMFS_HDR - 16)
            return fail(fs, rcBadFormat, "directory chain broken in a checked image", off);
        if (comp_eq(c, n, (const char *)fs->image + off + ROMFS_HDR))
            return romfs_stat(fs, off, out);
    }
    return fail(fs, rcNotFound, "no such file", dir->offset);
}

Retcode romfs_lookup(struct romfs *fs, const char *path, struct romfs_entry *out)
{
    if (fs == NULL || path == NULL || out == NULL)
        return rcInvalidArgument;
    struct romfs_entry cur;
    Retcode rc = romfs_root(fs, &cur);
    if (rc != rcOk)
        return rc;
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == 0)
            break;
        size_t n = 0;
        while (p[n] != 0 && p[n] != '/')
            n++;
        if (n > ROMFS_NAME_MAX)
            return fail(fs, rcInvalidArgument, "path component too long", 0);
        if (cur.type != ROMFS_DIR)
            return fail(fs, rcInvalidArgument, "path goes through a non-directory", cur.offset);
        struct romfs_entry e;
        rc = fs->checked ? find_checked(fs, &cur, p, n, &e) : find_in_dir(fs, &cur, p, n, &e);
        if (rc != rcOk)
            return rc;
        cur = e;
        p += n;
    }
    *out = cur;
    return rcOk;
}

Retcode romfs_read(struct romfs *fs, const struct romfs_entry *file, uint64_t pos, void *buf,
                   size_t len, size_t *got)
{
    if (fs == NULL || file == NULL || got == NULL || (buf == NULL && len != 0))
        return rcInvalidArgument;
    *got = 0;
    if (file->type != ROMFS_FILE && file->type != ROMFS_SYMLINK)
        return fail(fs, rcInvalidArgument, "not a regular file", file->offset);
    /* Entries come from romfs_stat, so data + size <= fs->size; recheck cheaply anyway. */
    if (file->data > fs->size || file->size > fs->size - file->data)
        return fail(fs, rcOutOfRange, "file data past the end of the image", file->offset);
    if (pos >= file->size)
        return rcOk;
    uint64_t n = file->size - pos;
    if (n > len)
        n = len;
    const uint8_t *src = fs->image + file->data + pos;
    uint8_t *dst = buf;
    for (uint64_t i = 0; i < n; i++)
        dst[i] = src[i];
    *got = (size_t)n;
    return rcOk;
}

const void *romfs_data(const struct romfs *fs, const struct romfs_entry *file)
{
    if (fs == NULL || file == NULL || file->data > fs->size)
        return NULL;
    return fs->image + file->data;
}

Retcode romfs_data_pages(struct romfs *fs, const struct romfs_entry *file)
{
    if (fs == NULL || file == NULL || fs->image == NULL)
        return rcInvalidArgument;
    if (file->type != ROMFS_FILE)
        return fail(fs, rcInvalidArgument, "not a regular file", file->offset);
    if (file->data % ROMFS_PAGE != 0)
        return fail(fs, rcAlignment, "file data not on an image page", file->offset);
    if (file->data > fs->size || file->size > fs->size - file->data)
        return fail(fs, rcOutOfRange, "file data past the end of the image", file->offset);
    return rcOk;
}

const char *romfs_type_name(unsigned type)
{
    static const char *const names[] = {"hardlink", "dir",     "file",   "symlink",
                                        "blockdev", "chardev", "socket", "fifo"};
    return type < 8 ? names[type] : "?";
}

static bool is_dot(const char *name)
{
    return name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0));
}

/* A walk of romfs_check. specs[d]: the first entry of the directory walked at depth d (its
 * identity: a hard link to a directory resolves to the same spec). */
struct check_walk {
    uint32_t budget; /* entries that may still be visited */
    bool complete;   /* every directory reachable from the root was walked */
    uint32_t specs[ROMFS_CHECK_DEPTH + 1];
};

/* Checks every entry of dir and, depth first, of its subdirectories. "." and ".." are not
 * walked again; one that names a directory other than the one walked or one of its ancestors
 * (an image made by hand) leaves the walk incomplete: the headers behind it were not checked. */
static Retcode check_dir(struct romfs *fs, const struct romfs_entry *dir, unsigned depth,
                         struct check_walk *w)
{
    if (depth > ROMFS_CHECK_DEPTH)
        return fail(fs, rcBadFormat, "directories nested too deep (or a directory loop)",
                    dir->offset);
    w->specs[depth] = dir->spec;
    struct romfs_dir it = {NULL, 0, 0}; /* set by romfs_opendir; initialised for the compiler */
    struct romfs_entry e;
    Retcode rc = romfs_opendir(fs, dir, &it);
    while (rc == rcOk && (rc = romfs_readdir(&it, &e)) == rcOk) {
        if (w->budget == 0)
            return fail(fs, rcBadFormat, "more entries than the image can hold", e.offset);
        w->budget--;
        if (e.type != ROMFS_DIR)
            continue;
        if (!is_dot(e.name)) {
            rc = check_dir(fs, &e, depth + 1, w);
            continue;
        }
        bool walked = false;
        for (unsigned d = 0; d <= depth; d++)
            walked = walked || w->specs[d] == e.spec;
        w->complete = w->complete && walked;
    }
    return rc == rcNotFound ? rcOk : rc;
}

Retcode romfs_check(struct romfs *fs)
{
    if (fs == NULL || fs->image == NULL)
        return rcInvalidArgument;
    struct romfs_entry root;
    Retcode rc = romfs_root(fs, &root);
    /* Every header takes 32 bytes at least; a directory reached twice (a hard link to it) is
     * walked twice, so allow each header a few visits before calling it a loop. */
    struct check_walk w = {.budget = fs->size / 32u * 4u, .complete = true};
    fs->checked = false; /* sum every header again */
    if (rc == rcOk)
        rc = check_dir(fs, &root, 0, &w);
    fs->checked = rc == rcOk && w.complete;
    return rc;
}
