/*
 * Reader of docs/spec/core-methods.tsv: the documented kl.core methods, one a line, columns
 * interface, endpoint, method, parameters ("[in] a, [out] rc"), potentially_dangerous (yes/no),
 * purpose, danger. The first line is the header and is checked.
 */
#ifndef IDL_COMPLETENESS_SPEC_TSV_H
#define IDL_COMPLETENESS_SPEC_TSV_H

#include <stddef.h>

struct spec_param {
    char *name;
    char *dir; /* "in" or "out" */
};

struct spec_method {
    char *interface; /* "kl.core.VMM" */
    char *endpoint;  /* "vmm.VMM" */
    char *method;    /* "Allocate" */
    struct spec_param *params;
    size_t nparams;
    int dangerous; /* 1 for "yes", 0 for "no" */
    char *purpose;
    char *danger; /* "" when not dangerous */
    size_t line;  /* line in the TSV, for messages */
};

struct spec {
    struct spec_method *methods;
    size_t count;
};

/* Parses the TSV text. Returns 0, or -1 with "line N: message" in err. */
int spec_parse(const char *text, size_t len, struct spec *out, char *err, size_t errlen);
void spec_free(struct spec *spec);

#endif
