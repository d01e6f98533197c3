/* A path of a file call as the RAM file system wants it. No system calls: host-tested. */
#ifndef USER_FILE_PATH_H
#define USER_FILE_PATH_H

#define FILE_PATH_MAX 255 /* kl.Vfs PathMax: a path's bytes, its NUL not counted */

/* `path` into out: a relative path is taken from "/" (the working directory of every process:
 * there is no chdir); the file system normalises the rest (docs/vfs.md "Paths"). 0, or -1 with
 * errno EFAULT (NULL), ENOENT (""), ENAMETOOLONG (more than FILE_PATH_MAX bytes). */
int file_path(const char *path, char out[FILE_PATH_MAX + 1]);

#endif
