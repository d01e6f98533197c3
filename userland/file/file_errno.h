/* The POSIX error number of the RAM file system's answer: a kl.Vfs Err* code (idl/kl/Vfs.idl)
 * or a Retcode of the IPC that carried it (rcSecurityDisallow, the monitor's refusal, is
 * EACCES). */
#ifndef USER_FILE_ERRNO_H
#define USER_FILE_ERRNO_H

#include <stdint.h>

/* 0 for 0; EIO for a value the table does not name. */
int file_errno(int32_t rc);

#endif
