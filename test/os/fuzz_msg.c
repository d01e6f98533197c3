/* The in-OS fuzzer's message maker (fuzz_msg.h). */
#include "fuzz_msg.h"

#include <string.h>

static size_t pad8(size_t v)
{
    return (v + 7u) & ~(size_t)7u;
}

void fz_pool_add_handle(struct fz_rng *r, struct fz_pools *p, uint32_t h)
{
    for (uint32_t i = 0; i < p->nhandles; i++)
        if (p->handle[i] == h)
            return;
    if (p->nhandles < FZ_POOL_MAX) {
        p->handle[p->nhandles++] = h;
        return;
    }
    uint32_t *slot = &p->handle[fz_below(r, FZ_POOL_MAX)];
    if (p->ndropped < FZ_POOL_MAX)
        p->dropped[p->ndropped++] = *slot;
    *slot = h;
}

/* Mostly a handle the kernel gave this process, else a small number (handle tables are dense),
 * an impossible one, or anything at all. */
uint32_t fz_pick_handle(struct fz_rng *r, const struct fz_pools *p)
{
    uint32_t k = fz_below(r, 10);
    if (k < 6 && p->nhandles != 0)
        return p->handle[fz_below(r, p->nhandles)];
    if (k < 8)
        return fz_below(r, 40);
    if (k < 9) {
        static const uint32_t odd[] = {0, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0x10000u, 0xffffu};
        return odd[fz_below(r, sizeof odd / sizeof odd[0])];
    }
    return (uint32_t)fz_next(r);
}

/* Boundary values of sizes, counts, flags and signed numbers, pool addresses, random bits. */
uint64_t fz_pick_value(struct fz_rng *r, const struct fz_pools *p)
{
    static const uint64_t edge[] = {
        0,
        1,
        2,
        3,
        4,
        7,
        8,
        15,
        16,
        31,
        32,
        63,
        64,
        127,
        128,
        255,
        256,
        511,
        4095,
        4096,
        4097,
        8192,
        0x10000,
        0x100000,
        0x1000000,
        0x40000000,
        0x7fffffffull,
        0x80000000ull,
        0xffffffffull,
        0x100000000ull,
        0x7fffffffffffffffull,
        0x8000000000000000ull,
        ~0ull,
        ~0ull - 4095,
        ~0ull - 1,
        0x00007ffffffff000ull,
        0x0000800000000000ull,
        0xffff800000000000ull,
        0xffffffff80000000ull,
    };
    uint32_t k = fz_below(r, 16);
    if (k < 6)
        return edge[fz_below(r, sizeof edge / sizeof edge[0])];
    if (k < 10 && p->naddrs != 0) {
        uint64_t a = p->addr[fz_below(r, p->naddrs)];
        if (fz_chance(r, 30))
            a += fz_below(r, 3 * 4096) - 4096; /* near it: misaligned, page-crossing */
        return a;
    }
    if (k < 12)
        return fz_below(r, 64);
    if (k < 14)
        return (uint64_t)fz_below(r, 256) << 12; /* page multiples */
    return fz_next(r);
}

static void put_le(uint8_t *dst, uint64_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n && i < 8; i++)
        dst[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *src, uint32_t n)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < n && i < 8; i++)
        v |= (uint64_t)src[i] << (8 * i);
    return v;
}

static void fill_plain(struct fz_rng *r, const struct fz_pools *pools, uint8_t *f,
                       const struct idl_param_desc *p)
{
    for (uint32_t i = 0; i < p->size; i += 8) {
        uint32_t n = p->size - i < 8 ? p->size - i : 8;
        put_le(f + i, fz_pick_value(r, pools), n);
    }
    /* Union tags: mostly an arm that exists. */
    for (uint32_t t = 0; t < p->ntags; t++) {
        uint32_t toff = idl_param_tags(p)[2 * t], arms = idl_param_tags(p)[2 * t + 1];
        if (toff + 4 <= p->size)
            put_le(f + toff, fz_chance(r, 90) ? fz_below(r, arms) : fz_next(r), 4);
    }
}

/* A count for a bounded sequence or string: small mostly, the bound now and then, past it
 * rarely (the kernel must refuse), never more than fits `room` elements of esize. */
static uint32_t pick_count(struct fz_rng *r, uint32_t bound, uint32_t esize, size_t room)
{
    uint32_t c;
    uint32_t k = fz_below(r, 20);
    if (k < 12)
        c = fz_below(r, (bound < 16 ? bound : 16) + 1);
    else if (k < 16)
        c = fz_below(r, bound + 1);
    else if (k < 18)
        c = bound;
    else
        c = bound + 1 + fz_below(r, 4);
    if (esize != 0 && (uint64_t)c * esize > room)
        c = (uint32_t)(room / esize);
    return c;
}

size_t fz_gen_request(struct fz_rng *r, const struct fz_pools *pools, uint32_t ep,
                      const struct idl_method_desc *m, uint8_t *buf, size_t cap)
{
    const struct idl_part_desc *pd = &m->part[IDL_PART_REQUEST];
    size_t htab = IDL_HEADER_SIZE + pad8(pd->fixed_size);
    size_t arena0 = htab + 8u * pd->handles;
    if (arena0 > cap)
        return 0;
    memset(buf, 0, arena0);
    uint8_t *arena = buf + arena0;
    size_t room = cap - arena0, used = 0;
    uint32_t hidx = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        const struct idl_param_desc *p = &idl_method_params(m)[i];
        if (p->part != IDL_PART_REQUEST)
            continue;
        uint8_t *f = buf + IDL_HEADER_SIZE + p->offset;
        switch (p->kind) {
        case IDL_KIND_PLAIN:
            fill_plain(r, pools, f, p);
            break;
        case IDL_KIND_HANDLE: {
            uint32_t idx = fz_chance(r, 97) ? hidx : fz_below(r, pd->handles + 2);
            put_le(f, idx, 4);
            if (hidx < pd->handles) {
                uint8_t *e = buf + htab + 8u * hidx;
                put_le(e, fz_pick_handle(r, pools), 4);
                put_le(e + 4, fz_chance(r, 80) ? 0 : fz_next(r), 4); /* rights: as held, or any */
            }
            hidx++;
            break;
        }
        case IDL_KIND_STRING: {
            uint32_t n = pick_count(r, p->bound + 1, 1, room - used);
            uint32_t off = (uint32_t)used;
            for (uint32_t k = 0; k < n; k++)
                arena[used + k] = (uint8_t)('a' + fz_below(r, 26));
            if (n != 0 && fz_chance(r, 95))
                arena[used + n - 1] = 0;
            used += n;
            put_le(f, fz_chance(r, 97) ? off : fz_next(r), 4);
            put_le(f + 4, n, 4);
            break;
        }
        case IDL_KIND_SEQ: {
            uint32_t align = p->elem_align > 1 ? p->elem_align : 1;
            used = (used + align - 1) / align * align;
            if (used > room)
                used = room;
            uint32_t n = pick_count(r, p->bound, p->elem_size, room - used);
            uint32_t off = (uint32_t)used;
            for (uint64_t k = 0; k < (uint64_t)n * p->elem_size; k += 8)
                put_le(arena + used + k, fz_pick_value(r, pools),
                       (uint32_t)((uint64_t)n * p->elem_size - k < 8
                                      ? (uint64_t)n * p->elem_size - k
                                      : 8));
            used += (size_t)n * p->elem_size;
            put_le(f, fz_chance(r, 97) ? off : fz_next(r), 4);
            put_le(f + 4, n, 4);
            break;
        }
        case IDL_KIND_SEQSTR: {
            used = (used + 7u) & ~(size_t)7u;
            if (used > room)
                used = room;
            uint32_t n = pick_count(r, p->bound, 8, room - used);
            if (n > 8)
                n = 8;
            uint32_t off = (uint32_t)used;
            used += 8u * n;
            for (uint32_t k = 0; k < n; k++) {
                uint32_t len = pick_count(r, p->str_bound + 1, 1, room - used);
                uint32_t soff = (uint32_t)used;
                for (uint32_t c = 0; c < len; c++)
                    arena[used + c] = (uint8_t)('a' + fz_below(r, 26));
                if (len != 0)
                    arena[used + len - 1] = 0;
                used += len;
                put_le(arena + off + 8u * k, soff, 4);
                put_le(arena + off + 8u * k + 4, len, 4);
            }
            put_le(f, off, 4);
            put_le(f + 4, n, 4);
            break;
        }
        default:
            break;
        }
    }
    struct idl_header h = {
        .endpoint_id = ep,
        .method_id = m->id,
        .fixed_size = pd->fixed_size,
        .arena_size = (uint32_t)used,
        .handle_count = (uint16_t)pd->handles,
        .flags = 0,
        .reserved = 0,
    };
    memcpy(buf, &h, sizeof h);
    return arena0 + used;
}

size_t fz_mutate(struct fz_rng *r, uint8_t *buf, size_t len, size_t cap)
{
    uint32_t rounds = 1 + fz_below(r, 3);
    for (uint32_t i = 0; i < rounds; i++) {
        uint32_t k = fz_below(r, 6);
        if (k == 0 && len != 0) {
            buf[fz_below(r, (uint32_t)len)] ^= (uint8_t)(1u << fz_below(r, 8));
        } else if (k == 1 && len >= IDL_HEADER_SIZE) {
            put_le(buf + 4u * fz_below(r, 6), fz_next(r) & (fz_chance(r, 50) ? 0xffu : 0xffffffffu),
                   4);
        } else if (k == 2 && len != 0) {
            len = fz_below(r, (uint32_t)len + 1); /* truncated */
        } else if (k == 3 && len < cap) {
            size_t add = fz_below(r, (uint32_t)(cap - len < 64 ? cap - len : 64) + 1);
            for (size_t j = 0; j < add; j++)
                buf[len + j] = (uint8_t)fz_next(r);
            len += add; /* trailing bytes */
        } else if (len >= 8) {
            size_t at = fz_below(r, (uint32_t)(len - 7)) & ~(size_t)3u;
            put_le(buf + at, fz_next(r), fz_chance(r, 50) ? 4 : 8 > len - at ? 4 : 8);
        }
    }
    return len;
}

const struct idl_param_desc *fz_param(const struct idl_method_desc *m, const char *name)
{
    for (uint32_t i = 0; i < m->nparams; i++)
        if (idl_method_params(m)[i].part == IDL_PART_REQUEST &&
            strcmp(idl_param_name(&idl_method_params(m)[i]), name) == 0)
            return &idl_method_params(m)[i];
    return NULL;
}

uint64_t fz_read_plain(const uint8_t *msg, const struct idl_param_desc *p)
{
    if (p == NULL)
        return 0;
    return get_le(msg + IDL_HEADER_SIZE + p->offset, p->size);
}

void fz_write_plain(uint8_t *msg, const struct idl_param_desc *p, uint64_t v)
{
    if (p == NULL)
        return;
    put_le(msg + IDL_HEADER_SIZE + p->offset, v, p->size);
}

uint32_t fz_read_handle(const uint8_t *msg, const struct idl_param_desc *p)
{
    if (p == NULL)
        return 0;
    uint32_t fixed = (uint32_t)get_le(msg + 8, 4);
    uint32_t idx = (uint32_t)get_le(msg + IDL_HEADER_SIZE + p->offset, 4);
    return (uint32_t)get_le(msg + IDL_HEADER_SIZE + pad8(fixed) + 8u * idx, 4);
}

void fz_harvest_handles(struct fz_rng *r, struct fz_pools *p, const uint8_t *res, size_t len)
{
    if (len < IDL_HEADER_SIZE)
        return;
    uint32_t fixed = (uint32_t)get_le(res + 8, 4);
    uint32_t count = (uint32_t)get_le(res + 16, 2);
    size_t at = IDL_HEADER_SIZE + pad8(fixed);
    for (uint32_t i = 0; i < count && i < IDL_HANDLES_MAX && at + 8u * i + 8 <= len; i++) {
        uint32_t h = (uint32_t)get_le(res + at + 8u * i, 4);
        if (h != 0)
            fz_pool_add_handle(r, p, h);
    }
}
