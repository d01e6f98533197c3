/* Table writer: a compiled table as C source (const arrays) and a header naming it. */
#ifndef PSL_EMIT_C_H
#define PSL_EMIT_C_H

#include <stdio.h>

#include "ksm_table.h"

/* name: C identifier of the table object (e.g. ksm_policy). */
void psl_emit_c(FILE *f, const struct ksm_table *t, const char *name, const char *header_name);
void psl_emit_h(FILE *f, const struct ksm_table *t, const char *name);

#endif
