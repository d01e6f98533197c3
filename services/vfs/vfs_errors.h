/*
 * The RAM file system's errors (docs/vfs.md#errors): the values of idl/kl/Vfs.idl's Err*
 * constants, kept here so that the pure parts (vfs_path.c, vfs_tree.c, vfs_files.c) build on the
 * host without the generated header; vfs_server.c checks each pair at compile time.
 */
#ifndef VFS_ERRORS_H
#define VFS_ERRORS_H

#include <stdint.h>

#define VFS_ERRORS(X)                                       \
    X(VFS_OK, 0, "ok")                                      \
    X(VFS_ERR_PATH_EMPTY, -1001, "ErrPathEmpty")            \
    X(VFS_ERR_PATH_RELATIVE, -1002, "ErrPathRelative")      \
    X(VFS_ERR_PATH_TOO_LONG, -1003, "ErrPathTooLong")       \
    X(VFS_ERR_PATH_BAD_BYTE, -1004, "ErrPathBadByte")       \
    X(VFS_ERR_PATH_ABOVE_ROOT, -1005, "ErrPathAboveRoot")   \
    X(VFS_ERR_PATH_IS_ROOT, -1006, "ErrPathIsRoot")         \
    X(VFS_ERR_NOT_FOUND, -1007, "ErrNotFound")              \
    X(VFS_ERR_EXISTS, -1008, "ErrExists")                   \
    X(VFS_ERR_NOT_DIR, -1009, "ErrNotDir")                  \
    X(VFS_ERR_IS_DIR, -1010, "ErrIsDir")                    \
    X(VFS_ERR_DIR_NOT_EMPTY, -1011, "ErrDirNotEmpty")       \
    X(VFS_ERR_BUSY, -1012, "ErrBusy")                       \
    X(VFS_ERR_BAD_FLAGS, -1013, "ErrBadFlags")              \
    X(VFS_ERR_BAD_FILE_ID, -1014, "ErrBadFileId")           \
    X(VFS_ERR_NOT_READABLE, -1015, "ErrNotReadable")        \
    X(VFS_ERR_NOT_WRITABLE, -1016, "ErrNotWritable")        \
    X(VFS_ERR_OFFSET_OVERFLOW, -1017, "ErrOffsetOverflow")  \
    X(VFS_ERR_COUNT_TOO_LARGE, -1018, "ErrCountTooLarge")   \
    X(VFS_ERR_FILE_TOO_LARGE, -1019, "ErrFileTooLarge")     \
    X(VFS_ERR_TOO_MANY_NODES, -1020, "ErrTooManyNodes")     \
    X(VFS_ERR_TOO_MANY_OPEN, -1021, "ErrTooManyOpen")       \
    X(VFS_ERR_NO_SPACE, -1022, "ErrNoSpace")                \
    X(VFS_ERR_NO_MORE_ENTRIES, -1023, "ErrNoMoreEntries")   \
    X(VFS_ERR_RENAME_INTO_SELF, -1024, "ErrRenameIntoSelf") \
    X(VFS_ERR_NO_MEMORY, -1025, "ErrNoMemory")

enum {
#define VFS_ERROR_ENUM(name, value, text) name = (value),
    VFS_ERRORS(VFS_ERROR_ENUM)
#undef VFS_ERROR_ENUM
};

/* The error's name as Vfs.idl spells it ("ErrNotFound"); "Err?" for other values. */
const char *vfs_error_name(int32_t rc);

#endif
