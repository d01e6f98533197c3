/*
 * libFuzzer target: idl_unmarshal on arbitrary bytes, for every method part of the demo
 * interface and of every kl.core interface. The first two input bytes pick the method and
 * part; the rest is the message, copied to a buffer of exactly its size so that ASan reports
 * any read past it. Whatever validation accepts is then read in full (every string up to
 * its NUL, every sequence element), so an accepted view pointing outside the message is found.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demo/Echo.idl.h"
#include "kl/core/Core.edl.h"

static const struct idl_method_desc *all[512];
static unsigned nall;

static void collect(const struct idl_interface_desc *itf)
{
    for (uint32_t i = 0; i < itf->nmethods && nall < 512; i++)
        all[nall++] = &itf->methods[i];
}

static volatile uint32_t sink;

static void touch(const struct idl_param_desc *p, const void *v)
{
    switch (p->kind) {
    case IDL_KIND_STRING:
        sink += (uint32_t)strlen(*(const char *const *)v);
        break;
    case IDL_KIND_SEQ: {
        const struct idl_seq *s = v;
        const uint8_t *d = s->data;
        for (size_t i = 0; i < (size_t)s->count * p->elem_size; i++)
            sink += d[i];
        break;
    }
    case IDL_KIND_SEQSTR: {
        const struct idl_seq *s = v;
        for (uint32_t i = 0; i < s->count; i++)
            sink += (uint32_t)strlen(idl_seq_string(s, i));
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (nall == 0) {
        collect(&demo_Echo_interface);
        for (uint32_t ep = 0; ep < kl_core_Core_ENDPOINT_COUNT; ep++)
            collect(kl_core_Core_endpoints[ep].iface);
    }
    if (size < 2)
        return 0;
    const struct idl_method_desc *m = all[data[0] % nall];
    enum idl_part part = (enum idl_part)(data[1] % 3);
    size_t len = size - 2;
    uint8_t *msg = malloc(len ? len : 1);
    memcpy(msg, data + 2, len);
    union {
        uint8_t bytes[IDL_MESSAGE_MAX];
        uint64_t align;
    } *store = malloc(sizeof *store);
    void *outs[64];
    uint32_t n = 0, off = 0;
    for (uint32_t i = 0; i < m->nparams && n < 64; i++) {
        if (m->params[i].part != part)
            continue;
        outs[n++] = store->bytes + off;
        off += (m->params[i].size + sizeof(struct idl_seq) + 7) & ~7u;
    }
    if (idl_unmarshal(m, part, msg, len, outs) == IDL_OK) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < m->nparams; i++)
            if (m->params[i].part == part)
                touch(&m->params[i], outs[k++]);
    }
    free(store);
    free(msg);
    return 0;
}
