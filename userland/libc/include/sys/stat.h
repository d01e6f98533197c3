/* Bastion userland libc: <sys/stat.h> subset: stat, fstat and mkdir over the RAM file system
 * (userland/file). The file system has no owners, links or permission bits (the policy decides
 * who may do what): st_mode's permission bits are fixed (0644 for a file, 0755 for a
 * directory), st_nlink is 1, the other fields but st_size and st_blocks are 0. */
#ifndef _SYS_STAT_H
#define _SYS_STAT_H

#include <sys/types.h>

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISSOCK(m) (((m)&S_IFMT) == S_IFSOCK)

struct stat {
    dev_t st_dev;
    ino_t st_ino;
    mode_t st_mode;
    nlink_t st_nlink;
    uid_t st_uid;
    gid_t st_gid;
    off_t st_size; /* a file's bytes; a directory's: its number of entries */
    blksize_t st_blksize;
    blkcnt_t st_blocks; /* 512-byte units */
};

int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
int mkdir(const char *path, mode_t mode);

#endif
