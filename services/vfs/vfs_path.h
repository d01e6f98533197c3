/*
 * The RAM file system's path normaliser (docs/vfs.md#paths). A path as a client gives it is
 * checked and turned into its components, with "." dropped and ".." taking back the component
 * before it; ".." at the root is an error (ErrPathAboveRoot), never the root again, so no path
 * names anything outside the tree. Pure C: tested on the host (test/host/services/vfs).
 */
#ifndef VFS_PATH_H
#define VFS_PATH_H

#include <stddef.h>
#include <stdint.h>

#define VFS_PATH_MAX 255u /* a path's bytes as given, without its NUL (Vfs.idl PathMax) */
#define VFS_DEPTH_MAX 32u /* components of a normalised path */

/* A normalised path: n components, each a NUL-terminated name of 1..255 bytes in buf, none of
 * them "." or "..", none containing '/'. n == 0 is the root. */
struct vfs_path {
    uint32_t n;
    const char *comp[VFS_DEPTH_MAX];
    char buf[VFS_PATH_MAX + 1];
};

/*
 * Normalises `in` (len bytes; a NUL inside ends nothing: it is a bad byte) into *out. Errors in
 * this order: VFS_ERR_PATH_EMPTY (len 0), VFS_ERR_PATH_TOO_LONG (len > VFS_PATH_MAX),
 * VFS_ERR_PATH_RELATIVE (no leading '/'), VFS_ERR_PATH_BAD_BYTE (0x00-0x1f, 0x7f),
 * VFS_ERR_PATH_ABOVE_ROOT (a ".." with nothing left to take back), VFS_ERR_PATH_TOO_LONG also
 * for more than VFS_DEPTH_MAX components. Returns VFS_OK.
 */
int32_t vfs_path_normalise(const char *in, size_t len, struct vfs_path *out);

#endif
