/*
 * os_vfs_libc (init.yaml VfsLibc, class ostest.VfsLibc): the RAM file system (services/vfs)
 * reached through the C library only (userland/file: open, read, write, lseek, pread, pwrite,
 * fstat, stat, rename, unlink, mkdir, rmdir, opendir/readdir/closedir), no kl.Vfs proxy called
 * here:
 *   - a file of more than 4 KiB written and read back (several requests each way), at
 *     positions set by lseek (SEEK_SET/CUR/END), with a short count at its end and 0 past it;
 *     pread and pwrite leave the position alone;
 *   - O_EXCL on an existing file (EEXIST), O_APPEND after a seek, O_TRUNC, a read-only
 *     descriptor written (EBADF), closed and never-opened descriptors (EBADF), lseek's
 *     refusals (EINVAL, EOVERFLOW);
 *   - stat and fstat sizes and types, rename (and onto an existing name: EEXIST), a directory
 *     listed, mkdir/rmdir/unlink and their errors (EEXIST, ENOTEMPTY, EISDIR, ENOTDIR, ENOENT);
 *   - a write its policy denies (policy/ostest.psl: no Write at offsets of 64 KiB or more):
 *     -1 with EACCES, the kss line in expected.txt.
 * The file system is shared with os_vfs, whose bound tests fill it: this program waits until
 * VfsTest has ended (the process list), then works under /libc and removes it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <user/core.h>
#include <user/task_list.h>

#include "ostest.h"

#define BIG 10000u        /* more than two kl.Vfs IoMax (4,096) */
#define DENIED_FROM 65536 /* policy/ostest.psl: ostest.VfsLibc writes below this offset */

static uint8_t data[BIG], back[BIG + 100];
static struct task_list procs;

/* expr must return -1 with errno want. */
#define FAILS_WITH(expr, want)                                                          \
    ({                                                                                  \
        errno = 0;                                                                      \
        long ot_v_ = (long)(expr);                                                      \
        int ot_e_ = errno;                                                              \
        ot_check(ot_v_ == -1 && ot_e_ == (want), __LINE__, #expr,                       \
                 "returned %ld errno %d (%s), expected -1 errno %d (%s)", ot_v_, ot_e_, \
                 strerror(ot_e_), (want), strerror(want));                              \
    })

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7u + i / 251u + 3u);
}

static int same(const uint8_t *got, size_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != pattern(from + i))
            return 0;
    return 1;
}

static void wait_for_vfs_test(void)
{
    int gone = 0;
    for (int i = 0; i < 900 && !gone; i++) {
        gone = task_list_read(&procs) == rcOk && task_list_pid_of(&procs, "VfsTest") == 0;
        if (!gone)
            core_thread_sleep(100);
    }
    OT_TRUE(gone);
}

static void long_file(void)
{
    for (size_t i = 0; i < BIG; i++)
        data[i] = pattern(i);
    OT_EQ(mkdir("/libc", 0755), 0);
    FAILS_WITH(mkdir("/libc", 0755), EEXIST);
    int fd = open("/libc/big", O_RDWR | O_CREAT | O_EXCL, 0644);
    if (!OT_TRUE(fd >= 3))
        return;
    OT_EQ(write(fd, data, BIG), BIG);
    OT_EQ(lseek(fd, 0, SEEK_CUR), BIG);
    OT_EQ(lseek(fd, 0, SEEK_END), BIG);
    OT_EQ(lseek(fd, 0, SEEK_SET), 0);
    memset(back, 0, sizeof back);
    OT_EQ(read(fd, back, sizeof back), BIG); /* short: the end of the file */
    OT_TRUE(same(back, 0, BIG));
    OT_EQ(read(fd, back, sizeof back), 0);
    /* Across a 4 KiB step, from a position lseek set. */
    OT_EQ(lseek(fd, 4000, SEEK_SET), 4000);
    OT_EQ(read(fd, back, 200), 200);
    OT_TRUE(same(back, 4000, 200));
    OT_EQ(lseek(fd, 100, SEEK_CUR), 4300);
    OT_EQ(read(fd, back, 10), 10);
    OT_TRUE(same(back, 4300, 10));
    OT_EQ(lseek(fd, -10, SEEK_END), BIG - 10);
    OT_EQ(read(fd, back, 100), 10);
    OT_TRUE(same(back, BIG - 10, 10));
    /* pread and pwrite name their offset and leave the position. */
    OT_EQ(pread(fd, back, 5000, 3000), 5000);
    OT_TRUE(same(back, 3000, 5000));
    OT_EQ(pwrite(fd, "XY", 2, 1), 2);
    OT_EQ(pread(fd, back, 4, 0), 4);
    OT_TRUE(back[0] == pattern(0) && back[1] == 'X' && back[2] == 'Y' && back[3] == pattern(3));
    OT_EQ(lseek(fd, 0, SEEK_CUR), BIG);
    OT_EQ(pwrite(fd, data + 1, 2, 1), 2);
    /* lseek's refusals leave the position. */
    FAILS_WITH(lseek(fd, -1, SEEK_SET), EINVAL);
    FAILS_WITH(lseek(fd, -(off_t)BIG - 1, SEEK_CUR), EINVAL);
    FAILS_WITH(lseek(fd, 0, 7), EINVAL);
    OT_EQ(lseek(fd, INT64_MAX, SEEK_SET), INT64_MAX);
    FAILS_WITH(lseek(fd, 1, SEEK_CUR), EOVERFLOW);
    OT_EQ(read(fd, back, 10), 0);
    FAILS_WITH(pread(fd, back, 10, -1), EINVAL);
    /* Sizes. */
    struct stat st;
    OT_EQ(fstat(fd, &st), 0);
    OT_TRUE(S_ISREG(st.st_mode));
    OT_EQ(st.st_size, BIG);
    OT_EQ(stat("/libc/big", &st), 0);
    OT_EQ(st.st_size, BIG);
    OT_EQ(stat("/libc", &st), 0);
    OT_TRUE(S_ISDIR(st.st_mode));
    OT_EQ(st.st_size, 1); /* a directory's size: its entries */
    OT_EQ(close(fd), 0);
    /* Closed, and never opened. */
    FAILS_WITH(close(fd), EBADF);
    FAILS_WITH(read(fd, back, 1), EBADF);
    FAILS_WITH(write(fd, "x", 1), EBADF);
    FAILS_WITH(lseek(fd, 0, SEEK_SET), EBADF);
    FAILS_WITH(fstat(fd, &st), EBADF);
    FAILS_WITH(write(63, "x", 1), EBADF);
    FAILS_WITH(read(-1, back, 1), EBADF);
    /* The whole file again from a new descriptor: the pwrite above put the bytes back. */
    fd = open("libc/big", O_RDONLY); /* relative: from "/" */
    if (OT_TRUE(fd >= 3)) {
        OT_EQ(read(fd, back, sizeof back), BIG);
        OT_TRUE(same(back, 0, BIG));
        FAILS_WITH(write(fd, "x", 1), EBADF); /* opened read-only */
        OT_EQ(close(fd), 0);
    }
    FAILS_WITH(open("/libc/big", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    FAILS_WITH(open("/libc/none", O_RDONLY), ENOENT);
    FAILS_WITH(open("/libc", O_RDONLY), EISDIR);
    FAILS_WITH(open("", O_RDONLY), ENOENT);
}

static void append_and_truncate(void)
{
    int fd = open("/libc/log", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (!OT_TRUE(fd >= 3))
        return;
    OT_EQ(write(fd, "one", 3), 3);
    OT_EQ(lseek(fd, 0, SEEK_SET), 0);
    OT_EQ(write(fd, "two", 3), 3); /* at the end all the same */
    OT_EQ(lseek(fd, 0, SEEK_CUR), 6);
    FAILS_WITH(read(fd, back, 1), EBADF); /* opened write-only */
    OT_EQ(close(fd), 0);
    fd = open("/libc/log", O_RDONLY);
    if (OT_TRUE(fd >= 3)) {
        OT_EQ(read(fd, back, sizeof back), 6);
        OT_TRUE(memcmp(back, "onetwo", 6) == 0);
        OT_EQ(close(fd), 0);
    }
    fd = open("/libc/log", O_RDWR | O_TRUNC);
    if (OT_TRUE(fd >= 3)) {
        struct stat st;
        OT_EQ(fstat(fd, &st), 0);
        OT_EQ(st.st_size, 0);
        OT_EQ(write(fd, "three", 5), 5);
        OT_EQ(close(fd), 0);
    }
}

static void names(void)
{
    struct stat st;
    OT_EQ(rename("/libc/log", "/libc/log2"), 0);
    FAILS_WITH(stat("/libc/log", &st), ENOENT);
    OT_EQ(stat("/libc/log2", &st), 0);
    OT_EQ(st.st_size, 5);
    FAILS_WITH(rename("/libc/log2", "/libc/big"), EEXIST);
    OT_EQ(mkdir("/libc/sub", 0755), 0);
    /* The directory listed: each entry once, with its type. */
    DIR *d = opendir("/libc");
    int big = 0, log2 = 0, sub = 0, other = 0;
    if (OT_TRUE(d != NULL)) {
        struct dirent *e;
        errno = 0;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, "big") == 0 && e->d_type == DT_REG)
                big++;
            else if (strcmp(e->d_name, "log2") == 0 && e->d_type == DT_REG)
                log2++;
            else if (strcmp(e->d_name, "sub") == 0 && e->d_type == DT_DIR)
                sub++;
            else
                other++;
        }
        OT_EQ(errno, 0); /* the end is not an error */
        OT_EQ(closedir(d), 0);
    }
    OT_TRUE(big == 1 && log2 == 1 && sub == 1 && other == 0);
    OT_TRUE(opendir("/libc/big") == NULL && errno == ENOTDIR);
    OT_TRUE(opendir("/libc/none") == NULL && errno == ENOENT);
    FAILS_WITH(rmdir("/libc"), ENOTEMPTY);
    FAILS_WITH(unlink("/libc/sub"), EISDIR);
    FAILS_WITH(rmdir("/libc/big"), ENOTDIR);
    FAILS_WITH(open("/libc/big/x", O_RDONLY), ENOTDIR);
    OT_EQ(rmdir("/libc/sub"), 0);
    FAILS_WITH(rmdir("/libc/sub"), ENOENT);
    /* An open file stays: the file system refuses to unlink it. */
    int fd = open("/libc/log2", O_RDONLY);
    if (OT_TRUE(fd >= 3)) {
        FAILS_WITH(unlink("/libc/log2"), EBUSY);
        OT_EQ(close(fd), 0);
    }
    OT_EQ(unlink("/libc/log2"), 0);
    FAILS_WITH(unlink("/libc/log2"), ENOENT);
}

/* The policy lets this program write below DENIED_FROM only: the monitor refuses the request
 * before it reaches the file system, and the call fails with EACCES. */
static void denied_write(void)
{
    int fd = open("/libc/big", O_RDWR);
    if (!OT_TRUE(fd >= 3))
        return;
    OT_EQ(pwrite(fd, "z", 1, DENIED_FROM - 1), 1);
    FAILS_WITH(pwrite(fd, "z", 1, DENIED_FROM), EACCES);
    OT_EQ(lseek(fd, DENIED_FROM, SEEK_SET), DENIED_FROM);
    FAILS_WITH(write(fd, "z", 1), EACCES);
    OT_EQ(lseek(fd, 0, SEEK_CUR), DENIED_FROM); /* nothing written: the position stays */
    struct stat st;
    OT_EQ(fstat(fd, &st), 0);
    OT_EQ(st.st_size, DENIED_FROM);
    OT_EQ(close(fd), 0);
    OT_EQ(unlink("/libc/big"), 0);
    OT_EQ(rmdir("/libc"), 0);
    printf("os_vfs_libc: a write past 64 KiB denied by the policy: %s\n", strerror(EACCES));
}

int main(void)
{
    ot_begin("os_vfs_libc");
    wait_for_vfs_test();
    long_file();
    append_and_truncate();
    names();
    denied_write();
    return ot_end();
}
