/*
 * VfsRamFs (class kl.VfsRamFs): Bastion's RAM file system program (docs/vfs.md). Its main thread
 * takes connection requests with kl.core.CM.Listen and hands each to the server
 * (vfs_server.c), which serves every client's channel on a thread of its own. The files live
 * in this process's heap, within VFS_BYTES_MAX bytes.
 */
#include <stdio.h>

#include <user/cm.h>
#include <user/core.h>

#include "vfs_server.h"
#include "vfs_tree.h"

int main(void)
{
    vfs_server_init(VFS_BYTES_MAX);
    for (;;) {
        char c[CM_NAME_MAX + 1], sv[CM_SERVICE_MAX + 1];
        Retcode r = cm_listen(0, c, sv);
        if (r != rcOk) {
            printf("VfsRamFs: Listen returned %s\n", retcode_name(r));
            core_thread_sleep(100);
            continue;
        }
        vfs_server_take(c, sv);
    }
}
