/* Parsing the KSM's verdict (verdict.h). */
#include "security/verdict.h"

#include "bastion_idl.h"
#include "lib/string.h"

bool ksm_verdict_parse(const uint8_t *buf, size_t len, struct ksm_proto_verdict *v,
                       const char **text)
{
    struct idl_header h;
    *text = "";
    if (buf == NULL || len < IDL_HEADER_SIZE + sizeof *v)
        return false;
    memcpy(&h, buf, sizeof h);
    memcpy(v, buf + IDL_HEADER_SIZE, sizeof *v);
    if (h.flags != IDL_FLAG_RESPONSE || h.reserved != 0 || h.fixed_size != sizeof *v ||
        h.handle_count != 0 || len != IDL_HEADER_SIZE + sizeof *v + (uint64_t)h.arena_size)
        return false;
    if (v->granted > 1 || v->audit > 1 || v->reply > KSM_PROTO_REPLY_ALL ||
        (!v->granted && !v->audit))
        return false;
    if (!v->audit)
        return h.arena_size == 0;
    const char *t = (const char *)buf + IDL_HEADER_SIZE + sizeof *v;
    if (h.arena_size == 0 || h.arena_size > KSM_PROTO_TEXT_MAX || t[h.arena_size - 1] != 0)
        return false;
    *text = t;
    return true;
}
