/*
 * What the RAM file system's in-OS tests share (os_vfs, os_vfs_attack): a channel to VfsRamFs
 * (services/vfs) made through kl.core.CM, and the kl.Vfs calls as one Retcode each.
 */
#ifndef VFS_CLIENT_H
#define VFS_CLIENT_H

#include <stdint.h>

#include <user/ipc.h>

#include "kl/Vfs.idl.h"

#define VFS_CLIENT_MSG 6144u /* services/vfs/vfs_server.h VFS_MSG_MAX */

struct vfs_client {
    struct ipc_channel ch;
    struct idl_client cl;
    _Alignas(8) uint8_t req[VFS_CLIENT_MSG], res[VFS_CLIENT_MSG];
};

/* Connects to VfsRamFs, waiting up to about 5 s for it to start listening. */
Retcode vfs_client_connect(struct vfs_client *c);

/* The call's own rc (0 or a kl.Vfs Err* value) when it went through, else the transport's
 * Retcode (rcSecurityDisallow: the policy denied it). Both are negative or 0 and never
 * overlap: Err* values start at -1001. */
int32_t vfs_c_open(struct vfs_client *c, const char *path, uint32_t flags, uint32_t *fid);
int32_t vfs_c_close(struct vfs_client *c, uint32_t fid);
int32_t vfs_c_read(struct vfs_client *c, uint32_t fid, uint64_t off, uint32_t count, void *buf,
                   uint32_t *got);
int32_t vfs_c_write(struct vfs_client *c, uint32_t fid, uint64_t off, const void *data,
                    uint32_t len, uint32_t *written);
int32_t vfs_c_stat(struct vfs_client *c, const char *path, uint32_t *kind, uint64_t *size);
int32_t vfs_c_unlink(struct vfs_client *c, const char *path);
int32_t vfs_c_mkdir(struct vfs_client *c, const char *path);
int32_t vfs_c_readdir(struct vfs_client *c, const char *path, uint32_t index, char name[256],
                      uint32_t *kind);
int32_t vfs_c_rename(struct vfs_client *c, const char *from, const char *to);

/* A name for either kind of code: "ErrNotFound" or a Retcode's name. */
const char *vfs_c_name(int32_t rc);

/* rc must be `want` (either kind of code). */
#define VFS_RC(expr, want)                                                      \
    ({                                                                          \
        int32_t vfs_r_ = (expr);                                                \
        ot_check(vfs_r_ == (want), __LINE__, #expr, "returned %s, expected %s", \
                 vfs_c_name(vfs_r_), vfs_c_name(want));                         \
    })

#endif
