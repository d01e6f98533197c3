/* Bastion userland libc: <unistd.h> subset. close, read and write serve every descriptor
 * (userland/libc/fd.c: a socket of userland/net, a file of userland/file; write to 1 and 2
 * prints on the console); lseek, pread, pwrite, unlink and rmdir are the file library's. */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <sys/types.h>

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

int close(int fd);
ssize_t read(int fd, void *buf, size_t len);
ssize_t write(int fd, const void *buf, size_t len);

off_t lseek(int fd, off_t offset, int whence);
ssize_t pread(int fd, void *buf, size_t len, off_t offset);
ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset);
int unlink(const char *path);
int rmdir(const char *path);

#endif
