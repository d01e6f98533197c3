/* Bastion userland libc: <unistd.h> subset: a socket's descriptor closed, read and written. */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <sys/types.h>

int close(int fd);
ssize_t read(int fd, void *buf, size_t len);
ssize_t write(int fd, const void *buf, size_t len);

#endif
