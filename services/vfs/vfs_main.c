/*
 * VfsRamFs (class kl.VfsRamFs): Bastion's RAM file system program (docs/vfs.md). Its main thread
 * runs the server (vfs_server.c): it takes connection requests with kl.core.CM.Listen, and
 * every client's channel is served on a thread of its own. The files live in this process's
 * heap, within VFS_BYTES_MAX bytes.
 */
#include "vfs_server.h"
#include "vfs_tree.h"

int main(void)
{
    vfs_server_run(VFS_BYTES_MAX);
}
