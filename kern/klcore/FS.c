/*
 * kl.core.FS over the boot ROMFS (read-only): Open, Close, Read, GetSize, GetId, Count, GetInfo,
 * GetFsSize.
 *
 * A file's id is the offset of its header in the image (unique, stable for the boot). Count and
 * GetInfo enumerate the regular files of the whole tree, depth first in directory order, with
 * their full paths ("/bin/echo"); "." and ".." entries are skipped. Read returns block
 * `sectorNumber` (FsBlockSize bytes; the last block is short, past the end is 0 bytes).
 * Open takes a path as romfs_lookup does; an open file is a KOBJ_FILE object charged to the
 * caller. Everything reads the current volume (fs/romfs_volume.h), except an open file, which
 * keeps reading the volume it was opened in after FSUnsafe.Change replaced it: its id and its
 * data stay what they were when it was opened.
 *
 * Kernel files: a few read-only files the kernel makes itself are served besides ROMFS, by
 * exact path, and win over a ROMFS file of the same path: BASTION_PCI_TABLE_PATH, the PCI
 * functions found at boot (<bastion/pci_table.h>); BASTION_TASK_TABLE_PATH, the processes
 * (<bastion/task_table.h>); BASTION_SECURITY_TABLE_PATH, the monitor's decisions per class
 * (<bastion/security_table.h>). The last two change while the system runs: Open takes a
 * snapshot into the file object (charged to the caller with it), which Read then serves, so a
 * reader never sees two instants mixed. Open, Read, GetSize and GetId work on them
 * as on ROMFS files (their ids have KERNEL_FILE_ID set, which no ROMFS offset has); Count and
 * GetInfo list ROMFS only; FSUnsafe.Change does not touch them. Like every FS call, opening one
 * is decided by the policy on its name.
 */
#include <bastion/pci_table.h>
#include <bastion/security_table.h>
#include <bastion/task_table.h>

#include "klcore/klcore.h"
#include "dev/pci_table.h"
#include "proc/task_table.h"
#include "security/class_counts.h"
#include "security/hook.h"
#include "fs/romfs.h"
#include "fs/romfs_volume.h"
#include "lib/string.h"
#include "obj/kobj_new.h"
#include "proc/process.h"

struct file_obj {
    struct kobj obj;
    struct romfs_entry e;
    struct romfs_volume *vol;       /* a reference: the volume it was opened in keeps serving it */
    const uint8_t *kernel_data;     /* a kernel file (vol NULL): its bytes, e.size long, fixed */
    uint32_t kernel_kind;           /* enum kernel_file_kind: a kernel file's id */
    _Alignas(8) uint8_t snapshot[]; /* a changing kernel file: its bytes at Open */
};

#define KERNEL_FILE_ID (1ull << 63)

/* A kernel file by exact path: the fixed PCI table, or a snapshot made at Open. */
enum kernel_file_kind {
    KERNEL_FILE_NONE,
    KERNEL_FILE_PCI,
    KERNEL_FILE_TASKS,
    KERNEL_FILE_SECURITY
};

static enum kernel_file_kind kernel_file_kind(const char *name)
{
    if (strcmp(name, BASTION_PCI_TABLE_PATH) == 0)
        return KERNEL_FILE_PCI;
    if (strcmp(name, BASTION_TASK_TABLE_PATH) == 0)
        return KERNEL_FILE_TASKS;
    if (strcmp(name, BASTION_SECURITY_TABLE_PATH) == 0)
        return KERNEL_FILE_SECURITY;
    return KERNEL_FILE_NONE;
}

/* Bytes the file object needs beyond itself for a snapshot of this kind. */
static size_t kernel_file_snapshot_max(enum kernel_file_kind k)
{
    return k == KERNEL_FILE_TASKS      ? task_table_file_max()
           : k == KERNEL_FILE_SECURITY ? class_counts_file_max()
                                       : 0;
}

/* Fills f's kernel-file fields: the PCI table's bytes, or a snapshot into f->snapshot (cap
 * bytes). */
static void kernel_file_take(struct file_obj *f, enum kernel_file_kind k, size_t cap)
{
    size_t size = 0;
    if (k == KERNEL_FILE_PCI) {
        f->kernel_data = pci_table_data(&size);
    } else {
        uint64_t decisions = 0, denials = 0;
        if (k != KERNEL_FILE_TASKS)
            security_decided(&decisions, &denials);
        size = k == KERNEL_FILE_TASKS ? task_table_fill(f->snapshot, cap)
                                      : class_counts_fill(f->snapshot, cap, decisions, denials);
        f->kernel_data = f->snapshot;
    }
    f->kernel_kind = k;
    memset(&f->e, 0, sizeof f->e);
    f->e.type = ROMFS_FILE;
    f->e.size = (uint32_t)size;
}

/* Copies up to `cap` bytes of a kernel file from byte `off`; past the end is 0 bytes. */
static size_t kernel_file_read(const struct file_obj *f, uint64_t off, void *buf, size_t cap)
{
    if (off >= f->e.size)
        return 0;
    size_t n = f->e.size - off < cap ? (size_t)(f->e.size - off) : cap;
    memcpy(buf, f->kernel_data + off, n);
    return n;
}

static void file_destroy(struct kobj *obj)
{
    struct file_obj *f = (struct file_obj *)obj;
    if (f->vol != NULL)
        romfs_put(f->vol);
    kobj_free_mem(obj);
}

static const struct kobj_ops file_ops = {KOBJ_FILE, "file", file_destroy};

static Retcode Open(void *ctx, const char *name, idl_handle_t *handle, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    handle->handle = HANDLE_INVALID;
    handle->rights = 0;
    struct romfs_entry e;
    enum kernel_file_kind kind = kernel_file_kind(name);
    size_t extra = kernel_file_snapshot_max(kind);
    struct romfs_volume *vol = kind != KERNEL_FILE_NONE ? NULL : romfs_get();
    Retcode r = kind != KERNEL_FILE_NONE ? rcOk
                : vol                    ? romfs_lookup(&vol->fs, name, &e)
                                         : rcNotFound;
    if (r == rcOk && kind == KERNEL_FILE_NONE && e.type != ROMFS_FILE)
        r = rcInvalidArgument;
    struct file_obj *f = NULL;
    if (r == rcOk)
        r = kobj_new(sizeof *f + extra, &file_ops, &c->proc->kmem, (void **)&f);
    if (r != rcOk && vol != NULL)
        romfs_put(vol);
    if (r == rcOk) {
        f->vol = vol; /* the reference passes to the file */
        f->kernel_data = NULL;
        if (kind != KERNEL_FILE_NONE)
            kernel_file_take(f, kind, extra);
        else
            f->e = e;
        r = core_install(c, f, HR_FILE_FULL, &handle->handle, &handle->rights);
        kobj_unref(&f->obj);
    }
    *rc = r;
    return rcOk;
}

static Retcode get_file(struct core_ctx *c, idl_handle_t h, struct file_obj **f)
{
    return core_get(c, h.handle, KOBJ_FILE, HR_READ, (void **)f);
}

static Retcode Close(void *ctx, idl_handle_t handle, kl_core_Types_Retcode *rc)
{
    *rc = core_close_typed(ctx, handle.handle, KOBJ_FILE);
    return rcOk;
}

static Retcode Read(void *ctx, idl_handle_t handle, uint64_t sector, uint32_t *read,
                    struct idl_seq *data, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *read = 0;
    data->data = NULL;
    data->count = 0;
    data->arena = NULL;
    struct file_obj *f;
    Retcode r = get_file(c, handle, &f);
    if (r == rcOk) {
        size_t got = 0;
        if (sector > UINT64_MAX / kl_core_FS_FsBlockSize)
            r = rcOutOfRange;
        else if (f->kernel_data)
            got = kernel_file_read(f, sector * kl_core_FS_FsBlockSize, c->scratch,
                                   kl_core_FS_FsBlockSize);
        else
            r = romfs_read(&f->vol->fs, &f->e, sector * kl_core_FS_FsBlockSize, c->scratch,
                           kl_core_FS_FsBlockSize, &got);
        if (r == rcOk) {
            *read = (uint32_t)got;
            data->data = c->scratch;
            data->count = (uint32_t)got;
        }
        kobj_unref(&f->obj);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetSize(void *ctx, idl_handle_t handle, kl_core_Types_Size *size,
                       kl_core_Types_Retcode *rc)
{
    struct file_obj *f;
    *size = 0;
    Retcode r = get_file(ctx, handle, &f);
    if (r == rcOk) {
        *size = f->e.size;
        kobj_unref(&f->obj);
    }
    *rc = r;
    return rcOk;
}

static Retcode GetId(void *ctx, idl_handle_t handle, kl_core_FS_FileId *id,
                     kl_core_Types_Retcode *rc)
{
    struct file_obj *f;
    *id = 0;
    Retcode r = get_file(ctx, handle, &f);
    if (r == rcOk) {
        *id = f->kernel_data ? KERNEL_FILE_ID | f->kernel_kind : f->e.offset;
        kobj_unref(&f->obj);
    }
    *rc = r;
    return rcOk;
}

/* Depth-first walk over regular files: calls visit(path, entry) until it returns false.
 * The path is built in `path` (PathMax bytes). Depth is bounded; loops end as romfs says. */
#define FS_WALK_DEPTH 8

struct walk {
    uint32_t index, wanted, seen;
    char *path;
    struct romfs_entry found;
    bool hit;
};

static Retcode walk_dir(struct romfs *fs, const struct romfs_entry *dir, size_t plen, int depth,
                        struct walk *w)
{
    struct romfs_dir it;
    Retcode r = romfs_opendir(fs, dir, &it);
    if (r != rcOk)
        return r;
    struct romfs_entry e;
    while ((r = romfs_readdir(&it, &e)) == rcOk) {
        if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0)
            continue;
        size_t n = strlen(e.name);
        if (plen + 1 + n >= kl_core_Types_PathMax)
            continue; /* a name that does not fit PathMax is not listed */
        w->path[plen] = '/';
        memcpy(w->path + plen + 1, e.name, n + 1);
        if (e.type == ROMFS_FILE) {
            if (w->seen == w->wanted) {
                w->found = e;
                w->hit = true;
                return rcOk;
            }
            w->seen++;
        } else if (e.type == ROMFS_DIR && depth < FS_WALK_DEPTH) {
            r = walk_dir(fs, &e, plen + 1 + n, depth + 1, w);
            if (r != rcOk && r != rcNotFound)
                return r;
            if (w->hit)
                return rcOk;
        }
        w->path[plen] = 0;
    }
    return r == rcNotFound ? rcOk : r;
}

/* Finds the wanted-th file (UINT32_MAX: count them all). */
static Retcode walk(struct core_ctx *c, uint32_t wanted, struct walk *w)
{
    struct romfs_volume *vol = romfs_get();
    if (vol == NULL)
        return rcNotFound;
    struct romfs_entry root;
    Retcode r = romfs_root(&vol->fs, &root);
    w->wanted = wanted;
    w->seen = 0;
    w->hit = false;
    w->path = c->scratch;
    w->path[0] = 0;
    if (r == rcOk)
        r = walk_dir(&vol->fs, &root, 0, 0, w);
    romfs_put(vol); /* only offsets and the path (in scratch) outlive it */
    return r;
}

static Retcode Count(void *ctx, uint32_t *count, kl_core_Types_Retcode *rc)
{
    struct walk w;
    Retcode r = walk(ctx, UINT32_MAX, &w);
    *count = r == rcOk ? w.seen : 0;
    *rc = r;
    return rcOk;
}

static Retcode GetInfo(void *ctx, uint32_t index, uint32_t name_len_max, const char **name,
                       kl_core_FS_FileId *id, kl_core_Types_Retcode *rc)
{
    struct walk w;
    *name = "";
    *id = 0;
    Retcode r = walk(ctx, index, &w);
    if (r == rcOk && !w.hit)
        r = rcNotFound;
    if (r == rcOk) {
        size_t n = strlen(w.path);
        if (n > name_len_max) {
            r = rcBufferTooSmall;
        } else {
            *name = w.path;
            *id = w.found.offset;
        }
    }
    *rc = r;
    return rcOk;
}

static Retcode GetFsSize(void *ctx, kl_core_Types_Size *size, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    struct romfs_volume *vol = romfs_get();
    *size = vol ? vol->fs.size : 0;
    *rc = vol ? rcOk : rcNotFound;
    romfs_put(vol);
    return rcOk;
}

const struct kl_core_FS_ops core_fs_ops = {
    .Open = Open,
    .Close = Close,
    .Read = Read,
    .GetSize = GetSize,
    .GetId = GetId,
    .Count = Count,
    .GetInfo = GetInfo,
    .GetFsSize = GetFsSize,
};
