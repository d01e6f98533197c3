/* The arithmetic of a descriptor's position (file_seek.h). */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "file_seek.h"

int file_seek(int64_t pos, uint64_t size, int64_t offset, int whence, int64_t *to)
{
    int64_t base;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = pos;
        break;
    case SEEK_END:
        if (size > (uint64_t)INT64_MAX)
            return EOVERFLOW;
        base = (int64_t)size;
        break;
    default:
        return EINVAL;
    }
    int64_t at;
    if (__builtin_add_overflow(base, offset, &at))
        return offset > 0 ? EOVERFLOW : EINVAL;
    if (at < 0)
        return EINVAL;
    *to = at;
    return 0;
}

int file_span(int64_t offset, size_t len, size_t *n)
{
    if (offset < 0)
        return EINVAL;
    uint64_t room = (uint64_t)INT64_MAX - (uint64_t)offset;
    uint64_t max = len > (size_t)INT64_MAX ? (uint64_t)INT64_MAX : (uint64_t)len;
    *n = (size_t)(max < room ? max : room);
    return 0;
}
