/*
 * Loading descriptions: files named on the command line, then every package they import
 * (a.b.C -> a/b/C.idl in the include dirs, else C.idl in the flat dirs) and every component
 * their classes embed (a.b.C -> defined in a loaded file, else a/b/C.cdl or C.cdl the same
 * way), with cyclic imports reported.
 */
#ifndef IDLC_LOADER_H
#define IDLC_LOADER_H

#include "model.h"

/* Parses one file by its extension (.idl, .edl, .cdl) and marks it for generation. */
void load_file(struct model *m, const char *path);
/* Loads everything reachable from the files loaded so far. */
void load_dependencies(struct model *m);
char *read_file_or_die(const char *path, struct loc at);

#endif
