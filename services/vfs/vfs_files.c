/* One client's open files: see vfs_files.h. */
#include "vfs_files.h"

#include <stddef.h>
#include <string.h>

#include "vfs_errors.h"

#define ID_SLOT_BITS 8u
#define ID_SLOT_MASK ((1u << ID_SLOT_BITS) - 1u)

void vfs_files_init(struct vfs_files *f)
{
    memset(f, 0, sizeof *f);
    f->gen = 1;
}

/* The slot of a live id of this table, else NULL. */
static struct vfs_open *find(struct vfs_files *f, uint32_t id)
{
    uint32_t s = (id & ID_SLOT_MASK) - 1u; /* id 0 wraps to a slot out of range */
    if (s >= VFS_OPEN_MAX || f->slot[s].id != id)
        return NULL;
    return &f->slot[s];
}

int32_t vfs_files_open(struct vfs_files *f, struct vfs_tree *t, const struct vfs_path *p,
                       uint32_t flags, uint32_t *id)
{
    uint32_t acc = flags & VFS_O_ACCMODE;
    if ((flags & ~(VFS_O_ACCMODE | VFS_O_CREAT | VFS_O_EXCL | VFS_O_TRUNC)) != 0 ||
        acc == VFS_O_ACCMODE || ((flags & VFS_O_TRUNC) && acc == VFS_O_RDONLY))
        return VFS_ERR_BAD_FLAGS;
    struct vfs_open *o = NULL;
    for (uint32_t s = 0; s < VFS_OPEN_MAX && o == NULL; s++)
        if (f->slot[s].id == 0)
            o = &f->slot[s];
    if (o == NULL)
        return VFS_ERR_TOO_MANY_OPEN;
    uint32_t node;
    int32_t rc = vfs_tree_lookup(t, p, &node);
    if (rc == VFS_OK && (flags & VFS_O_CREAT) && (flags & VFS_O_EXCL))
        return VFS_ERR_EXISTS;
    if (rc == VFS_ERR_NOT_FOUND && (flags & VFS_O_CREAT))
        rc = vfs_tree_create(t, p, VFS_KIND_FILE, &node);
    if (rc != VFS_OK)
        return rc;
    if (t->nodes[node].kind != VFS_KIND_FILE)
        return VFS_ERR_IS_DIR;
    if (flags & VFS_O_TRUNC)
        vfs_tree_truncate(t, node);
    uint32_t slot = (uint32_t)(o - f->slot);
    /* The generation skips 0 so that no id is 0 or repeats within 2^24 opens of one slot. */
    if (++f->gen > (UINT32_MAX >> ID_SLOT_BITS))
        f->gen = 1;
    o->id = (f->gen << ID_SLOT_BITS) | (slot + 1u);
    o->node = node;
    o->flags = acc;
    t->nodes[node].opens++;
    *id = o->id;
    return VFS_OK;
}

int32_t vfs_files_close(struct vfs_files *f, struct vfs_tree *t, uint32_t id)
{
    struct vfs_open *o = find(f, id);
    if (o == NULL)
        return VFS_ERR_BAD_FILE_ID;
    t->nodes[o->node].opens--;
    o->id = 0;
    return VFS_OK;
}

void vfs_files_close_all(struct vfs_files *f, struct vfs_tree *t)
{
    for (uint32_t s = 0; s < VFS_OPEN_MAX; s++)
        if (f->slot[s].id != 0)
            (void)vfs_files_close(f, t, f->slot[s].id);
}

int32_t vfs_files_read(struct vfs_files *f, const struct vfs_tree *t, uint32_t id, uint64_t offset,
                       uint32_t count, uint8_t *buf, uint32_t *got)
{
    *got = 0;
    struct vfs_open *o = find(f, id);
    if (o == NULL)
        return VFS_ERR_BAD_FILE_ID;
    if (o->flags == VFS_O_WRONLY)
        return VFS_ERR_NOT_READABLE;
    if (count > VFS_IO_MAX)
        return VFS_ERR_COUNT_TOO_LARGE;
    if (offset > UINT64_MAX - count)
        return VFS_ERR_OFFSET_OVERFLOW;
    vfs_tree_read(t, o->node, offset, count, buf, got);
    return VFS_OK;
}

int32_t vfs_files_write(struct vfs_files *f, struct vfs_tree *t, uint32_t id, uint64_t offset,
                        const uint8_t *data, uint32_t len)
{
    struct vfs_open *o = find(f, id);
    if (o == NULL)
        return VFS_ERR_BAD_FILE_ID;
    if (o->flags == VFS_O_RDONLY)
        return VFS_ERR_NOT_WRITABLE;
    if (len > VFS_IO_MAX)
        return VFS_ERR_COUNT_TOO_LARGE;
    return vfs_tree_write(t, o->node, offset, data, len);
}
