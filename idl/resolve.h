/* Name binding, constant evaluation, type and message layout (resolve.c). */
#ifndef IDLC_RESOLVE_H
#define IDLC_RESOLVE_H

#include "model.h"

/* Binds every name, evaluates every constant and bound, lays out every type and method. */
void resolve_all(struct model *m);

/* The endpoints of a class or component, flattened depth-first with dotted paths; the index
 * in *out is the endpoint id. Returns the count. */
int unit_endpoints(struct unit *u, struct flat_endpoint **out);

/*
 * The layouts of a resolved type, computed here once for resolve.c's structs and methods,
 * gen_c.c's items and element sizes and gen_json.c's field sizes, so they cannot drift. Wire
 * form (docs/message-format.md):
 * integers their own size, strings, bytes and sequences an 8-byte descriptor aligned to 4, arrays
 * their elements in place, named types their resolved size and alignment. C form: the same but
 * a string is `const char *` (8) and bytes or a sequence `struct idl_seq` (24, aligned to 8), as
 * the generated header _Static_asserts.
 */
void type_wire_layout(const struct type *t, uint32_t *size, uint32_t *align);
void type_native_layout(const struct type *t, uint64_t *size, uint32_t *align);

#endif
