/* The arithmetic of a file descriptor's position (lseek, pread, pwrite). The position lives
 * in the library, not in the file system: kl.Vfs's Read and Write name their offset. No system
 * calls: host-tested. */
#ifndef USER_FILE_SEEK_H
#define USER_FILE_SEEK_H

#include <stddef.h>
#include <stdint.h>

/* The position lseek(offset, whence) moves to from `pos` in a file of `size` bytes, in *to:
 * 0, or the errno: EINVAL for an unknown whence or a position before 0, EOVERFLOW for one past
 * INT64_MAX (what off_t holds). *to is untouched on an error. */
int file_seek(int64_t pos, uint64_t size, int64_t offset, int whence, int64_t *to);

/* How many of `len` bytes a read or write from offset may move: at most SSIZE_MAX, and none
 * past INT64_MAX (so the position after it still fits off_t). 0, or EINVAL for an offset
 * before 0; *n is the count. */
int file_span(int64_t offset, size_t len, size_t *n);

#endif
