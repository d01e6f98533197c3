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
 * request asks ksm_grants_unconditionally twice, which answers the same). */
struct ksm_answer_ctx {
    const struct ksm_table *table;
    uint32_t core_class;
    struct ksm_answer_state *state;
    const uint8_t *pregrants;
};

/* Bytes ksm_answer_pregrants writes for table t: one per (class, slot). */
static inline size_t ksm_answer_pregrants_size(const struct ksm_table *t)
{
    return (size_t)t->nclasses * t->nslots;
}

/* Fills out[class * nslots + slot] with the KSM_PROTO_REPLY_* bits a granted request of that
 * cell gets: which of its answers the policy grants without asking (ksm_grants_unconditionally
 * for the response and the error event). The table never changes, so neither do they: computed
 * once when the KSM starts instead of twice in every granted request's decision. */
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

#endif
