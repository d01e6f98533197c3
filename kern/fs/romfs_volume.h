/*
 * The ROMFS volume programs see (kl.core.FS, Task's program loader, the monitor's choice) and
 * its replacement by kl.core.FSUnsafe.Change.
 *
 * A volume is the image and its mount; at boot it is the GRUB module (fs/romfs_boot.c). Change
 * installs a new one: a kernel-owned copy of the caller's image, checked whole (romfs_check)
 * before it is installed, its memory charged to the caller's kernel-memory account. Each user
 * takes a reference (romfs_get) for as long as it reads the image; a volume is freed, and its
 * charge returned, when the last reference goes (the boot volume never goes). So:
 *   - a file already open keeps reading the volume it was opened in (its file object holds a
 *     reference); new Opens, Count/GetInfo and new programs see the new volume;
 *   - a replacement never frees memory a reader is using.
 */
#ifndef BASTION_FS_ROMFS_VOLUME_H
#define BASTION_FS_ROMFS_VOLUME_H

#include <bastion/retcode.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/romfs.h"

struct kmem_account;

/* Largest image Change takes (bytes): rcOutOfRange above. */
#define ROMFS_CHANGE_MAX (16u << 20)

struct romfs_volume {
    uint32_t refs; /* atomic; the current volume holds one */
    struct romfs fs;
    struct kmem_account *acct; /* charged for this struct and image; NULL for the boot volume */
    void *image;               /* the kernel's copy; NULL for the boot volume (the module) */
};

/* The boot volume becomes the current one (romfs_boot, once). */
void romfs_volume_boot(struct romfs *boot);

/* The current volume with a new reference (NULL before boot); romfs_put gives it back. */
struct romfs_volume *romfs_get(void);
void romfs_put(struct romfs_volume *v);

/*
 * Copies size bytes at the caller's user address base into kernel memory charged to acct,
 * mounts and checks them, and makes them the current volume. The previous one goes with its
 * last reference. rcInvalidArgument: size 0; rcOutOfRange: size > ROMFS_CHANGE_MAX;
 * rcQuotaExceeded/rcOutOfMemory: no room; copy_from_user's codes for a bad range; romfs_mount's
 * and romfs_check's codes for an image that is not a sound ROMFS volume (the kernel prints the
 * reason and offset). On any failure the current volume stays.
 */
Retcode romfs_change(uint64_t base, uint64_t size, struct kmem_account *acct);

#endif
