/*
 * libFuzzer target for the KSM's reading of the kernel's questions: arbitrary bytes as
 * security-channel requests (<bastion/ksm_proto.h>: IPC header, struct ksm_proto_request, the
 * ended SIDs, the arena with the event's message or new class name) go to ksm_answer() exactly
 * as ksm_main hands them over, on tables pslc compiled to C as the KSM compiles its own in:
 * kernel.psl without state, and audit.psl (Flow, HashSet, StaticMap and Mic objects, records of
 * their methods in the text) with a state store. Nothing the kernel could send may crash it,
 * read past the request, hit undefined behaviour, or break the answer's contract.
 *
 * Input: byte 0 picks the table (bit 0: audit.psl with state) and whether the answers'
 * pre-grants are given (bit 1); then up to 16 requests, each a little-endian 16-bit length and
 * that many bytes (the last one cut at the input's end), answered in order on one state, which
 * starts empty for every input. Each request is copied into a buffer of exactly its length, so
 * a read one byte past it is an AddressSanitizer report.
 *
 * Checked on every answer: the text is sent exactly when the verdict is audited, NUL-terminated
 * at its length and within KSM_PROTO_TEXT_MAX; granted is 0 or 1; a denial carries no reply
 * flags; a request shorter than the fixed part is denied; and without state the same request
 * answers the same twice, and the same again through ksm_answer_word with the pre-grants (the
 * KSM loop's short path for plain grants).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ksm_answer.h"
#include "ksm_test_store.h"
#include "psl_audit_table.psl.h"
#include "psl_kernel_fuzz_table.psl.h"

#define REQUESTS_MAX 16

static struct ksm_test_store store;
static struct ksm_answer_state st;
static uint8_t *pregrants[2];

static const struct ksm_table *const tables[2] = {&psl_kernel_fuzz_table, &psl_audit_table};

static void check(int ok)
{
    if (!ok)
        abort();
}

/* The answer's contract (ksm_answer.h), whatever the request. */
static void check_answer(const struct ksm_answer *a, size_t n, size_t len)
{
    check(a->v.granted <= 1);
    check(a->v.audit <= 1);
    check((n != 0) == (a->v.audit == 1));
    check(n <= KSM_PROTO_TEXT_MAX);
    if (n != 0)
        check(a->text[n - 1] == 0 && strlen(a->text) + 1 == n);
    check((a->v.reply & ~(uint32_t)(KSM_PROTO_REPLY_RESPONSE | KSM_PROTO_REPLY_ERROR)) == 0);
    if (!a->v.granted)
        check(a->v.reply == 0);
    if (len < KSM_PROTO_ARENA_OFFSET)
        check(!a->v.granted);
}

static void init(void)
{
    for (int k = 0; k < 2; k++) {
        pregrants[k] = malloc(ksm_answer_pregrants_size(tables[k]));
        check(pregrants[k] != NULL);
        ksm_answer_pregrants(tables[k], pregrants[k]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        init();
        ready = 1;
    }
    if (size < 1)
        return 0;
    int stateful = data[0] & 1, given = (data[0] >> 1) & 1;
    const struct ksm_table *t = tables[stateful];
    struct ksm_answer_ctx ctx = {t, ksm_class_id(t, "kl.core.Core"), NULL,
                                 given ? pregrants[stateful] : NULL, NULL};
    if (stateful) {
        memset(&st, 0, sizeof st);
        check(ksm_test_store_reset(&store, t, KSM_SID_SLOTS, &st.store));
        ksm_sids_init(&st.sids);
        ctx.state = &st;
    }
    size_t at = 1;
    for (int k = 0; k < REQUESTS_MAX && at < size; k++) {
        size_t len = data[at];
        if (at + 1 < size)
            len |= (size_t)data[at + 1] << 8;
        at += 2;
        if (at > size)
            at = size;
        if (len > size - at)
            len = size - at;
        /* Exactly len bytes (one at least: malloc(0) may be NULL, which means no request). */
        uint8_t *req = malloc(len ? len : 1);
        check(req != NULL);
        memcpy(req, data + at, len);
        at += len;
        struct ksm_answer a;
        memset(&a, 0xA5, sizeof a);
        size_t n = ksm_answer(&ctx, req, len, &a);
        check_answer(&a, n, len);
        if (!stateful) {
            struct ksm_answer b;
            memset(&b, 0x5A, sizeof b);
            size_t m = ksm_answer(&ctx, req, len, &b);
            check(m == n && memcmp(&a.v, &b.v, sizeof a.v) == 0 && memcmp(a.text, b.text, n) == 0);
            /* The KSM loop's form, whose short path (with the pre-grants) answers the plain
             * grants without the decision: the same word and text. */
            struct ksm_answer_ctx quick = ctx;
            quick.pregrants = pregrants[stateful];
            ksm_answer_ctx_plain(&quick);
            struct ksm_answer c;
            memset(&c, 0x3C, sizeof c);
            size_t k = 12345;
            uint64_t w = ksm_answer_word(&quick, req, len, &c, &k);
            check(w == KSM_PROTO_VERDICT_WORD(a.v.granted, a.v.audit, a.v.reply, a.v.class_id));
            check(k == n && memcmp(a.text, c.text, n) == 0);
        }
        free(req);
    }
    return 0;
}
