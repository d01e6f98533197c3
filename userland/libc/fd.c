/*
 * The descriptor table (user/fd.h) and the calls every kind shares: close, read and write
 * (<unistd.h>) look the number up and call its kind. No system calls: host-tested
 * (test/host/userland/test_user_file.c).
 *
 * Invariant: slots[fd] is NULL (free), &reserved (taken, invisible to lookups) or the kind it
 * is installed with; a slot leaves NULL only by a compare-and-swap, so two threads never get
 * one number, and close takes an installed slot back to reserved by a compare-and-swap before
 * it calls the kind, so one close of a number calls its kind once.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <user/fd.h>

static const struct fd_kind reserved = {.name = "reserved"};
static const struct fd_kind *slots[FD_MAX];

static int in_range(int fd)
{
    return fd >= FD_FIRST && fd < FD_MAX;
}

int fd_alloc(void)
{
    for (int fd = FD_FIRST; fd < FD_MAX; fd++) {
        const struct fd_kind *expected = NULL;
        if (__atomic_compare_exchange_n(&slots[fd], &expected, &reserved, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return fd;
    }
    errno = EMFILE;
    return -1;
}

void fd_install(int fd, const struct fd_kind *kind)
{
    if (in_range(fd))
        __atomic_store_n(&slots[fd], kind, __ATOMIC_RELEASE);
}

void fd_free(int fd)
{
    if (in_range(fd))
        __atomic_store_n(&slots[fd], NULL, __ATOMIC_RELEASE);
}

const struct fd_kind *fd_kind(int fd)
{
    if (!in_range(fd))
        return NULL;
    const struct fd_kind *k = __atomic_load_n(&slots[fd], __ATOMIC_ACQUIRE);
    return k == &reserved ? NULL : k;
}

int fd_check(int fd, const struct fd_kind *kind, int other)
{
    const struct fd_kind *k = fd_kind(fd);
    if (k == kind && k != NULL)
        return 0;
    errno = k == NULL ? EBADF : other;
    return -1;
}

int close(int fd)
{
    if (!in_range(fd)) {
        errno = EBADF;
        return -1;
    }
    const struct fd_kind *k = __atomic_load_n(&slots[fd], __ATOMIC_ACQUIRE);
    do {
        if (k == NULL || k == &reserved) {
            errno = EBADF;
            return -1;
        }
    } while (!__atomic_compare_exchange_n(&slots[fd], &k, &reserved, 0, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    int r = k->close(fd);
    fd_free(fd);
    return r;
}

ssize_t read(int fd, void *buf, size_t len)
{
    const struct fd_kind *k = fd_kind(fd);
    if (k == NULL) {
        errno = EBADF;
        return -1;
    }
    return k->read(fd, buf, len);
}

ssize_t write(int fd, const void *buf, size_t len)
{
    if (fd == 1 || fd == 2) { /* the console */
        printf("%.*s", (int)len, (const char *)buf);
        return (ssize_t)len;
    }
    const struct fd_kind *k = fd_kind(fd);
    if (k == NULL) {
        errno = EBADF;
        return -1;
    }
    return k->write(fd, buf, len);
}
