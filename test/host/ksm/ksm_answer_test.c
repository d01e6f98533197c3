/*
 * The KSM's answer to a security-channel request (ksm/monitor/ksm_answer.c), against the
 * least-privilege test policy ksm/policy/test/kernel.psl: execute events name the new class and
 * get its id back; requests are decided with their message; the verdict text names the method
 * and the deciding rule; answers the policy grants outright are flagged so the kernel skips
 * them; anything malformed or unknown is denied and says why.
 *
 * The requests are laid out byte by byte as the kernel sends them (kern/security/ksm_channel.c:
 * the IPC header, struct ksm_proto_request, the arena), from the documented wire offsets below,
 * never from the structures or offset constants the KSM compiles with (struct ksm_proto_request,
 * KSM_PROTO_ARENA_OFFSET): a KSM that drifts from the documented layout fails here. The event
 * numbers are the one enum kernel and KSM share (enum ksm_event, <bastion/ksm_proto.h>).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bastion_idl.h"
#include "ksm_answer.h"
#include "ksm_test_store.h"
#include "psl_testlib.h"

/* The request on the wire (docs/security-model.md, kern/uapi/bastion/ksm_proto.h): little-endian
 * fields at fixed offsets. Header: endpoint 0, method 4, fixed size 8, arena size 12, handle
 * count 16 (16 bits), flags 18 (16 bits), reserved 20; fixed part: event 24, source class 28,
 * destination class 32, endpoint 36, method 40, source SID 44, destination SID 48, ended count
 * 52, reserved 56 and 60; then the ended SIDs (4 bytes each) and a zero word when their count is
 * odd, all in the fixed size; the arena after them (at 64 with none). */
enum {
    WIRE_HDR_ENDPOINT = 0,
    WIRE_METHOD = 4,
    WIRE_FIXED_SIZE = 8,
    WIRE_ARENA_SIZE = 12,
    WIRE_HANDLE_COUNT = 16,
    WIRE_HDR_FLAGS = 18,
    WIRE_HDR_RESERVED = 20,
    WIRE_EVENT = 24,
    WIRE_SRC_CLASS = 28,
    WIRE_DST_CLASS = 32,
    WIRE_ENDPOINT = 36,
    WIRE_METHOD_ID = 40,
    WIRE_SRC_SID = 44,
    WIRE_DST_SID = 48,
    WIRE_ENDED_COUNT = 52,
    WIRE_RESERVED = 56,
    WIRE_RESERVED2 = 60,
    WIRE_ARENA = 64,
    WIRE_FIXED_PART = 40,
    WIRE_DECIDE = 0, /* the security channel's one method */
};

static struct ksm_table *table;
static struct policy *pol;
static struct ksm_answer_ctx ctx;
static _Alignas(8) uint8_t msg[4096];
static _Alignas(8) uint8_t req[4096 + WIRE_ARENA + 4 * 66];

static int setup(void **state)
{
    (void)state;
    psl_diag_reset(NULL);
    table = pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/kernel.psl", &pol);
    if (table == NULL)
        return -1;
    ctx.table = table;
    ctx.core_class = ksm_class_id(table, "kl.core.Core");
    return 0;
}

static uint32_t cls(const char *name)
{
    return ksm_class_id(table, name);
}

static void put32(size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        req[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put16(size_t at, uint16_t v)
{
    req[at] = (uint8_t)v;
    req[at + 1] = (uint8_t)(v >> 8);
}

/* A well-formed security-channel request around arena[0..len), as the kernel builds it;
 * returns its length. */
static size_t build(enum ksm_event event, uint32_t src, uint32_t dst, uint32_t ep, uint32_t m,
                    const void *arena, size_t len)
{
    memset(req, 0, WIRE_ARENA);
    put32(0, 0);
    put32(WIRE_METHOD, WIRE_DECIDE);
    put32(WIRE_FIXED_SIZE, WIRE_FIXED_PART);
    put32(WIRE_ARENA_SIZE, (uint32_t)len);
    put32(WIRE_EVENT, (uint32_t)event);
    put32(WIRE_SRC_CLASS, src);
    put32(WIRE_DST_CLASS, dst);
    put32(WIRE_ENDPOINT, ep);
    put32(WIRE_METHOD_ID, m);
    memcpy(req + WIRE_ARENA, arena, len);
    return WIRE_ARENA + len;
}

/* The request build() made (len bytes), now carrying the n ended SIDs sids: they go after the
 * fixed part, the arena moves behind them; returns the new length. */
static size_t add_ended(size_t len, const uint32_t *sids, uint32_t n)
{
    size_t bytes = ((size_t)n * 4 + 7) / 8 * 8;
    memmove(req + WIRE_ARENA + bytes, req + WIRE_ARENA, len - WIRE_ARENA);
    memset(req + WIRE_ARENA, 0, bytes);
    for (uint32_t i = 0; i < n; i++)
        put32(WIRE_ARENA + 4 * (size_t)i, sids[i]);
    put32(WIRE_ENDED_COUNT, n);
    put32(WIRE_FIXED_SIZE, WIRE_FIXED_PART + (uint32_t)bytes);
    return len + bytes;
}

/* The verdict, its text and the text length ksm_answer() returned. */
struct verdict {
    uint32_t granted, class_id, audit, reply;
    char text[KSM_PROTO_TEXT_MAX];
    size_t text_len;
};

/* The verdict word the KSM's loop sends for answer a (ksm_main.c). */
static uint64_t word_of(const struct ksm_answer *a)
{
    return KSM_PROTO_VERDICT_WORD(a->v.granted, a->v.audit, a->v.reply, a->v.class_id);
}

/* The pre-grants of ctx's table (ksm_answer_pregrants), freshly computed; free() them. */
static uint8_t *pregrants_of_ctx(void)
{
    uint8_t *pg = calloc(ksm_answer_pregrants_size(ctx.table) + 1, 1);
    assert_non_null(pg);
    ksm_answer_pregrants(ctx.table, pg);
    return pg;
}

/* ksm_answer_word on req[0..len), with the pre-grants of the table, as the KSM asks it: the
 * word and text ksm_answer gave (a, n) whether or not the short path answered. Returns whether
 * it did (then *out was not written). */
static int word_agrees(size_t len, const struct ksm_answer *a, size_t n)
{
    uint8_t *pg = pregrants_of_ctx();
    struct ksm_answer_ctx quick = ctx;
    quick.pregrants = pg;
    ksm_answer_ctx_plain(&quick);
    struct ksm_answer b, untouched;
    memset(&b, 0x5A, sizeof b);
    memcpy(&untouched, &b, sizeof b);
    size_t m = 12345;
    uint64_t w = ksm_answer_word(&quick, req, len, &b, &m);
    free(pg);
    assert_true(w == word_of(a));
    assert_int_equal(m, n);
    if (n != 0)
        assert_memory_equal(b.text, a->text, n);
    return memcmp(&b, &untouched, sizeof b) == 0;
}

static struct verdict answer(size_t len)
{
    struct ksm_answer a;
    memset(&a, 0xA5, sizeof a); /* every field must be written */
    size_t n;
    if (ctx.state != NULL) {
        /* A stateful decision changes the state, so it is asked once, as the KSM's loop asks
         * it: with a state every question takes the general path, whose verdict is the word. */
        n = 12345;
        ksm_answer_ctx_plain(&ctx); /* NULL: every question takes the general path */
        assert_null(ctx.plain);
        uint64_t w = ksm_answer_word(&ctx, req, len, &a, &n);
        assert_true(w == word_of(&a));
    } else {
        n = ksm_answer(&ctx, req, len, &a);
        word_agrees(len, &a, n);
    }
    struct verdict v = {a.v.granted, a.v.class_id, a.v.audit, a.v.reply, "", n};
    /* The text is sent exactly when the verdict is audited, NUL included. */
    assert_int_equal(n != 0, a.v.audit == 1);
    if (n != 0) {
        assert_true(n <= KSM_PROTO_TEXT_MAX);
        assert_int_equal(a.text[n - 1], 0);
        assert_int_equal(strlen(a.text) + 1, n);
        memcpy(v.text, a.text, n);
    }
    return v;
}

/* Client -> kernel vmm.VMM.Allocate with the given size, cut to `cut` bytes if nonzero. */
static struct verdict allocate(uint64_t size, size_t cut)
{
    uint32_t ep, m;
    size_t n =
        psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "vmm.VMM", "Allocate", msg, &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, "kl.core.Core", "vmm.VMM", "Allocate", msg, "size", size);
    return answer(build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg,
                        cut ? cut : n));
}

static void execute_names_the_class_and_gets_its_id(void **state)
{
    (void)state;
    static const char einit[] = "psltest.Einit";
    struct verdict v =
        answer(build(KSM_EV_EXECUTE, KSM_PROTO_CLASS_CORE, 0, 0, 0, einit, sizeof einit));
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.class_id, cls("psltest.Einit"));
    assert_int_equal(v.audit, 0);

    static const char other[] = "psltest.Other";
    v = answer(build(KSM_EV_EXECUTE, cls("psltest.Client"), 0, 0, 0, other, sizeof other));
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.audit, 1);
    assert_int_equal(v.class_id, cls("psltest.Other"));
    assert_string_equal(v.text, "execute: default deny");
}

static void execute_of_an_unknown_class_is_denied(void **state)
{
    (void)state;
    static const char nope[] = "psltest.Nope";
    struct verdict v =
        answer(build(KSM_EV_EXECUTE, cls("psltest.Einit"), 0, 0, 0, nope, sizeof nope));
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.class_id, KSM_PROTO_CLASS_UNKNOWN);
    assert_string_equal(v.text, "execute: class psltest.Nope is not in the policy");
    /* A class name without its NUL. */
    v = answer(build(KSM_EV_EXECUTE, cls("psltest.Einit"), 0, 0, 0, nope, sizeof nope - 1));
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "execute: malformed class name");
    /* a class name longer than the text: cut, and the text says so in its last bytes */
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    v = answer(build(KSM_EV_EXECUTE, cls("psltest.Einit"), 0, 0, 0, longname, sizeof longname));
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.text_len, KSM_PROTO_TEXT_MAX);
    assert_true(!strncmp(v.text, "execute: class xxx", 18));
    assert_string_equal(v.text + KSM_PROTO_TEXT_MAX - sizeof KSM_PROTO_TEXT_CUT,
                        KSM_PROTO_TEXT_CUT);
}

static void requests_are_decided_from_their_message(void **state)
{
    (void)state;
    struct verdict v = allocate(4096, 0);
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.audit, 0);
    /* kernel.psl grants the kernel's responses outright and says nothing of errors. */
    assert_int_equal(v.reply, KSM_PROTO_REPLY_RESPONSE);

    v = allocate(2 * 1024 * 1024, 0);
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.audit, 1);
    assert_int_equal(v.reply, 0);
    assert_non_null(strstr(v.text, "vmm.VMM.Allocate: rule at kernel.psl:"));
}

/* The pre-grants computed once equal what each decision would compute, cell by cell, and a
 * granted request's reply bits are the same with them and without. */
static void pregrants_match_the_per_request_answer(void **state)
{
    (void)state;
    size_t n = ksm_answer_pregrants_size(table);
    uint8_t *pg = calloc(n + 1, 1);
    assert_non_null(pg);
    ksm_answer_pregrants(table, pg);
    unsigned response = 0;
    for (uint32_t c = 0; c < table->nclasses; c++)
        for (uint32_t s = 0; s < table->nslots; s++) {
            uint8_t want = (uint8_t)((ksm_grants_unconditionally(table, KSM_EV_RESPONSE, c, s)
                                          ? KSM_PROTO_REPLY_RESPONSE
                                          : 0u) |
                                     (ksm_grants_unconditionally(table, KSM_EV_ERROR, c, s)
                                          ? KSM_PROTO_REPLY_ERROR
                                          : 0u));
            uint8_t plain = ksm_grants_unconditionally(table, KSM_EV_REQUEST, c, s)
                                ? (uint8_t)KSM_ANSWER_PLAIN_GRANT
                                : 0u; /* kernel.psl's lookup is sound throughout */
            assert_int_equal(pg[(size_t)c * table->nslots + s], want | plain);
            response += (want & KSM_PROTO_REPLY_RESPONSE) != 0;
        }
    assert_true(response > 0); /* kernel.psl pre-grants the kernel's responses */
    struct verdict without = allocate(4096, 0);
    ctx.pregrants = pg;
    struct verdict with = allocate(4096, 0);
    struct verdict denied = allocate(2 * 1024 * 1024, 0);
    ctx.pregrants = NULL;
    assert_int_equal(with.granted, 1);
    assert_int_equal(with.reply, without.reply);
    assert_int_equal(with.reply, KSM_PROTO_REPLY_RESPONSE);
    assert_int_equal(denied.reply, 0); /* only granted requests carry reply bits */
    free(pg);
}

/*
 * The short path (ksm_answer_word): every request of every class to every method of the
 * kernel gets from it the verdict the decision gives, and it answers exactly the cells the
 * pre-grants call plain grants; a plain grant's question with any byte of its header or fixed
 * part changed, or cut, or with ended SIDs, gets the general path's verdict too.
 */
static void plain_grants_take_the_short_path(void **state)
{
    (void)state;
    uint8_t *pg = pregrants_of_ctx();
    const struct ksm_class *core = &table->classes[ctx.core_class];
    static const uint8_t arena[64];
    unsigned shortcuts = 0, decided = 0;
    for (uint32_t src = 0; src < table->nclasses; src++)
        for (uint32_t e = 0; e < core->nendpoints; e++) {
            const struct ksm_endpoint *ep = &table->endpoints[core->ep_first + e];
            for (uint32_t m = 0; m < ep->nmethods; m++) {
                size_t len =
                    build(KSM_EV_REQUEST, src, KSM_PROTO_CLASS_CORE, e, m, arena, sizeof arena);
                struct ksm_answer a;
                size_t n = ksm_answer(&ctx, req, len, &a);
                int quick = word_agrees(len, &a, n);
                int plain = (pg[(size_t)src * table->nslots + ep->slot_base + m] &
                             KSM_ANSWER_PLAIN_GRANT) != 0;
                assert_int_equal(quick, plain);
                if (quick) {
                    assert_int_equal(a.v.granted, 1);
                    assert_int_equal(a.v.audit, 0);
                    shortcuts++;
                } else {
                    decided++;
                }
            }
        }
    assert_true(shortcuts > 0 && decided > 0); /* kernel.psl has both */
    free(pg);

    /* One plain grant, then every variation of its question. */
    uint32_t src = cls("psltest.Client"), e = 0, m = 0;
    for (e = 0; e < core->nendpoints; e++) {
        const struct ksm_endpoint *ep = &table->endpoints[core->ep_first + e];
        for (m = 0; m < ep->nmethods; m++)
            if (ksm_grants_unconditionally(table, KSM_EV_REQUEST, src, ep->slot_base + m))
                goto found;
    }
    fail_msg("psltest.Client has no plain grant on the kernel in kernel.psl");
found:;
    size_t len = build(KSM_EV_REQUEST, src, KSM_PROTO_CLASS_CORE, e, m, arena, sizeof arena);
    uint8_t saved[WIRE_ARENA];
    memcpy(saved, req, sizeof saved);
    static const uint8_t values[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x28, 0x40, 0x7F, 0xFE, 0xFF};
    for (size_t at = 0; at < WIRE_ARENA; at++)
        for (size_t k = 0; k < sizeof values; k++) {
            memcpy(req, saved, sizeof saved);
            if (req[at] == values[k])
                continue;
            req[at] = values[k];
            struct ksm_answer a;
            size_t n = ksm_answer(&ctx, req, len, &a);
            word_agrees(len, &a, n);
        }
    memcpy(req, saved, sizeof saved);
    for (size_t cut = 0; cut <= len + 8; cut++) {
        struct ksm_answer a;
        size_t n = ksm_answer(&ctx, req, cut, &a);
        word_agrees(cut, &a, n);
    }
    const uint32_t sid = 77;
    len = add_ended(len, &sid, 1);
    struct ksm_answer a;
    size_t n = ksm_answer(&ctx, req, len, &a);
    assert_false(word_agrees(len, &a, n)); /* ended SIDs: the general path */
    assert_int_equal(a.v.granted, 1);
}

static void audited_grants_carry_their_rule(void **state)
{
    (void)state;
    uint32_t ep, m;
    size_t n =
        psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "io.IO", "RegisterPort", msg, &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, "kl.core.Core", "io.IO", "RegisterPort", msg, "base", 0x60);
    psl_test_set(pol, KSM_EV_REQUEST, "kl.core.Core", "io.IO", "RegisterPort", msg, "size", 1);
    struct verdict v =
        answer(build(KSM_EV_REQUEST, cls("psltest.Other"), KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.audit, 1);
    assert_non_null(strstr(v.text, "io.IO.RegisterPort: granted by rule at kernel.psl:"));
}

static void a_truncated_message_names_the_field(void **state)
{
    (void)state;
    struct verdict v = allocate(4096, IDL_HEADER_SIZE);
    assert_int_equal(v.granted, 0);
    assert_non_null(strstr(v.text, "vmm.VMM.Allocate: field-out-of-bounds message.size"));
}

static void unknown_classes_are_denied(void **state)
{
    (void)state;
    uint32_t ep, m;
    size_t n =
        psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "hal.HAL", "DebugWrite", msg, &ep, &m);
    struct verdict v = answer(build(KSM_EV_REQUEST, 999, KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "request: a class the policy does not know");
    v = answer(build(KSM_EV_REQUEST, KSM_PROTO_CLASS_UNKNOWN, KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 0);
    /* A policy that does not name the kernel: requests to it cannot be granted. */
    uint32_t saved = ctx.core_class;
    ctx.core_class = UINT32_MAX;
    v = answer(build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    ctx.core_class = saved;
    assert_int_equal(v.granted, 0);
    /* The same request with the kernel known is granted (hal.HAL is granted to the client). */
    v = answer(build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg, n));
    assert_int_equal(v.granted, 1);
}

static void malformed_requests_are_denied(void **state)
{
    (void)state;
    uint32_t ep, m;
    size_t n =
        psl_test_msg(pol, KSM_EV_REQUEST, "kl.core.Core", "hal.HAL", "DebugWrite", msg, &ep, &m);
    size_t len = build(KSM_EV_REQUEST, cls("psltest.Client"), KSM_PROTO_CLASS_CORE, ep, m, msg, n);
    assert_int_equal(answer(len).granted, 1);

    struct verdict v = answer(WIRE_ARENA - 1);
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "malformed security request (too short)");
    v = answer(len - 1); /* arena_size no longer matches */
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "malformed security request");

    put32(WIRE_METHOD, 1);
    assert_int_equal(answer(len).granted, 0);
    put32(WIRE_METHOD, WIRE_DECIDE);
    put16(WIRE_HANDLE_COUNT, 1);
    assert_int_equal(answer(len).granted, 0);
    put16(WIRE_HANDLE_COUNT, 0);
    put32(WIRE_RESERVED, 7);
    assert_int_equal(answer(len).granted, 0);
    put32(WIRE_RESERVED, 0);
    put32(WIRE_RESERVED2, 7);
    assert_int_equal(answer(len).granted, 0);
    put32(WIRE_RESERVED2, 0);
    /* Each other field of the IPC header, one at a time (the answer compares its words). */
    static const struct {
        uint32_t at, value, size;
    } header_fields[] = {
        {WIRE_HDR_ENDPOINT, 1, 4},           {WIRE_FIXED_SIZE, WIRE_FIXED_PART + 8, 4},
        {WIRE_ARENA_SIZE, (uint32_t)~0u, 4}, {WIRE_HDR_FLAGS, 1, 2},
        {WIRE_HDR_FLAGS, 0x8000, 2},         {WIRE_HDR_RESERVED, 1, 4},
        {WIRE_HDR_RESERVED, 0x80000000u, 4}};
    for (size_t i = 0; i < sizeof header_fields / sizeof header_fields[0]; i++) {
        uint8_t saved[4];
        memcpy(saved, req + header_fields[i].at, sizeof saved);
        if (header_fields[i].size == 2)
            put16(header_fields[i].at, (uint16_t)header_fields[i].value);
        else
            put32(header_fields[i].at, header_fields[i].value);
        v = answer(len);
        assert_int_equal(v.granted, 0);
        assert_string_equal(v.text, "malformed security request");
        memcpy(req + header_fields[i].at, saved, sizeof saved);
        assert_int_equal(answer(len).granted, 1);
    }
    put32(WIRE_EVENT, KSM_EV_COUNT);
    v = answer(len);
    assert_int_equal(v.granted, 0);
    assert_int_equal(v.audit, 1);
    put32(WIRE_EVENT, KSM_EV_REQUEST);
    assert_int_equal(answer(len).granted, 1);
    struct ksm_answer a;
    assert_true(ksm_answer(&ctx, NULL, 0, &a) != 0);
    assert_int_equal(a.v.granted, 0);
}

/* The table and policy the tests decide with (ctx, pol): use_table() installs one with the state
 * st (its store set by the caller, its SID map fresh) and returns the ones before, which
 * put_back() restores. */
struct decider {
    struct ksm_answer_ctx ctx;
    struct policy *pol;
};

static struct decider use_table(struct ksm_answer_state *st, const struct ksm_table *t,
                                struct policy *p)
{
    struct decider before = {ctx, pol};
    ksm_sids_init(&st->sids);
    ctx = (struct ksm_answer_ctx){t, ksm_class_id(t, "kl.core.Core"), st, NULL, NULL};
    pol = p;
    return before;
}

static void put_back(struct decider d)
{
    ctx = d.ctx;
    pol = d.pol;
}

/* Flow through the security channel (flow.psl): the SIDs the kernel sends pick each process's
 * machine, and an ended SID drops it. Ping starts a server; Put is served only while it runs. */
static struct verdict flow_event(enum ksm_event ev, uint32_t src, uint32_t dst, const char *method,
                                 uint32_t src_sid, uint32_t dst_sid, uint32_t ended)
{
    uint32_t ep = 0, m = 0;
    size_t n = 0;
    if (ev == KSM_EV_EXECUTE) {
        n = strlen("psltest.Server") + 1;
        memcpy(msg, "psltest.Server", n);
    } else {
        n = psl_test_msg(pol, ev, "psltest.Server", "calc", method, msg, &ep, &m);
        if (strcmp(method, "Ping") == 0)
            psl_test_set(pol, ev, "psltest.Server", "calc", method, msg, "value", 1);
    }
    size_t len = add_ended(build(ev, src, dst, ep, m, msg, n), &ended, ended != 0);
    put32(WIRE_SRC_SID, src_sid);
    put32(WIRE_DST_SID, dst_sid);
    return answer(len);
}

static void flow_state_follows_the_kernels_sids(void **state)
{
    (void)state;
    static struct ksm_answer_state st;
    static struct ksm_test_store store;
    psl_diag_reset(NULL);
    struct policy *fp = NULL;
    struct ksm_table *ft =
        pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/flow.psl", &fp);
    assert_non_null(ft);
    memset(&st, 0, sizeof st);
    assert_true(ksm_test_store_reset(&store, ft, KSM_SID_SLOTS, &st.store));
    struct decider saved = use_table(&st, ft, fp);
    uint32_t einit = ksm_class_id(ft, "psltest.Einit"), client = ksm_class_id(ft, "psltest.Client");
    uint32_t server = ksm_class_id(ft, "psltest.Server");
    const uint32_t S1 = 5001, S2 = 7777, C = 6000, E = 4000;

    /* Two servers start (each gets a machine in "sleep"), far-apart kernel SIDs. */
    assert_int_equal(flow_event(KSM_EV_EXECUTE, einit, 0, NULL, E, S1, 0).granted, 1);
    assert_int_equal(flow_event(KSM_EV_EXECUTE, einit, 0, NULL, E, S2, 0).granted, 1);
    assert_int_equal(flow_event(KSM_EV_REQUEST, client, server, "Put", C, S1, 0).granted, 0);
    assert_int_equal(flow_event(KSM_EV_REQUEST, client, server, "Ping", C, S1, 0).granted, 1);
    assert_int_equal(flow_event(KSM_EV_REQUEST, client, server, "Put", C, S1, 0).granted, 1);
    /* The other server's machine is its own: still asleep. */
    assert_int_equal(flow_event(KSM_EV_REQUEST, client, server, "Put", C, S2, 0).granted, 0);
    /* S1 ends (reported on an unrelated request): its machine goes, so Put finds none. */
    assert_int_equal(flow_event(KSM_EV_REQUEST, client, server, "Ping", C, S2, S1).granted, 1);
    struct verdict v = flow_event(KSM_EV_REQUEST, client, server, "Put", C, S1, 0);
    assert_int_equal(v.granted, 0);
    assert_int_equal(flow_event(KSM_EV_REQUEST, client, server, "Put", C, S2, 0).granted, 1);
    /* Without a store the same rule denies: stateless KSMs keep failing closed. */
    ctx.state = NULL;
    assert_int_equal(flow_event(KSM_EV_REQUEST, client, server, "Put", C, S2, 0).granted, 0);

    put_back(saved);
}

/* The records of model objects' methods in the verdict text (audit.psl, its runtime level 1:
 * every method of every object): after the decision, "; " and each method with its operands
 * and result; a grant the Base profile does not log is sent all the same when it has records;
 * at level 0 (no object audited) a grant sends nothing. */
static void model_methods_in_the_text(void **state)
{
    (void)state;
    static struct ksm_answer_state st;
    static struct ksm_test_store store;
    psl_diag_reset(NULL);
    struct policy *ap = NULL;
    struct ksm_table *at =
        pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/audit.psl", &ap);
    assert_non_null(at);
    assert_true(at->nflows == 1 && at->nsets == 1 && at->nmaps == 1 && at->nmics == 1);
    memset(&st, 0, sizeof st);
    assert_true(ksm_test_store_reset(&store, at, KSM_SID_SLOTS, &st.store));
    struct decider saved = use_table(&st, at, ap);
    uint32_t einit = ksm_class_id(at, "psltest.Einit"), client = ksm_class_id(at, "psltest.Client");
    uint32_t server = ksm_class_id(at, "psltest.Server");
    const uint32_t S = 5001, C = 6000, E = 4000;

    struct verdict v = flow_event(KSM_EV_EXECUTE, einit, 0, NULL, E, S, 0);
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.audit, 1);
    assert_string_equal(v.text, "execute: granted by rule at common.psl:8:29; sess.init(->idle) "
                                "granted; ports.init() granted; lim.init() granted; "
                                "mic.execute() granted");
    memcpy(msg, "psltest.Client", sizeof "psltest.Client");
    size_t len = build(KSM_EV_EXECUTE, einit, 0, 0, 0, msg, sizeof "psltest.Client");
    put32(WIRE_SRC_SID, E);
    put32(WIRE_DST_SID, C);
    assert_int_equal(answer(len).granted, 1);
    /* Ping (value 1): the transition and the add */
    v = flow_event(KSM_EV_REQUEST, client, server, "Ping", C, S, 0);
    assert_int_equal(v.granted, 1);
    assert_non_null(strstr(v.text, "calc.Ping: granted by rule at audit.psl:"));
    assert_non_null(strstr(v.text, "; sess.enter(idle->open) granted; ports.add(1) granted"));
    /* again: open -> open is refused, and the add after it is not called */
    v = flow_event(KSM_EV_REQUEST, client, server, "Ping", C, S, 0);
    assert_int_equal(v.granted, 0);
    assert_non_null(strstr(v.text, "; sess.enter(open->open) denied"));
    assert_null(strstr(v.text, "ports.add"));
    /* Name: five records; the last does not fit in the text, which says so */
    uint32_t ep, m, fixed, desc[2] = {0, 4};
    len = psl_test_msg(pol, KSM_EV_REQUEST, "psltest.Server", "calc", "Name", msg, &ep, &m);
    fixed = (uint32_t)len - 24;
    memcpy(msg + 8, &fixed, 4);
    memcpy(msg + 24, desc, 8);
    memcpy(msg + len, "abc", 4);
    len = build(KSM_EV_REQUEST, client, server, ep, m, msg, len + 4);
    put32(WIRE_SRC_SID, C);
    put32(WIRE_DST_SID, S);
    v = answer(len);
    assert_int_equal(v.granted, 1);
    assert_non_null(strstr(v.text, "; names.match(^[a-z]+$)=1; sess.query()=open; "
                                   "lim.get_uncommitted(max)=10; mic.query_level()=low"));
    assert_null(strstr(v.text, "mic.call"));
    /* the count of what was left out ends the text, always: room is kept for it */
    assert_true(strlen(v.text) >= 5 && !strcmp(v.text + strlen(v.text) - 5, " (+1)"));
    assert_null(strstr(v.text, KSM_PROTO_TEXT_CUT));

    /* Level 0 audits no object: a grant sends no text. */
    struct ksm_table quiet = *at;
    quiet.audit_level = 0;
    ctx.table = &quiet;
    v = flow_event(KSM_EV_REQUEST, client, server, "Nest", C, S, 0);
    assert_int_equal(v.granted, 1);
    assert_int_equal(v.audit, 0);
    assert_int_equal(v.text_len, 0);
    put_back(saved);
}

/* The audit records of StaticMap List<UInt8> keys (staticmap_bytes.psl, every method of routes
 * audited): a key is written as its bytes, [10,0], its NUL included, not cut at it. */
static void list_keys_in_the_text(void **state)
{
    (void)state;
    static struct ksm_answer_state st;
    static struct ksm_test_store store;
    psl_diag_reset(NULL);
    struct policy *bp = NULL;
    struct ksm_table *bt =
        pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/staticmap_bytes.psl", &bp);
    assert_non_null(bt);
    assert_true(bt->nmaps == 1);
    memset(&st, 0, sizeof st);
    assert_true(ksm_test_store_reset(&store, bt, KSM_SID_SLOTS, &st.store));
    struct decider saved = use_table(&st, bt, bp);
    uint32_t einit = ksm_class_id(bt, "psltest.Einit"), client = ksm_class_id(bt, "psltest.Client");
    uint32_t server = ksm_class_id(bt, "psltest.Server");
    const uint32_t S = 5001, C = 6000, E = 4000;
    struct verdict v = flow_event(KSM_EV_EXECUTE, einit, 0, NULL, E, S, 0);
    assert_int_equal(v.granted, 1);
    assert_non_null(strstr(v.text, "; routes.init() granted"));
    v = flow_event(KSM_EV_REQUEST, client, server, "Label", C, S, 0);
    assert_int_equal(v.granted, 1);
    assert_non_null(strstr(v.text, "; routes.set([10,0]=40) granted"));
    /* Points with i 0: the committed [10, 0] is 4, so the assert fails after the get */
    v = flow_event(KSM_EV_REQUEST, client, server, "Points", C, S, 0);
    assert_int_equal(v.granted, 0);
    assert_non_null(strstr(v.text, "; routes.get([10,0])=4"));
    /* Shapes reads the empty key */
    v = flow_event(KSM_EV_REQUEST, client, server, "Shapes", C, S, 0);
    assert_non_null(strstr(v.text, "; routes.get([])=7"));
    put_back(saved);
}

/* One Mic event through the security channel (mic.psl): an execute naming `cls`, or a request to
 * `cls` endpoint `ep` method `method` whose first field is `value` (Ping's: a resource's SID). */
static struct verdict mic_event(enum ksm_event ev, uint32_t src, uint32_t dst, const char *cls,
                                const char *ep_name, const char *method, uint64_t value,
                                uint32_t src_sid, uint32_t dst_sid, uint32_t ended)
{
    uint32_t ep = 0, m = 0;
    size_t n = 0;
    if (ev == KSM_EV_EXECUTE) {
        n = strlen(cls) + 1;
        memcpy(msg, cls, n);
    } else {
        n = psl_test_msg(pol, ev, cls, ep_name, method, msg, &ep, &m);
        if (strcmp(method, "Ping") == 0)
            psl_test_set(pol, ev, cls, ep_name, method, msg, "value", value);
    }
    size_t len = add_ended(build(ev, src, dst, ep, m, msg, n), &ended, ended != 0);
    put32(WIRE_SRC_SID, src_sid);
    put32(WIRE_DST_SID, dst_sid);
    return answer(len);
}

/* Mic through the security channel: SID 0 is the kernel (a subject at the top level), the
 * others get slots; a resource's level is keyed by its SID and goes when that SID ends. */
static void mic_levels_follow_the_kernels_sids(void **state)
{
    (void)state;
    static struct ksm_answer_state st;
    static struct ksm_test_store store;
    psl_diag_reset(NULL);
    struct policy *mp = NULL;
    struct ksm_table *mt =
        pslc_compile_file(psl_test_td(), NULL, 0, PSL_POLICY_DIR "/mic.psl", &mp);
    assert_non_null(mt);
    assert_true(mt->nmics == 2);
    memset(&st, 0, sizeof st);
    assert_true(ksm_test_store_reset(&store, mt, KSM_SID_SLOTS, &st.store));
    struct decider saved = use_table(&st, mt, mp);
    uint32_t core = ksm_class_id(mt, "kl.core.Core"), einit = ksm_class_id(mt, "psltest.Einit");
    uint32_t client = ksm_class_id(mt, "psltest.Client"), server = ksm_class_id(mt, "psltest."
                                                                                    "Server");
    const uint32_t S = 5001, C = 6000, E = 4000;
    const char *srv = "psltest.Server";

    /* The kernel starts Einit, Einit the server and a client: each gets its levels. */
    assert_int_equal(
        mic_event(KSM_EV_EXECUTE, core, 0, "psltest.Einit", NULL, NULL, 0, 0, E, 0).granted, 1);
    assert_int_equal(mic_event(KSM_EV_EXECUTE, einit, 0, srv, NULL, NULL, 0, E, S, 0).granted, 1);
    assert_int_equal(
        mic_event(KSM_EV_EXECUTE, einit, 0, "psltest.Client", NULL, NULL, 0, E, C, 0).granted, 1);
    /* The client creates resource 77; a second create of it is refused. */
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, C, S, 0).granted, 1);
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, C, S, 0).granted, 0);
    /* SID 77 ends (reported with the next request): its level goes, a new create succeeds. */
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, C, S, 77).granted, 1);
    /* The kernel (dst SID 0): data may flow from it to the client, not from the client to it. */
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, core, "kl.core.Core", "vmm.VMM", "Allocate", 0, C, 0, 0)
            .granted,
        1);
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, core, "kl.core.Core", "vmm.VMM", "Free", 0, C, 0, 0)
            .granted,
        0);
    /* The client ends: its levels go, so its calls are denied (a new process in its slot starts
     * without levels). */
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, core, "kl.core.Core", "vmm.VMM", "Allocate", 0, C, 0, C)
            .granted,
        0);

    put_back(saved);
}

/* Decides with resource.psl (*rt) and a fresh state store of its own; returns what to put
 * back. */
static struct decider use_resource_policy(struct ksm_table **rt)
{
    static struct ksm_answer_state st;
    static struct ksm_test_store store;
    struct policy *rp = NULL;
    *rt = psl_test_policy(PSL_POLICY_DIR "/resource.psl", &rp);
    assert_true((*rt)->nflows == 1 && (*rt)->nsets == 1 && (*rt)->nmaps == 1);
    memset(&st, 0, sizeof st);
    assert_true(ksm_test_store_reset(&store, *rt, KSM_SID_SLOTS, &st.store));
    return use_table(&st, *rt, rp);
}

/* Flow, HashSet and StaticMap objects kept per resource (resource.psl) through the security
 * channel: the resource's SID comes from the message, and its entries go when a process with
 * that SID ends (reported with a later request). */
static void resource_state_follows_the_kernels_sids(void **state)
{
    (void)state;
    struct ksm_table *rt;
    struct decider saved = use_resource_policy(&rt);
    uint32_t client = ksm_class_id(rt, "psltest.Client"), server = ksm_class_id(rt, "psltest."
                                                                                    "Server");
    const uint32_t S = 5001, C = 6000, D = 6001;
    const char *srv = "psltest.Server";
    /* A client opens resource 77; another client cannot open it again (the same resource). */
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, C, S, 0).granted, 1);
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, D, S, 0).granted, 0);
    /* A process with SID 77 ends (reported with the next request): resource 77's entries go
     * and its tables go back to their pools, so it opens afresh. */
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, D, S, 77).granted, 1);
    put_back(saved);
}

/* Many ends told with one question (resource.psl): every one's state goes before the decision;
 * a question's ended SIDs are checked like the rest of it (at most 64, never the kernel's SID,
 * a zero pad, the fixed size they make), and nothing of a malformed question is acted on. */
static void many_ends_in_one_question(void **state)
{
    (void)state;
    struct ksm_table *rt;
    struct decider saved = use_resource_policy(&rt);
    uint32_t client = ksm_class_id(rt, "psltest.Client"), server = ksm_class_id(rt, "psltest."
                                                                                    "Server");
    const uint32_t S = 5001, C = 6000, D = 6001;
    const char *srv = "psltest.Server";
    /* Two resources open (the Flow object holds two); the third SID ended names nothing the
     * KSM keeps, which is no error. */
    const uint32_t res_sids[3] = {77, 78, 4242};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(
            mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", res_sids[i], C, S, 0)
                .granted,
            1);
        assert_int_equal(
            mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", res_sids[i], D, S, 0)
                .granted,
            0);
    }
    /* The question that opens 78 again carries three ends (odd: a pad word): granted, as the
     * ends are forgotten before it is decided. */
    uint32_t ep = 0, m = 0;
    size_t n = psl_test_msg(pol, KSM_EV_REQUEST, srv, "calc", "Ping", msg, &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, srv, "calc", "Ping", msg, "value", 78);
    size_t plain = build(KSM_EV_REQUEST, client, server, ep, m, msg, n);
    put32(WIRE_SRC_SID, D);
    put32(WIRE_DST_SID, S);
    size_t len = add_ended(plain, res_sids, 3);
    assert_int_equal(len, plain + 16);

    /* Malformed first: each is refused and forgets nothing. */
    put32(WIRE_ARENA + 12, 5); /* the pad word */
    struct verdict v = answer(len);
    assert_int_equal(v.granted, 0);
    assert_string_equal(v.text, "malformed security request (ended SIDs)");
    put32(WIRE_ARENA + 12, 0);
    put32(WIRE_ARENA + 4, 0); /* the kernel's SID never ends */
    assert_string_equal(answer(len).text, "malformed security request (ended SIDs)");
    put32(WIRE_ARENA + 4, 78);
    put32(WIRE_ENDED_COUNT, 65);
    assert_string_equal(answer(len).text, "malformed security request (too many ended SIDs)");
    put32(WIRE_ENDED_COUNT, 2); /* the fixed size says 3 (with the pad, 16 bytes) */
    assert_string_equal(answer(len).text, "malformed security request");
    put32(WIRE_ENDED_COUNT, 4); /* the same 16 bytes, but the fourth SID is the pad's zero */
    assert_string_equal(answer(len).text, "malformed security request (ended SIDs)");
    put32(WIRE_ENDED_COUNT, 3);
    put32(WIRE_FIXED_SIZE, WIRE_FIXED_PART + 8);
    assert_string_equal(answer(len).text, "malformed security request");
    put32(WIRE_FIXED_SIZE, WIRE_FIXED_PART + 16);
    put32(WIRE_ENDED_COUNT, 64); /* more SIDs than the question has room for */
    assert_string_equal(answer(len).text, "malformed security request (too short)");
    put32(WIRE_ENDED_COUNT, 3);
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, D, S, 0).granted, 0);

    /* Well formed: 78 opens again for D, and so does 77 after it. */
    n = psl_test_msg(pol, KSM_EV_REQUEST, srv, "calc", "Ping", msg, &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, srv, "calc", "Ping", msg, "value", 78);
    len = add_ended(build(KSM_EV_REQUEST, client, server, ep, m, msg, n), res_sids, 3);
    put32(WIRE_SRC_SID, D);
    put32(WIRE_DST_SID, S);
    v = answer(len);
    assert_int_equal(v.granted, 1);
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 77, D, S, 0).granted, 1);

    /* The most a question carries, 64 (even: no pad), each forgotten: the last is 78, which C
     * opens with that very question. */
    uint32_t many[64];
    for (uint32_t i = 0; i < 63; i++)
        many[i] = 9000 + i;
    many[63] = 78;
    assert_int_equal(
        mic_event(KSM_EV_REQUEST, client, server, srv, "calc", "Ping", 78, C, S, 0).granted, 0);
    n = psl_test_msg(pol, KSM_EV_REQUEST, srv, "calc", "Ping", msg, &ep, &m);
    psl_test_set(pol, KSM_EV_REQUEST, srv, "calc", "Ping", msg, "value", 78);
    len = add_ended(build(KSM_EV_REQUEST, client, server, ep, m, msg, n), many, 64);
    put32(WIRE_SRC_SID, C);
    put32(WIRE_DST_SID, S);
    assert_int_equal(answer(len).granted, 1);
    put_back(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flow_state_follows_the_kernels_sids),
        cmocka_unit_test(mic_levels_follow_the_kernels_sids),
        cmocka_unit_test(resource_state_follows_the_kernels_sids),
        cmocka_unit_test(many_ends_in_one_question),
        cmocka_unit_test(execute_names_the_class_and_gets_its_id),
        cmocka_unit_test(execute_of_an_unknown_class_is_denied),
        cmocka_unit_test(requests_are_decided_from_their_message),
        cmocka_unit_test(pregrants_match_the_per_request_answer),
        cmocka_unit_test(plain_grants_take_the_short_path),
        cmocka_unit_test(audited_grants_carry_their_rule),
        cmocka_unit_test(a_truncated_message_names_the_field),
        cmocka_unit_test(unknown_classes_are_denied),
        cmocka_unit_test(malformed_requests_are_denied),
        cmocka_unit_test(model_methods_in_the_text),
        cmocka_unit_test(list_keys_in_the_text),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
