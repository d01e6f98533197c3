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

static enum idl_error put_items(struct arena_writer *w, const struct idl_item_desc *items,
                                uint32_t lo, uint32_t hi, uint8_t *f, const uint8_t *a,
                                uint32_t asize, const uint8_t *src_arena, uint32_t depth);

/* A sequence of nested elements (item it, its element's items lo..hi-1) into the arena, its
 * descriptor at desc: the run of wire elements first (zeroed, so the arms not selected stay
 * zero), then what each element's strings and sequences hold, element by element. */
static enum idl_error put_seq_nested(struct arena_writer *w, uint8_t *desc, const struct idl_seq *s,
                                     const struct idl_item_desc *items,
                                     const struct idl_item_desc *it, uint32_t lo, uint32_t hi,
                                     uint32_t depth)
{
    if (depth >= IDL_SEQ_NEST_MAX)
        return IDL_ERR_ARGUMENT; /* idlc generates no deeper description */
    if (s->count > it->bound)
        return IDL_ERR_COUNT_OVERFLOW;
    if (s->count > 0 && !s->data)
        return IDL_ERR_ARGUMENT;
    uint64_t o = arena_take(w, (uint64_t)s->count * it->elem_size, it->elem_align);
    if (o == UINT64_MAX)
        return IDL_ERR_BUFFER_TOO_SMALL;
    idl_zero(w->base + o, (size_t)s->count * it->elem_size);
    idl_wr32(desc, (uint32_t)o);
    idl_wr32(desc + 4, s->count);
    /* A received sequence (arena set) holds wire elements; one built by the caller C ones. */
    uint32_t src_size = s->arena ? it->elem_size : it->native_elem_size;
    for (uint32_t k = 0; k < s->count; k++) {
        enum idl_error e = put_items(w, items, lo, hi, w->base + o + (uint64_t)k * it->elem_size,
                                     (const uint8_t *)s->data + (uint64_t)k * src_size, src_size,
                                     s->arena, depth + 1);
        if (e != IDL_OK)
            return e;
    }
    return IDL_OK;
}

/*
 * Items lo..hi-1 of a nested parameter: the value at a (asize bytes) -> its wire form at f
 * (zeroed before), strings and sequences into the arena. The value is the C form when
 * src_arena is NULL, else a wire form whose descriptors are relative to src_arena (an element
 * of a received sequence sent on). Only the arms the tags select are written; a tag naming no
 * arm is refused here already, since it would leave the receiver nothing to read.
 */
static enum idl_error put_items(struct arena_writer *w, const struct idl_item_desc *items,
                                uint32_t lo, uint32_t hi, uint8_t *f, const uint8_t *a,
                                uint32_t asize, const uint8_t *src_arena, uint32_t depth)
{
    int native = src_arena == NULL;
    for (uint32_t i = lo; i < hi; i++) {
        const struct idl_item_desc *it = &items[i];
        uint32_t sub = it->kind == IDL_KIND_SEQNEST ? it->size : 0;
        if (sub > hi - i - 1)
            return IDL_ERR_ARGUMENT;
        if (!idl_item_present(items, lo, i, a, asize, native)) {
            i += sub;
            continue;
        }
        const uint8_t *src = a + (native ? it->native_offset : it->wire_offset);
        uint8_t *dst = f + it->wire_offset;
        enum idl_error e = IDL_OK;
        struct idl_seq seq;
        if (it->kind == IDL_KIND_SEQ || it->kind == IDL_KIND_SEQSTR || it->kind == IDL_KIND_SEQNEST)
            seq = native ? *(const struct idl_seq *)(const void *)src
                         : idl_desc_seq(src_arena, (const struct idl_desc *)(const void *)src);
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
            e = put_string(w, dst,
                           native ? *(const char *const *)(const void *)src
                                  : idl_desc_string(src_arena, (const void *)src),
                           it->bound);
            break;
        case IDL_KIND_SEQ:
        case IDL_KIND_SEQSTR:
            e = put_seq(w, dst, &seq, it->bound, it->elem_size, it->elem_align,
                        it->kind == IDL_KIND_SEQSTR, it->str_bound);
            break;
        case IDL_KIND_SEQNEST:
            e = put_seq_nested(w, dst, &seq, items, it, i + 1, i + 1 + sub, depth);
            i += sub;
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
        const struct idl_param_desc *p = &idl_method_params(m)[i];
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
            e = put_items(&w, idl_param_items(p), 0, p->nitems, f, a, p->native_size, NULL, 0);
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
