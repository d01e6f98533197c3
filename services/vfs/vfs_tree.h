/*
 * The RAM file system's tree and its storage (docs/vfs.md): a fixed table of nodes (files and
 * directories, the root is node 0) and each file's bytes in a buffer of the program's own heap,
 * so the kernel charges them to this process like any memory it uses. Bounded: at most
 * VFS_NODES_MAX nodes, a file at most VFS_FILE_MAX bytes, all files' buffers together at most
 * the tree's byte budget (ErrTooManyNodes, ErrFileTooLarge, ErrNoSpace). Pure C, no locking:
 * the server holds its lock around every call. Tested on the host (test/host/services/vfs).
 *
 * Invariants: a used node other than the root has a used directory as parent, a name of 1..255
 * bytes without '/', unique among its parent's children; `bytes` is the sum of every file's
 * `cap`; a file's size <= cap <= VFS_FILE_MAX; a node with open file ids (`opens` > 0) is
 * neither unlinked nor renamed (ErrBusy), so an open id never names a reused slot.
 */
#ifndef VFS_TREE_H
#define VFS_TREE_H

#include <stdint.h>

#include "vfs_path.h"

#define VFS_NODES_MAX 64u            /* nodes, the root included */
#define VFS_NAME_MAX 255u            /* one name's bytes */
#define VFS_FILE_MAX (256u * 1024u)  /* one file's bytes */
#define VFS_BYTES_MAX (512u * 1024u) /* the program's default budget for all files' bytes */
#define VFS_ROOT 0u

enum vfs_kind { VFS_KIND_FREE = 0, VFS_KIND_FILE = 1, VFS_KIND_DIR = 2 };

struct vfs_node {
    uint32_t kind;   /* enum vfs_kind */
    uint32_t parent; /* a directory's index (the root's own: 0) */
    uint32_t opens;  /* open file ids on it, over every client */
    char name[VFS_NAME_MAX + 1];
    uint8_t *data; /* a file's bytes: size valid, cap allocated */
    uint64_t size, cap;
};

struct vfs_tree {
    struct vfs_node nodes[VFS_NODES_MAX];
    uint64_t bytes;     /* every file's cap together */
    uint64_t bytes_max; /* the budget */
};

void vfs_tree_init(struct vfs_tree *t, uint64_t bytes_max);

/* The node a normalised path names: VFS_ERR_NOT_FOUND, or VFS_ERR_NOT_DIR when a component on
 * the way is a file. */
int32_t vfs_tree_lookup(const struct vfs_tree *t, const struct vfs_path *p, uint32_t *node);

/* Makes an empty file or directory at p: VFS_ERR_PATH_IS_ROOT, the parent's lookup errors
 * (and VFS_ERR_NOT_DIR for a file as parent), VFS_ERR_EXISTS, VFS_ERR_TOO_MANY_NODES. */
int32_t vfs_tree_create(struct vfs_tree *t, const struct vfs_path *p, uint32_t kind,
                        uint32_t *node);

/* Removes the node at p: VFS_ERR_PATH_IS_ROOT, lookup errors, VFS_ERR_BUSY (open),
 * VFS_ERR_DIR_NOT_EMPTY. Its bytes go back to the heap and the budget. */
int32_t vfs_tree_unlink(struct vfs_tree *t, const struct vfs_path *p);

/* Moves the node at from to to (which must not exist): VFS_ERR_PATH_IS_ROOT for either,
 * lookup errors, VFS_ERR_BUSY, VFS_ERR_EXISTS, VFS_ERR_RENAME_INTO_SELF (a directory into its
 * own subtree). */
int32_t vfs_tree_rename(struct vfs_tree *t, const struct vfs_path *from, const struct vfs_path *to);

/* A directory's index-th child: VFS_ERR_NOT_DIR, VFS_ERR_NO_MORE_ENTRIES. The order is the
 * table's: stable while the directory does not change. */
int32_t vfs_tree_readdir(const struct vfs_tree *t, uint32_t dir, uint32_t index, const char **name,
                         uint32_t *kind);

/* Kind and size (a directory: its number of entries). */
void vfs_tree_stat(const struct vfs_tree *t, uint32_t node, uint32_t *kind, uint64_t *size);

/* Copies at most count bytes from offset of file `node` into buf; *got is 0 at or past the end.
 * The caller has checked offset + count against overflow. */
void vfs_tree_read(const struct vfs_tree *t, uint32_t node, uint64_t offset, uint32_t count,
                   uint8_t *buf, uint32_t *got);

/* Writes len bytes at offset into file `node`, zero-filling a gap: VFS_ERR_OFFSET_OVERFLOW,
 * VFS_ERR_FILE_TOO_LARGE, VFS_ERR_NO_SPACE, VFS_ERR_NO_MEMORY; nothing is changed then. */
int32_t vfs_tree_write(struct vfs_tree *t, uint32_t node, uint64_t offset, const uint8_t *data,
                       uint32_t len);

/* Cuts file `node` to 0 bytes and frees its buffer. */
void vfs_tree_truncate(struct vfs_tree *t, uint32_t node);

#endif
