/* The file tree and its storage: see vfs_tree.h. */
#include "vfs_tree.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_errors.h"

#define VFS_GROW 4096u /* a file's buffer grows in steps of this many bytes */

void vfs_tree_init(struct vfs_tree *t, uint64_t bytes_max)
{
    memset(t, 0, sizeof *t);
    t->nodes[VFS_ROOT].kind = VFS_KIND_DIR;
    t->bytes_max = bytes_max;
}

static bool child_of(const struct vfs_tree *t, uint32_t dir, const char *name, uint32_t *out)
{
    for (uint32_t i = 1; i < VFS_NODES_MAX; i++) {
        const struct vfs_node *n = &t->nodes[i];
        if (n->kind != VFS_KIND_FREE && n->parent == dir && strcmp(n->name, name) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* Walks the first `count` components of p. */
static int32_t walk(const struct vfs_tree *t, const struct vfs_path *p, uint32_t count,
                    uint32_t *node)
{
    uint32_t cur = VFS_ROOT;
    for (uint32_t i = 0; i < count; i++) {
        if (t->nodes[cur].kind != VFS_KIND_DIR)
            return VFS_ERR_NOT_DIR;
        if (!child_of(t, cur, p->comp[i], &cur))
            return VFS_ERR_NOT_FOUND;
    }
    *node = cur;
    return VFS_OK;
}

int32_t vfs_tree_lookup(const struct vfs_tree *t, const struct vfs_path *p, uint32_t *node)
{
    return walk(t, p, p->n, node);
}

/* The directory that is to hold p's last component. */
static int32_t parent_dir(const struct vfs_tree *t, const struct vfs_path *p, uint32_t *dir)
{
    if (p->n == 0)
        return VFS_ERR_PATH_IS_ROOT;
    int32_t rc = walk(t, p, p->n - 1, dir);
    if (rc == VFS_OK && t->nodes[*dir].kind != VFS_KIND_DIR)
        rc = VFS_ERR_NOT_DIR;
    return rc;
}

int32_t vfs_tree_create(struct vfs_tree *t, const struct vfs_path *p, uint32_t kind, uint32_t *node)
{
    uint32_t dir, old;
    int32_t rc = parent_dir(t, p, &dir);
    if (rc != VFS_OK)
        return rc;
    const char *name = p->comp[p->n - 1];
    if (child_of(t, dir, name, &old))
        return VFS_ERR_EXISTS;
    for (uint32_t i = 1; i < VFS_NODES_MAX; i++) {
        struct vfs_node *n = &t->nodes[i];
        if (n->kind == VFS_KIND_FREE) {
            memset(n, 0, sizeof *n);
            n->kind = kind;
            n->parent = dir;
            /* A component is at most VFS_PATH_MAX - 1 bytes: it fits name. */
            strcpy(n->name, name);
            *node = i;
            return VFS_OK;
        }
    }
    return VFS_ERR_TOO_MANY_NODES;
}

static uint32_t entries(const struct vfs_tree *t, uint32_t dir)
{
    uint32_t c = 0;
    for (uint32_t i = 1; i < VFS_NODES_MAX; i++)
        if (t->nodes[i].kind != VFS_KIND_FREE && t->nodes[i].parent == dir)
            c++;
    return c;
}

void vfs_tree_truncate(struct vfs_tree *t, uint32_t node)
{
    struct vfs_node *n = &t->nodes[node];
    free(n->data);
    t->bytes -= n->cap;
    n->data = NULL;
    n->size = n->cap = 0;
}

int32_t vfs_tree_unlink(struct vfs_tree *t, const struct vfs_path *p)
{
    uint32_t node;
    if (p->n == 0)
        return VFS_ERR_PATH_IS_ROOT;
    int32_t rc = vfs_tree_lookup(t, p, &node);
    if (rc != VFS_OK)
        return rc;
    struct vfs_node *n = &t->nodes[node];
    if (n->opens > 0)
        return VFS_ERR_BUSY;
    if (n->kind == VFS_KIND_DIR && entries(t, node) > 0)
        return VFS_ERR_DIR_NOT_EMPTY;
    if (n->kind == VFS_KIND_FILE)
        vfs_tree_truncate(t, node);
    n->kind = VFS_KIND_FREE;
    return VFS_OK;
}

int32_t vfs_tree_rename(struct vfs_tree *t, const struct vfs_path *from, const struct vfs_path *to)
{
    uint32_t node, dir, other;
    if (from->n == 0 || to->n == 0)
        return VFS_ERR_PATH_IS_ROOT;
    int32_t rc = vfs_tree_lookup(t, from, &node);
    if (rc != VFS_OK)
        return rc;
    if (t->nodes[node].opens > 0)
        return VFS_ERR_BUSY;
    rc = parent_dir(t, to, &dir);
    if (rc != VFS_OK)
        return rc;
    const char *name = to->comp[to->n - 1];
    if (child_of(t, dir, name, &other))
        return VFS_ERR_EXISTS;
    /* A directory must not become its own ancestor: walk up from the new parent. */
    for (uint32_t d = dir;; d = t->nodes[d].parent) {
        if (d == node)
            return VFS_ERR_RENAME_INTO_SELF;
        if (d == VFS_ROOT)
            break;
    }
    t->nodes[node].parent = dir;
    strcpy(t->nodes[node].name, name);
    return VFS_OK;
}

int32_t vfs_tree_readdir(const struct vfs_tree *t, uint32_t dir, uint32_t index, const char **name,
                         uint32_t *kind)
{
    if (t->nodes[dir].kind != VFS_KIND_DIR)
        return VFS_ERR_NOT_DIR;
    uint32_t seen = 0;
    for (uint32_t i = 1; i < VFS_NODES_MAX; i++) {
        const struct vfs_node *n = &t->nodes[i];
        if (n->kind == VFS_KIND_FREE || n->parent != dir)
            continue;
        if (seen++ == index) {
            *name = n->name;
            *kind = n->kind;
            return VFS_OK;
        }
    }
    return VFS_ERR_NO_MORE_ENTRIES;
}

void vfs_tree_stat(const struct vfs_tree *t, uint32_t node, uint32_t *kind, uint64_t *size)
{
    const struct vfs_node *n = &t->nodes[node];
    *kind = n->kind;
    *size = n->kind == VFS_KIND_DIR ? entries(t, node) : n->size;
}

void vfs_tree_read(const struct vfs_tree *t, uint32_t node, uint64_t offset, uint32_t count,
                   uint8_t *buf, uint32_t *got)
{
    const struct vfs_node *n = &t->nodes[node];
    *got = 0;
    if (offset >= n->size)
        return;
    uint64_t left = n->size - offset;
    *got = left < count ? (uint32_t)left : count;
    memcpy(buf, n->data + offset, *got);
}

int32_t vfs_tree_write(struct vfs_tree *t, uint32_t node, uint64_t offset, const uint8_t *data,
                       uint32_t len)
{
    struct vfs_node *n = &t->nodes[node];
    if (offset > UINT64_MAX - len)
        return VFS_ERR_OFFSET_OVERFLOW;
    uint64_t end = offset + len;
    if (end > VFS_FILE_MAX)
        return VFS_ERR_FILE_TOO_LARGE;
    if (len == 0)
        return VFS_OK; /* as write(2): nothing written, the size unchanged, no buffer needed */
    if (end > n->cap) {
        uint64_t cap = (end + VFS_GROW - 1) / VFS_GROW * VFS_GROW;
        if (cap > VFS_FILE_MAX)
            cap = VFS_FILE_MAX;
        if (t->bytes + (cap - n->cap) > t->bytes_max)
            return VFS_ERR_NO_SPACE;
        uint8_t *d = realloc(n->data, (size_t)cap);
        if (d == NULL)
            return VFS_ERR_NO_MEMORY;
        t->bytes += cap - n->cap;
        n->data = d;
        n->cap = cap;
    }
    if (offset > n->size)
        memset(n->data + n->size, 0, (size_t)(offset - n->size));
    memcpy(n->data + offset, data, len);
    if (end > n->size)
        n->size = end;
    return VFS_OK;
}
