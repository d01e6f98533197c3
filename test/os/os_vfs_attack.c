/*
 * os_vfs_attack (class ostest.AttackVfs, task VfsAttack): an untrusted client of the RAM file
 * system (services/vfs). Its policy (policy/ostest.psl) grants kl.Vfs Open with flags ReadOnly,
 * Read, Close, Stat and ReadDir on kl.VfsRamFs, nothing that changes a file.
 *
 *   - it waits for /shared/fid, where VfsTest (os_vfs) wrote the id of its open /shared/secret,
 *     and uses that id: Read and Close answer ErrBadFileId (an id is looked up only in the
 *     table of the channel it came on), and so does every other id value it tries;
 *   - it opens the secret read-only (granted) and reads it;
 *   - Write on its own id, Open for writing, Unlink, Mkdir and Rename are denied by the monitor
 *     (rcSecurityDisallow), and the secret's size is unchanged.
 * VfsTest, the bystander, then checks that it is still served (os_vfs.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>

#include "ostest.h"
#include "vfs_client.h"

static struct vfs_client vc;
static uint8_t buf[256];

/* The id VfsTest wrote into /shared/fid, waiting up to 60 s for the file. */
static bool stolen_id(uint32_t *id)
{
    uint32_t kind, fid, got = 0;
    uint64_t size;
    for (int i = 0; i < 600 && vfs_c_stat(&vc, "/shared/fid", &kind, &size) != 0; i++)
        core_thread_sleep(100);
    if (!VFS_RC(vfs_c_open(&vc, "/shared/fid", kl_Vfs_ReadOnly, &fid), 0))
        return false;
    VFS_RC(vfs_c_read(&vc, fid, 0, sizeof buf - 1, buf, &got), 0);
    VFS_RC(vfs_c_close(&vc, fid), 0);
    buf[got] = 0;
    *id = (uint32_t)strtoul((const char *)buf, NULL, 10);
    return OT_TRUE(*id != 0);
}

int main(void)
{
    ot_begin("os_vfs_attack");
    uint32_t id, mine, got, w, kind;
    uint64_t size = 0, after = 1;
    if (!OT_RC(vfs_client_connect(&vc), rcOk) || !stolen_id(&id))
        return ot_end();
    /* Another client's id, and every id this client never opened. */
    VFS_RC(vfs_c_read(&vc, id, 0, 64, buf, &got), kl_Vfs_ErrBadFileId);
    VFS_RC(vfs_c_close(&vc, id), kl_Vfs_ErrBadFileId);
    uint32_t refused = 0, tried = 0;
    for (uint32_t gen = 0; gen < 64; gen++)
        for (uint32_t slot = 0; slot <= 17; slot++, tried++)
            refused += vfs_c_read(&vc, (gen << 8) | slot, 0, 1, buf, &got) == kl_Vfs_ErrBadFileId;
    OT_EQ(refused, tried);
    /* What the policy grants. */
    VFS_RC(vfs_c_stat(&vc, "/shared/secret", &kind, &size), 0);
    if (VFS_RC(vfs_c_open(&vc, "/shared/secret", kl_Vfs_ReadOnly, &mine), 0)) {
        VFS_RC(vfs_c_read(&vc, mine, 0, sizeof buf, buf, &got), 0);
        OT_TRUE(got == size && got > 0);
        /* What it denies: the monitor answers, the server never sees the request. */
        VFS_RC(vfs_c_write(&vc, mine, 0, "owned", 5, &w), rcSecurityDisallow);
        VFS_RC(vfs_c_close(&vc, mine), 0);
    }
    VFS_RC(vfs_c_open(&vc, "/shared/secret", kl_Vfs_ReadWrite, &mine), rcSecurityDisallow);
    VFS_RC(vfs_c_open(&vc, "/shared/new", kl_Vfs_ReadOnly | kl_Vfs_Create, &mine),
           rcSecurityDisallow);
    VFS_RC(vfs_c_unlink(&vc, "/shared/secret"), rcSecurityDisallow);
    VFS_RC(vfs_c_mkdir(&vc, "/mine"), rcSecurityDisallow);
    VFS_RC(vfs_c_rename(&vc, "/shared/secret", "/stolen"), rcSecurityDisallow);
    VFS_RC(vfs_c_stat(&vc, "/shared/secret", &kind, &after), 0);
    OT_EQ(after, size);
    printf("os_vfs_attack: %u of %u ids refused, Write, Unlink, Mkdir, Rename and Open for "
           "writing denied\n",
           (unsigned)refused, (unsigned)tried);
    return ot_end();
}
