/*
 * The POSIX file calls over the RAM file system's kl.Vfs (<fcntl.h>, <unistd.h>,
 * <sys/stat.h>, <stdio.h>'s rename): each is one or a few requests on the process's channel to
 * VfsRamFs (file_client.h), which the security monitor decides by method like any other. The
 * library keeps, for each file descriptor, the file system's id, the open flags, the position
 * (kl.Vfs Read and Write name their offset; lseek is arithmetic here, file_seek.h) and the path
 * (fstat and SEEK_END ask Stat of it: the file system refuses to unlink or rename an open file,
 * so the path keeps naming it while the descriptor is open).
 *
 * Reads and writes move at most kl.Vfs IoMax bytes per request: a longer one is a loop, which
 * stops at the end of the file (a short count, as POSIX allows) or at an error, returning what
 * was moved before it (the error then comes at the next call). O_APPEND asks the file's size
 * before each write: appends of two processes at once may overwrite each other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <user/fd.h>

#include "file_client.h"
#include "file_path.h"
#include "file_seek.h"

#define OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_CLOEXEC)

struct file_fd {
    uint32_t fid; /* the file system's id, on this process's channel */
    int flags;    /* open's flags */
    int64_t pos;  /* 0 <= pos <= INT64_MAX */
    char path[FILE_PATH_MAX + 1];
};

/* By descriptor number: valid while the number is a file's (user/fd.h); pos under the lock. */
static struct file_fd files[FD_MAX];

static int file_close(int fd);
static ssize_t file_read(int fd, void *buf, size_t len);
static ssize_t file_write(int fd, const void *buf, size_t len);

static const struct fd_kind file_kind = {
    .name = "file",
    .mode = S_IFREG,
    .close = file_close,
    .read = file_read,
    .write = file_write,
};

/* Fails with EIO: the file system answered something outside the interface's promise. */
static ssize_t broken(void)
{
    errno = EIO;
    return -1;
}

/* One request of a transfer: moves at most `want` bytes at file offset `at` between the file
 * and p, *moved what it did (the server's word, checked by transfer), *rc the Vfs code. */
typedef Retcode (*step_fn)(struct idl_client *cl, uint32_t fid, uint64_t at, uint8_t *p,
                           uint32_t want, uint32_t *moved, int32_t *rc);

static Retcode read_step(struct idl_client *cl, uint32_t fid, uint64_t at, uint8_t *p,
                         uint32_t want, uint32_t *moved, int32_t *rc)
{
    struct idl_seq data = {0};
    Retcode r = kl_Vfs_Read(cl, fid, at, want, &data, rc);
    *moved = (uint32_t)data.count;
    if (r == rcOk && *rc == 0 && data.count <= want)
        memcpy(p, data.data, data.count);
    return r;
}

/* p is the caller's const buffer (write_at): only read here. */
static Retcode write_step(struct idl_client *cl, uint32_t fid, uint64_t at, uint8_t *p,
                          uint32_t want, uint32_t *moved, int32_t *rc)
{
    return kl_Vfs_Write(cl, fid, at, (struct idl_seq){.data = p, .count = want}, moved, rc);
}

/* Moves up to len bytes at offset, IoMax per request, under the lock: the count (short at the
 * end of the file, or when a later request fails), or -1 with errno when the first request
 * failed. A server that claims to have moved more than asked is broken (EIO). */
static ssize_t transfer(struct idl_client *cl, uint32_t fid, int64_t offset, uint8_t *buf,
                        size_t len, step_fn step)
{
    size_t n, done = 0;
    int e = file_span(offset, len, &n);
    if (e) {
        errno = e;
        return -1;
    }
    while (done < n) {
        uint32_t want = n - done > kl_Vfs_IoMax ? kl_Vfs_IoMax : (uint32_t)(n - done);
        uint32_t moved = 0;
        int32_t rc = 0;
        Retcode r = step(cl, fid, (uint64_t)offset + done, buf + done, want, &moved, &rc);
        if (r != rcOk || rc != 0)
            return done > 0 ? (ssize_t)done : file_fail(r, &rc);
        if (moved > want)
            return done > 0 ? (ssize_t)done : broken();
        done += moved;
        if (moved < want)
            break; /* the end of the file, or a short write */
    }
    return (ssize_t)done;
}

static ssize_t read_at(struct idl_client *cl, uint32_t fid, int64_t offset, void *buf, size_t len)
{
    return transfer(cl, fid, offset, buf, len, read_step);
}

static ssize_t write_at(struct idl_client *cl, uint32_t fid, int64_t offset, const void *buf,
                        size_t len)
{
    return transfer(cl, fid, offset, (uint8_t *)(uintptr_t)buf, len, write_step);
}

/* Stat of path under the lock: 0 with its kind and size, or -1 with errno. */
static int stat_of(struct idl_client *cl, const char *path, uint32_t *kind, uint64_t *size)
{
    int32_t rc = 0;
    *kind = 0;
    *size = 0;
    return file_fail(kl_Vfs_Stat(cl, path, kind, size, &rc), &rc);
}

int open(const char *path, int flags, ...)
{
    char p[FILE_PATH_MAX + 1];
    if (file_path(path, p) < 0)
        return -1;
    if (flags & ~OPEN_FLAGS) {
        errno = EINVAL;
        return -1;
    }
    /* The number first: a full table must not leave an id open in the file system. The mode
     * is not read: the file system has no permission bits. */
    int fd = fd_alloc();
    if (fd < 0)
        return -1;
    struct idl_client *cl = file_call_begin();
    if (cl == NULL) {
        fd_free(fd);
        return -1;
    }
    uint32_t fid = 0;
    int32_t rc = 0;
    Retcode r = kl_Vfs_Open(cl, p, (uint32_t)flags & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC), 0,
                            &fid, &rc);
    file_call_end();
    if (file_fail(r, &rc) < 0) {
        fd_free(fd);
        return -1;
    }
    files[fd].fid = fid;
    files[fd].flags = flags;
    files[fd].pos = 0;
    memcpy(files[fd].path, p, sizeof p);
    fd_install(fd, &file_kind);
    return fd;
}

static int file_close(int fd)
{
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    int32_t rc = 0;
    Retcode r = kl_Vfs_Close(cl, files[fd].fid, &rc);
    file_call_end();
    return file_fail(r, &rc);
}

static ssize_t file_read(int fd, void *buf, size_t len)
{
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    struct file_fd *f = &files[fd];
    ssize_t n = read_at(cl, f->fid, f->pos, buf, len);
    if (n > 0)
        f->pos += n;
    file_call_end();
    return n;
}

static ssize_t file_write(int fd, const void *buf, size_t len)
{
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    struct file_fd *f = &files[fd];
    ssize_t n = 0;
    if (f->flags & O_APPEND) {
        uint32_t kind;
        uint64_t size;
        if (stat_of(cl, f->path, &kind, &size) < 0)
            n = -1;
        else if (size > (uint64_t)INT64_MAX)
            n = (errno = EFBIG, -1);
        else
            f->pos = (int64_t)size;
    }
    if (n == 0)
        n = write_at(cl, f->fid, f->pos, buf, len);
    if (n > 0)
        f->pos += n;
    file_call_end();
    return n;
}

/* pread and pwrite: a transfer at offset, the descriptor's position untouched. */
static ssize_t transfer_at(int fd, uint8_t *buf, size_t len, off_t offset, step_fn step)
{
    if (fd_check(fd, &file_kind, ESPIPE) < 0)
        return -1;
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    ssize_t n = transfer(cl, files[fd].fid, offset, buf, len, step);
    file_call_end();
    return n;
}

ssize_t pread(int fd, void *buf, size_t len, off_t offset)
{
    return transfer_at(fd, buf, len, offset, read_step);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset)
{
    return transfer_at(fd, (uint8_t *)(uintptr_t)buf, len, offset, write_step); /* only read */
}

off_t lseek(int fd, off_t offset, int whence)
{
    if (fd_check(fd, &file_kind, ESPIPE) < 0)
        return -1;
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    struct file_fd *f = &files[fd];
    uint32_t kind;
    uint64_t size = 0;
    int64_t to = 0;
    int e = 0;
    if (whence == SEEK_END && stat_of(cl, f->path, &kind, &size) < 0)
        e = errno;
    if (e == 0)
        e = file_seek(f->pos, size, offset, whence, &to);
    if (e == 0)
        f->pos = to;
    file_call_end();
    if (e) {
        errno = e;
        return -1;
    }
    return to;
}

/* A Stat's answer as struct stat (<sys/stat.h>: the fixed fields). */
static int fill_stat(uint32_t kind, uint64_t size, struct stat *st)
{
    if (size > (uint64_t)INT64_MAX) {
        errno = EOVERFLOW;
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->st_mode = kind == kl_Vfs_KindDir ? S_IFDIR | 0755 : S_IFREG | 0644;
    st->st_nlink = 1;
    st->st_size = (off_t)size;
    st->st_blksize = kl_Vfs_IoMax;
    st->st_blocks = kind == kl_Vfs_KindDir ? 0 : (blkcnt_t)((size + 511) / 512);
    return 0;
}

static int stat_path(const char *p, struct stat *st)
{
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t kind;
    uint64_t size;
    int r = stat_of(cl, p, &kind, &size);
    file_call_end();
    return r < 0 ? -1 : fill_stat(kind, size, st);
}

int stat(const char *path, struct stat *st)
{
    char p[FILE_PATH_MAX + 1];
    if (file_path(path, p) < 0)
        return -1;
    if (st == NULL) {
        errno = EFAULT;
        return -1;
    }
    return stat_path(p, st);
}

int fstat(int fd, struct stat *st)
{
    const struct fd_kind *k = fd_kind(fd);
    if (k == NULL) {
        errno = EBADF;
        return -1;
    }
    if (st == NULL) {
        errno = EFAULT;
        return -1;
    }
    if (k != &file_kind) { /* a socket: its type, nothing else known here */
        memset(st, 0, sizeof *st);
        st->st_mode = k->mode;
        return 0;
    }
    return stat_path(files[fd].path, st);
}

/* Unlink of a path that must be a directory (rmdir) or must not (unlink): the file system's
 * Unlink takes either, so the kind is asked first. */
static int remove_node(const char *path, int dir)
{
    char p[FILE_PATH_MAX + 1];
    if (file_path(path, p) < 0)
        return -1;
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t kind;
    uint64_t size;
    int r = stat_of(cl, p, &kind, &size);
    if (r == 0 && dir && kind != kl_Vfs_KindDir)
        r = (errno = ENOTDIR, -1);
    else if (r == 0 && !dir && kind == kl_Vfs_KindDir)
        r = (errno = EISDIR, -1); /* unlink(2) of a directory, as Linux */
    if (r == 0) {
        int32_t rc = 0;
        r = file_fail(kl_Vfs_Unlink(cl, p, &rc), &rc);
    }
    file_call_end();
    return r;
}

int unlink(const char *path)
{
    return remove_node(path, 0);
}

int rmdir(const char *path)
{
    return remove_node(path, 1);
}

int mkdir(const char *path, mode_t mode)
{
    char p[FILE_PATH_MAX + 1];
    if (file_path(path, p) < 0)
        return -1;
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    int32_t rc = 0;
    int r = file_fail(kl_Vfs_Mkdir(cl, p, mode, &rc), &rc);
    file_call_end();
    return r;
}

int rename(const char *from, const char *to)
{
    char f[FILE_PATH_MAX + 1], t[FILE_PATH_MAX + 1];
    if (file_path(from, f) < 0 || file_path(to, t) < 0)
        return -1;
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return -1;
    int32_t rc = 0;
    int r = file_fail(kl_Vfs_Rename(cl, f, t, &rc), &rc);
    file_call_end();
    return r;
}
