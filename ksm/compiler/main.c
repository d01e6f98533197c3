/*
 * pslc: the PSL policy compiler.
 *   pslc --typedesc <file.json>... [-I <dir>]... [--out-c <file.c> --out-h <file.h>]
 *        [--name <c-identifier>] [--test] [--Werror] <policy.psl>
 * Exit status: 0 success, 1 errors in the policy or failed PAL tests, 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "pal.h"
#include "pslc.h"

static int usage(void)
{
    fputs("usage: pslc --typedesc <file.json>... [-I <dir>]... [--out-c <file.c> --out-h "
          "<file.h>]\n"
          "            [--name <c-identifier>] [--test] [--Werror] <policy.psl>\n",
          stderr);
    return 2;
}

/* Writes through a temporary file renamed into place: no partial output after a failure. */
static int write_out(const char *path, const struct ksm_table *t, const char *name,
                     const char *hname, int header)
{
    char *tmp = psl_fmt("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "pslc: cannot write %s\n", tmp);
        return -1;
    }
    if (header)
        psl_emit_h(f, t, name);
    else
        psl_emit_c(f, t, name, hname);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "pslc: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct typedesc td = {0};
    char **incs = calloc((size_t)argc, sizeof *incs);
    int ninc = 0, ntd = 0, run_tests = 0, werror = 0;
    const char *out_c = NULL, *out_h = NULL, *name = "ksm_policy", *policy = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--typedesc") && i + 1 < argc) {
            if (td_load_file(&td, argv[++i]))
                return 1;
            ntd++;
        } else if ((!strcmp(a, "-I") || !strcmp(a, "--include-dir")) && i + 1 < argc) {
            incs[ninc++] = argv[++i];
        } else if (!strcmp(a, "--out-c") && i + 1 < argc) {
            out_c = argv[++i];
        } else if (!strcmp(a, "--out-h") && i + 1 < argc) {
            out_h = argv[++i];
        } else if (!strcmp(a, "--name") && i + 1 < argc) {
            name = argv[++i];
        } else if (!strcmp(a, "--test")) {
            run_tests = 1;
        } else if (!strcmp(a, "--Werror")) {
            werror = 1;
        } else if (a[0] == '-' || policy) {
            return usage();
        } else {
            policy = a;
        }
    }
    if (!policy || !ntd || (!out_c != !out_h))
        return usage();
    psl_diag_reset(stderr);
    struct policy *p;
    struct ksm_table *t = pslc_compile_file(&td, incs, ninc, policy, &p);
    if (!t || (werror && psl_warnings()))
        return 1;
    if (run_tests) {
        int passed;
        int failed = psl_pal_run(p, t, stdout, &passed);
        if (failed || psl_errors())
            return 1;
    }
    if (out_c) {
        const char *hname = strrchr(out_h, '/') ? strrchr(out_h, '/') + 1 : out_h;
        if (write_out(out_h, t, name, hname, 1) || write_out(out_c, t, name, hname, 0))
            return 1;
    }
    return 0;
}
