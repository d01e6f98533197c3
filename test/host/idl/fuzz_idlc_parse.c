/*
 * libFuzzer target for idlc's front and back end: arbitrary text as an IDL file (then as an
 * EDL and a CDL file) is lexed, parsed, resolved and generated into memory. Any input must
 * end in success or in a positioned error, never in a crash, a hang or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gen.h"
#include "loader.h"
#include "output.h"
#include "parser.h"
#include "resolve.h"

struct job {
    const char *text;
    int lang;
};

static int run(void *arg)
{
    struct job *j = arg;
    output_reset();
    struct model *m = xalloc(sizeof *m);
    if (j->lang == 0)
        parse_idl(m, "t/A.idl", j->text);
    else
        parse_unit_file(m, j->lang == 1 ? "t/A.edl" : "t/A.cdl", j->text, j->lang == 1);
    load_dependencies(m);
    resolve_all(m);
    for (int i = 0; i < m->npkgs; i++)
        m->pkgs[i]->generate = true;
    for (int i = 0; i < m->nunits; i++)
        m->units[i]->generate = true;
    gen_c(m, "/nonexistent");
    gen_json(m, "/nonexistent/x.json");
    output_reset(); /* never written */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    struct job j = {text, data[0] % 3};
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    diag_run(devnull, run, &j);
    free(text);
    return 0;
}
