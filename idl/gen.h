/* Backends: C code (gen_c.c) and the JSON type description (gen_json.c). */
#ifndef IDLC_GEN_H
#define IDLC_GEN_H

#include "model.h"

void gen_c(struct model *m, const char *out_dir);
void gen_json(struct model *m, const char *path);

/* Arena element facts of a sequence/bytes/string parameter (0s for others). */
void param_arena_elem(const struct param *p, uint32_t *esize, uint32_t *ealign, uint32_t *bound,
                      uint32_t *sbound);

#endif
