/*
 * Message validation: the only code that reads an untrusted message. Every later access
 * (unmarshal, handlers, the policy engine's field reads) relies on what it checked:
 * sizes match the method, every descriptor lies inside the arena, aligned, within its bound,
 * every string is NUL-terminated, every handle index is in range and used once, every union
 * tag names an arm; inside nested parameters, the same for every string, sequence and tag
 * that the union tags around it make present, and inside every element of a sequence of nested
 * elements. Arithmetic is 64-bit on 32-bit inputs, so it cannot wrap.
 */
#include "bastion_idl.h"
#include "idl_bytes.h"

enum idl_error idl_peek_header(const void *buf, size_t len, struct idl_header *h)
{
    const uint8_t *b = buf;
    if (!buf || len < IDL_HEADER_SIZE)
        return IDL_ERR_TRUNCATED;
    h->endpoint_id = idl_rd32(b);
    h->method_id = idl_rd32(b + 4);
    h->fixed_size = idl_rd32(b + 8);
    h->arena_size = idl_rd32(b + 12);
    h->handle_count = idl_rd16(b + 16);
    h->flags = idl_rd16(b + 18);
    h->reserved = idl_rd32(b + 20);
    return IDL_OK;
}

static enum idl_error check_string(const uint8_t *arena, uint32_t arena_size, uint32_t off,
                                   uint32_t count, uint32_t bound)
{
    if (count > (uint64_t)bound + 1)
        return IDL_ERR_COUNT_OVERFLOW;
    if (count == 0)
        return IDL_OK;
    if ((uint64_t)off + count > arena_size)
        return IDL_ERR_OFFSET_RANGE;
    if (arena[off + count - 1] != 0)
        return IDL_ERR_NO_TERMINATOR;
    return IDL_OK;
}

static enum idl_error check_seq(uint32_t arena_size, uint32_t off, uint32_t count, uint32_t bound,
                                uint32_t esize, uint32_t ealign)
{
    if (count > bound)
        return IDL_ERR_COUNT_OVERFLOW;
    if (ealign > 1 && off % ealign != 0)
        return IDL_ERR_MISALIGNED;
    if ((uint64_t)off + (uint64_t)count * esize > arena_size)
        return IDL_ERR_OFFSET_RANGE;
    return IDL_OK;
}

static enum idl_error check_seqstr(const uint8_t *arena, uint32_t arena_size, uint32_t off,
                                   uint32_t count, uint32_t bound, uint32_t str_bound)
{
    enum idl_error e = check_seq(arena_size, off, count, bound, 8, 4);
    for (uint32_t k = 0; e == IDL_OK && k < count; k++) {
        const uint8_t *d = arena + off + 8u * k;
        e = check_string(arena, arena_size, idl_rd32(d), idl_rd32(d + 4), str_bound);
    }
    return e;
}

/*
 * Items lo..hi-1 of a nested parameter over one wire form at f of fsize bytes (the parameter in
 * the fixed part, or one element of a sequence in the arena): each present tag names an arm,
 * each present string and sequence is a valid arena reference, and each element of a present
 * sequence of nested elements passes the same over its own items. Descriptors are offsets from
 * the arena start, so nothing can point into the fixed part or outside the arena; the type, not
 * the data, says how deep to go, so descriptors cannot form a cycle, and idlc bounds the
 * elements times their items (too many nested fields) and the levels (IDL_SEQ_NEST_MAX): the
 * work is bounded by the description even when a sender makes descriptors share one run.
 */
static enum idl_error check_items(const struct idl_item_desc *items, uint32_t lo, uint32_t hi,
                                  const uint8_t *f, uint32_t fsize, const uint8_t *arena,
                                  uint32_t arena_size, uint32_t depth)
{
    for (uint32_t i = lo; i < hi; i++) {
        const struct idl_item_desc *it = &items[i];
        uint32_t width = it->kind == IDL_KIND_PLAIN ? it->size : it->kind == IDL_KIND_TAG ? 4 : 8;
        if ((uint64_t)it->wire_offset + width > fsize)
            return IDL_ERR_FIXED_SIZE; /* a bad description must not turn into an overread */
        uint32_t sub = it->kind == IDL_KIND_SEQNEST ? it->size : 0; /* its element's items */
        if (sub > hi - i - 1 || (sub > 0 && depth >= IDL_SEQ_NEST_MAX))
            return IDL_ERR_FIXED_SIZE; /* ... nor leave its range or recurse without bound */
        if (!idl_item_present(items, lo, i, f, fsize, 0)) {
            i += sub;
            continue;
        }
        const uint8_t *d = f + it->wire_offset;
        enum idl_error e = IDL_OK;
        switch (it->kind) {
        case IDL_KIND_PLAIN:
            break;
        case IDL_KIND_TAG:
            if (idl_rd32(d) >= it->size)
                return IDL_ERR_BAD_TAG;
            break;
        case IDL_KIND_STRING:
            e = check_string(arena, arena_size, idl_rd32(d), idl_rd32(d + 4), it->bound);
            break;
        case IDL_KIND_SEQ:
            e = check_seq(arena_size, idl_rd32(d), idl_rd32(d + 4), it->bound, it->elem_size,
                          it->elem_align);
            break;
        case IDL_KIND_SEQSTR:
            e = check_seqstr(arena, arena_size, idl_rd32(d), idl_rd32(d + 4), it->bound,
                             it->str_bound);
            break;
        case IDL_KIND_SEQNEST: {
            uint32_t off = idl_rd32(d), count = idl_rd32(d + 4);
            e = check_seq(arena_size, off, count, it->bound, it->elem_size, it->elem_align);
            for (uint32_t k = 0; e == IDL_OK && k < count; k++)
                e = check_items(items, i + 1, i + 1 + sub,
                                arena + off + (uint64_t)k * it->elem_size, it->elem_size, arena,
                                arena_size, depth + 1);
            i += sub;
            break;
        }
        default:
            return IDL_ERR_HEADER;
        }
        if (e != IDL_OK)
            return e;
    }
    return IDL_OK;
}

enum idl_error idl_validate(const struct idl_method_desc *m, enum idl_part part, const void *buf,
                            size_t len)
{
    struct idl_header h;
    enum idl_error e = idl_peek_header(buf, len, &h);
    if (e != IDL_OK)
        return e;
    return idl_validate_header(m, part, &h, buf, len);
}

enum idl_error idl_validate_header(const struct idl_method_desc *m, enum idl_part part,
                                   const struct idl_header *h, const void *buf, size_t len)
{
    enum idl_error e;
    if (!buf || len < IDL_HEADER_SIZE)
        return IDL_ERR_TRUNCATED;
    if (len > IDL_MESSAGE_MAX)
        return IDL_ERR_TOO_LONG;
    uint16_t want_flags = part == IDL_PART_REQUEST    ? 0
                          : part == IDL_PART_RESPONSE ? IDL_FLAG_RESPONSE
                                                      : (IDL_FLAG_RESPONSE | IDL_FLAG_ERROR);
    if (h->reserved != 0 || h->flags != want_flags)
        return IDL_ERR_HEADER;
    if (h->method_id != m->id)
        return IDL_ERR_METHOD;
    const struct idl_part_desc *pd = &m->part[part];
    if (h->fixed_size != pd->fixed_size)
        return IDL_ERR_FIXED_SIZE;
    if (h->handle_count > IDL_HANDLES_MAX)
        return IDL_ERR_TOO_MANY_HANDLES;
    if (h->handle_count != pd->handles)
        return IDL_ERR_HANDLE_COUNT;
    if (h->arena_size > pd->arena_max)
        return IDL_ERR_ARENA_TOO_BIG;
    uint64_t total = idl_arena_at(h->fixed_size, h->handle_count) + h->arena_size;
    if (len < total)
        return IDL_ERR_TRUNCATED;
    if (len > total)
        return IDL_ERR_TOO_LONG;

    const uint8_t *fixed = (const uint8_t *)buf + IDL_HEADER_SIZE;
    const uint8_t *arena = (const uint8_t *)buf + idl_arena_at(h->fixed_size, h->handle_count);
    uint32_t used = 0; /* bit i: handle i is referenced */
    for (uint32_t i = 0; i < m->nparams; i++) {
        const struct idl_param_desc *p = &idl_method_params(m)[i];
        if (p->part != part)
            continue;
        /* Descriptions are generated, but a bad one must not turn into an overread. */
        if ((uint64_t)p->offset + p->size > h->fixed_size)
            return IDL_ERR_FIXED_SIZE;
        const uint8_t *f = fixed + p->offset;
        switch (p->kind) {
        case IDL_KIND_PLAIN:
            for (uint32_t t = 0; t < p->ntags; t++) {
                uint32_t toff = idl_param_tags(p)[2 * t], arms = idl_param_tags(p)[2 * t + 1];
                if ((uint64_t)toff + 4 > p->size)
                    return IDL_ERR_FIXED_SIZE;
                if (idl_rd32(f + toff) >= arms)
                    return IDL_ERR_BAD_TAG;
            }
            break;
        case IDL_KIND_HANDLE: {
            uint32_t idx = idl_rd32(f);
            if (idx >= h->handle_count || (used & (1u << idx)))
                return IDL_ERR_HANDLE_INDEX;
            used |= 1u << idx;
            break;
        }
        case IDL_KIND_STRING:
            e = check_string(arena, h->arena_size, idl_rd32(f), idl_rd32(f + 4), p->bound);
            if (e != IDL_OK)
                return e;
            break;
        case IDL_KIND_SEQ:
            e = check_seq(h->arena_size, idl_rd32(f), idl_rd32(f + 4), p->bound, p->elem_size,
                          p->elem_align);
            if (e != IDL_OK)
                return e;
            break;
        case IDL_KIND_SEQSTR:
            e = check_seqstr(arena, h->arena_size, idl_rd32(f), idl_rd32(f + 4), p->bound,
                             p->str_bound);
            if (e != IDL_OK)
                return e;
            break;
        case IDL_KIND_NESTED:
            e = check_items(idl_param_items(p), 0, p->nitems, f, p->size, arena, h->arena_size, 0);
            if (e != IDL_OK)
                return e;
            break;
        default:
            return IDL_ERR_HEADER;
        }
    }
    return IDL_OK;
}
