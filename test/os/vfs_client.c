/* The RAM file system's test client: see vfs_client.h. */
#include "vfs_client.h"

#include <string.h>

#include <user/cm.h>
#include <user/core.h>

#include "vfs_errors.h"

#define VFS_TASK "VfsRamFs"
#define VFS_ENDPOINT "kl.VfsRamFs"

Retcode vfs_client_connect(struct vfs_client *c)
{
    uint32_t riid = 0;
    /* Started together with its clients, the server may not listen yet. */
    Retcode r = cm_connect_retry(VFS_TASK, VFS_ENDPOINT, 5000, &c->ch, &riid);
    if (r != rcOk)
        return r;
    ipc_client_init(&c->cl, &c->ch, riid, c->req, sizeof c->req, c->res, sizeof c->res);
    return rcOk;
}

/* The call's rc when it went through, else the transport's. */
static int32_t both(Retcode call, int32_t rc)
{
    return call != rcOk ? (int32_t)call : rc;
}

int32_t vfs_c_open(struct vfs_client *c, const char *path, uint32_t flags, uint32_t *fid)
{
    int32_t rc = 0;
    *fid = 0;
    Retcode r = kl_Vfs_Open(&c->cl, path, flags, 0644, fid, &rc);
    return both(r, rc);
}

int32_t vfs_c_close(struct vfs_client *c, uint32_t fid)
{
    int32_t rc = 0;
    Retcode r = kl_Vfs_Close(&c->cl, fid, &rc);
    return both(r, rc);
}

int32_t vfs_c_read(struct vfs_client *c, uint32_t fid, uint64_t off, uint32_t count, void *buf,
                   uint32_t *got)
{
    int32_t rc = 0;
    struct idl_seq data = {0};
    *got = 0;
    Retcode r = kl_Vfs_Read(&c->cl, fid, off, count, &data, &rc);
    r = both(r, rc);
    if (r == 0 && data.count <= count) {
        memcpy(buf, data.data, data.count);
        *got = data.count;
    }
    return r;
}

int32_t vfs_c_write(struct vfs_client *c, uint32_t fid, uint64_t off, const void *data,
                    uint32_t len, uint32_t *written)
{
    int32_t rc = 0;
    *written = 0;
    Retcode r =
        kl_Vfs_Write(&c->cl, fid, off, (struct idl_seq){.data = data, .count = len}, written, &rc);
    return both(r, rc);
}

int32_t vfs_c_stat(struct vfs_client *c, const char *path, uint32_t *kind, uint64_t *size)
{
    int32_t rc = 0;
    Retcode r = kl_Vfs_Stat(&c->cl, path, kind, size, &rc);
    return both(r, rc);
}

int32_t vfs_c_unlink(struct vfs_client *c, const char *path)
{
    int32_t rc = 0;
    Retcode r = kl_Vfs_Unlink(&c->cl, path, &rc);
    return both(r, rc);
}

int32_t vfs_c_mkdir(struct vfs_client *c, const char *path)
{
    int32_t rc = 0;
    Retcode r = kl_Vfs_Mkdir(&c->cl, path, 0755, &rc);
    return both(r, rc);
}

int32_t vfs_c_readdir(struct vfs_client *c, const char *path, uint32_t index, char name[256],
                      uint32_t *kind)
{
    int32_t rc = 0;
    const char *n = "";
    name[0] = 0;
    Retcode r = kl_Vfs_ReadDir(&c->cl, path, index, &n, kind, &rc);
    r = both(r, rc);
    if (r == 0) {
        strncpy(name, n, 255);
        name[255] = 0;
    }
    return r;
}

int32_t vfs_c_rename(struct vfs_client *c, const char *from, const char *to)
{
    int32_t rc = 0;
    Retcode r = kl_Vfs_Rename(&c->cl, from, to, &rc);
    return both(r, rc);
}

const char *vfs_c_name(int32_t rc)
{
    return rc <= -1001 ? vfs_error_name(rc) : retcode_name(rc);
}
