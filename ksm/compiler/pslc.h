/* pslc as a library: what main.c, the PAL runner and the host tests call. */
#ifndef PSLC_H
#define PSLC_H

#include "compile.h"
#include "model.h"
#include "typedesc.h"

/* Parses, resolves and compiles. path or (name, text). Returns the table, or NULL on errors
 * (reported through diag). *out_policy receives the resolved policy either way. */
struct ksm_table *pslc_compile_file(const struct typedesc *td, char **incs, int ninc,
                                    const char *path, struct policy **out_policy);
struct ksm_table *pslc_compile_text(const struct typedesc *td, const char *name, const char *text,
                                    struct policy **out_policy);

#endif
