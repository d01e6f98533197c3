/* The generic client call and server reply that generated proxies and dispatchers use. */
#include <stdarg.h>

#include "bastion_idl.h"

Retcode idl_client_call(struct idl_client *cl, const struct idl_method_desc *m,
                        const void *const *in, void *const *out, void *const *err)
{
    size_t req_len = 0, res_len = 0;
    enum idl_error e =
        idl_marshal(m, IDL_PART_REQUEST, cl->endpoint_id, in, cl->req_buf, cl->req_cap, &req_len);
    cl->last_error = e;
    if (e != IDL_OK)
        return idl_error_retcode(e);
    Retcode rc = cl->call(cl->ctx, cl->req_buf, req_len, cl->res_buf, cl->res_cap, &res_len);
    if (rc != rcOk)
        return rc;
    return idl_client_finish(cl, m, res_len, out, err);
}

Retcode idl_client_finish(struct idl_client *cl, const struct idl_method_desc *m, size_t res_len,
                          void *const *out, void *const *err)
{
    struct idl_header h;
    enum idl_error e = idl_peek_header(cl->res_buf, res_len, &h);
    if (e == IDL_OK && (h.flags & IDL_FLAG_ERROR)) {
        e = idl_unmarshal(m, IDL_PART_ERROR, cl->res_buf, res_len, err);
        cl->last_error = e;
        return e == IDL_OK ? IDL_RC_ERROR_REPLY : idl_error_retcode(e);
    }
    if (e == IDL_OK)
        e = idl_unmarshal(m, IDL_PART_RESPONSE, cl->res_buf, res_len, out);
    cl->last_error = e;
    return idl_error_retcode(e);
}

Retcode idl_client_finish_args(struct idl_client *cl, const struct idl_method_desc *m, ...)
{
    void *out[IDL_FINISH_ARGS_MAX], *err[IDL_FINISH_ARGS_MAX];
    uint32_t nout = 0, nerr = 0;
    const struct idl_param_desc *p = idl_method_params(m);
    va_list ap;
    va_start(ap, m);
    for (uint32_t i = 0; i < m->nparams && nout + nerr < IDL_FINISH_ARGS_MAX; i++) {
        if (p[i].part == IDL_PART_RESPONSE)
            out[nout++] = va_arg(ap, void *);
        else if (p[i].part == IDL_PART_ERROR)
            err[nerr++] = va_arg(ap, void *);
    }
    va_end(ap);
    return idl_client_finish(cl, m, cl->res_len, nout != 0 ? out : NULL, nerr != 0 ? err : NULL);
}

Retcode idl_server_reply(const struct idl_method_desc *m, enum idl_part part, uint32_t endpoint_id,
                         const void *const *args, void *res, size_t res_cap, size_t *res_len)
{
    return idl_error_retcode(idl_marshal(m, part, endpoint_id, args, res, res_cap, res_len));
}
