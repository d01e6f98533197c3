/*
 * opendir, readdir and closedir (<dirent.h>) over kl.Vfs ReadDir: a DIR keeps the directory's
 * path and the index of the next entry, and each readdir asks the file system for that entry.
 * The file system keeps a directory's entries in a stable order while it does not change; an
 * entry made or removed between two readdir calls may move the others by one (one entry seen
 * twice or not at all), as POSIX leaves it unspecified.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file_client.h"
#include "file_path.h"

struct file_dir {
    char path[FILE_PATH_MAX + 1];
    uint32_t index; /* of the next entry */
    struct dirent entry;
};

DIR *opendir(const char *path)
{
    char p[FILE_PATH_MAX + 1];
    if (file_path(path, p) < 0)
        return NULL;
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return NULL;
    uint32_t kind = 0;
    uint64_t size = 0;
    int32_t rc = 0;
    int r = file_fail(kl_Vfs_Stat(cl, p, &kind, &size, &rc), &rc);
    file_call_end();
    if (r < 0)
        return NULL;
    if (kind != kl_Vfs_KindDir) {
        errno = ENOTDIR;
        return NULL;
    }
    DIR *d = malloc(sizeof *d);
    if (d == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(d->path, p, sizeof p);
    d->index = 0;
    return d;
}

struct dirent *readdir(DIR *d)
{
    if (d == NULL) {
        errno = EBADF;
        return NULL;
    }
    struct idl_client *cl = file_call_begin();
    if (cl == NULL)
        return NULL;
    const char *name = "";
    uint32_t kind = 0;
    int32_t rc = 0;
    Retcode r = kl_Vfs_ReadDir(cl, d->path, d->index, &name, &kind, &rc);
    if (r == rcOk && rc == 0) {
        /* The name points into the response buffer: copied before the lock goes. */
        strncpy(d->entry.d_name, name, sizeof d->entry.d_name - 1);
        d->entry.d_name[sizeof d->entry.d_name - 1] = 0;
    }
    file_call_end();
    if (r == rcOk && rc == kl_Vfs_ErrNoMoreEntries)
        return NULL; /* the end: errno untouched, as POSIX */
    if (file_fail(r, &rc) < 0)
        return NULL;
    d->entry.d_ino = d->index + 1u;
    d->entry.d_type = kind == kl_Vfs_KindDir    ? DT_DIR
                      : kind == kl_Vfs_KindFile ? DT_REG
                                                : DT_UNKNOWN;
    d->index++;
    return &d->entry;
}

int closedir(DIR *d)
{
    if (d == NULL) {
        errno = EBADF;
        return -1;
    }
    free(d);
    return 0;
}
