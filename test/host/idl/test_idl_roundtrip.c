/*
 * Marshal, validate, unmarshal is the identity for every method of the kernel interface:
 * driven by the generated descriptions of all kl.core endpoints (every interface, every
 * method, request, response and error part), with random values, empty values and values
 * at their bounds (the worst case must fit the method's arena_max).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kl/core/Core.edl.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

enum fill { FILL_RANDOM, FILL_EMPTY, FILL_MAX };

static uint32_t pick_count(uint32_t bound, enum fill f)
{
    if (f == FILL_EMPTY)
        return 0;
    if (f == FILL_MAX)
        return bound;
    return rnd() % (bound + 1);
}

static char *make_string(uint32_t bound, enum fill f)
{
    uint32_t n = pick_count(bound, f);
    char *s = malloc(n + 1);
    for (uint32_t i = 0; i < n; i++)
        s[i] = (char)('a' + rnd() % 26);
    s[n] = 0;
    return s;
}

/* Native storage for one parameter, and the pointer handed to the runtime. */
struct slot {
    void *mem;  /* plain value, handle, seq or string pointer */
    void *data; /* sequence elements, or the string array of a SEQSTR */
    char **strs;
    uint32_t nstrs;
    char *str;
};

static void fill_param(const struct idl_param_desc *p, struct slot *s, enum fill f)
{
    memset(s, 0, sizeof *s);
    switch (p->kind) {
    case IDL_KIND_PLAIN: {
        uint8_t *b = malloc(p->size);
        for (uint32_t i = 0; i < p->size; i++)
            b[i] = (uint8_t)rnd();
        for (uint32_t t = 0; t < p->ntags; t++) {
            uint32_t tag = rnd() % idl_param_tags(p)[2 * t + 1];
            memcpy(b + idl_param_tags(p)[2 * t], &tag, 4);
        }
        s->mem = b;
        break;
    }
    case IDL_KIND_HANDLE: {
        idl_handle_t *h = malloc(sizeof *h);
        h->handle = rnd();
        h->rights = rnd();
        s->mem = h;
        break;
    }
    case IDL_KIND_STRING: {
        s->str = make_string(p->bound, f);
        const char **sp = malloc(sizeof *sp);
        *sp = s->str;
        s->mem = sp;
        break;
    }
    case IDL_KIND_SEQ: {
        struct idl_seq *q = calloc(1, sizeof *q);
        q->count = pick_count(p->bound, f);
        uint8_t *d = malloc((size_t)q->count * p->elem_size + 1);
        for (size_t i = 0; i < (size_t)q->count * p->elem_size; i++)
            d[i] = (uint8_t)rnd();
        q->data = d;
        s->data = d;
        s->mem = q;
        break;
    }
    case IDL_KIND_SEQSTR: {
        struct idl_seq *q = calloc(1, sizeof *q);
        q->count = pick_count(p->bound, f);
        s->nstrs = q->count;
        s->strs = calloc(q->count + 1, sizeof(char *));
        for (uint32_t i = 0; i < q->count; i++)
            s->strs[i] = make_string(p->str_bound, f);
        q->data = s->strs;
        s->mem = q;
        break;
    }
    default:
        fail_msg("unknown kind %d", p->kind);
    }
}

static void free_slot(struct slot *s)
{
    for (uint32_t i = 0; i < s->nstrs; i++)
        free(s->strs[i]);
    free(s->strs);
    free(s->str);
    free(s->data);
    free(s->mem);
}

/* Compares the value sent (s) with the one received (out). */
static void compare(const struct idl_param_desc *p, const struct slot *s, const void *out,
                    const char *where)
{
    switch (p->kind) {
    case IDL_KIND_PLAIN:
        if (memcmp(s->mem, out, p->size) != 0)
            fail_msg("%s: plain %s differs", where, idl_param_name(p));
        break;
    case IDL_KIND_HANDLE:
        if (memcmp(s->mem, out, sizeof(idl_handle_t)) != 0)
            fail_msg("%s: handle %s differs", where, idl_param_name(p));
        break;
    case IDL_KIND_STRING:
        if (strcmp(s->str, *(const char *const *)out) != 0)
            fail_msg("%s: string %s differs", where, idl_param_name(p));
        break;
    case IDL_KIND_SEQ: {
        const struct idl_seq *a = s->mem, *b = out;
        if (a->count != b->count ||
            (a->count && memcmp(a->data, b->data, (size_t)a->count * p->elem_size) != 0))
            fail_msg("%s: sequence %s differs", where, idl_param_name(p));
        break;
    }
    case IDL_KIND_SEQSTR: {
        const struct idl_seq *b = out;
        if (b->count != s->nstrs)
            fail_msg("%s: %s count %u != %u", where, idl_param_name(p), b->count, s->nstrs);
        for (uint32_t i = 0; i < s->nstrs; i++)
            if (strcmp(s->strs[i], idl_seq_string(b, i)) != 0)
                fail_msg("%s: %s[%u] differs", where, idl_param_name(p), i);
        break;
    }
    }
}

static _Alignas(8) uint8_t buf[IDL_MESSAGE_MAX];

static void roundtrip(const struct idl_method_desc *m, enum idl_part part, enum fill f,
                      const char *where)
{
    struct slot slots[32];
    const void *args[32];
    void *outs[32];
    /* Receive-side storage: large enough for any plain value, handle, seq or pointer. */
    uint8_t *recv[32];
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        if (idl_method_params(m)[i].part != part)
            continue;
        assert_true(n < 32);
        fill_param(&idl_method_params(m)[i], &slots[n], f);
        args[n] = slots[n].mem;
        recv[n] = calloc(1, idl_method_params(m)[i].size + sizeof(struct idl_seq));
        outs[n] = recv[n];
        n++;
    }
    size_t len = 0;
    enum idl_error e = idl_marshal(m, part, 7, args, buf, sizeof buf, &len);
    if (e != IDL_OK)
        fail_msg("%s: marshal: %s", where, idl_error_name(e));
    assert_true(len <= IDL_MESSAGE_MAX);
    e = idl_unmarshal(m, part, buf, len, outs);
    if (e != IDL_OK)
        fail_msg("%s: unmarshal: %s", where, idl_error_name(e));
    struct idl_header h;
    assert_int_equal(idl_peek_header(buf, len, &h), IDL_OK);
    assert_int_equal(h.endpoint_id, 7);
    assert_int_equal(h.method_id, m->id);
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        if (idl_method_params(m)[i].part != part)
            continue;
        compare(&idl_method_params(m)[i], &slots[k], outs[k], where);
        k++;
    }
    /* The kernel's path for a message already validated decodes the same values. */
    k = 0;
    for (uint32_t i = 0; i < m->nparams; i++)
        if (idl_method_params(m)[i].part == part)
            memset(recv[k++], 0, idl_method_params(m)[i].size + sizeof(struct idl_seq));
    e = idl_unmarshal_validated(m, part, buf, len, outs);
    if (e != IDL_OK)
        fail_msg("%s: unmarshal (validated): %s", where, idl_error_name(e));
    k = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        if (idl_method_params(m)[i].part != part)
            continue;
        compare(&idl_method_params(m)[i], &slots[k], outs[k], where);
        k++;
    }
    /* One byte less must never pass. */
    if (len > IDL_HEADER_SIZE)
        assert_int_equal(idl_validate(m, part, buf, len - 1), IDL_ERR_TRUNCATED);
    for (uint32_t i = 0; i < n; i++) {
        free_slot(&slots[i]);
        free(recv[i]);
    }
}

static void test_every_kl_core_method(void **state)
{
    (void)state;
    int methods = 0, params = 0;
    for (uint32_t ep = 0; ep < kl_core_Core_ENDPOINT_COUNT; ep++) {
        const struct idl_interface_desc *itf = kl_core_Core_endpoints[ep].iface;
        for (uint32_t mi = 0; mi < itf->nmethods; mi++) {
            const struct idl_method_desc *m = &idl_iface_methods(itf)[mi];
            assert_int_equal(m->id, mi);
            methods++;
            params += (int)m->nparams;
            for (int part = 0; part < 3; part++) {
                char where[160];
                snprintf(where, sizeof where, "%s.%s part %d", idl_iface_name(itf),
                         idl_method_name(m), part);
                roundtrip(m, (enum idl_part)part, FILL_EMPTY, where);
                roundtrip(m, (enum idl_part)part, FILL_MAX, where);
                for (int r = 0; r < 20; r++)
                    roundtrip(m, (enum idl_part)part, FILL_RANDOM, where);
            }
        }
    }
    /* The documented interface: 146 methods (Hypervisor's are not documented). */
    assert_int_equal(methods, 146);
    assert_true(params > 400);
}

/* The dispatcher of every kl.core interface rejects a request for a method it lacks. */
static void test_unknown_method_rejected(void **state)
{
    (void)state;
    const struct idl_interface_desc *vmm = kl_core_Core_endpoints[kl_core_Core_EP_vmm_VMM].iface;
    assert_string_equal(idl_iface_name(vmm), "kl.core.VMM");
    _Alignas(8) uint8_t req[IDL_HEADER_SIZE] = {0};
    req[4] = (uint8_t)vmm->nmethods;
    size_t res_len = 0;
    struct kl_core_VMM_ops ops;
    memset(&ops, 0, sizeof ops);
    assert_int_equal(kl_core_VMM_dispatch(&ops, NULL, req, sizeof req, buf, sizeof buf, &res_len),
                     rcBadMessage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kl_core_method),
        cmocka_unit_test(test_unknown_method_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
