/* The driver: parse the command line, load, resolve, generate, commit outputs. */
#include "idlc.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gen.h"
#include "loader.h"
#include "output.h"
#include "resolve.h"

struct run {
    struct idlc_options *o;
    struct model *m;
};

static int compile(void *arg)
{
    struct run *r = arg;
    struct idlc_options *o = r->o;
    output_reset();
    struct model *m = xalloc(sizeof *m);
    m->include_dirs = o->include_dirs;
    m->ninclude = o->ninclude;
    m->flat_dirs = o->flat_dirs;
    m->nflat = o->nflat;
    for (int i = 0; i < o->nfiles; i++)
        load_file(m, o->files[i]);
    load_dependencies(m);
    resolve_all(m);
    if (!o->no_c)
        gen_c(m, o->out_dir);
    if (o->typedesc)
        gen_json(m, o->typedesc);
    output_commit();
    r->m = m;
    return 0;
}

static int usage(FILE *err, const char *why)
{
    fprintf(err,
            "idlc: %s\nusage: idlc [-I dir | --include-dir dir]... [-F dir | --flat-dir dir]... "
            "--out-dir dir [--typedesc file.json] [--no-c] file.idl|file.edl|file.cdl...\n",
            why);
    return 2;
}

int idlc_main(int argc, char **argv, FILE *err, struct model **keep)
{
    struct idlc_options o;
    memset(&o, 0, sizeof o);
    const char *incs[64], *flats[64];
    const char **files = (const char **)calloc((size_t)argc + 1, sizeof *files);
    o.include_dirs = incs;
    o.flat_dirs = flats;
    o.files = files;
    int status = 0;
    for (int i = 1; i < argc && status == 0; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(a, "-I") == 0 || strcmp(a, "--include-dir") == 0) {
            if (!has_val || o.ninclude == 64)
                status = usage(err, "-I needs a directory (at most 64)");
            else
                incs[o.ninclude++] = argv[++i];
        } else if (strncmp(a, "-I", 2) == 0 && a[2]) {
            if (o.ninclude == 64)
                status = usage(err, "too many include dirs");
            else
                incs[o.ninclude++] = a + 2;
        } else if (strcmp(a, "-F") == 0 || strcmp(a, "--flat-dir") == 0) {
            if (!has_val || o.nflat == 64)
                status = usage(err, "-F needs a directory (at most 64)");
            else
                flats[o.nflat++] = argv[++i];
        } else if (strncmp(a, "-F", 2) == 0 && a[2]) {
            if (o.nflat == 64)
                status = usage(err, "too many flat dirs");
            else
                flats[o.nflat++] = a + 2;
        } else if (strcmp(a, "--out-dir") == 0 || strcmp(a, "-o") == 0) {
            if (!has_val)
                status = usage(err, "--out-dir needs a directory");
            else
                o.out_dir = argv[++i];
        } else if (strcmp(a, "--typedesc") == 0) {
            if (!has_val)
                status = usage(err, "--typedesc needs a file name");
            else
                o.typedesc = argv[++i];
        } else if (strcmp(a, "--no-c") == 0) {
            o.no_c = true;
        } else if (a[0] == '-') {
            status = usage(err, "unknown option");
        } else {
            files[o.nfiles++] = a;
        }
    }
    if (status == 0 && o.nfiles == 0)
        status = usage(err, "no input files");
    if (status == 0 && !o.no_c && !o.out_dir)
        status = usage(err, "--out-dir is required (or --no-c)");
    if (status == 0) {
        struct run r = {&o, NULL};
        if (keep)
            diag_keep_memory();
        status = diag_run(err, compile, &r);
        if (keep)
            *keep = status == 0 ? r.m : NULL;
    }
    free(files);
    return status;
}

void idlc_free_model(void)
{
    diag_free_all();
}
