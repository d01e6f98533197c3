/* libFuzzer target for the ROMFS checker FSUnsafe.Change runs on a caller's image
 * (kern/fs/romfs.c romfs_mount + romfs_check): any bytes end in rcOk or a named error, and an
 * image the checker accepts can be walked and read entirely without reading outside it (the
 * address sanitizer watches every read of the copy, which is exactly the input's size). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/romfs.h"

static void read_all(struct romfs *fs, const struct romfs_entry *dir, unsigned depth)
{
    struct romfs_dir it;
    struct romfs_entry e;
    if (depth > ROMFS_CHECK_DEPTH || romfs_opendir(fs, dir, &it) != rcOk)
        return;
    while (romfs_readdir(&it, &e) == rcOk) {
        char buf[64];
        size_t got = 0;
        if (e.type == ROMFS_FILE) {
            (void)romfs_read(fs, &e, 0, buf, sizeof buf, &got);
            /* A file the loader would map in place: its every page lies inside the image. */
            if (romfs_data_pages(fs, &e) == rcOk &&
                (e.data % ROMFS_PAGE != 0 || e.data > fs->size || e.size > fs->size - e.data))
                abort();
        } else if (e.type == ROMFS_DIR && strcmp(e.name, ".") != 0 && strcmp(e.name, "..") != 0)
            read_all(fs, &e, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    struct romfs fs;
    if (romfs_mount(&fs, copy, size) == rcOk && romfs_check(&fs) == rcOk) {
        struct romfs_entry root, e;
        (void)romfs_root(&fs, &root);
        read_all(&fs, &root, 0);
        (void)romfs_lookup(&fs, "/a/b", &e);
    }
    free(copy);
    return 0;
}
