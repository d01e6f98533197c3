/*
 * idl-completeness <core-methods.tsv> <typedesc.json>
 *
 * Prints every way in which the type description of idl/kl/core/ differs from the documented
 * kernel interface, one a line. Exit status: 0 complete, 1 problems found, 2 unreadable input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completeness.h"
#include "textfile.h"

static void print_problem(void *ctx, const char *msg)
{
    fprintf(stderr, "%s: %s\n", (const char *)ctx, msg);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <core-methods.tsv> <typedesc.json>\n", argv[0]);
        return 2;
    }
    size_t tsv_len, json_len_;
    char *tsv = textfile_read(argv[1], &tsv_len);
    if (!tsv) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    char *text = textfile_read(argv[2], &json_len_);
    if (!text) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        free(tsv);
        return 2;
    }
    char err[256];
    struct spec spec;
    if (spec_parse(tsv, tsv_len, &spec, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        free(tsv);
        free(text);
        return 2;
    }
    struct json *td = json_parse(text, json_len_, err, sizeof err);
    if (!td) {
        fprintf(stderr, "%s:%s\n", argv[2], err);
        spec_free(&spec);
        free(tsv);
        free(text);
        return 2;
    }
    size_t problems = completeness_check(&spec, td, print_problem, argv[2]);
    if (problems)
        fprintf(stderr, "%zu problem(s): idl/kl/core/ does not match %s\n", problems, argv[1]);
    else
        printf("complete: %zu documented methods found with their parameters\n", spec.count);
    json_free(td);
    spec_free(&spec);
    free(tsv);
    free(text);
    return problems ? 1 : 0;
}
