/*
 * The KSM's answer to one request on the security channel (<bastion/ksm_proto.h>): checks the
 * request, maps the kernel's class ids to the table's and its SIDs to state slots, drops the
 * state of a process the request reports ended, calls ksm_decide_state() and writes the verdict
 * with its audit text. Freestanding (no libc, no globals: the state is the caller's), so the
 * host tests run the very code the KSM runs. Fail closed: a malformed request is a denial that says so.
 */
#ifndef KSM_ANSWER_H
#define KSM_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/ksm_proto.h>

#include "ksm_decide.h"
#include "ksm_sids.h"
#include "ksm_table.h"

/* The policy's per-process state (a table with Flow, HashSet or StaticMap objects): the store,
 * with KSM_SID_SLOTS process slots, the map from kernel SIDs to them, and the lock that
 * serialises stateful decisions across the KSM's receivers (lock/unlock NULL: one thread). */
struct ksm_answer_state {
    struct ksm_state store;
    struct ksm_sids sids;
    void (*lock)(void *arg);
    void (*unlock)(void *arg);
    void *arg;
};

/* What ksm_answer() needs besides the message: the table and the id of kl.core.Core in it
 * (ksm_class_id(table, "kl.core.Core"); UINT32_MAX if the policy does not name the kernel),
 * the state when the table has stateful objects (NULL: stateless, or their rules deny), and
 * the answers' pre-grants of every (class, slot) from ksm_answer_pregrants (NULL: each granted
 * request asks ksm_grants_unconditionally twice, which answers the same, and every question
 * takes the general path: ksm_answer_word). */
struct ksm_answer_ctx {
    const struct ksm_table *table;
    uint32_t core_class;
    struct ksm_answer_state *state;
    const uint8_t *pregrants;
    /* ksm_answer_word's short path: the pre-grants when there is no state, else NULL (a
     * stateful decision maps the request's SIDs to slots, which the short path does not):
     * ksm_answer_ctx_plain() sets it from the fields above, after any change to them. */
    const uint8_t *plain;
};

static inline void ksm_answer_ctx_plain(struct ksm_answer_ctx *ctx)
{
    ctx->plain = ctx->state == NULL ? ctx->pregrants : NULL;
}

/* Bytes ksm_answer_pregrants writes for table t: one per (class, slot). */
static inline size_t ksm_answer_pregrants_size(const struct ksm_table *t)
{
    return (size_t)t->nclasses * t->nslots;
}

/* A pre-grant byte's bit (besides its KSM_PROTO_REPLY_* bits): a request of that cell is granted
 * whatever its message and logs nothing (ksm_grants_unconditionally: plain grants (), no audit;
 * the commonest cell is one), and the table's lookup is sound throughout (every class's
 * endpoints and every endpoint's slots inside the table): the verdict of a well-formed request
 * of that cell is known before it comes. */
#define KSM_ANSWER_PLAIN_GRANT 0x80u

/* Fills out[class * nslots + slot] with the KSM_PROTO_REPLY_* bits a granted request of that
 * cell gets: which of its answers the policy grants without asking (ksm_grants_unconditionally
 * for the response and the error event), and KSM_ANSWER_PLAIN_GRANT where the request itself is
 * granted so. The table never changes, so neither do they: computed once when the KSM starts
 * instead of in every granted request's decision. */
void ksm_answer_pregrants(const struct ksm_table *t, uint8_t *out);

/* A verdict and its audit text (meaningful when v.audit is 1). */
struct ksm_answer {
    struct ksm_proto_verdict v;
    char text[KSM_PROTO_TEXT_MAX];
};

/* Decides msg[0..len) (a whole security-channel request, header included) into *out. Returns
 * the bytes of out->text to send, its NUL included, when the verdict is audited; else 0. */
size_t ksm_answer(const struct ksm_answer_ctx *ctx, const void *msg, size_t len,
                  struct ksm_answer *out);

/*
 * ksm_answer() as the KSM's loop sends it: the verdict word (KSM_PROTO_VERDICT_WORD of
 * out->v) and in *text_len the bytes of out->text to send (0: none). The same verdict for every
 * question; the commonest one (a well-formed request without ended SIDs, of a stateless table,
 * to a cell that is one plain grant: KSM_ANSWER_PLAIN_GRANT) is answered from the pre-grants
 * alone, without the decision and without writing *out.
 */
uint64_t ksm_answer_word(const struct ksm_answer_ctx *ctx, const void *msg, size_t len,
                         struct ksm_answer *out, size_t *text_len);

#endif
