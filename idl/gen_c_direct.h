/*
 * Direct proxies and handlers (gen_c_direct.c): straight-line C for the methods whose messages
 * have one fixed layout, used by the C backend (gen_c.c) in place of the table-driven calls.
 */
#ifndef IDLC_GEN_C_DIRECT_H
#define IDLC_GEN_C_DIRECT_H

#include <stdbool.h>

#include "model.h"
#include "output.h"
#include "resolve.h"

/* True when every in and out parameter of m is a handle or made of integers only (no union,
 * no arena): its request and response have one layout each. */
bool direct_eligible(const struct method *m);

/* The body of the proxy of method `index` of package prefix `pre`: writes the request, calls
 * (the response's length in idl_cl->res_len), reads an expected response directly and hands any
 * other to <pre>_<method>_finish_ (gen_c.c emits it before the proxy: idl_client_finish() with
 * the out/error reference arrays), with the proxy's own parameters. in_ref/out_ref give the C
 * expression of a parameter's value pointer. */
void direct_emit_proxy(struct sbuf *c, const struct method *m, int index, const char *pre,
                       char *(*in_ref)(const struct param *),
                       char *(*out_ref)(const struct param *));

/* In a dispatcher's per-method function: validates the request unless idl_validated, and
 * reads the in parameters into the locals local_ref() names. */
void direct_emit_serve_unmarshal(struct sbuf *c, const struct method *m,
                                 char *(*local_ref)(const struct param *));

/* After the handler returned idl_rc: on rcOk writes the response from the out locals. */
void direct_emit_serve_reply(struct sbuf *c, const struct method *m, int index,
                             char *(*local_ref)(const struct param *));

/* In an interface's request validator (<pre>_validate_request), the switch case of method
 * `index`: returns IDL_OK when the request has exactly the method's one layout (length,
 * header, handles in parameter order), which the table-driven check accepts too; any other
 * request breaks out of the switch to that check. */
void direct_emit_request_case(struct sbuf *c, const struct method *m, int index);

#endif
