/*
 * libFuzzer target: idl_unmarshal on arbitrary bytes, for every method part of the demo
 * interfaces (demo.Echo, demo.Nested with strings and sequences inside structs and unions, and
 * demo.Elements with nested sequence elements and arrays of strings and sequences) and of every
 * kl.core interface. The first two input bytes pick the method and
 * part; the rest is the message, copied to a buffer of exactly its size so that ASan reports
 * any read past it. Whatever validation accepts is then read in full (every string up to
 * its NUL, every sequence element), so an accepted view pointing outside the message is found.
 *
 * Structured mode (bit 2 of the second byte): the input first feeds parameter values to
 * idl_marshal, then (position, xor) pairs corrupt the valid message, which reaches deep
 * validation paths that random bytes rarely pass. An uncorrupted message must validate.
 *
 * Every request of a kl.core method, in both modes, also goes to its interface's generated
 * validator (<Iface>_validate_request), which must give the table-driven check's verdict.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demo/Echo.idl.h"
#include "demo/Elements.idl.h"
#include "demo/Nested.idl.h"
#include "idl_bytes.h"
#include "kl/core/Core.edl.h"

static const struct idl_method_desc *all[512];
static idl_request_validator validators[512]; /* the generated one of a kl.core method's iface */
static unsigned nall;

static void collect(const struct idl_interface_desc *itf, idl_request_validator v)
{
    for (uint32_t i = 0; i < itf->nmethods && nall < 512; i++) {
        validators[nall] = v;
        all[nall++] = &idl_iface_methods(itf)[i];
    }
}

/* A request of method m (routed to it: its header names m) gets the same verdict from the
 * interface's generated validator as from the table-driven check. */
static void same_verdict(const struct idl_method_desc *m, idl_request_validator v,
                         enum idl_part part, const uint8_t *msg, size_t len)
{
    struct idl_header h;
    if (v == NULL || part != IDL_PART_REQUEST || idl_peek_header(msg, len, &h) != IDL_OK ||
        h.method_id != m->id)
        return;
    if (v(&h, msg, len) != idl_validate_header(m, IDL_PART_REQUEST, &h, msg, len))
        abort();
}

static volatile uint32_t sink;

static void touch_string(const char *s)
{
    sink += (uint32_t)strlen(s);
}

static void touch_seq(const struct idl_seq *s, uint32_t elem_size, int seqstr)
{
    if (seqstr) {
        for (uint32_t i = 0; i < s->count; i++)
            touch_string(idl_seq_string(s, i));
        return;
    }
    const uint8_t *d = s->data;
    for (size_t i = 0; i < (size_t)s->count * elem_size; i++)
        sink += d[i];
}

static void touch_items(const struct idl_item_desc *items, uint32_t lo, uint32_t hi,
                        const uint8_t *v, uint32_t vsize, const uint8_t *arena);

/* Each element of a received sequence of nested elements (its items lo..hi-1), read in full
 * through its wire form: every descriptor inside, to the bottom. */
static void touch_elements(const struct idl_item_desc *items, const struct idl_item_desc *it,
                           uint32_t lo, uint32_t hi, const struct idl_seq *s)
{
    for (uint32_t k = 0; k < s->count; k++)
        touch_items(items, lo, hi, (const uint8_t *)s->data + (size_t)k * it->elem_size,
                    it->elem_size, s->arena);
}

/* Every string and sequence a nested value's tags make present, read in full: the C form at v
 * (arena NULL) or an element's wire form (arena set). */
static void touch_items(const struct idl_item_desc *items, uint32_t lo, uint32_t hi,
                        const uint8_t *v, uint32_t vsize, const uint8_t *arena)
{
    for (uint32_t i = lo; i < hi; i++) {
        const struct idl_item_desc *it = &items[i];
        uint32_t sub = it->kind == IDL_KIND_SEQNEST ? it->size : 0;
        if (!idl_item_present(items, lo, i, v, vsize, arena == NULL)) {
            i += sub;
            continue;
        }
        const void *f = v + (arena ? it->wire_offset : it->native_offset);
        struct idl_seq s = {0};
        if (it->kind != IDL_KIND_PLAIN && it->kind != IDL_KIND_TAG && it->kind != IDL_KIND_STRING)
            s = arena ? idl_desc_seq(arena, f) : *(const struct idl_seq *)f;
        if (it->kind == IDL_KIND_STRING)
            touch_string(arena ? idl_desc_string(arena, f) : *(const char *const *)f);
        else if (it->kind == IDL_KIND_SEQ || it->kind == IDL_KIND_SEQSTR)
            touch_seq(&s, it->elem_size, it->kind == IDL_KIND_SEQSTR);
        else if (it->kind == IDL_KIND_SEQNEST)
            touch_elements(items, it, i + 1, i + 1 + sub, &s);
        i += sub;
    }
}

static void touch_nested(const struct idl_param_desc *p, const uint8_t *v)
{
    touch_items(idl_param_items(p), 0, p->nitems, v, p->native_size, NULL);
}

static void touch(const struct idl_param_desc *p, const void *v)
{
    switch (p->kind) {
    case IDL_KIND_NESTED:
        touch_nested(p, v);
        break;
    case IDL_KIND_STRING:
        touch_string(*(const char *const *)v);
        break;
    case IDL_KIND_SEQ:
    case IDL_KIND_SEQSTR:
        touch_seq(v, p->elem_size, p->kind == IDL_KIND_SEQSTR);
        break;
    default:
        break;
    }
}

/* A reader over the fuzz input that yields zeros when exhausted. */
struct reader {
    const uint8_t *p;
    size_t n;
};

static uint8_t rd8(struct reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static uint32_t rd32(struct reader *r)
{
    uint32_t v = rd8(r);
    v |= (uint32_t)rd8(r) << 8;
    v |= (uint32_t)rd8(r) << 16;
    return v | (uint32_t)rd8(r) << 24;
}

/* Storage for the native values of one structured message. */
struct native {
    _Alignas(8) uint8_t plain[64][512]; /* also nested values' C forms, which hold pointers */
    idl_handle_t handles[64];
    struct idl_seq seqs[64];
    const char *strp[64];
    char chars[8192];
    const char *strv[256];
    uint8_t elems[8192];
    _Alignas(8) uint8_t nested[16384]; /* C forms of nested sequence elements */
    uint32_t nested_used;
};

static char *take_string(struct reader *r, uint32_t bound, char **pool, char *end)
{
    uint32_t n = rd8(r) % (bound + 1);
    if (*pool + n + 1 > end)
        n = 0;
    char *s = *pool;
    for (uint32_t i = 0; i < n; i++)
        s[i] = (char)('a' + rd8(r) % 26);
    s[n] = 0;
    *pool += n + 1;
    return s;
}

/* Items lo..hi-1 of a nested parameter's C form in out (random plain bytes, already there):
 * each present tag set to an arm, each present string and sequence to values from the input,
 * and each sequence of nested elements to C-form elements filled the same way. Items come in
 * order, so a tag is set before the items of its arms are asked whether they are present. */
static void fill_items(const struct idl_item_desc *items, uint32_t lo, uint32_t hi, uint8_t *out,
                       uint32_t osize, struct reader *r, struct native *nv, char **pool,
                       uint32_t *elem_used, uint32_t *strv_used)
{
    for (uint32_t i = lo; i < hi; i++) {
        const struct idl_item_desc *it = &items[i];
        uint32_t sub = it->kind == IDL_KIND_SEQNEST ? it->size : 0;
        if (!idl_item_present(items, lo, i, out, osize, 1)) {
            i += sub;
            continue;
        }
        uint8_t *f = out + it->native_offset;
        switch (it->kind) {
        case IDL_KIND_TAG: {
            uint32_t tag = rd8(r) % it->size;
            memcpy(f, &tag, 4);
            break;
        }
        case IDL_KIND_STRING: {
            const char *s = take_string(r, it->bound, pool, nv->chars + sizeof nv->chars);
            memcpy(f, &s, sizeof s);
            break;
        }
        case IDL_KIND_SEQ: {
            uint32_t c = rd8(r) % (it->bound + 1);
            if ((uint64_t)*elem_used + (uint64_t)c * it->elem_size > sizeof nv->elems)
                c = 0;
            for (uint32_t b = 0; b < c * it->elem_size; b++)
                nv->elems[*elem_used + b] = rd8(r);
            struct idl_seq s = {nv->elems + *elem_used, c, NULL};
            memcpy(f, &s, sizeof s);
            *elem_used += c * it->elem_size;
            break;
        }
        case IDL_KIND_SEQSTR: {
            uint32_t c = rd8(r) % (it->bound + 1);
            if (*strv_used + c > 256)
                c = 0;
            for (uint32_t k = 0; k < c; k++)
                nv->strv[*strv_used + k] =
                    take_string(r, it->str_bound, pool, nv->chars + sizeof nv->chars);
            struct idl_seq s = {&nv->strv[*strv_used], c, NULL};
            memcpy(f, &s, sizeof s);
            *strv_used += c;
            break;
        }
        case IDL_KIND_SEQNEST: {
            /* C-form elements from the native store, 8-aligned (they hold pointers). */
            uint32_t c = rd8(r) % (it->bound + 1);
            uint32_t at = (nv->nested_used + 7u) & ~7u;
            if ((uint64_t)at + (uint64_t)c * it->native_elem_size > sizeof nv->nested)
                c = 0;
            uint8_t *elems = nv->nested + at;
            nv->nested_used = at + c * it->native_elem_size;
            for (uint32_t b = 0; b < c * it->native_elem_size; b++)
                elems[b] = rd8(r);
            for (uint32_t k = 0; k < c; k++)
                fill_items(items, i + 1, i + 1 + sub, elems + (size_t)k * it->native_elem_size,
                           it->native_elem_size, r, nv, pool, elem_used, strv_used);
            struct idl_seq s = {elems, c, NULL};
            memcpy(f, &s, sizeof s);
            break;
        }
        default:
            break;
        }
        i += sub;
    }
}

static void fill_nested(const struct idl_param_desc *p, uint8_t *out, struct reader *r,
                        struct native *nv, char **pool, uint32_t *elem_used, uint32_t *strv_used)
{
    fill_items(idl_param_items(p), 0, p->nitems, out, p->native_size, r, nv, pool, elem_used,
               strv_used);
}

static void structured(const struct idl_method_desc *m, idl_request_validator v, enum idl_part part,
                       struct reader *r)
{
    static struct native nv;
    static uint8_t buf[IDL_MESSAGE_MAX];
    const void *args[64];
    uint32_t n = 0;
    char *pool = nv.chars;
    uint32_t elem_used = 0, strv_used = 0;
    nv.nested_used = 0;
    for (uint32_t i = 0; i < m->nparams && n < 64; i++) {
        const struct idl_param_desc *p = &idl_method_params(m)[i];
        if (p->part != part)
            continue;
        switch (p->kind) {
        case IDL_KIND_PLAIN:
            for (uint32_t b = 0; b < p->size && b < sizeof nv.plain[n]; b++)
                nv.plain[n][b] = rd8(r);
            for (uint32_t t = 0; t < p->ntags; t++) {
                uint32_t tag = rd8(r) % idl_param_tags(p)[2 * t + 1];
                memcpy(&nv.plain[n][idl_param_tags(p)[2 * t]], &tag, 4);
            }
            args[n] = nv.plain[n];
            if (p->size > sizeof nv.plain[n])
                return; /* larger than this harness stores: skip the input */
            break;
        case IDL_KIND_HANDLE:
            nv.handles[n].handle = rd32(r);
            nv.handles[n].rights = rd32(r);
            args[n] = &nv.handles[n];
            break;
        case IDL_KIND_STRING:
            nv.strp[n] = take_string(r, p->bound, &pool, nv.chars + sizeof nv.chars);
            args[n] = &nv.strp[n];
            break;
        case IDL_KIND_SEQ: {
            uint32_t c = rd8(r) % (p->bound + 1);
            if ((uint64_t)elem_used + (uint64_t)c * p->elem_size > sizeof nv.elems)
                c = 0;
            for (uint32_t b = 0; b < c * p->elem_size; b++)
                nv.elems[elem_used + b] = rd8(r);
            nv.seqs[n] = (struct idl_seq){nv.elems + elem_used, c, NULL};
            elem_used += c * p->elem_size;
            args[n] = &nv.seqs[n];
            break;
        }
        case IDL_KIND_SEQSTR: {
            uint32_t c = rd8(r) % (p->bound + 1);
            if (strv_used + c > 256)
                c = 0;
            for (uint32_t k = 0; k < c; k++)
                nv.strv[strv_used + k] =
                    take_string(r, p->str_bound, &pool, nv.chars + sizeof nv.chars);
            nv.seqs[n] = (struct idl_seq){&nv.strv[strv_used], c, NULL};
            strv_used += c;
            args[n] = &nv.seqs[n];
            break;
        }
        case IDL_KIND_NESTED:
            if (p->native_size > sizeof nv.plain[n])
                return; /* larger than this harness stores: skip the input */
            for (uint32_t b = 0; b < p->native_size; b++)
                nv.plain[n][b] = rd8(r);
            fill_nested(p, nv.plain[n], r, &nv, &pool, &elem_used, &strv_used);
            args[n] = nv.plain[n];
            break;
        default:
            abort();
        }
        n++;
    }
    size_t len = 0;
    if (idl_marshal(m, part, 1, args, buf, sizeof buf, &len) != IDL_OK)
        return;
    if (idl_validate(m, part, buf, len) != IDL_OK)
        abort(); /* what idl_marshal writes must validate */
    size_t cut = len;
    while (r->n >= 3) {
        uint32_t pos = rd8(r) | (uint32_t)rd8(r) << 8;
        uint8_t x = rd8(r);
        if (pos == 0xFFFF)
            cut = len > x ? len - x : 0; /* truncate */
        else if (pos < len)
            buf[pos] ^= x;
    }
    uint8_t *msg = malloc(cut ? cut : 1);
    memcpy(msg, buf, cut);
    same_verdict(m, v, part, msg, cut);
    static _Alignas(8) uint8_t store[64][512 + sizeof(struct idl_seq)];
    void *outs[64];
    for (uint32_t i = 0; i < 64; i++)
        outs[i] = store[i];
    if (idl_unmarshal(m, part, msg, cut, outs) == IDL_OK) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < m->nparams; i++)
            if (idl_method_params(m)[i].part == part)
                touch(&idl_method_params(m)[i], outs[k++]);
    }
    free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (nall == 0) {
        collect(&demo_Echo_interface, NULL);
        collect(&demo_Nested_interface, NULL);
        collect(&demo_Elements_interface, NULL);
        for (uint32_t ep = 0; ep < kl_core_Core_ENDPOINT_COUNT; ep++)
            collect(kl_core_Core_endpoints[ep].iface, kl_core_Core_endpoints[ep].validate_request);
    }
    if (size < 2)
        return 0;
    unsigned which = data[0] % nall;
    const struct idl_method_desc *m = all[which];
    enum idl_part part = (enum idl_part)(data[1] % 3);
    if (data[1] & 4) {
        struct reader r = {data + 2, size - 2};
        structured(m, validators[which], part, &r);
        return 0;
    }
    size_t len = size - 2;
    uint8_t *msg = malloc(len ? len : 1);
    memcpy(msg, data + 2, len);
    same_verdict(m, validators[which], part, msg, len);
    union {
        uint8_t bytes[IDL_MESSAGE_MAX];
        uint64_t align;
    } *store = malloc(sizeof *store);
    void *outs[64];
    uint32_t n = 0, off = 0;
    for (uint32_t i = 0; i < m->nparams && n < 64; i++) {
        if (idl_method_params(m)[i].part != part)
            continue;
        outs[n++] = store->bytes + off;
        off += (idl_method_params(m)[i].size + idl_method_params(m)[i].native_size +
                sizeof(struct idl_seq) + 7) &
               ~7u;
    }
    if (idl_unmarshal(m, part, msg, len, outs) == IDL_OK) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < m->nparams; i++)
            if (idl_method_params(m)[i].part == part)
                touch(&idl_method_params(m)[i], outs[k++]);
    }
    free(store);
    free(msg);
    return 0;
}
