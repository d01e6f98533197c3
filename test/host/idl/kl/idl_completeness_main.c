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
#include "hostlib/arena.h"
#include "hostlib/textfile.h"

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
    /* The input files and the JSON tree; everything else is the spec's (spec_free). */
    struct host_arena arena = {0};
    size_t tsv_len, json_len_;
    char *tsv = host_read_file(&arena, argv[1], &tsv_len);
    if (!tsv) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    char *text = host_read_file(&arena, argv[2], &json_len_);
    if (!text) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        host_free_all(&arena);
        return 2;
    }
    char err[256];
    struct spec spec;
    if (spec_parse(tsv, tsv_len, &spec, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        host_free_all(&arena);
        return 2;
    }
    struct json *td = json_parse(&arena, text, json_len_, err, sizeof err);
    if (!td) {
        fprintf(stderr, "%s:%s\n", argv[2], err);
        spec_free(&spec);
        host_free_all(&arena);
        return 2;
    }
    size_t problems = completeness_check(&spec, td, print_problem, argv[2]);
    if (problems)
        fprintf(stderr, "%zu problem(s): idl/kl/core/ does not match %s\n", problems, argv[1]);
    else
        printf("complete: %zu documented methods found with their parameters\n", spec.count);
    spec_free(&spec);
    host_free_all(&arena);
    return problems ? 1 : 0;
}
