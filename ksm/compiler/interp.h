/*
 * Direct interpretation of the parsed policy, without the table: walks the bindings in order and
 * evaluates conditions on the syntax tree. The differential test checks ksm_decide() against it.
 */
#ifndef PSL_INTERP_H
#define PSL_INTERP_H

#include <stddef.h>

#include "ksm_decide.h"
#include "model.h"

struct ksm_verdict psl_interpret(const struct policy *p, uint32_t event, uint32_t src, uint32_t dst,
                                 uint32_t ep, uint32_t method, const void *msg, size_t len,
                                 const char **field_name);

#endif
