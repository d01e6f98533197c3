/* Name binding, constant evaluation, type and message layout (resolve.c). */
#ifndef IDLC_RESOLVE_H
#define IDLC_RESOLVE_H

#include "model.h"

/* Binds every name, evaluates every constant and bound, lays out every type and method. */
void resolve_all(struct model *m);

/* The endpoints of a class or component, flattened depth-first with dotted paths; the index
 * in *out is the endpoint id. Returns the count. */
int unit_endpoints(struct unit *u, struct flat_endpoint **out);

#endif
