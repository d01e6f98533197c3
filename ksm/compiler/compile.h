/* Rule compiler: the resolved policy -> the direct-indexed table of ksm_table.h (heap). */
#ifndef PSL_COMPILE_H
#define PSL_COMPILE_H

#include "ksm_table.h"
#include "model.h"

/* Returns NULL if errors were reported (expression too deep). Warns about conflicting rules. */
struct ksm_table *psl_compile(struct policy *p);

#endif
