/* Bastion userland libc: <dirent.h> subset: a directory of the RAM file system listed
 * (userland/file). d_ino is the entry's position plus 1, not an inode (the file system has
 * none), so that no entry has 0. */
#ifndef _DIRENT_H
#define _DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8

struct dirent {
    ino_t d_ino;
    unsigned char d_type;
    char d_name[256];
};

typedef struct file_dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *dir);
int closedir(DIR *dir);

#endif
