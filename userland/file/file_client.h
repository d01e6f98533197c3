/*
 * The file library's side of the RAM file system (docs/vfs.md "libc: the file calls"): its one channel to
 * VfsRamFs and the lock every call holds.
 *
 * The channel is taken at the first call that needs it: the one Einit made when init.yaml gives
 * the program a connection with the SDK's id (vfs/defs.h's _VFS_CONNECTION_ID), else one through
 * kl.core.CM (CM.Connect("VfsRamFs", "kl.VfsRamFs"), and to the task "kl.VfsRamFs", the SDK's
 * default name, when no task is named VfsRamFs; waiting for the server to listen as
 * cm_connect_retry does). It is kept for the life of the process; a connect that failed is
 * tried again at the next call. The file system knows a client by its channel: the file ids of this process are ids of
 * that channel. One lock serialises the calls of the process's threads: they share the
 * channel's message buffers and the descriptors' positions.
 */
#ifndef USER_FILE_CLIENT_H
#define USER_FILE_CLIENT_H

#include <stdint.h>

#include <bastion/retcode.h>

#include "bastion_idl.h"
#include "kl/Vfs.idl.h"

#define FILE_SERVER "VfsRamFs"        /* the file system's task name in Bastion's images */
#define FILE_SERVER_SDK "kl.VfsRamFs" /* its name when init.yaml gives none (the class) */
#define FILE_ENDPOINT "kl.VfsRamFs"   /* the endpoint it accepts (services/vfs) */

/* Takes the lock and returns the client on the channel, connecting it first if need be; NULL
 * (the lock released, errno set: EACCES when the policy refused the connection) when there is
 * no channel. Every successful file_call_begin has its file_call_end. */
struct idl_client *file_call_begin(void);
void file_call_end(void);

/* Sets errno from the transport's Retcode, else the method's rc (file_errno.h), and returns
 * -1; 0 when both are 0. rc is taken by address: the proxy writes it during the call, and
 * file_fail(kl_Vfs_X(..., &rc), &rc) reads it only after (an argument `rc` by value may be
 * read before the call is made: C leaves the order of arguments open). */
int file_fail(Retcode call, const int32_t *rc);

#endif
