/* A path of a file call made absolute (file_path.h). */
#include <errno.h>
#include <string.h>

#include "file_path.h"

int file_path(const char *path, char out[FILE_PATH_MAX + 1])
{
    if (path == NULL) {
        errno = EFAULT;
        return -1;
    }
    if (path[0] == 0) {
        errno = ENOENT; /* as POSIX: "" names nothing */
        return -1;
    }
    size_t at = 0;
    if (path[0] != '/')
        out[at++] = '/';
    size_t len = strnlen(path, FILE_PATH_MAX + 1);
    if (at + len > FILE_PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out + at, path, len + 1);
    return 0;
}
