/* Input files of the host tools: read whole, and byte offsets turned into line:column. */
#ifndef HOSTLIB_TEXTFILE_H
#define HOSTLIB_TEXTFILE_H

#include <stddef.h>

#include "hostlib/arena.h"

/* The whole file, NUL-terminated, allocated from a (*len, if len is not NULL, excludes the
 * terminating NUL). NULL with errno set if it cannot be opened or read (EIO). */
char *host_read_file(struct host_arena *a, const char *path, size_t *len);

/* The line and column (both from 1) of byte offset off of text; a column counts bytes. */
void host_text_pos(const char *text, size_t off, int *line, int *col);

#endif
