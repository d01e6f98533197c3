/*
 * ROMFS: a read-only parser of the Linux romfs image format, used for the boot module that
 * carries user programs, the policy and the init description.
 *
 * Format (all fields big-endian, every header 16-byte aligned):
 *   superblock: "-rom1fs-", u32 full_size, u32 checksum, volume name (NUL, padded to 16)
 *     The 32-bit big-endian words of the first min(512, full_size) bytes sum to 0.
 *   file header: u32 next (offset of the next entry in the same directory; low 4 bits are
 *     the type (bits 0-2) and the executable flag (bit 3)), u32 spec, u32 size, u32 checksum,
 *     name (NUL, padded to 16), then `size` data bytes. The words of the 16-byte header plus
 *     the padded name sum to 0.
 *     spec: directory -> offset of its first entry; hard link -> offset of the target header;
 *     device -> major/minor; others 0.
 *   The root directory is the chain that starts right after the superblock.
 *   Headers may be followed by padding before the next one (next is an offset, not a length).
 *
 * The page-aligned image store: Bastion's images are made with `genromfs -a 4096`, which pads
 * before each regular file's header so that its data starts at an image offset that is a
 * multiple of ROMFS_PAGE. Loaded page-aligned (GRUB's module alignment tag), such a file's
 * page k is then a whole frame of the image, which the program loader maps into every process
 * that runs it instead of copying it (romfs_data_pages says whether a file qualifies). The
 * parser itself accepts any 16-byte alignment: an image without the padding is still sound,
 * its programs are copied.
 *
 * Pure code (host tested). The image is never written; every offset read from it is checked
 * against full_size before use, chains are bounded (a loop is an error, not a hang) and names
 * must be NUL-terminated inside the image. Not thread-safe for the same struct romfs (the
 * error fields are written on failure); the image itself may be shared.
 */
#ifndef BASTION_FS_ROMFS_H
#define BASTION_FS_ROMFS_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROMFS_NAME_MAX 255 /* longest name accepted (bytes, without the NUL) */
#define ROMFS_LINK_HOPS 8  /* hard links followed before declaring a loop */

enum romfs_type {
    ROMFS_HARDLINK = 0,
    ROMFS_DIR = 1,
    ROMFS_FILE = 2,
    ROMFS_SYMLINK = 3,
    ROMFS_BLOCKDEV = 4,
    ROMFS_CHARDEV = 5,
    ROMFS_SOCKET = 6,
    ROMFS_FIFO = 7,
};

struct romfs {
    const uint8_t *image;
    uint32_t size; /* full_size from the superblock (<= bytes available) */
    uint32_t root; /* offset of the first header of the root directory */
    const char *volume;
    /* romfs_check passed on this mount and walked every directory: every header a lookup or
     * directory walk can reach has been checked, its checksum included. The image is never written (the boot module, or the
     * kernel's copy a Change installs), so that stays true: romfs_stat then reads a header
     * without summing it again (the bounds are still checked: they are what a read relies on,
     * and cheap). romfs_mount clears it. */
    bool checked;
    /* Set on failure: reason and image offset, for a panic message that says what broke. */
    const char *error;
    uint32_t error_offset;
};

struct romfs_entry {
    uint32_t offset; /* of this header (after hard links were followed: the target's) */
    uint32_t next;   /* offset of the next sibling header, 0 at the end of the directory */
    uint8_t type;    /* enum romfs_type; never ROMFS_HARDLINK after resolution */
    bool exec;
    uint32_t spec;
    uint32_t size;    /* data bytes */
    uint32_t data;    /* offset of the data */
    const char *name; /* the name in the directory it was found in (NUL-terminated, in image) */
};

struct romfs_dir {
    struct romfs *fs;
    uint32_t next;  /* header to return next, 0 when done */
    uint32_t steps; /* entries returned so far; bounds a looping chain */
};

/*
 * Validate the superblock of the image at `image` (`avail` readable bytes).
 * rcTruncated: avail shorter than the superblock or full_size. rcBadFormat: bad magic,
 * unterminated volume name, full_size too small. rcBadChecksum: superblock checksum mismatch.
 */
Retcode romfs_mount(struct romfs *fs, const void *image, size_t avail);

/*
 * Check a mounted image as a whole before trusting it (FSUnsafe.Change): every header of every
 * directory, depth first from the root, as romfs_readdir/romfs_stat read it (alignment, range,
 * name, checksum, hard links, data inside the image), directory chains that loop, and directories
 * nested deeper than ROMFS_CHECK_DEPTH (which is also how a directory that contains itself ends).
 * The first error is returned with fs->error and fs->error_offset set: rcAlignment, rcOutOfRange,
 * rcBadFormat, rcBadChecksum. On success fs->checked is set, unless a "." or ".." entry names
 * a directory that is not the one walked or an ancestor (its chain was not walked): later reads
 * then skip the header checksums (the image must not change while it is mounted).
 */
#define ROMFS_CHECK_DEPTH 16
Retcode romfs_check(struct romfs *fs);

/* The root directory as an entry. */
Retcode romfs_root(struct romfs *fs, struct romfs_entry *out);

/*
 * Read and check the header at `offset`, following hard links.
 * rcAlignment: offset not 16-aligned. rcOutOfRange: header, name or data past the image end.
 * rcBadFormat: unterminated or too long name, hard-link loop. rcBadChecksum: header checksum
 * (summed only while fs->checked is false).
 */
Retcode romfs_stat(struct romfs *fs, uint32_t offset, struct romfs_entry *out);

/* Iterate a directory (entry of type ROMFS_DIR). rcInvalidArgument: not a directory. */
Retcode romfs_opendir(struct romfs *fs, const struct romfs_entry *dir, struct romfs_dir *it);
/* Next entry; rcNotFound at the end; rcBadFormat when the sibling chain loops. */
Retcode romfs_readdir(struct romfs_dir *it, struct romfs_entry *out);

/*
 * Look up a '/'-separated path from the root ("/bin/init", "etc/policy"; "" or "/" is the
 * root). "." and ".." work as stored in the image. rcNotFound: no such entry;
 * rcInvalidArgument: a middle component is not a directory, or a component is too long.
 */
Retcode romfs_lookup(struct romfs *fs, const char *path, struct romfs_entry *out);

/*
 * Copy up to len bytes of a file from byte `pos` into buf; *got is the number copied (0 at
 * or beyond the end). rcInvalidArgument: not a regular file (or a symlink's target text).
 */
Retcode romfs_read(struct romfs *fs, const struct romfs_entry *file, uint64_t pos, void *buf,
                   size_t len, size_t *got);

/* Pointer to a file's data inside the image (zero-copy, e.g. for the ELF loader). */
const void *romfs_data(const struct romfs *fs, const struct romfs_entry *file);

/*
 * Whether the data of `file` can be mapped in place page by page: it is a regular file whose
 * data starts on an image page (offset a multiple of ROMFS_PAGE) and lies inside the image.
 * rcInvalidArgument: not a regular file (or NULL); rcAlignment: its data does not start on a
 * page; rcOutOfRange: the data reaches past the image end. fs->error says which.
 * (Whether the image itself lies page-aligned in memory is the caller's to check.)
 */
#define ROMFS_PAGE 4096u
Retcode romfs_data_pages(struct romfs *fs, const struct romfs_entry *file);

/* "file", "dir", ... for listings. */
const char *romfs_type_name(unsigned type);

#ifndef BASTION_HOST
/* Kernel side (fs/romfs_boot.c): mounts the GRUB module whose command line is "romfs" and
 * lists it; panics naming the module when it is missing or corrupt. After paging_init(). */
struct boot_info;
void romfs_boot(const struct boot_info *bi);
/* The boot ROMFS, or NULL before romfs_boot(). */
struct romfs *romfs_boot_fs(void);
#endif

#endif
