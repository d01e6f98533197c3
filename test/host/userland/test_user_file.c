/* Host tests of the pure parts of the file library and the descriptor table it shares with
 * sockets: the errno of each answer of the RAM file system (userland/file/file_errno.c), the
 * position arithmetic of lseek, pread and pwrite (file_seek.c), paths made absolute
 * (file_path.c), the descriptor table and its close/read/write dispatch (userland/libc/fd.c,
 * whose close, read and write are renamed u_*), and strerror's texts of the errors they set. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <bastion/retcode.h>
#include <user/fd.h>

#include "file_errno.h"
#include "file_path.h"
#include "file_seek.h"
#include "vfs_errors.h"

int u_close(int fd);
ssize_t u_read(int fd, void *buf, size_t len);
ssize_t u_write(int fd, const void *buf, size_t len);
char *u_strerror(int errnum);

static void errno_of_each_vfs_error(void **state)
{
    (void)state;
    static const struct {
        int32_t rc;
        int err;
    } want[] = {
        {VFS_ERR_PATH_EMPTY, ENOENT},
        {VFS_ERR_PATH_RELATIVE, ENOENT},
        {VFS_ERR_PATH_TOO_LONG, ENAMETOOLONG},
        {VFS_ERR_PATH_BAD_BYTE, EINVAL},
        {VFS_ERR_PATH_ABOVE_ROOT, ENOENT},
        {VFS_ERR_PATH_IS_ROOT, EBUSY},
        {VFS_ERR_NOT_FOUND, ENOENT},
        {VFS_ERR_EXISTS, EEXIST},
        {VFS_ERR_NOT_DIR, ENOTDIR},
        {VFS_ERR_IS_DIR, EISDIR},
        {VFS_ERR_DIR_NOT_EMPTY, ENOTEMPTY},
        {VFS_ERR_BUSY, EBUSY},
        {VFS_ERR_BAD_FLAGS, EINVAL},
        {VFS_ERR_BAD_FILE_ID, EBADF},
        {VFS_ERR_NOT_READABLE, EBADF},
        {VFS_ERR_NOT_WRITABLE, EBADF},
        {VFS_ERR_OFFSET_OVERFLOW, EOVERFLOW},
        {VFS_ERR_COUNT_TOO_LARGE, EINVAL},
        {VFS_ERR_FILE_TOO_LARGE, EFBIG},
        {VFS_ERR_TOO_MANY_NODES, ENOSPC},
        {VFS_ERR_TOO_MANY_OPEN, EMFILE},
        {VFS_ERR_NO_SPACE, ENOSPC},
        {VFS_ERR_NO_MORE_ENTRIES, ENOENT},
        {VFS_ERR_RENAME_INTO_SELF, EINVAL},
        {VFS_ERR_NO_MEMORY, ENOSPC},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (file_errno(want[i].rc) != want[i].err)
            fail_msg("%s: errno %d, want %d", vfs_error_name(want[i].rc), file_errno(want[i].rc),
                     want[i].err);
    }
    /* Every error Vfs.idl names has its entry: none falls through to EIO. */
#define NAMED(name, value, text) \
    if ((value) != 0)            \
        assert_int_not_equal(file_errno(value), EIO);
    VFS_ERRORS(NAMED)
#undef NAMED
}

static void errno_of_transport_answers(void **state)
{
    (void)state;
    assert_int_equal(file_errno(0), 0);
    assert_int_equal(file_errno(rcSecurityDisallow), EACCES);
    assert_int_equal(file_errno(rcNoKsm), EACCES);
    assert_int_equal(file_errno(rcBadMessage), EINVAL);
    assert_int_equal(file_errno(rcOutOfMemory), ENOMEM);
    assert_int_equal(file_errno(rcConnectDropped), ENFILE);
    assert_int_equal(file_errno(rcPeerClosed), EIO);
    assert_int_equal(file_errno(rcFail), EIO);
    assert_int_equal(file_errno(-1026), EIO); /* past the last Vfs error */
}

/* Linux's words for the errors the file library sets; POSIX's for ENOSYS. */
static void strerror_texts(void **state)
{
    (void)state;
    assert_string_equal(u_strerror(ENOTDIR), "Not a directory");
    assert_string_equal(u_strerror(EISDIR), "Is a directory");
    assert_string_equal(u_strerror(EFBIG), "File too large");
    assert_string_equal(u_strerror(ESPIPE), "Illegal seek");
    assert_string_equal(u_strerror(ENAMETOOLONG), "File name too long");
    assert_string_equal(u_strerror(ENOTEMPTY), "Directory not empty");
    assert_string_equal(u_strerror(EOVERFLOW), "Value too large for defined data type");
    assert_string_equal(u_strerror(ENOSYS), "Functionality not supported");
    assert_string_equal(u_strerror(EEXIST), "File exists");
    assert_string_equal(u_strerror(EBADF), "Bad file descriptor");
}

static void seek_each_whence(void **state)
{
    (void)state;
    int64_t to = -1;
    assert_int_equal(file_seek(10, 100, 7, SEEK_SET, &to), 0);
    assert_int_equal(to, 7);
    assert_int_equal(file_seek(10, 100, 7, SEEK_CUR, &to), 0);
    assert_int_equal(to, 17);
    assert_int_equal(file_seek(10, 100, -10, SEEK_CUR, &to), 0);
    assert_int_equal(to, 0);
    assert_int_equal(file_seek(10, 100, 0, SEEK_END, &to), 0);
    assert_int_equal(to, 100);
    assert_int_equal(file_seek(10, 100, -100, SEEK_END, &to), 0);
    assert_int_equal(to, 0);
    assert_int_equal(file_seek(10, 100, 50, SEEK_END, &to), 0); /* past the end: allowed */
    assert_int_equal(to, 150);
}

static void seek_refusals(void **state)
{
    (void)state;
    int64_t to = 42;
    assert_int_equal(file_seek(10, 100, -11, SEEK_CUR, &to), EINVAL);
    assert_int_equal(file_seek(10, 100, -1, SEEK_SET, &to), EINVAL);
    assert_int_equal(file_seek(10, 100, -101, SEEK_END, &to), EINVAL);
    assert_int_equal(file_seek(10, 100, 0, 3, &to), EINVAL);
    assert_int_equal(file_seek(10, 100, 0, -1, &to), EINVAL);
    assert_int_equal(file_seek(INT64_MAX, 0, 1, SEEK_CUR, &to), EOVERFLOW);
    assert_int_equal(file_seek(0, (uint64_t)INT64_MAX, 1, SEEK_END, &to), EOVERFLOW);
    assert_int_equal(file_seek(0, (uint64_t)INT64_MAX + 1, 0, SEEK_END, &to), EOVERFLOW);
    assert_int_equal(file_seek(1, 0, INT64_MAX, SEEK_CUR, &to), EOVERFLOW);
    assert_int_equal(file_seek(0, 0, INT64_MIN, SEEK_CUR, &to), EINVAL);
    assert_int_equal(to, 42); /* untouched by every refusal */
    assert_int_equal(file_seek(INT64_MAX, 0, 0, SEEK_CUR, &to), 0);
    assert_int_equal(to, INT64_MAX);
    assert_int_equal(file_seek(INT64_MAX, 0, -1, SEEK_CUR, &to), 0);
    assert_int_equal(to, INT64_MAX - 1);
    assert_int_equal(file_seek(0, 0, INT64_MAX, SEEK_SET, &to), 0);
    assert_int_equal(to, INT64_MAX);
}

static void span_of_reads_and_writes(void **state)
{
    (void)state;
    size_t n = 7;
    assert_int_equal(file_span(-1, 10, &n), EINVAL);
    assert_int_equal(n, 7);
    assert_int_equal(file_span(0, 10, &n), 0);
    assert_int_equal(n, 10);
    assert_int_equal(file_span(0, SIZE_MAX, &n), 0);
    assert_int_equal(n, (size_t)INT64_MAX);
    assert_int_equal(file_span(INT64_MAX - 5, 10, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(file_span(INT64_MAX, 10, &n), 0);
    assert_int_equal(n, 0);
}

static void paths(void **state)
{
    (void)state;
    char out[FILE_PATH_MAX + 1];
    assert_int_equal(file_path("/a/b", out), 0);
    assert_string_equal(out, "/a/b");
    assert_int_equal(file_path("a/b", out), 0);
    assert_string_equal(out, "/a/b");
    errno = 0;
    assert_int_equal(file_path("", out), -1);
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_int_equal(file_path(NULL, out), -1);
    assert_int_equal(errno, EFAULT);
    char longest[FILE_PATH_MAX + 2];
    memset(longest, 'x', sizeof longest);
    longest[0] = '/';
    longest[FILE_PATH_MAX] = 0; /* 255 bytes */
    assert_int_equal(file_path(longest, out), 0);
    assert_int_equal(strlen(out), FILE_PATH_MAX);
    longest[FILE_PATH_MAX] = 'x';
    longest[FILE_PATH_MAX + 1] = 0; /* 256 */
    errno = 0;
    assert_int_equal(file_path(longest, out), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    longest[0] = 'x';
    longest[FILE_PATH_MAX] = 0; /* 255 relative: 256 with its "/" */
    errno = 0;
    assert_int_equal(file_path(longest, out), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    longest[FILE_PATH_MAX - 1] = 0; /* 254 relative: 255 */
    assert_int_equal(file_path(longest, out), 0);
    assert_int_equal(out[0], '/');
    assert_int_equal(strlen(out), FILE_PATH_MAX);
}

/* Two kinds standing in for sockets and files: each call is counted with its descriptor. */
static int closes, reads, writes, last_fd, close_answer;

static int fake_close(int fd)
{
    closes++;
    last_fd = fd;
    /* The number is held while its kind closes it: no lookup sees it. */
    assert_null(fd_kind(fd));
    if (close_answer) {
        errno = close_answer;
        return -1;
    }
    return 0;
}

static ssize_t fake_read(int fd, void *buf, size_t len)
{
    (void)buf;
    reads++;
    last_fd = fd;
    return (ssize_t)len;
}

static ssize_t fake_write(int fd, const void *buf, size_t len)
{
    (void)buf;
    writes++;
    last_fd = fd;
    return (ssize_t)len / 2;
}

static const struct fd_kind kind_a = {"a", 1, fake_close, fake_read, fake_write};
static const struct fd_kind kind_b = {"b", 2, fake_close, fake_read, fake_write};

static int take(const struct fd_kind *k)
{
    int fd = fd_alloc();
    if (fd >= 0)
        fd_install(fd, k);
    return fd;
}

static void table_numbers(void **state)
{
    (void)state;
    int a = fd_alloc();
    assert_int_equal(a, FD_FIRST); /* the lowest, past the console's 0..2 */
    /* Reserved: not seen until installed, and not given again. */
    assert_null(fd_kind(a));
    errno = 0;
    assert_int_equal(u_read(a, NULL, 0), -1);
    assert_int_equal(errno, EBADF);
    int b = take(&kind_b);
    assert_int_equal(b, FD_FIRST + 1);
    fd_install(a, &kind_a);
    assert_ptr_equal(fd_kind(a), &kind_a);
    assert_int_equal(fd_check(a, &kind_a, ESPIPE), 0);
    errno = 0;
    assert_int_equal(fd_check(a, &kind_b, ENOTSOCK), -1);
    assert_int_equal(errno, ENOTSOCK);
    errno = 0;
    assert_int_equal(fd_check(FD_FIRST + 2, &kind_a, ENOTSOCK), -1);
    assert_int_equal(errno, EBADF);
    static const int outside[] = {-1, 0, 1, 2, FD_MAX, FD_MAX + 1};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        assert_null(fd_kind(outside[i]));
        errno = 0;
        assert_int_equal(u_close(outside[i]), -1);
        assert_int_equal(errno, EBADF);
    }
    /* The lowest free number again after a free. */
    fd_free(a);
    assert_int_equal(take(&kind_a), a);
    /* Full: EMFILE, and a free number is given again. */
    int n = 2;
    while (take(&kind_a) >= 0)
        n++;
    assert_int_equal(errno, EMFILE);
    assert_int_equal(n, FD_MAX - FD_FIRST);
    fd_free(FD_MAX - 1);
    assert_int_equal(take(&kind_a), FD_MAX - 1);
    for (int fd = FD_FIRST; fd < FD_MAX; fd++)
        fd_free(fd);
    assert_int_equal(take(&kind_a), FD_FIRST);
    fd_free(FD_FIRST);
}

static void table_dispatch(void **state)
{
    (void)state;
    int a = take(&kind_a), b = take(&kind_b);
    char buf[8];
    reads = writes = closes = 0;
    assert_int_equal(u_read(b, buf, sizeof buf), 8);
    assert_int_equal(reads, 1);
    assert_int_equal(last_fd, b);
    assert_int_equal(u_write(a, buf, 8), 4);
    assert_int_equal(writes, 1);
    assert_int_equal(last_fd, a);
    /* close calls the kind once and frees the number, also when the kind fails. */
    close_answer = EIO;
    errno = 0;
    assert_int_equal(u_close(a), -1);
    assert_int_equal(errno, EIO);
    close_answer = 0;
    assert_int_equal(closes, 1);
    assert_null(fd_kind(a));
    errno = 0;
    assert_int_equal(u_close(a), -1); /* twice: EBADF, the kind not called */
    assert_int_equal(errno, EBADF);
    assert_int_equal(closes, 1);
    errno = 0;
    assert_int_equal(u_write(a, buf, 8), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(writes, 1);
    assert_int_equal(u_close(b), 0);
    assert_int_equal(closes, 2);
    assert_int_equal(last_fd, b);
    assert_null(fd_kind(b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errno_of_each_vfs_error),
        cmocka_unit_test(errno_of_transport_answers),
        cmocka_unit_test(strerror_texts),
        cmocka_unit_test(seek_each_whence),
        cmocka_unit_test(seek_refusals),
        cmocka_unit_test(span_of_reads_and_writes),
        cmocka_unit_test(paths),
        cmocka_unit_test(table_numbers),
        cmocka_unit_test(table_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
