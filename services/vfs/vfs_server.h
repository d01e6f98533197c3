/*
 * The RAM file system's IPC server (docs/vfs.md): kl.Vfs on channels kl.core.CM or Einit makes,
 * one per client process, each served by a thread of its own with that client's open-file table.
 */
#ifndef VFS_SERVER_H
#define VFS_SERVER_H

#include <stdint.h>

#define VFS_TASK_NAME "VfsRamFs"  /* the prefix of its log lines (its task name may differ) */
#define VFS_SERVICE "kl.VfsRamFs" /* the endpoint name a client asks it for (CM.Connect) */
#define VFS_SESSIONS_MAX 8u       /* clients served at once */
#define VFS_MSG_MAX 6144u         /* the largest kl.Vfs message: 4,096 bytes of data + header */

/* Sets up the tree (an empty root) with a budget of bytes_max bytes for the files, serves every
 * channel Einit made for one static client (vfs/defs.h's _VFS_CONNECTION_ID) as that client's
 * session, then serves connection requests from CM.Listen forever (<user/sessions.h>): a request for VFS_SERVICE
 * from a process that has no channel yet is accepted onto a channel of its own served by a new
 * thread; the rest are dropped (the client gets rcConnectDropped). */
__attribute__((noreturn)) void vfs_server_run(uint64_t bytes_max);

#endif
