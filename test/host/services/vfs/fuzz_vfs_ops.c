/*
 * libFuzzer target: the RAM file system's pure parts (services/vfs) under any sequence of
 * requests two clients could send: paths as given (normalised or refused), opens, reads and
 * writes at any offset and count, closes of any id, directories made, names removed and moved.
 * After every request the tree's invariants (vfs_tree.h) and each client's table are checked,
 * so a request that is refused must also have changed nothing that breaks them.
 *
 * Input: a run of requests, each an opcode byte and its operands; a path is a length byte and
 * that many bytes, each mapped onto a small alphabet ('/', '.', 'a', 'b', 'c' or the byte itself)
 * so that "..", "/./" and repeated names come up often.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_errors.h"
#include "vfs_files.h"
#include "vfs_path.h"
#include "vfs_tree.h"

struct input {
    const uint8_t *p;
    size_t n;
};

static uint8_t take8(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static uint32_t take32(struct input *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | take8(in);
    return v;
}

static uint64_t take64(struct input *in)
{
    return (uint64_t)take32(in) << 32 | take32(in);
}

static void check(int ok)
{
    if (!ok)
        abort();
}

/* A path from the input, normalised; its result code. */
static int32_t take_path(struct input *in, struct vfs_path *p)
{
    static const char alphabet[] = {'/', '.', 'a', 'b', '/', '.', 'c'};
    char raw[VFS_PATH_MAX + 8];
    size_t len = take8(in);
    for (size_t i = 0; i < len; i++) {
        uint8_t b = take8(in);
        raw[i] = b % 8 < 7 ? alphabet[b % 8] : (char)b;
    }
    int32_t rc = vfs_path_normalise(raw, len, p);
    if (rc == VFS_OK) {
        check(p->n <= VFS_DEPTH_MAX);
        for (uint32_t i = 0; i < p->n; i++) {
            size_t l = strlen(p->comp[i]);
            check(l >= 1 && l <= VFS_NAME_MAX);
            check(strchr(p->comp[i], '/') == NULL);
            check(strcmp(p->comp[i], ".") != 0 && strcmp(p->comp[i], "..") != 0);
        }
    }
    return rc;
}

/* vfs_tree.h's invariants, and every open id counted on its node. */
static void check_state(const struct vfs_tree *t, const struct vfs_files c[2])
{
    uint64_t bytes = 0;
    uint32_t opens[VFS_NODES_MAX] = {0};
    for (int k = 0; k < 2; k++)
        for (uint32_t s = 0; s < VFS_OPEN_MAX; s++)
            if (c[k].slot[s].id != 0) {
                check(c[k].slot[s].node < VFS_NODES_MAX);
                check(t->nodes[c[k].slot[s].node].kind == VFS_KIND_FILE);
                opens[c[k].slot[s].node]++;
            }
    check(t->nodes[VFS_ROOT].kind == VFS_KIND_DIR);
    for (uint32_t i = 0; i < VFS_NODES_MAX; i++) {
        const struct vfs_node *n = &t->nodes[i];
        if (n->kind == VFS_KIND_FREE) {
            check(opens[i] == 0);
            continue;
        }
        check(n->opens == opens[i]);
        if (n->kind == VFS_KIND_FILE) {
            check(n->size <= n->cap && n->cap <= VFS_FILE_MAX);
            bytes += n->cap;
        }
        if (i == VFS_ROOT)
            continue;
        check(n->parent < VFS_NODES_MAX && t->nodes[n->parent].kind == VFS_KIND_DIR);
        size_t l = strlen(n->name);
        check(l >= 1 && l <= VFS_NAME_MAX && strchr(n->name, '/') == NULL);
        for (uint32_t j = i + 1; j < VFS_NODES_MAX; j++)
            if (t->nodes[j].kind != VFS_KIND_FREE && t->nodes[j].parent == n->parent)
                check(strcmp(t->nodes[j].name, n->name) != 0);
    }
    check(bytes == t->bytes && bytes <= t->bytes_max);
}

static void free_tree(struct vfs_tree *t)
{
    for (uint32_t i = 0; i < VFS_NODES_MAX; i++)
        free(t->nodes[i].data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vfs_tree t;
    static struct vfs_files c[2];
    static uint8_t buf[VFS_IO_MAX + 16];
    struct input in = {data, size};
    /* A small budget, so that running out of space comes up. */
    vfs_tree_init(&t, 64u * 1024u);
    vfs_files_init(&c[0]);
    vfs_files_init(&c[1]);
    for (unsigned steps = 0; in.n > 0 && steps < 256; steps++) {
        uint8_t op = take8(&in);
        struct vfs_files *f = &c[op >> 7];
        struct vfs_path p, q;
        uint32_t node, id, got, kind;
        uint64_t off;
        const char *name;
        /* An id this client holds, another client's, a closed one or any value. */
        uint8_t pick = take8(&in);
        uint32_t some_id =
            pick < 0xc0 ? c[pick & 1].slot[(pick >> 1) % VFS_OPEN_MAX].id : take32(&in);
        switch (op & 7) {
        case 0:
            if (take_path(&in, &p) == VFS_OK &&
                vfs_files_open(f, &t, &p, take32(&in) & 0x3ffu, &id) == VFS_OK)
                check(id != 0);
            break;
        case 1:
            (void)vfs_files_close(f, &t, some_id);
            break;
        case 2: {
            off = take8(&in) < 0xf0 ? take32(&in) % (2u * VFS_FILE_MAX) : take64(&in);
            uint32_t count = take32(&in) % (VFS_IO_MAX + 8u);
            memset(buf, 0xa5, sizeof buf);
            if (vfs_files_read(f, &t, some_id, off, count, buf, &got) == VFS_OK)
                check(got <= count);
            check(buf[VFS_IO_MAX] == 0xa5); /* nothing past the largest count allowed */
            break;
        }
        case 3: {
            off = take8(&in) < 0xf0 ? take32(&in) % (2u * VFS_FILE_MAX) : take64(&in);
            uint32_t len = take32(&in) % (VFS_IO_MAX + 8u);
            memset(buf, op, sizeof buf);
            (void)vfs_files_write(f, &t, some_id, off, buf, len);
            break;
        }
        case 4:
            if (take_path(&in, &p) == VFS_OK)
                (void)vfs_tree_create(&t, &p, VFS_KIND_DIR, &node);
            break;
        case 5:
            if (take_path(&in, &p) == VFS_OK)
                (void)vfs_tree_unlink(&t, &p);
            break;
        case 6:
            if (take_path(&in, &p) == VFS_OK && take_path(&in, &q) == VFS_OK)
                (void)vfs_tree_rename(&t, &p, &q);
            break;
        default:
            if (take_path(&in, &p) == VFS_OK && vfs_tree_lookup(&t, &p, &node) == VFS_OK) {
                uint64_t sz;
                vfs_tree_stat(&t, node, &kind, &sz);
                for (uint32_t i = 0; i < VFS_NODES_MAX + 1; i++)
                    if (vfs_tree_readdir(&t, node, i, &name, &kind) != VFS_OK)
                        break;
                    else
                        check(name != NULL && strlen(name) >= 1);
            }
            break;
        }
        check_state(&t, c);
    }
    vfs_files_close_all(&c[0], &t);
    vfs_files_close_all(&c[1], &t);
    check_state(&t, c);
    free_tree(&t);
    return 0;
}
