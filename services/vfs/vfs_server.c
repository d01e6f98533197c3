/*
 * The RAM file system's IPC server: see vfs_server.h.
 *
 * Who a client is: its channel. A client asks kl.core.CM for a channel to VFS_SERVICE; the
 * per-client sessions (userland/ipc/sessions.c) accept each client process onto a server end
 * of its own, served by a thread of its own, bound to the client's task name (CM.Listen's, the
 * kernel's word) and pid and to a fresh open-file table (vfs_files.h). Every request on that end
 * is served against that table only, so a file id from another channel names nothing here
 * (ErrBadFileId). One channel per client process, at most VFS_SESSIONS_MAX: one process cannot
 * take every session. A session whose client ended is seen within VFS_SESSION_CHECK_MS; it
 * closes its files (vfs_close_session) and frees its slot.
 *
 * Clients Einit connected (init.yaml `connections:` with the SDK's _VFS_CONNECTION_ID): Einit
 * gives this process a server end of its own per such client, bound to the client's task name
 * from Einit's table; each is served as a session from the start (sessions_adopt), before any
 * CM client is taken, so Einit's clients have their slots first. A static client's session ends
 * as a CM client's does: at once when its client end is gone (rcClientGone).
 *
 * The tree is one, shared by every session: tree_lock is held around every handler's use of it.
 */
#include "vfs_server.h"

#include <string.h>

#include <user/cm.h>
#include <user/ipc.h>
#include <user/mutex.h>
#include <user/sessions.h>
#include <vfs/defs.h>

#include "kl/Vfs.idl.h"
#include "kl/VfsRamFs.edl.h"
#include "vfs_errors.h"
#include "vfs_files.h"
#include "vfs_path.h"
#include "vfs_tree.h"

/* The pure parts' values are the interface's (vfs_errors.h). */
_Static_assert(VFS_ERR_PATH_EMPTY == kl_Vfs_ErrPathEmpty, "ErrPathEmpty");
_Static_assert(VFS_ERR_PATH_RELATIVE == kl_Vfs_ErrPathRelative, "ErrPathRelative");
_Static_assert(VFS_ERR_PATH_TOO_LONG == kl_Vfs_ErrPathTooLong, "ErrPathTooLong");
_Static_assert(VFS_ERR_PATH_BAD_BYTE == kl_Vfs_ErrPathBadByte, "ErrPathBadByte");
_Static_assert(VFS_ERR_PATH_ABOVE_ROOT == kl_Vfs_ErrPathAboveRoot, "ErrPathAboveRoot");
_Static_assert(VFS_ERR_PATH_IS_ROOT == kl_Vfs_ErrPathIsRoot, "ErrPathIsRoot");
_Static_assert(VFS_ERR_NOT_FOUND == kl_Vfs_ErrNotFound, "ErrNotFound");
_Static_assert(VFS_ERR_EXISTS == kl_Vfs_ErrExists, "ErrExists");
_Static_assert(VFS_ERR_NOT_DIR == kl_Vfs_ErrNotDir, "ErrNotDir");
_Static_assert(VFS_ERR_IS_DIR == kl_Vfs_ErrIsDir, "ErrIsDir");
_Static_assert(VFS_ERR_DIR_NOT_EMPTY == kl_Vfs_ErrDirNotEmpty, "ErrDirNotEmpty");
_Static_assert(VFS_ERR_BUSY == kl_Vfs_ErrBusy, "ErrBusy");
_Static_assert(VFS_ERR_BAD_FLAGS == kl_Vfs_ErrBadFlags, "ErrBadFlags");
_Static_assert(VFS_ERR_BAD_FILE_ID == kl_Vfs_ErrBadFileId, "ErrBadFileId");
_Static_assert(VFS_ERR_NOT_READABLE == kl_Vfs_ErrNotReadable, "ErrNotReadable");
_Static_assert(VFS_ERR_NOT_WRITABLE == kl_Vfs_ErrNotWritable, "ErrNotWritable");
_Static_assert(VFS_ERR_OFFSET_OVERFLOW == kl_Vfs_ErrOffsetOverflow, "ErrOffsetOverflow");
_Static_assert(VFS_ERR_COUNT_TOO_LARGE == kl_Vfs_ErrCountTooLarge, "ErrCountTooLarge");
_Static_assert(VFS_ERR_FILE_TOO_LARGE == kl_Vfs_ErrFileTooLarge, "ErrFileTooLarge");
_Static_assert(VFS_ERR_TOO_MANY_NODES == kl_Vfs_ErrTooManyNodes, "ErrTooManyNodes");
_Static_assert(VFS_ERR_TOO_MANY_OPEN == kl_Vfs_ErrTooManyOpen, "ErrTooManyOpen");
_Static_assert(VFS_ERR_NO_SPACE == kl_Vfs_ErrNoSpace, "ErrNoSpace");
_Static_assert(VFS_ERR_NO_MORE_ENTRIES == kl_Vfs_ErrNoMoreEntries, "ErrNoMoreEntries");
_Static_assert(VFS_ERR_RENAME_INTO_SELF == kl_Vfs_ErrRenameIntoSelf, "ErrRenameIntoSelf");
_Static_assert(VFS_ERR_NO_MEMORY == kl_Vfs_ErrNoMemory, "ErrNoMemory");
_Static_assert(VFS_PATH_MAX == kl_Vfs_PathMax && VFS_IO_MAX == kl_Vfs_IoMax, "bounds");
_Static_assert(VFS_O_CREAT == kl_Vfs_Create && VFS_O_EXCL == kl_Vfs_Exclusive &&
                   VFS_O_TRUNC == kl_Vfs_Truncate && VFS_O_RDWR == kl_Vfs_ReadWrite,
               "flags");
_Static_assert(VFS_KIND_FILE == kl_Vfs_KindFile && VFS_KIND_DIR == kl_Vfs_KindDir, "kinds");

#define VFS_SESSION_CHECK_MS 2000u /* how long a quiet session waits before it looks */

/* What the server keeps per client (struct session's data). */
struct vfs_session {
    struct vfs_files files;        /* its open files: used by its thread only, under tree_lock */
    char dirent[VFS_NAME_MAX + 1]; /* ReadDir's answer, copied under the lock */
    uint8_t io[VFS_IO_MAX];        /* Read's answer */
};

static struct vfs_tree tree;
static mutex_t tree_lock = MUTEX_INIT; /* guards tree and every session's files */

/* Normalises a path from a request (a string of the message: NUL-terminated). */
static int32_t path_of(const char *in, struct vfs_path *p)
{
    return vfs_path_normalise(in, strlen(in), p);
}

static Retcode vfs_open(void *ctx, const char *path, uint32_t flags, uint32_t mode, uint32_t *fid,
                        int32_t *rc)
{
    struct vfs_session *s = ((struct session *)ctx)->data;
    (void)mode; /* no owners or permission bits: the policy decides who may do what */
    struct vfs_path p;
    *fid = 0;
    *rc = path_of(path, &p);
    if (*rc != VFS_OK)
        return rcOk;
    mutex_lock(&tree_lock);
    *rc = vfs_files_open(&s->files, &tree, &p, flags, fid);
    mutex_unlock(&tree_lock);
    return rcOk;
}

static Retcode vfs_close(void *ctx, uint32_t fid, int32_t *rc)
{
    struct vfs_session *s = ((struct session *)ctx)->data;
    mutex_lock(&tree_lock);
    *rc = vfs_files_close(&s->files, &tree, fid);
    mutex_unlock(&tree_lock);
    return rcOk;
}

static Retcode vfs_read(void *ctx, uint32_t fid, uint64_t offset, uint32_t count,
                        struct idl_seq *data, int32_t *rc)
{
    struct vfs_session *s = ((struct session *)ctx)->data;
    uint32_t got = 0;
    mutex_lock(&tree_lock);
    *rc = vfs_files_read(&s->files, &tree, fid, offset, count, s->io, &got);
    mutex_unlock(&tree_lock);
    *data = (struct idl_seq){.data = s->io, .count = got};
    return rcOk;
}

static Retcode vfs_write(void *ctx, uint32_t fid, uint64_t offset, struct idl_seq data,
                         uint32_t *written, int32_t *rc)
{
    struct vfs_session *s = ((struct session *)ctx)->data;
    mutex_lock(&tree_lock);
    *rc = vfs_files_write(&s->files, &tree, fid, offset, data.data, data.count);
    mutex_unlock(&tree_lock);
    *written = *rc == VFS_OK ? data.count : 0;
    return rcOk;
}

static Retcode vfs_stat(void *ctx, const char *path, uint32_t *kind, uint64_t *size, int32_t *rc)
{
    (void)ctx;
    struct vfs_path p;
    uint32_t node;
    *kind = 0;
    *size = 0;
    *rc = path_of(path, &p);
    if (*rc != VFS_OK)
        return rcOk;
    mutex_lock(&tree_lock);
    *rc = vfs_tree_lookup(&tree, &p, &node);
    if (*rc == VFS_OK)
        vfs_tree_stat(&tree, node, kind, size);
    mutex_unlock(&tree_lock);
    return rcOk;
}

static Retcode vfs_unlink(void *ctx, const char *path, int32_t *rc)
{
    (void)ctx;
    struct vfs_path p;
    *rc = path_of(path, &p);
    if (*rc != VFS_OK)
        return rcOk;
    mutex_lock(&tree_lock);
    *rc = vfs_tree_unlink(&tree, &p);
    mutex_unlock(&tree_lock);
    return rcOk;
}

static Retcode vfs_mkdir(void *ctx, const char *path, uint32_t mode, int32_t *rc)
{
    (void)ctx;
    (void)mode;
    struct vfs_path p;
    uint32_t node;
    *rc = path_of(path, &p);
    if (*rc != VFS_OK)
        return rcOk;
    mutex_lock(&tree_lock);
    *rc = vfs_tree_create(&tree, &p, VFS_KIND_DIR, &node);
    mutex_unlock(&tree_lock);
    return rcOk;
}

static Retcode vfs_readdir(void *ctx, const char *path, uint32_t index, const char **name,
                           uint32_t *kind, int32_t *rc)
{
    struct vfs_session *s = ((struct session *)ctx)->data;
    struct vfs_path p;
    uint32_t node;
    const char *n = "";
    *kind = 0;
    s->dirent[0] = 0;
    *name = s->dirent;
    *rc = path_of(path, &p);
    if (*rc != VFS_OK)
        return rcOk;
    mutex_lock(&tree_lock);
    *rc = vfs_tree_lookup(&tree, &p, &node);
    if (*rc == VFS_OK)
        *rc = vfs_tree_readdir(&tree, node, index, &n, kind);
    /* Copied while the lock is held: the reply is written after it is released. */
    strcpy(s->dirent, n);
    mutex_unlock(&tree_lock);
    return rcOk;
}

static Retcode vfs_rename(void *ctx, const char *from, const char *to, int32_t *rc)
{
    (void)ctx;
    struct vfs_path a, b;
    *rc = path_of(from, &a);
    if (*rc == VFS_OK)
        *rc = path_of(to, &b);
    if (*rc != VFS_OK)
        return rcOk;
    mutex_lock(&tree_lock);
    *rc = vfs_tree_rename(&tree, &a, &b);
    mutex_unlock(&tree_lock);
    return rcOk;
}

static const struct kl_Vfs_ops ops = {.Open = vfs_open,
                                      .Close = vfs_close,
                                      .Read = vfs_read,
                                      .Write = vfs_write,
                                      .Stat = vfs_stat,
                                      .Unlink = vfs_unlink,
                                      .Mkdir = vfs_mkdir,
                                      .ReadDir = vfs_readdir,
                                      .Rename = vfs_rename};

static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    return kl_Vfs_dispatch(&ops, ctx, req, len, res, cap, res_len);
}

/* A new client starts with no open files. */
static void vfs_open_session(struct session *s)
{
    struct vfs_session *c = s->data;
    vfs_files_init(&c->files);
}

/* An ended client's open files are closed (its channel ended). */
static void vfs_close_session(struct session *s)
{
    struct vfs_session *c = s->data;
    mutex_lock(&tree_lock);
    vfs_files_close_all(&c->files, &tree);
    mutex_unlock(&tree_lock);
}

SESSIONS_DEFINE(sessions, VFS_SESSIONS_MAX, VFS_MSG_MAX, struct vfs_session, .name = VFS_TASK_NAME,
                .service = VFS_SERVICE, .riid = kl_VfsRamFs_EP_vfs_vfs, .client_max = CM_NAME_MAX,
                .check_ms = VFS_SESSION_CHECK_MS, .dispatch = dispatch, .open = vfs_open_session,
                .close = vfs_close_session);

void vfs_server_run(uint64_t bytes_max)
{
    vfs_tree_init(&tree, bytes_max);
    (void)sessions_adopt(&sessions, _VFS_CONNECTION_ID);
    sessions_run(&sessions);
}
