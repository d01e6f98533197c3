/*
 * Routing a request by its header: endpoint id -> interface -> method, then validation.
 * This is what the kernel (and the security monitor) do before anything looks at the
 * parameters: an unknown endpoint or method is refused like any other malformed message.
 */
#include "bastion_idl.h"

enum idl_error idl_route_request(const struct idl_endpoint_desc *eps, uint32_t neps,
                                 const void *buf, size_t len, const struct idl_method_desc **method,
                                 struct idl_header *out)
{
    struct idl_header h;
    enum idl_error e = idl_peek_header(buf, len, &h);
    *method = NULL;
    if (e != IDL_OK)
        return e;
    if (h.endpoint_id >= neps || !eps[h.endpoint_id].iface)
        return IDL_ERR_ENDPOINT;
    const struct idl_interface_desc *itf = eps[h.endpoint_id].iface;
    if (h.method_id >= itf->nmethods)
        return IDL_ERR_METHOD;
    const struct idl_method_desc *m = &idl_iface_methods(itf)[h.method_id];
    /* The interface's generated validator decides exactly as the table-driven check (its
     * contract, bastion_idl.h), with constant compares for a method of one fixed layout. */
    idl_request_validator v = eps[h.endpoint_id].validate_request;
    e = v != NULL ? v(&h, buf, len) : idl_validate_header(m, IDL_PART_REQUEST, &h, buf, len);
    if (e == IDL_OK) {
        *method = m;
        if (out != NULL)
            *out = h;
    }
    return e;
}
