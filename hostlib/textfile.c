/* Reading input files and locating bytes in them (contract in textfile.h). */
#include "hostlib/textfile.h"

#include <errno.h>
#include <stdio.h>

char *host_read_file(struct host_arena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *buf = host_alloc(a, cap + 1);
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = host_realloc(a, buf, cap + 1);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        host_free(a, buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

void host_text_pos(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}
