/*
 * Marshalling: native parameter values -> one message. The whole message is written
 * (padding included, zeroed) so that no stale bytes of the sender's buffer leak to the peer.
 * Arena items are appended in parameter order, each aligned for its elements.
 */
#include "bastion_idl.h"
#include "idl_bytes.h"

struct arena_writer {
    uint8_t *base; /* arena start */
    uint64_t used;
    uint64_t cap; /* bytes available after base */
};

/* Reserves n bytes aligned to a; returns the offset, or UINT64_MAX if it does not fit. */
static uint64_t arena_take(struct arena_writer *w, uint64_t n, uint32_t a)
{
    uint64_t off = a > 1 ? (w->used + a - 1) / a * a : w->used;
    if (off + n > w->cap)
        return UINT64_MAX;
    idl_zero(w->base + w->used, (size_t)(off - w->used));
    w->used = off + n;
    return off;
}

static uint32_t bounded_len(const char *s, uint32_t limit)
{
    uint32_t n = 0;
    while (n <= limit && s[n])
        n++;
    return n; /* limit + 1 means "longer than limit" */
}

static enum idl_error put_string(struct arena_writer *w, uint8_t *desc, const char *s,
                                 uint32_t bound)
{
    uint32_t n = s ? bounded_len(s, bound) : 0;
    if (n > bound)
        return IDL_ERR_STRING_TOO_LONG;
    uint32_t off = 0, count = 0;
    if (n > 0) {
        uint64_t o = arena_take(w, (uint64_t)n + 1, 1);
        if (o == UINT64_MAX)
            return IDL_ERR_BUFFER_TOO_SMALL;
        idl_copy(w->base + o, s, (size_t)n + 1);
        off = (uint32_t)o;
        count = n + 1;
    }
    idl_wr32(desc, off);
    idl_wr32(desc + 4, count);
    return IDL_OK;
}

/* A sequence (seqstr: of strings) into the arena, its descriptor at desc. */
static enum idl_error put_seq(struct arena_writer *w, uint8_t *desc, const struct idl_seq *s,
                              uint32_t bound, uint32_t esize, uint32_t ealign, int seqstr,
                              uint32_t str_bound)
{
    if (s->count > bound)
        return IDL_ERR_COUNT_OVERFLOW;
    if (s->count > 0 && !s->data)
        return IDL_ERR_ARGUMENT;
    uint64_t o = arena_take(w, (uint64_t)s->count * esize, ealign);
    if (o == UINT64_MAX)
        return IDL_ERR_BUFFER_TOO_SMALL;
    idl_wr32(desc, (uint32_t)o);
    idl_wr32(desc + 4, s->count);
    if (!seqstr) {
        idl_copy(w->base + o, s->data, (size_t)s->count * esize);
        return IDL_OK;
    }
    for (uint32_t k = 0; k < s->count; k++) {
        /* w->base + o + 8k is inside the reserved block; strings go after it. */
        enum idl_error e = put_string(w, w->base + o + 8u * k, idl_seq_string(s, k), str_bound);
        if (e != IDL_OK)
            return e;
    }
    return IDL_OK;
}

/* A nested parameter: its C form at a -> its wire form at f (zeroed before), strings and
 * sequences into the arena. Only the arms the tags select are written; a tag naming no arm is
 * refused here already, since it would leave the receiver nothing to read. */
static enum idl_error put_nested(struct arena_writer *w, uint8_t *f, const struct idl_param_desc *p,
                                 const uint8_t *a)
{
    for (uint32_t i = 0; i < p->nitems; i++) {
        const struct idl_item_desc *it = &p->items[i];
        if (!idl_item_present(p->items, i, a, 1))
            continue;
        const uint8_t *src = a + it->native_offset;
        uint8_t *dst = f + it->wire_offset;
        enum idl_error e = IDL_OK;
        switch (it->kind) {
        case IDL_KIND_PLAIN:
            idl_copy(dst, src, it->size);
            break;
        case IDL_KIND_TAG:
            if (idl_rd32(src) >= it->size)
                return IDL_ERR_BAD_TAG;
            idl_copy(dst, src, 4);
            break;
        case IDL_KIND_STRING:
            e = put_string(w, dst, *(const char *const *)(const void *)src, it->bound);
            break;
        case IDL_KIND_SEQ:
        case IDL_KIND_SEQSTR:
            e = put_seq(w, dst, (const struct idl_seq *)(const void *)src, it->bound, it->elem_size,
                        it->elem_align, it->kind == IDL_KIND_SEQSTR, it->str_bound);
            break;
        default:
            return IDL_ERR_ARGUMENT;
        }
        if (e != IDL_OK)
            return e;
    }
    return IDL_OK;
}

enum idl_error idl_marshal(const struct idl_method_desc *m, enum idl_part part,
                           uint32_t endpoint_id, const void *const *args, void *buf, size_t cap,
                           size_t *len)
{
    const struct idl_part_desc *pd = &m->part[part];
    uint64_t arena_at = idl_arena_at(pd->fixed_size, pd->handles);
    if (!buf || cap < arena_at)
        return IDL_ERR_BUFFER_TOO_SMALL;
    uint8_t *b = buf;
    idl_zero(b, (size_t)arena_at);
    uint8_t *fixed = b + IDL_HEADER_SIZE;
    uint8_t *htab = b + idl_handles_at(pd->fixed_size);
    uint64_t room = (cap > IDL_MESSAGE_MAX ? IDL_MESSAGE_MAX : cap) - arena_at;
    struct arena_writer w = {b + arena_at, 0, room};
    uint32_t nh = 0, ai = 0;
    enum idl_error e;

    for (uint32_t i = 0; i < m->nparams; i++) {
        const struct idl_param_desc *p = &m->params[i];
        if (p->part != part)
            continue;
        const void *a = args[ai++];
        uint8_t *f = fixed + p->offset;
        switch (p->kind) {
        case IDL_KIND_PLAIN:
            idl_copy(f, a, p->size);
            break;
        case IDL_KIND_HANDLE: {
            const idl_handle_t *hd = a;
            if (nh >= pd->handles)
                return IDL_ERR_HANDLE_COUNT;
            idl_wr32(htab + 8u * nh, hd->handle);
            idl_wr32(htab + 8u * nh + 4, hd->rights);
            idl_wr32(f, nh++);
            break;
        }
        case IDL_KIND_STRING:
            e = put_string(&w, f, *(const char *const *)a, p->bound);
            if (e != IDL_OK)
                return e;
            break;
        case IDL_KIND_SEQ:
        case IDL_KIND_SEQSTR:
            e = put_seq(&w, f, a, p->bound, p->elem_size, p->elem_align, p->kind == IDL_KIND_SEQSTR,
                        p->str_bound);
            if (e != IDL_OK)
                return e;
            break;
        case IDL_KIND_NESTED:
            e = put_nested(&w, f, p, a);
            if (e != IDL_OK)
                return e;
            break;
        default:
            return IDL_ERR_ARGUMENT;
        }
    }
    if (w.used > pd->arena_max)
        return IDL_ERR_ARENA_TOO_BIG;
    idl_wr32(b, endpoint_id);
    idl_wr32(b + 4, m->id);
    idl_wr32(b + 8, pd->fixed_size);
    idl_wr32(b + 12, (uint32_t)w.used);
    idl_wr16(b + 16, (uint16_t)pd->handles);
    idl_wr16(b + 18, part == IDL_PART_REQUEST    ? 0
                     : part == IDL_PART_RESPONSE ? IDL_FLAG_RESPONSE
                                                 : (IDL_FLAG_RESPONSE | IDL_FLAG_ERROR));
    *len = (size_t)(arena_at + w.used);
    return IDL_OK;
}
