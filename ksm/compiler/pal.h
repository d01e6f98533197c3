/* PAL test runner: runs a policy's `assert` test sets against its compiled table. */
#ifndef PSL_PAL_H
#define PSL_PAL_H

#include <stdio.h>

#include "ksm_table.h"
#include "model.h"

/* Prints one line per case to out; returns the number of failed cases (errors in a test, such
 * as an unknown field, are reported as psl errors and count as failures). */
int psl_pal_run(const struct policy *p, const struct ksm_table *t, FILE *out, int *passed);

#endif
