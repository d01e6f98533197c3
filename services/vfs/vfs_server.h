/*
 * The RAM file system's IPC server (docs/vfs.md): kl.Vfs on channels kl.core.CM makes, one per
 * client process, each served by a thread of its own with that client's open-file table.
 */
#ifndef VFS_SERVER_H
#define VFS_SERVER_H

#include <stdint.h>

#define VFS_TASK_NAME "VfsRamFs"  /* the program's task name in init.yaml */
#define VFS_SERVICE "kl.VfsRamFs" /* the endpoint name a client asks it for (CM.Connect) */
#define VFS_SESSIONS_MAX 8u       /* clients served at once */
#define VFS_MSG_MAX 6144u         /* the largest kl.Vfs message: 4,096 bytes of data + header */

/* Sets up the tree (an empty root) with a budget of bytes_max bytes for the files. */
void vfs_server_init(uint64_t bytes_max);

/* Answers one connection request from CM.Listen: accepts a request for VFS_SERVICE from a
 * process that has no channel yet onto a channel of its own served by a new thread; drops the
 * rest (the client gets rcConnectDropped). */
void vfs_server_take(const char *client, const char *service);

#endif
