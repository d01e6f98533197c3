/*
 * The VFS's static connection name, where KasperskyOS CE's SDK has it (sysroot's vfs/defs.h):
 * an init.yaml entry gives a program the file system with
 *
 *   connections:
 *   - target: kl.VfsRamFs
 *     id: {var: _VFS_CONNECTION_ID, include: vfs/defs.h}
 *
 * and the file library (userland/file) looks this name up among the program's named handles
 * before it asks kl.core.CM (docs/vfs.md "Static connections"). Einit gives a server of class
 * kl.VfsRamFs a server end of its own per such client (services/einit/einit.c), and VfsRamFs
 * serves each as that client's session (services/vfs/vfs_server.c).
 *
 * The SDK's value is not public; programs and descriptions use the macro, never the text. This
 * one is a valid plain id (letters only) and no other connection of the tree uses it.
 */
#ifndef VFS_DEFS_H
#define VFS_DEFS_H

#define _VFS_CONNECTION_ID "VFS"

#endif
