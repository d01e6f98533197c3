/*
 * A whole kernel file (a read-only file the kernel makes itself, under /.kernel/) read through
 * kl.core.FS into the caller's buffer, block by block. The tables' readers (task_table.h,
 * security_table.h) check what it read; this only moves bytes.
 */
#ifndef USER_KERNEL_FILE_H
#define USER_KERNEL_FILE_H

#include <stddef.h>

#include <bastion/retcode.h>

/* Reads the file at `path` into buf (cap bytes); *len is its size. Errors: FS.Open's and
 * FS.Read's (rcSecurityDisallow when the policy refuses, rcNotFound), rcBadFormat when the file
 * is longer than cap (no table this reader knows is that large). */
Retcode kernel_file_read(const char *path, void *buf, size_t cap, size_t *len);

#endif
