/*
 * Unmarshalling: a validated message -> native values. Sequences and strings are views into
 * the message (no copy, no allocation), which is why validation must come first and why a
 * server must keep the request buffer alive until its handler returns.
 */
#include "bastion_idl.h"
#include "idl_bytes.h"

const char *idl_seq_string(const struct idl_seq *s, uint32_t i)
{
    if (!s->arena)
        return ((const char *const *)s->data)[i];
    const uint8_t *d = (const uint8_t *)s->data + 8u * i;
    if (idl_rd32(d + 4) == 0)
        return "";
    return (const char *)s->arena + idl_rd32(d);
}

struct idl_seq idl_seq_seq(const struct idl_seq *s, uint32_t i)
{
    if (!s->arena)
        return ((const struct idl_seq *)s->data)[i];
    return idl_desc_seq(s->arena, (const struct idl_desc *)s->data + i);
}

const char *idl_desc_string(const uint8_t *arena, const struct idl_desc *d)
{
    const uint8_t *p = (const uint8_t *)d;
    return idl_rd32(p + 4) ? (const char *)arena + idl_rd32(p) : "";
}

struct idl_seq idl_desc_seq(const uint8_t *arena, const struct idl_desc *d)
{
    const uint8_t *p = (const uint8_t *)d;
    struct idl_seq s = {arena + idl_rd32(p), idl_rd32(p + 4), arena};
    return s;
}

/* A validated nested parameter: wire form at f -> C form at o (zeroed first, so the arms a
 * tag does not select read as zero), strings and sequences as views into the arena; a sequence
 * of nested elements is a view of its wire elements (with arena set), so its element's items
 * are skipped here. */
static void get_nested(const struct idl_param_desc *p, const uint8_t *f, const uint8_t *arena,
                       uint8_t *o)
{
    idl_zero(o, p->native_size);
    for (uint32_t i = 0; i < p->nitems; i++) {
        const struct idl_item_desc *it = &idl_param_items(p)[i];
        uint32_t sub = it->kind == IDL_KIND_SEQNEST ? it->size : 0; /* validated: in range */
        if (!idl_item_present(idl_param_items(p), 0, i, f, p->size, 0)) {
            i += sub;
            continue;
        }
        const uint8_t *src = f + it->wire_offset;
        void *dst = o + it->native_offset;
        switch (it->kind) {
        case IDL_KIND_PLAIN:
            idl_copy(dst, src, it->size);
            break;
        case IDL_KIND_TAG:
            idl_copy(dst, src, 4);
            break;
        case IDL_KIND_STRING:
            *(const char **)dst = idl_desc_string(arena, (const void *)src);
            break;
        case IDL_KIND_SEQ:
        case IDL_KIND_SEQSTR:
        case IDL_KIND_SEQNEST: {
            struct idl_seq *s = dst;
            *s = idl_desc_seq(arena, (const void *)src);
            if (it->kind == IDL_KIND_SEQ)
                s->arena = NULL;
            i += sub;
            break;
        }
        default:
            break;
        }
    }
}

enum idl_error idl_unmarshal(const struct idl_method_desc *m, enum idl_part part, const void *buf,
                             size_t len, void *const *outs)
{
    enum idl_error e = idl_validate(m, part, buf, len);
    if (e != IDL_OK)
        return e;
    return idl_unmarshal_validated(m, part, buf, len, outs);
}

enum idl_error idl_unmarshal_validated(const struct idl_method_desc *m, enum idl_part part,
                                       const void *buf, size_t len, void *const *outs)
{
    (void)len; /* validated: every offset below lies inside it */
    const struct idl_part_desc *pd = &m->part[part];
    const uint8_t *b = buf;
    const uint8_t *fixed = b + IDL_HEADER_SIZE;
    const uint8_t *htab = b + idl_handles_at(pd->fixed_size);
    const uint8_t *arena = b + idl_arena_at(pd->fixed_size, pd->handles);
    uint32_t oi = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        const struct idl_param_desc *p = &idl_method_params(m)[i];
        if (p->part != part)
            continue;
        void *o = outs ? outs[oi] : NULL;
        oi++;
        if (!o)
            continue;
        const uint8_t *f = fixed + p->offset;
        switch (p->kind) {
        case IDL_KIND_PLAIN:
            idl_copy(o, f, p->size);
            break;
        case IDL_KIND_HANDLE: {
            idl_handle_t *hd = o;
            const uint8_t *t = htab + 8u * idl_rd32(f);
            hd->handle = idl_rd32(t);
            hd->rights = idl_rd32(t + 4);
            break;
        }
        case IDL_KIND_STRING: {
            uint32_t count = idl_rd32(f + 4);
            *(const char **)o = count ? (const char *)arena + idl_rd32(f) : "";
            break;
        }
        case IDL_KIND_SEQ:
        case IDL_KIND_SEQSTR: {
            struct idl_seq *s = o;
            s->count = idl_rd32(f + 4);
            s->data = arena + idl_rd32(f);
            s->arena = p->kind == IDL_KIND_SEQSTR ? arena : NULL;
            break;
        }
        case IDL_KIND_NESTED:
            get_nested(p, f, arena, o);
            break;
        default:
            return IDL_ERR_ARGUMENT;
        }
    }
    return IDL_OK;
}
