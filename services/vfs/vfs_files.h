/*
 * One client's open files (docs/vfs.md#file-ids): the table that turns the file ids a client was
 * given into nodes of the tree. The server keeps one table per channel, and a channel is one
 * client's (kl.core.CM made it for the task it named), so an id is looked up only in the table
 * of the channel it came on: another client's ids mean nothing there (ErrBadFileId), whatever
 * their value. An id is slot + 1 in its low 8 bits and a generation above, so an id that was
 * closed is refused even after its slot is reused. Pure C, no locking (the server's lock).
 */
#ifndef VFS_FILES_H
#define VFS_FILES_H

#include <stdint.h>

#include "vfs_path.h"
#include "vfs_tree.h"

#define VFS_OPEN_MAX 16u /* open file ids per client */
#define VFS_IO_MAX 4096u /* bytes in one Read or Write (Vfs.idl IoMax) */

/* Open flags (Vfs.idl). */
#define VFS_O_RDONLY 0u
#define VFS_O_WRONLY 1u
#define VFS_O_RDWR 2u
#define VFS_O_ACCMODE 3u
#define VFS_O_CREAT 0x40u
#define VFS_O_EXCL 0x80u
#define VFS_O_TRUNC 0x200u

struct vfs_open {
    uint32_t id;    /* 0: free */
    uint32_t node;  /* a file of the tree, its opens counted */
    uint32_t flags; /* the access mode it was opened with */
};

struct vfs_files {
    struct vfs_open slot[VFS_OPEN_MAX];
    uint32_t gen; /* the next id's generation */
};

void vfs_files_init(struct vfs_files *f);

/* Opens the file at p: VFS_ERR_BAD_FLAGS, VFS_ERR_TOO_MANY_OPEN (before anything is created),
 * the tree's lookup and create errors, VFS_ERR_EXISTS (Create|Exclusive), VFS_ERR_IS_DIR. */
int32_t vfs_files_open(struct vfs_files *f, struct vfs_tree *t, const struct vfs_path *p,
                       uint32_t flags, uint32_t *id);
int32_t vfs_files_close(struct vfs_files *f, struct vfs_tree *t, uint32_t id);
/* Closes every id of the table (its client's channel ended). */
void vfs_files_close_all(struct vfs_files *f, struct vfs_tree *t);

/* VFS_ERR_BAD_FILE_ID, VFS_ERR_NOT_READABLE, VFS_ERR_COUNT_TOO_LARGE, VFS_ERR_OFFSET_OVERFLOW. */
int32_t vfs_files_read(struct vfs_files *f, const struct vfs_tree *t, uint32_t id, uint64_t offset,
                       uint32_t count, uint8_t *buf, uint32_t *got);
/* VFS_ERR_BAD_FILE_ID, VFS_ERR_NOT_WRITABLE, VFS_ERR_COUNT_TOO_LARGE, and the tree's write
 * errors. */
int32_t vfs_files_write(struct vfs_files *f, struct vfs_tree *t, uint32_t id, uint64_t offset,
                        const uint8_t *data, uint32_t len);

#endif
