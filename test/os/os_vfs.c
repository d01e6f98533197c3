/*
 * os_vfs (class ostest.Vfs): the RAM file system (services/vfs, docs/vfs.md) through the
 * generated kl.Vfs proxies, over a channel kl.core.CM makes to VfsRamFs.
 *
 *   - a directory and files: write, read back at offsets (a gap reads as zeros, past the end
 *     reads nothing), list, stat, rename, unlink, in that order and with their refusals
 *     (ErrExists, ErrBusy, ErrDirNotEmpty, ErrBadFileId after Close);
 *   - every bad path (empty, relative, too long, a control byte, ".." above the root, the root
 *     where a name is needed) and every bad request (flags, kinds, counts, offsets that
 *     overflow or pass the largest file, forged ids) gets its named error;
 *   - the three bounds: open ids of this client, nodes, bytes (ErrTooManyOpen, ErrTooManyNodes,
 *     ErrNoSpace), each freed again;
 *   - the other client: it opens /shared/secret and writes its file id into /shared/fid for
 *     VfsAttack (os_vfs_attack), waits until that process has ended, and is then still served:
 *     the secret reads back unchanged (the attacker's Write was denied, its use of this id
 *     refused).
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/task_list.h>

#include "ostest.h"
#include "vfs_client.h"

#define FILE_MAX (256u * 1024u) /* services/vfs/vfs_tree.h VFS_FILE_MAX */
#define NODES_MAX 64u           /* VFS_NODES_MAX, the root included */
#define OPEN_MAX 16u            /* vfs_files.h VFS_OPEN_MAX */
#define SECRET "top secret: only VfsTest writes this"

static struct vfs_client vc;
static uint8_t buf[4096];
static char path[300];
static struct task_list procs;

static void files_and_dirs(void)
{
    uint32_t a, b, got, w, kind;
    uint64_t size;
    char name[256];
    VFS_RC(vfs_c_mkdir(&vc, "/docs"), 0);
    VFS_RC(vfs_c_mkdir(&vc, "/docs"), kl_Vfs_ErrExists);
    VFS_RC(vfs_c_open(&vc, "/docs/a.txt", kl_Vfs_ReadWrite | kl_Vfs_Create, &a), 0);
    VFS_RC(vfs_c_write(&vc, a, 0, "hello world", 11, &w), 0);
    OT_EQ(w, 11);
    VFS_RC(vfs_c_write(&vc, a, 20, "tail", 4, &w), 0);
    VFS_RC(vfs_c_stat(&vc, "/docs/a.txt", &kind, &size), 0);
    OT_EQ(kind, kl_Vfs_KindFile);
    OT_EQ(size, 24);
    VFS_RC(vfs_c_read(&vc, a, 6, 5, buf, &got), 0);
    OT_TRUE(got == 5 && memcmp(buf, "world", 5) == 0);
    VFS_RC(vfs_c_read(&vc, a, 11, 100, buf, &got), 0);
    OT_TRUE(got == 13 && memcmp(buf, "\0\0\0\0\0\0\0\0\0tail", 13) == 0);
    VFS_RC(vfs_c_read(&vc, a, 24, 10, buf, &got), 0);
    OT_EQ(got, 0);
    VFS_RC(vfs_c_read(&vc, a, 1000000, 10, buf, &got), 0);
    OT_EQ(got, 0);
    /* "." and ".." resolve inside the root. */
    VFS_RC(vfs_c_stat(&vc, "//docs/./x/../a.txt", &kind, &size), 0);
    OT_EQ(size, 24);
    VFS_RC(vfs_c_open(&vc, "/docs/b.txt", kl_Vfs_WriteOnly | kl_Vfs_Create | kl_Vfs_Exclusive, &b),
           0);
    VFS_RC(vfs_c_open(&vc, "/docs/b.txt", kl_Vfs_WriteOnly | kl_Vfs_Create | kl_Vfs_Exclusive, &w),
           kl_Vfs_ErrExists);
    VFS_RC(vfs_c_read(&vc, b, 0, 1, buf, &got), kl_Vfs_ErrNotReadable);
    /* Listing: both files, then the end. */
    bool seen_a = false, seen_b = false;
    for (uint32_t i = 0; i < 2; i++) {
        VFS_RC(vfs_c_readdir(&vc, "/docs", i, name, &kind), 0);
        seen_a |= strcmp(name, "a.txt") == 0;
        seen_b |= strcmp(name, "b.txt") == 0;
        OT_EQ(kind, kl_Vfs_KindFile);
    }
    OT_TRUE(seen_a && seen_b);
    VFS_RC(vfs_c_readdir(&vc, "/docs", 2, name, &kind), kl_Vfs_ErrNoMoreEntries);
    VFS_RC(vfs_c_readdir(&vc, "/docs/a.txt", 0, name, &kind), kl_Vfs_ErrNotDir);
    VFS_RC(vfs_c_stat(&vc, "/docs", &kind, &size), 0);
    OT_TRUE(kind == kl_Vfs_KindDir && size == 2);
    /* Open files are neither renamed nor unlinked. */
    VFS_RC(vfs_c_rename(&vc, "/docs/b.txt", "/docs/c.txt"), kl_Vfs_ErrBusy);
    VFS_RC(vfs_c_close(&vc, b), 0);
    VFS_RC(vfs_c_close(&vc, b), kl_Vfs_ErrBadFileId);
    VFS_RC(vfs_c_rename(&vc, "/docs/b.txt", "/docs/c.txt"), 0);
    VFS_RC(vfs_c_stat(&vc, "/docs/b.txt", &kind, &size), kl_Vfs_ErrNotFound);
    VFS_RC(vfs_c_rename(&vc, "/docs", "/docs/inner"), kl_Vfs_ErrRenameIntoSelf);
    VFS_RC(vfs_c_rename(&vc, "/docs/c.txt", "/docs/a.txt"), kl_Vfs_ErrExists);
    VFS_RC(vfs_c_unlink(&vc, "/docs/a.txt"), kl_Vfs_ErrBusy);
    VFS_RC(vfs_c_close(&vc, a), 0);
    VFS_RC(vfs_c_read(&vc, a, 0, 1, buf, &got), kl_Vfs_ErrBadFileId);
    VFS_RC(vfs_c_unlink(&vc, "/docs/a.txt"), 0);
    VFS_RC(vfs_c_unlink(&vc, "/docs"), kl_Vfs_ErrDirNotEmpty);
    VFS_RC(vfs_c_unlink(&vc, "/docs/c.txt"), 0);
    VFS_RC(vfs_c_unlink(&vc, "/docs"), 0);
    VFS_RC(vfs_c_stat(&vc, "/", &kind, &size), 0);
    OT_TRUE(kind == kl_Vfs_KindDir && size == 0);
}

static void bad_paths(void)
{
    uint32_t kind, fid;
    uint64_t size;
    VFS_RC(vfs_c_stat(&vc, "/..", &kind, &size), kl_Vfs_ErrPathAboveRoot);
    VFS_RC(vfs_c_stat(&vc, "/a/../../etc", &kind, &size), kl_Vfs_ErrPathAboveRoot);
    VFS_RC(vfs_c_open(&vc, "/../escape", kl_Vfs_ReadWrite | kl_Vfs_Create, &fid),
           kl_Vfs_ErrPathAboveRoot);
    VFS_RC(vfs_c_mkdir(&vc, "/x/./../.."), kl_Vfs_ErrPathAboveRoot);
    VFS_RC(vfs_c_stat(&vc, "/escape", &kind, &size), kl_Vfs_ErrNotFound);
    VFS_RC(vfs_c_stat(&vc, "", &kind, &size), kl_Vfs_ErrPathEmpty);
    VFS_RC(vfs_c_stat(&vc, "docs", &kind, &size), kl_Vfs_ErrPathRelative);
    VFS_RC(vfs_c_stat(&vc, "/a\x01z", &kind, &size), kl_Vfs_ErrPathBadByte);
    VFS_RC(vfs_c_unlink(&vc, "/"), kl_Vfs_ErrPathIsRoot);
    VFS_RC(vfs_c_rename(&vc, "/", "/x"), kl_Vfs_ErrPathIsRoot);
    /* 255 bytes is a path; 256 is not. */
    path[0] = '/';
    memset(path + 1, 'n', 254);
    path[255] = 0;
    VFS_RC(vfs_c_stat(&vc, path, &kind, &size), kl_Vfs_ErrNotFound);
    path[255] = 'n';
    path[256] = 0;
    VFS_RC(vfs_c_stat(&vc, path, &kind, &size), kl_Vfs_ErrPathTooLong);
    VFS_RC(vfs_c_open(&vc, path, kl_Vfs_ReadWrite | kl_Vfs_Create, &fid), kl_Vfs_ErrPathTooLong);
}

static void bad_requests(void)
{
    uint32_t f, d, got, w;
    VFS_RC(vfs_c_mkdir(&vc, "/d"), 0);
    VFS_RC(vfs_c_open(&vc, "/d", kl_Vfs_ReadOnly, &d), kl_Vfs_ErrIsDir);
    VFS_RC(vfs_c_open(&vc, "/nodir/f", kl_Vfs_ReadWrite | kl_Vfs_Create, &f), kl_Vfs_ErrNotFound);
    VFS_RC(vfs_c_open(&vc, "/f", kl_Vfs_ReadOnly, &f), kl_Vfs_ErrNotFound);
    VFS_RC(vfs_c_open(&vc, "/f", 3, &f), kl_Vfs_ErrBadFlags);
    VFS_RC(vfs_c_open(&vc, "/f", kl_Vfs_ReadOnly | kl_Vfs_Truncate, &f), kl_Vfs_ErrBadFlags);
    VFS_RC(vfs_c_open(&vc, "/f", kl_Vfs_ReadWrite | 0x1000, &f), kl_Vfs_ErrBadFlags);
    VFS_RC(vfs_c_open(&vc, "/f", kl_Vfs_ReadWrite | kl_Vfs_Create, &f), 0);
    VFS_RC(vfs_c_open(&vc, "/f/x", kl_Vfs_ReadWrite | kl_Vfs_Create, &d), kl_Vfs_ErrNotDir);
    VFS_RC(vfs_c_write(&vc, f, 0, "abc", 3, &w), 0);
    /* Offsets and counts. */
    VFS_RC(vfs_c_read(&vc, f, UINT64_MAX - 2, 10, buf, &got), kl_Vfs_ErrOffsetOverflow);
    VFS_RC(vfs_c_write(&vc, f, UINT64_MAX - 1, "abcd", 4, &w), kl_Vfs_ErrOffsetOverflow);
    VFS_RC(vfs_c_write(&vc, f, FILE_MAX - 1, "ab", 2, &w), kl_Vfs_ErrFileTooLarge);
    VFS_RC(vfs_c_read(&vc, f, 0, 4097, buf, &got), kl_Vfs_ErrCountTooLarge);
    /* Forged ids: another generation of the same slot, and 0. */
    VFS_RC(vfs_c_read(&vc, f ^ 0x100u, 0, 1, buf, &got), kl_Vfs_ErrBadFileId);
    VFS_RC(vfs_c_read(&vc, 0, 0, 1, buf, &got), kl_Vfs_ErrBadFileId);
    VFS_RC(vfs_c_close(&vc, 0xffffffffu), kl_Vfs_ErrBadFileId);
    /* Read-only ids do not write; Truncate cuts. */
    VFS_RC(vfs_c_open(&vc, "/f", kl_Vfs_ReadOnly, &d), 0);
    VFS_RC(vfs_c_write(&vc, d, 0, "x", 1, &w), kl_Vfs_ErrNotWritable);
    VFS_RC(vfs_c_close(&vc, d), 0);
    VFS_RC(vfs_c_close(&vc, f), 0);
    VFS_RC(vfs_c_open(&vc, "/f", kl_Vfs_WriteOnly | kl_Vfs_Truncate, &f), 0);
    uint32_t kind;
    uint64_t size = 99;
    VFS_RC(vfs_c_stat(&vc, "/f", &kind, &size), 0);
    OT_EQ(size, 0);
    VFS_RC(vfs_c_close(&vc, f), 0);
    VFS_RC(vfs_c_unlink(&vc, "/f"), 0);
    VFS_RC(vfs_c_unlink(&vc, "/d"), 0);
}

static void bounds(void)
{
    uint32_t ids[OPEN_MAX + 1], n, w;
    int32_t r;
    /* Open ids of this client. */
    VFS_RC(vfs_c_open(&vc, "/many", kl_Vfs_ReadWrite | kl_Vfs_Create, &ids[0]), 0);
    for (n = 1; n < OPEN_MAX; n++)
        if (vfs_c_open(&vc, "/many", kl_Vfs_ReadOnly, &ids[n]) != 0)
            break;
    OT_EQ(n, OPEN_MAX);
    VFS_RC(vfs_c_open(&vc, "/many", kl_Vfs_ReadOnly, &ids[OPEN_MAX]), kl_Vfs_ErrTooManyOpen);
    /* A full table creates nothing. */
    VFS_RC(vfs_c_open(&vc, "/new", kl_Vfs_ReadWrite | kl_Vfs_Create, &w), kl_Vfs_ErrTooManyOpen);
    uint32_t kind;
    uint64_t size;
    VFS_RC(vfs_c_stat(&vc, "/new", &kind, &size), kl_Vfs_ErrNotFound);
    for (uint32_t i = 0; i < n; i++)
        VFS_RC(vfs_c_close(&vc, ids[i]), 0);
    VFS_RC(vfs_c_unlink(&vc, "/many"), 0);
    /* Nodes: the root and NODES_MAX - 1 others. */
    for (n = 0; n < NODES_MAX; n++) {
        snprintf(path, sizeof path, "/n%u", (unsigned)n);
        if ((r = vfs_c_mkdir(&vc, path)) != 0)
            break;
    }
    OT_EQ(n, NODES_MAX - 1);
    VFS_RC(r, kl_Vfs_ErrTooManyNodes);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/n%u", (unsigned)i);
        VFS_RC(vfs_c_unlink(&vc, path), 0);
    }
    /* Bytes: two files of FILE_MAX fill the 512 KiB budget; a third gets nothing. */
    memset(buf, 0x5a, sizeof buf);
    const char *names[3] = {"/b0", "/b1", "/b2"};
    int32_t want[3] = {kl_Vfs_ErrFileTooLarge, kl_Vfs_ErrFileTooLarge, kl_Vfs_ErrNoSpace};
    uint32_t chunks[3] = {FILE_MAX / 4096, FILE_MAX / 4096, 0};
    for (uint32_t f = 0; f < 3; f++) {
        VFS_RC(vfs_c_open(&vc, names[f], kl_Vfs_WriteOnly | kl_Vfs_Create, &ids[f]), 0);
        uint64_t off = 0;
        while ((r = vfs_c_write(&vc, ids[f], off, buf, sizeof buf, &w)) == 0)
            off += sizeof buf;
        VFS_RC(r, want[f]);
        OT_EQ(off / 4096, chunks[f]);
    }
    for (uint32_t f = 0; f < 3; f++) {
        VFS_RC(vfs_c_close(&vc, ids[f]), 0);
        VFS_RC(vfs_c_unlink(&vc, names[f]), 0);
    }
    /* The bytes came back. */
    VFS_RC(vfs_c_open(&vc, "/b0", kl_Vfs_WriteOnly | kl_Vfs_Create, &ids[0]), 0);
    VFS_RC(vfs_c_write(&vc, ids[0], FILE_MAX - 4096, buf, 4096, &w), 0);
    VFS_RC(vfs_c_close(&vc, ids[0]), 0);
    VFS_RC(vfs_c_unlink(&vc, "/b0"), 0);
}

/* Hands VfsAttack an id of this client, then waits for it to end and checks this client is
 * still served, its file unchanged. */
static void other_client(void)
{
    uint32_t s, f, w, got;
    VFS_RC(vfs_c_mkdir(&vc, "/shared"), 0);
    VFS_RC(vfs_c_open(&vc, "/shared/secret", kl_Vfs_ReadWrite | kl_Vfs_Create, &s), 0);
    VFS_RC(vfs_c_write(&vc, s, 0, SECRET, sizeof SECRET - 1, &w), 0);
    char text[16];
    int n = snprintf(text, sizeof text, "%u", (unsigned)s);
    /* Written under another name and renamed: the attacker never reads half a number. */
    VFS_RC(vfs_c_open(&vc, "/shared/fid.tmp", kl_Vfs_WriteOnly | kl_Vfs_Create, &f), 0);
    VFS_RC(vfs_c_write(&vc, f, 0, text, (uint32_t)n, &w), 0);
    VFS_RC(vfs_c_close(&vc, f), 0);
    VFS_RC(vfs_c_rename(&vc, "/shared/fid.tmp", "/shared/fid"), 0);
    /* VfsAttack starts before this process (init.yaml): once it is not in the list, it ended. */
    bool gone = false;
    for (int i = 0; i < 600 && !gone; i++) {
        gone = task_list_read(&procs) == rcOk && task_list_pid_of(&procs, "VfsAttack") == 0;
        if (!gone)
            core_thread_sleep(100);
    }
    OT_TRUE(gone);
    memset(buf, 0, sizeof buf);
    if (VFS_RC(vfs_c_read(&vc, s, 0, sizeof buf, buf, &got), 0) &&
        OT_TRUE(got == sizeof SECRET - 1 && memcmp(buf, SECRET, got) == 0))
        printf("os_vfs: served after VfsAttack ended, the secret unchanged\n");
    VFS_RC(vfs_c_close(&vc, s), 0);
}

int main(void)
{
    ot_begin("os_vfs");
    if (!OT_RC(vfs_client_connect(&vc), rcOk))
        return ot_end();
    files_and_dirs();
    bad_paths();
    bad_requests();
    bounds();
    other_client();
    return ot_end();
}
