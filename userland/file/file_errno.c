/*
 * The POSIX error number of each answer of the RAM file system (file_errno.h), as one table.
 * No system calls: host-tested (test/host/userland/test_user_file.c). Where POSIX names the
 * case, its errno (a write on a read-only descriptor is EBADF, write(2)); where it does not,
 * the nearest one a program already handles, said here.
 */
#include <errno.h>
#include <stddef.h>

#include <bastion/retcode.h>

#include "file_errno.h"
#include "vfs_errors.h"

static const struct {
    int32_t rc;
    int err;
} table[] = {
    {VFS_ERR_PATH_EMPTY, ENOENT},    /* open(""): ENOENT, as POSIX */
    {VFS_ERR_PATH_RELATIVE, ENOENT}, /* not sent: the library makes paths absolute */
    {VFS_ERR_PATH_TOO_LONG, ENAMETOOLONG},
    {VFS_ERR_PATH_BAD_BYTE, EINVAL},   /* a control byte: no such name can exist */
    {VFS_ERR_PATH_ABOVE_ROOT, ENOENT}, /* nothing is named above "/" */
    {VFS_ERR_PATH_IS_ROOT, EBUSY},     /* rmdir("/"), rename("/"): Linux says EBUSY */
    {VFS_ERR_NOT_FOUND, ENOENT},
    {VFS_ERR_EXISTS, EEXIST},
    {VFS_ERR_NOT_DIR, ENOTDIR},
    {VFS_ERR_IS_DIR, EISDIR},
    {VFS_ERR_DIR_NOT_EMPTY, ENOTEMPTY},
    {VFS_ERR_BUSY, EBUSY}, /* unlink or rename of a file some client has open */
    {VFS_ERR_BAD_FLAGS, EINVAL},
    {VFS_ERR_BAD_FILE_ID, EBADF},
    {VFS_ERR_NOT_READABLE, EBADF}, /* read of an O_WRONLY descriptor: read(2) */
    {VFS_ERR_NOT_WRITABLE, EBADF}, /* write of an O_RDONLY descriptor: write(2) */
    {VFS_ERR_OFFSET_OVERFLOW, EOVERFLOW},
    {VFS_ERR_COUNT_TOO_LARGE, EINVAL}, /* not sent: the library moves IoMax at most */
    {VFS_ERR_FILE_TOO_LARGE, EFBIG},
    {VFS_ERR_TOO_MANY_NODES, ENOSPC}, /* no free node: as a file system out of inodes */
    {VFS_ERR_TOO_MANY_OPEN, EMFILE},  /* this process's ids in the file system */
    {VFS_ERR_NO_SPACE, ENOSPC},
    {VFS_ERR_NO_MORE_ENTRIES, ENOENT},  /* readdir's end: readdir itself returns NULL */
    {VFS_ERR_RENAME_INTO_SELF, EINVAL}, /* rename(2) of a directory into its subtree */
    {VFS_ERR_NO_MEMORY, ENOSPC},        /* the file system's heap: as tmpfs, out of space */
    {rcSecurityDisallow, EACCES},       /* the policy denied the request */
    {rcNoKsm, EACCES},
    {rcBadMessage, EINVAL}, /* the file system refused the message's shape */
    {rcOutOfMemory, ENOMEM},
    {rcConnectDropped, ENFILE}, /* the file system serves as many clients as it may */
};

int file_errno(int32_t rc)
{
    if (rc == 0)
        return 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].rc == rc)
            return table[i].err;
    return EIO;
}
