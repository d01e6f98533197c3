/*
 * The descriptor table of a process: one set of numbers shared by every kind of descriptor (a
 * socket of userland/net, a file of userland/file), so that close, read and write (<unistd.h>,
 * userland/libc/fd.c) find what a number names and call its kind. The table knows no kind: each
 * library passes its own struct fd_kind when it takes a number, and keeps its state about the
 * descriptor in an array of its own indexed by the number. So a program linking only one of the
 * libraries links, and a number names at most one thing of one kind.
 *
 * Numbers: FD_FIRST..FD_MAX-1, the lowest free one first (as POSIX's open and socket); 0, 1 and
 * 2 are the console's (write to 1 and 2 prints, userland/libc/fd.c). A number is free, reserved
 * (taken by fd_alloc or being closed: lookups do not see it, no one else can take it) or
 * installed (fd_install: lookups return its kind). The table is lock-free (atomic slots): any
 * thread may allocate, look up and close.
 */
#ifndef USER_FD_H
#define USER_FD_H

#include <stddef.h>
#include <sys/types.h>

#define FD_MAX 64
#define FD_FIRST 3

struct fd_kind {
    const char *name;  /* "socket", "file" */
    unsigned int mode; /* the S_IF* type fstat reports for a descriptor of this kind */
    /* Releases what fd names; 0 or -1 with errno. It runs while the number is reserved (a
     * second close of it, or a read, sees EBADF), so it finds its state by the number, not
     * through fd_check. The number is freed after, whatever it answered (as POSIX's close). */
    int (*close)(int fd);
    ssize_t (*read)(int fd, void *buf, size_t len);
    ssize_t (*write)(int fd, const void *buf, size_t len);
};

/* Reserves the lowest free number (not yet seen by lookups): the number, or -1 with errno
 * EMFILE. The library sets its state for it, then calls fd_install. */
int fd_alloc(void);
/* Makes a number fd_alloc reserved for kind visible to lookups. */
void fd_install(int fd, const struct fd_kind *kind);
/* Frees a reserved or installed number. */
void fd_free(int fd);
/* The kind fd is installed with, or NULL (not open, reserved, out of range). */
const struct fd_kind *fd_kind(int fd);
/* 0 when fd is installed with kind; else -1 with errno EBADF (not open) or `other` (open as
 * another kind: ENOTSOCK for the socket calls, ESPIPE for lseek on a socket). */
int fd_check(int fd, const struct fd_kind *kind, int other);

#endif
