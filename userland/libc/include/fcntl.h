/* Bastion userland libc: <fcntl.h>: the file status flags of a socket (O_NONBLOCK). */
#ifndef _FCNTL_H
#define _FCNTL_H

#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_NONBLOCK 04000

#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define FD_CLOEXEC 1

int fcntl(int fd, int cmd, ...);

#endif
