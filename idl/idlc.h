/*
 * idlc as a library: the driver that tests call in-process and main.c wraps.
 * CLI: idlc [-I dir | --include-dir dir]... [-F dir | --flat-dir dir]... --out-dir dir
 *           [--typedesc file.json] [--no-c] files...
 */
#ifndef IDLC_H
#define IDLC_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

struct idlc_options {
    const char **include_dirs;
    int ninclude;
    const char **flat_dirs;
    int nflat;
    const char *out_dir;
    const char *typedesc;
    bool no_c;
    const char **files;
    int nfiles;
};

/* Runs the whole compiler; diagnostics go to err. Returns the exit status (0 ok, 1 error,
 * 2 usage). With keep != NULL and success, *keep is the resolved model, valid until
 * idlc_free_model(). */
int idlc_main(int argc, char **argv, FILE *err, struct model **keep);
void idlc_free_model(void);

#endif
