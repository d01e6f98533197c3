/* Reads a whole file into memory, for the host tools and tests of this folder. */
#ifndef IDL_COMPLETENESS_TEXTFILE_H
#define IDL_COMPLETENESS_TEXTFILE_H

#include <stddef.h>

/* Returns a malloc'ed, NUL-terminated copy of the file (len excludes the NUL), or NULL with
 * errno set. */
char *textfile_read(const char *path, size_t *len);

#endif
