/* The path normaliser: see vfs_path.h. */
#include "vfs_path.h"

#include <string.h>

#include "vfs_errors.h"

int32_t vfs_path_normalise(const char *in, size_t len, struct vfs_path *out)
{
    out->n = 0;
    if (len == 0)
        return VFS_ERR_PATH_EMPTY;
    if (len > VFS_PATH_MAX)
        return VFS_ERR_PATH_TOO_LONG;
    if (in[0] != '/')
        return VFS_ERR_PATH_RELATIVE;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x20 || c == 0x7f)
            return VFS_ERR_PATH_BAD_BYTE;
    }
    /* Components are copied into buf one after the other, each with its NUL; buf holds them all
     * since they are at most the input's bytes minus the '/' before each one, plus one NUL each. */
    size_t used = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && in[i] == '/')
            i++;
        size_t start = i;
        while (i < len && in[i] != '/')
            i++;
        size_t clen = i - start;
        if (clen == 0 || (clen == 1 && in[start] == '.'))
            continue;
        if (clen == 2 && in[start] == '.' && in[start + 1] == '.') {
            if (out->n == 0)
                return VFS_ERR_PATH_ABOVE_ROOT;
            out->n--;
            used = (size_t)(out->comp[out->n] - out->buf);
            continue;
        }
        if (out->n == VFS_DEPTH_MAX)
            return VFS_ERR_PATH_TOO_LONG;
        memcpy(out->buf + used, in + start, clen);
        out->buf[used + clen] = 0;
        out->comp[out->n++] = out->buf + used;
        used += clen + 1;
    }
    return VFS_OK;
}
