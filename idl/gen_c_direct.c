/*
 * Direct proxies and handlers: straight-line C for the methods whose request and response
 * hold only integers, structs and arrays of integers, and handles (no arena, no union tags).
 *
 * Such a message has one fixed layout, known here: the generated code writes the header, the
 * fixed part and the handle table with constant offsets and sizes, and reads a response that
 * has exactly the expected header the same way. Everything else (a response with an error
 * flag, a handle table in another order, a malformed answer) goes to the generic runtime,
 * which decides exactly as it would have: the direct code is a shortcut for the common case,
 * never a second set of rules. Most kernel methods qualify; the generic table-driven path
 * costs several hundred instructions per call more (docs/benchmarks.md).
 */
#include "gen_c_direct.h"

#include <stdbool.h>

#include "diag.h"
#include "runtime/bastion_idl.h" /* IDL_FINISH_ARGS_MAX */

static bool type_is_flat(const struct type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_INT:
        return true;
    case TY_ARRAY:
        return type_is_flat(t->elem);
    case TY_NAMED:
        if (t->decl->kind != D_STRUCT)
            return false; /* a union's tag must be validated: the generic path does it */
        for (int i = 0; i < t->decl->nfields; i++)
            if (!type_is_flat(t->decl->fields[i].type))
                return false;
        return true;
    default:
        return false;
    }
}

bool direct_eligible(const struct method *m)
{
    for (int i = 0; i < m->nparams; i++) {
        const struct param *p = &m->params[i];
        if (p->dir == DIR_ERROR)
            continue; /* error responses always take the generic path */
        if (p->wk == WK_HANDLE)
            continue;
        if (p->wk != WK_PLAIN || !type_is_flat(p->type))
            return false;
    }
    return m->arena_max[DIR_IN] == 0 && m->arena_max[DIR_OUT] == 0;
}

static uint32_t pad8(uint32_t v)
{
    return (v + 7u) & ~7u;
}

static uint32_t handles_at(const struct method *m, int part)
{
    return 24u + pad8(m->fixed_size[part]);
}

static uint32_t message_len(const struct method *m, int part)
{
    return handles_at(m, part) + 8u * m->handles[part];
}

/* Writes the fixed part and the handle table of `part` at `buf` from the values `ref(p)`
 * points to (the buffer is zeroed first, so padding never carries stale bytes). */
static void emit_put(struct sbuf *c, const struct method *m, int part, const char *buf,
                     char *(*ref)(const struct param *), const char *indent)
{
    uint32_t k = 0;
    for (int i = 0; i < m->nparams; i++) {
        const struct param *p = &m->params[i];
        if ((int)p->dir != part)
            continue;
        if (p->wk == WK_HANDLE) {
            sb_printf(c, "%sidl_direct_put_handle(%s, %uu, %uu, %uu, %s);\n", indent, buf,
                      24u + p->offset, handles_at(m, part), k++, ref(p));
        } else {
            sb_printf(c, "%s__builtin_memcpy(%s + %uu, %s, %uu);\n", indent, buf, 24u + p->offset,
                      ref(p), p->size);
        }
    }
}

/* The condition, as "&& ..." terms (empty without handles), that the handles of `part` in
 * `buf` are in parameter order: the layout the direct reader assumes (any other valid order
 * goes to the generic path). */
static char *handle_order_ok(const struct method *m, int part, const char *buf)
{
    char *cond = "";
    uint32_t k = 0;
    for (int i = 0; i < m->nparams; i++) {
        const struct param *p = &m->params[i];
        if ((int)p->dir == part && p->wk == WK_HANDLE)
            cond = xprintf("%s &&\n        idl_direct_rd32(%s + %uu) == %uu", cond, buf,
                           24u + p->offset, k++);
    }
    return cond;
}

/* Reads the fixed part and the handle table of `part` at `buf` into what the caller's pointer
 * `ref(p)` points to (NULL: skipped, as the generic unmarshal skips it); handles in parameter
 * order. */
static void emit_get(struct sbuf *c, const struct method *m, int part, const char *buf,
                     char *(*ref)(const struct param *), const char *indent)
{
    uint32_t k = 0;
    for (int i = 0; i < m->nparams; i++) {
        const struct param *p = &m->params[i];
        if ((int)p->dir != part)
            continue;
        const char *r = ref(p);
        sb_printf(c, "%sif (%s)\n%s    ", indent, r, indent);
        if (p->wk == WK_HANDLE)
            sb_printf(c, "idl_direct_get_handle(%s, %uu, %uu, %s);\n", buf, handles_at(m, part),
                      k++, r);
        else
            sb_printf(c, "__builtin_memcpy(%s, %s + %uu, %uu);\n", r, buf, 24u + p->offset,
                      p->size);
    }
}

void direct_emit_proxy(struct sbuf *c, const struct method *m, int index, const char *pre,
                       char *(*in_ref)(const struct param *),
                       char *(*out_ref)(const struct param *))
{
    uint32_t req_len = message_len(m, DIR_IN), res_len = message_len(m, DIR_OUT);
    sb_printf(c, "    uint8_t *idl_b = idl_cl->req_buf;\n");
    sb_printf(c, "    if (idl_cl->req_cap < %uu) {\n", req_len);
    sb_printf(c, "        idl_cl->last_error = IDL_ERR_BUFFER_TOO_SMALL;\n");
    sb_printf(c, "        return idl_error_retcode(IDL_ERR_BUFFER_TOO_SMALL);\n    }\n");
    sb_printf(c, "    idl_direct_header(idl_b, %uu, idl_cl->endpoint_id, %du, %uu, %uu, 0);\n",
              req_len, index, m->fixed_size[DIR_IN], m->handles[DIR_IN]);
    emit_put(c, m, DIR_IN, "idl_b", in_ref, "    ");
    /* The response's length goes to the client's record, not to a local whose address the
     * transport would take (and with it a stack-protected frame for every call). */
    sb_printf(c, "    idl_cl->res_len = 0;\n");
    sb_printf(c,
              "    Retcode idl_rc = idl_cl->call(idl_cl->ctx, idl_b, %uu, idl_cl->res_buf, "
              "idl_cl->res_cap, &idl_cl->res_len);\n",
              req_len);
    sb_printf(c, "    if (idl_rc != rcOk)\n        return idl_rc;\n");
    sb_printf(c, "    const uint8_t *idl_r = idl_cl->res_buf;\n");
    sb_printf(c,
              "    if (idl_cl->res_len == %uu && idl_direct_response_ok(idl_r, %du, %uu, %uu)%s) "
              "{\n",
              res_len, index, m->fixed_size[DIR_OUT], m->handles[DIR_OUT],
              handle_order_ok(m, DIR_OUT, "idl_r"));
    emit_get(c, m, DIR_OUT, "idl_r", out_ref, "        ");
    sb_printf(c, "        idl_cl->last_error = IDL_OK;\n        return rcOk;\n    }\n");
    int n = 0;
    for (int i = 0; i < m->nparams; i++)
        n += m->params[i].dir != DIR_IN;
    if (n > (int)IDL_FINISH_ARGS_MAX) {
        sb_printf(c, "    return %s_%s_finish_(idl_cl", pre, m->name);
        for (int i = 0; i < m->nparams; i++)
            sb_printf(c, ", %s", out_ref(&m->params[i])); /* its C name */
        sb_printf(c, ");\n");
        return;
    }
    sb_printf(c, "    return idl_client_finish_args(idl_cl, &%s_methods[%d]", pre, index);
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].dir != DIR_IN)
            sb_printf(c, ", (void *)%s", out_ref(&m->params[i]));
    sb_printf(c, ");\n");
}

void direct_emit_serve_unmarshal(struct sbuf *c, const struct method *m,
                                 char *(*local_ref)(const struct param *))
{
    sb_printf(c, "    if (!idl_validated) {\n");
    sb_printf(c, "        enum idl_error idl_e = idl_validate(idl_m, IDL_PART_REQUEST, idl_req, "
                 "idl_req_len);\n");
    sb_printf(c, "        if (idl_e != IDL_OK)\n            return idl_error_retcode(idl_e);\n");
    sb_printf(c, "    }\n");
    if (m->fixed_size[DIR_IN] != 0 || m->handles[DIR_IN] != 0) {
        sb_printf(c, "    const uint8_t *idl_q = idl_req;\n");
        /* Validated: the handle indices are distinct and in range, in any order. */
        for (int i = 0; i < m->nparams; i++) {
            const struct param *p = &m->params[i];
            if (p->dir != DIR_IN)
                continue;
            if (p->wk == WK_HANDLE)
                sb_printf(c,
                          "    idl_direct_get_handle(idl_q, %uu, idl_direct_rd32(idl_q + %uu), "
                          "%s);\n",
                          handles_at(m, DIR_IN), 24u + p->offset, local_ref(p));
            else
                sb_printf(c, "    __builtin_memcpy(%s, idl_q + %uu, %uu);\n", local_ref(p),
                          24u + p->offset, p->size);
        }
    }
}

void direct_emit_serve_reply(struct sbuf *c, const struct method *m, int index,
                             char *(*local_ref)(const struct param *))
{
    uint32_t res_len = message_len(m, DIR_OUT);
    sb_printf(c, "    if (idl_rc == rcOk) {\n");
    sb_printf(c, "        uint8_t *idl_o = idl_res;\n");
    sb_printf(c, "        if (idl_o == NULL || idl_res_cap < %uu)\n", res_len);
    sb_printf(c, "            return idl_error_retcode(IDL_ERR_BUFFER_TOO_SMALL);\n");
    sb_printf(c,
              "        idl_direct_header(idl_o, %uu, idl_ep, %du, %uu, %uu, "
              "IDL_FLAG_RESPONSE);\n",
              res_len, index, m->fixed_size[DIR_OUT], m->handles[DIR_OUT]);
    emit_put(c, m, DIR_OUT, "idl_o", local_ref, "        ");
    sb_printf(c, "        *idl_res_len = %uu;\n        return rcOk;\n    }\n", res_len);
}

void direct_emit_request_case(struct sbuf *c, const struct method *m, int index)
{
    /* What the table-driven check asks of such a request, all constants here: its length is
     * the header, the fixed part and the handle table (no arena: arena_max is 0); the header
     * is a plain request's; plain parameters hold no tags (flat types), so only the handle
     * indices remain, and indices 0, 1, ... in parameter order are in range and distinct. */
    sb_printf(c, "    case %d:\n", index);
    sb_printf(c, "        if (idl_req_len == %uu && idl_direct_layout_ok(idl_h, %uu, %uu, 0)%s)\n",
              message_len(m, DIR_IN), m->fixed_size[DIR_IN], m->handles[DIR_IN],
              handle_order_ok(m, DIR_IN, "idl_q"));
    sb_printf(c, "            return IDL_OK;\n        break;\n");
}
