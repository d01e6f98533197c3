/* ksm_answer(): see ksm_answer.h. */
#include "ksm_answer.h"

#include "bastion_idl.h"
#include "ksm_decide.h"

/* The security channel's layout and the policy table's message offsets are the IPC header's:
 * tied here, where the KSM sees both definitions. */
_Static_assert(KSM_PROTO_ARENA_OFFSET == IDL_HEADER_SIZE + sizeof(struct ksm_proto_request), "ksm_"
                                                                                             "proto"
                                                                                             ".h");
_Static_assert(KSM_HEADER_SIZE == IDL_HEADER_SIZE, "ksm_table.h: KSM_HEADER_SIZE is the IPC "
                                                   "header");

/* Appends NUL-terminated text within an answer's text, truncating at the end; cut says that
 * something did not fit (finish() then marks the text). */
struct text {
    char *buf;
    uint32_t len, cap;
    int cut;
};

static void put(struct text *t, const char *s)
{
    while (s && *s && t->len + 1 < t->cap)
        t->buf[t->len++] = *s++;
    t->buf[t->len] = 0;
    if (s && *s)
        t->cut = 1;
}

/* v in decimal. */
static void put_u64(struct text *t, uint64_t v)
{
    char s[21]; /* 20 digits and the terminator */
    int i = (int)sizeof s - 1;
    s[i] = 0;
    do {
        s[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(t, s + i);
}

static void put_u32(struct text *t, uint32_t v)
{
    put_u64(t, v);
}

/* The file name without its folders: the console line stays short, the line and column say
 * where. */
static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; p && *p; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

static void put_rule(struct text *t, const struct ksm_table *tab, uint32_t rule)
{
    if (rule == 0 || rule >= tab->nlocs) {
        put(t, "no rule");
        return;
    }
    const struct ksm_loc *l = &tab->locs[rule];
    put(t, "rule at ");
    put(t, l->file < tab->nfiles ? base_name(tab->files[l->file]) : "?");
    put(t, ":");
    put_u32(t, l->line);
    put(t, ":");
    put_u32(t, l->col);
}

static const char *const rule_names[KSM_CALL_KIND_COUNT] = {
    [KSM_CALL_FLOW_INIT] = "init",
    [KSM_CALL_FLOW_FINI] = "fini",
    [KSM_CALL_FLOW_ENTER] = "enter",
    [KSM_CALL_FLOW_ALLOW] = "allow",
    [KSM_CALL_SET_INIT] = "init",
    [KSM_CALL_SET_FINI] = "fini",
    [KSM_CALL_SET_ADD] = "add",
    [KSM_CALL_SET_REMOVE] = "remove",
    [KSM_CALL_MAP_INIT] = "init",
    [KSM_CALL_MAP_FINI] = "fini",
    [KSM_CALL_MAP_SET] = "set",
    [KSM_CALL_MAP_COMMIT] = "commit",
    [KSM_CALL_MAP_ROLLBACK] = "rollback",
    [KSM_CALL_MIC_EXECUTE] = "execute",
    [KSM_CALL_MIC_CREATE] = "create",
    [KSM_CALL_MIC_UPGRADE] = "upgrade",
    [KSM_CALL_MIC_DOWNGRADE] = "downgrade",
    [KSM_CALL_MIC_CALL] = "call",
    [KSM_CALL_MIC_INVOKE] = "invoke",
    [KSM_CALL_MIC_READ] = "read",
    [KSM_CALL_MIC_WRITE] = "write",
};

/* A Flow state (1 + its index; 0: no machine, "-"). */
static void put_state(struct text *t, const struct ksm_flow *f, uint64_t s1)
{
    put(t, s1 == 0 || s1 > f->nstates ? "-" : f->states[s1 - 1]);
}

/* Key k of StaticMap object m as the policy writes it: text as is, a List<UInt8> as [1,2]
 * (its bytes may hold NULs and need not be printable); "?" for an index past the keys. */
static void put_key(struct text *t, const struct ksm_staticmap *m, uint64_t k)
{
    if (k >= m->nkeys) {
        put(t, "?");
        return;
    }
    if (!m->list_keys) {
        put(t, m->keys[k]);
        return;
    }
    put(t, "[");
    for (uint32_t i = 0; i < m->key_lens[k]; i++) {
        if (i)
            put(t, ",");
        put_u32(t, (unsigned char)m->keys[k][i]);
    }
    put(t, "]");
}

/*
 * One record of a model object's method (ksm_decide.h, struct ksm_audit_rec), written
 * "<object>.<method>(<operands>) granted|denied" for a rule and "<object>.<method>(<operands>)=
 * <value>" (or " failed") for an expression. False when the table does not describe it.
 */
static int put_method(struct text *t, const struct ksm_table *tab, const struct ksm_audit_rec *r)
{
    uint32_t m = r->method, o = r->object;
    const struct ksm_flow *f = 0;
    if (m <= KSM_CALL_FLOW_ALLOW || m == KSM_AX_FLOW_QUERY) {
        if (o >= tab->nflows)
            return 0;
        f = &tab->flows[o];
        put(t, f->name);
    } else if (m <= KSM_CALL_SET_REMOVE || m == KSM_AX_SET_CONTAINS) {
        if (o >= tab->nsets)
            return 0;
        put(t, tab->sets[o].name);
    } else if (m <= KSM_CALL_MAP_ROLLBACK || m == KSM_AX_MAP_GET ||
               m == KSM_AX_MAP_GET_UNCOMMITTED) {
        if (o >= tab->nmaps)
            return 0;
        put(t, tab->maps[o].name);
    } else if (m < KSM_CALL_KIND_COUNT || m == KSM_AX_MIC_QUERY_LEVEL) {
        if (o >= tab->nmics)
            return 0;
        put(t, tab->mics[o].name);
    } else if (m == KSM_AX_REGEX_MATCH || m == KSM_AX_REGEX_SELECT) {
        if (o >= tab->nregexes || !tab->regex_object || tab->regex_object[o] >= tab->nregex_objects)
            return 0;
        put(t, tab->regex_object_names[tab->regex_object[o]]);
    } else {
        return 0;
    }
    put(t, ".");
    if (m < KSM_CALL_KIND_COUNT) {
        put(t, rule_names[m] ? rule_names[m] : "?");
        put(t, "(");
        if (f) {
            if (m != KSM_CALL_FLOW_INIT)
                put_state(t, f, r->a);
            if (m == KSM_CALL_FLOW_ENTER || m == KSM_CALL_FLOW_INIT) {
                put(t, "->");
                put_state(t, f, r->b);
            }
        } else if (m == KSM_CALL_SET_ADD || m == KSM_CALL_SET_REMOVE) {
            put_u64(t, r->a);
        } else if (m == KSM_CALL_MAP_SET) {
            put_key(t, &tab->maps[o], r->a);
            put(t, "=");
            put_u64(t, r->b);
        } else if (m >= KSM_CALL_MIC_CREATE && m != KSM_CALL_MIC_CALL && m != KSM_CALL_MIC_INVOKE) {
            put_u64(t, r->a); /* the resource's SID */
        }
        put(t, r->granted ? ") granted" : ") denied");
        return 1;
    }
    static const char *const exprs[] = {"query",       "contains", "get",   "get_uncommitted",
                                        "query_level", "match",    "select"};
    put(t, exprs[m - KSM_AX_FLOW_QUERY]);
    put(t, "(");
    if (m == KSM_AX_SET_CONTAINS)
        put_u64(t, r->b);
    else if (m == KSM_AX_MAP_GET || m == KSM_AX_MAP_GET_UNCOMMITTED)
        put_key(t, &tab->maps[o], r->b);
    else if (m == KSM_AX_REGEX_MATCH || m == KSM_AX_REGEX_SELECT)
        put(t, tab->regexes[o].pattern);
    put(t, ")");
    if (!r->granted) {
        put(t, " failed");
    } else if (f) {
        put(t, "=");
        put_state(t, f, r->a + 1);
    } else if (m == KSM_AX_MIC_QUERY_LEVEL) {
        put(t, "=");
        put(t, r->a < tab->mics[o].ndegrees ? tab->mics[o].degrees[r->a] : "?");
    } else {
        put(t, "=");
        put_u64(t, r->a);
    }
    return 1;
}

/* Bytes of v in decimal. */
static uint32_t digits(uint64_t v)
{
    uint32_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/*
 * Ends the text: when something in it was cut, its last bytes become KSM_PROTO_TEXT_CUT (and
 * " (+N)" after it when records were left out, which put_methods() otherwise leaves room for),
 * so that no text is cut without saying so. Returns the bytes to send, the NUL included.
 */
static size_t finish(struct text *t, uint32_t left)
{
    uint32_t more = left ? 4u + digits(left) : 0u; /* " (+N)" */
    if (t->cut || t->len + more + 1 > t->cap) {
        uint32_t room = (uint32_t)sizeof KSM_PROTO_TEXT_CUT - 1u + more;
        if (t->len + room + 1 > t->cap)
            t->len = t->cap - 1 - room;
        t->buf[t->len] = 0;
        t->cut = 0;
        put(t, KSM_PROTO_TEXT_CUT);
    }
    if (left != 0) {
        put(t, " (+");
        put_u32(t, left);
        put(t, ")");
    }
    return t->len + 1;
}

/*
 * Appends the records of the log after the decision's text, "; " before each. When they do not
 * all fit, a record that does not fit whole is left out and counted, with room kept for the
 * " (+N)" that finish() writes. Returns how many were left out (with those the log dropped).
 */
/* Record i of the log, "; " before it, into one (one->cut when it does not fit there); false
 * when the table does not describe it. */
static int put_record(struct text *one, const struct ksm_table *tab,
                      const struct ksm_audit_log *log, uint32_t i)
{
    one->len = 0;
    one->cut = 0;
    put(one, "; ");
    return put_method(one, tab, &log->rec[i]) && !one->cut;
}

static uint32_t put_methods(struct text *t, const struct ksm_table *tab,
                            const struct ksm_audit_log *log)
{
    char buf[KSM_PROTO_TEXT_MAX];
    struct text one = {buf, 0, sizeof buf, 0};
    uint32_t n = log->n < KSM_AUDIT_RECS_MAX ? log->n : KSM_AUDIT_RECS_MAX;
    uint32_t left = log->dropped + (log->n - n);
    /* room for " (+N)" unless every record fits whole and none was dropped (records are
     * written twice then: measured, then kept; the stack holds one) */
    uint64_t total = t->len;
    for (uint32_t i = 0; i < n; i++)
        total += put_record(&one, tab, log, i) ? one.len : KSM_PROTO_TEXT_MAX;
    uint32_t keep =
        left == 0 && total + 1 <= t->cap ? 0u : 4u + digits((uint64_t)log->n + log->dropped);
    for (uint32_t i = 0; i < n; i++) {
        if (!put_record(&one, tab, log, i) || t->len + one.len + keep + 1 > t->cap) {
            left++;
            continue;
        }
        put(t, buf);
    }
    return left;
}

static size_t refuse(struct ksm_answer *out, const char *why)
{
    struct text t = {out->text, 0, KSM_PROTO_TEXT_MAX, 0};
    out->v.granted = 0;
    out->v.audit = 1;
    put(&t, why);
    return finish(&t, 0);
}

/* The kernel's class id for a process, as a table id (UINT32_MAX: not one). */
static uint32_t table_class(const struct ksm_answer_ctx *ctx, uint32_t id)
{
    if (id == KSM_PROTO_CLASS_CORE)
        return ctx->core_class;
    return id < ctx->table->nclasses ? id : UINT32_MAX;
}

/* Is the table's lookup sound throughout, as find_cell checks it one question at a time: every
 * class's endpoints inside endpoints[], every endpoint's slots inside the slots, and the undo
 * log within its bound? Then a request whose class, endpoint and method ids are in range finds
 * its slot without a failing check on the way (KSM_R_BAD_TABLE). */
static int lookup_sound(const struct ksm_table *t)
{
    if (t->magic != KSM_TABLE_MAGIC || t->max_state_writes > KSM_STATE_CHANGES_MAX)
        return 0;
    for (uint32_t c = 0; c < t->nclasses; c++)
        if ((uint64_t)t->classes[c].ep_first + t->classes[c].nendpoints > t->nendpoints)
            return 0;
    for (uint32_t e = 0; e < t->nendpoints; e++)
        if ((uint64_t)t->endpoints[e].slot_base + t->endpoints[e].nmethods > t->nslots)
            return 0;
    return 1;
}

/* ksm_grants_unconditionally(t, event, c, s), for c and s in range of a table whose magic is
 * right: an empty cell (most are) answers 0 there, so it is read here first, once a cell, where
 * the whole check cost the KSM's start three times the table's cells. */
static int grants_unconditionally(const struct ksm_table *t, uint32_t event, uint32_t c, uint32_t s)
{
    uint32_t cell_no = t->index[((uint64_t)event * t->nclasses + c) * t->nslots + s];
    if (cell_no < t->ncells && t->cells[cell_no].count == 0)
        return 0;
    return ksm_grants_unconditionally(t, event, c, s);
}

void ksm_answer_pregrants(const struct ksm_table *t, uint8_t *out)
{
    if (t->magic != KSM_TABLE_MAGIC) {
        /* ksm_grants_unconditionally answers 0 for every cell of such a table */
        for (size_t i = 0; i < (size_t)t->nclasses * t->nslots; i++)
            out[i] = 0;
        return;
    }
    int sound = lookup_sound(t);
    for (uint32_t c = 0; c < t->nclasses; c++)
        for (uint32_t s = 0; s < t->nslots; s++)
            out[(size_t)c * t->nslots + s] =
                (uint8_t)((grants_unconditionally(t, KSM_EV_RESPONSE, c, s)
                               ? KSM_PROTO_REPLY_RESPONSE
                               : 0u) |
                          (grants_unconditionally(t, KSM_EV_ERROR, c, s) ? KSM_PROTO_REPLY_ERROR
                                                                         : 0u) |
                          (sound && grants_unconditionally(t, KSM_EV_REQUEST, c, s)
                               ? KSM_ANSWER_PLAIN_GRANT
                               : 0u));
}

/* A question's count of ended SIDs (1..) and the bytes after its struct ksm_proto_request: why
 * they are malformed, or 0 with *arena_at where its arena starts. At most KSM_PROTO_ENDED_MAX;
 * none is the kernel's SID (0), and the pad word of an odd count is 0. */
static const char *ended_sids_malformed(uint32_t count, const uint8_t *sids, size_t len,
                                        size_t *arena_at)
{
    if (count > KSM_PROTO_ENDED_MAX) {
        return "malformed security request (too many ended SIDs)";
    }
    const uint32_t bytes = KSM_PROTO_ENDED_BYTES(count);
    if (len < KSM_PROTO_ARENA_OFFSET + bytes) {
        return "malformed security request (too short)";
    }
    for (uint32_t i = 0; i < bytes / 4; i++) {
        uint32_t sid;
        __builtin_memcpy(&sid, sids + 4 * i, sizeof sid);
        if ((sid == KSM_PROTO_SID_NONE) != (i >= count)) {
            return "malformed security request (ended SIDs)";
        }
    }
    *arena_at = KSM_PROTO_ARENA_OFFSET + bytes;
    return 0;
}

/*
 * The rare parts of an answer, each a function of its own: out of line, they leave the common
 * question (no ended SID, known classes, no audit) a short path whose values stay in registers
 * (the KSM's loop is in every monitored call).
 */

/* Not part of this event: objects and processes that ended since; their state goes, a
 * process's slot is free. Before the decision, which may need the room. */
static __attribute__((noinline)) void forget_ended(const struct ksm_answer_ctx *ctx,
                                                   struct ksm_answer_state *st,
                                                   const uint8_t *ended, uint32_t count)
{
    if (st->lock)
        st->lock(st->arg);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t sid;
        __builtin_memcpy(&sid, ended + 4 * i, sizeof sid);
        uint32_t slot = ksm_sids_forget(&st->sids, sid);
        if (slot != KSM_SID_NONE)
            ksm_state_drop(ctx->table, &st->store, slot);
        /* the process or object as a resource (handles to it) loses its state too */
        ksm_state_drop_resource(ctx->table, &st->store, sid);
    }
    if (st->unlock)
        st->unlock(st->arg);
}

/* The denial of an event whose source or destination class (dst: UINT32_MAX) the table does
 * not have; new_class: the class an execute event names, else NULL. */
static __attribute__((noinline)) size_t refuse_class(struct ksm_answer *out, uint32_t event,
                                                     const char *new_class, uint32_t dst)
{
    struct text t = {out->text, 0, KSM_PROTO_TEXT_MAX, 0};
    out->v.granted = 0;
    out->v.audit = 1;
    put(&t, event == KSM_EV_EXECUTE ? "execute" : "request");
    put(&t, ": ");
    if (new_class != 0 && dst == UINT32_MAX) {
        put(&t, "class ");
        put(&t, new_class);
        put(&t, " is not in the policy");
    } else {
        put(&t, "a class the policy does not know");
    }
    return finish(&t, 0);
}

/* The text of an audited verdict v, with the records of log. */
static __attribute__((noinline)) size_t audit_text(const struct ksm_table *tab,
                                                   struct ksm_answer *out,
                                                   const struct ksm_verdict verdict,
                                                   const struct ksm_audit_log *log)
{
    /* by value: the caller's verdict stays in registers instead of a stack slot for its
     * address */
    const struct ksm_verdict *v = &verdict;
    struct text t = {out->text, 0, KSM_PROTO_TEXT_MAX, 0};
    put(&t, v->slot < tab->nslots ? tab->slot_names[v->slot] : "?");
    put(&t, ": ");
    if (out->v.granted) {
        put(&t, "granted by ");
        put_rule(&t, tab, v->rule);
    } else if (v->reason == KSM_R_RULE) {
        put_rule(&t, tab, v->rule);
    } else if (v->reason == KSM_R_DEFAULT_DENY) {
        put(&t, "default deny");
    } else {
        put(&t, ksm_reason_name(v->reason));
        if ((v->reason == KSM_R_FIELD_BOUNDS || v->reason == KSM_R_UNION_ARM) &&
            v->field < tab->nfields) {
            put(&t, " ");
            put(&t, tab->fields[v->field]);
        }
        if (v->rule != 0) {
            put(&t, " in ");
            put_rule(&t, tab, v->rule);
        }
    }
    uint32_t left = 0;
    if (log->n != 0 || log->dropped != 0)
        left = t.cut ? log->n + log->dropped : put_methods(&t, tab, log);
    return finish(&t, left);
}

/* A field of the question's struct ksm_proto_request, read from the message where it is used:
 * the message (the receiver's own buffer, which nothing changes during the answer) stays in
 * memory, where a copy of the struct in locals kept the fields used after the decision in stack
 * slots of their own (stored, then loaded again). */
static inline uint32_t req_u32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
#define REQ(m, field) req_u32((m) + IDL_HEADER_SIZE + offsetof(struct ksm_proto_request, field))

static inline uint64_t msg_u64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
_Static_assert(sizeof(((struct ksm_proto_request *)0)->reserved) == 8, "one word of reserved");

size_t ksm_answer(const struct ksm_answer_ctx *ctx, const void *msg, size_t len,
                  struct ksm_answer *out)
{
    const uint8_t *m = msg;
    out->v = (struct ksm_proto_verdict){.class_id = KSM_PROTO_CLASS_UNKNOWN};
    out->text[0] = 0;

    if (msg == NULL || len < KSM_PROTO_ARENA_OFFSET) {
        return refuse(out, "malformed security request (too short)");
    }
    /* The fixed part: the request, then its ended SIDs and their pad (ksm_proto.h); checked
     * apart, as almost every question carries none. */
    size_t arena_at = KSM_PROTO_ARENA_OFFSET;
    const uint8_t *ended = m + KSM_PROTO_ARENA_OFFSET;
    if (REQ(m, ended_count) != 0) {
        const char *bad = ended_sids_malformed(REQ(m, ended_count), ended, len, &arena_at);
        if (bad != 0) {
            return refuse(out, bad);
        }
    }
    /* The IPC header as its three words (bastion_idl.h asserts the fields' places): endpoint 0
     * and method KSM_PROTO_DECIDE; the fixed part up to the arena and the arena the rest; no
     * handle, no flag, reserved 0. Then the request's own reserved words, 0. */
    const uint64_t arena_size = len - arena_at;
    if (msg_u64(m) != (uint64_t)KSM_PROTO_DECIDE << 32 || arena_size > UINT32_MAX ||
        msg_u64(m + 8) != ((arena_at - IDL_HEADER_SIZE) | arena_size << 32) ||
        msg_u64(m + 16) != 0 ||
        msg_u64(m + IDL_HEADER_SIZE + offsetof(struct ksm_proto_request, reserved)) != 0) {
        return refuse(out, "malformed security request");
    }
    const uint8_t *arena = m + arena_at;
    size_t arena_len = len - arena_at;
    struct ksm_answer_state *st = ctx->state;
    if (st != NULL && REQ(m, ended_count) != 0)
        forget_ended(ctx, st, ended, REQ(m, ended_count));

    uint32_t src = table_class(ctx, REQ(m, src_class)), dst = table_class(ctx, REQ(m, dst_class));
    const char *new_class = 0;
    if (REQ(m, event) == KSM_EV_EXECUTE) {
        if (arena_len == 0 || arena[arena_len - 1] != 0) {
            return refuse(out, "execute: malformed class name");
        }
        new_class = (const char *)arena;
        dst = ksm_class_id(ctx->table, new_class);
        out->v.class_id = dst == UINT32_MAX ? KSM_PROTO_CLASS_UNKNOWN : dst;
        arena = 0;
        arena_len = 0;
    }
    if (src == UINT32_MAX || dst == UINT32_MAX)
        return refuse_class(out, REQ(m, event), new_class, dst);
    uint32_t endpoint =
        REQ(m, event) == KSM_EV_SECURITY ? KSM_SECURITY_ENDPOINT : REQ(m, endpoint_id);
    struct ksm_verdict v;
    /* The records of model objects' methods: only a table that audits some has any. */
    struct ksm_audit_log log;
    log.n = 0;
    log.dropped = 0;
    struct ksm_audit_log *logp = ctx->table->obj_audit ? &log : NULL;
    if (st == NULL) {
        v = ksm_decide_audit(ctx->table, NULL, logp, REQ(m, event), src, dst, KSM_SID_NONE,
                             KSM_SID_NONE, endpoint, REQ(m, method_id), arena, arena_len);
    } else {
        if (st->lock)
            st->lock(st->arg);
        /* SID 0 is the kernel: no slot, but a Mic subject of its own (KSM_SID_KERNEL) */
        uint32_t src_slot =
            REQ(m, src_sid) == 0 ? KSM_SID_KERNEL : ksm_sids_slot(&st->sids, REQ(m, src_sid));
        uint32_t dst_slot =
            REQ(m, dst_sid) == 0 ? KSM_SID_KERNEL : ksm_sids_slot(&st->sids, REQ(m, dst_sid));
        v = ksm_decide_audit(ctx->table, &st->store, logp, REQ(m, event), src, dst, src_slot,
                             dst_slot, endpoint, REQ(m, method_id), arena, arena_len);
        if (st->unlock)
            st->unlock(st->arg);
    }
    out->v.granted = v.verdict == KSM_GRANTED;
    out->v.audit = v.audit || log.n != 0 || log.dropped != 0;
    if (out->v.granted && REQ(m, event) == KSM_EV_REQUEST) {
        if (ctx->pregrants != NULL && v.slot < ctx->table->nslots) {
            out->v.reply =
                ctx->pregrants[(size_t)src * ctx->table->nslots + v.slot] & KSM_PROTO_REPLY_ALL;
        } else {
            if (ksm_grants_unconditionally(ctx->table, KSM_EV_RESPONSE, src, v.slot))
                out->v.reply |= KSM_PROTO_REPLY_RESPONSE;
            if (ksm_grants_unconditionally(ctx->table, KSM_EV_ERROR, src, v.slot))
                out->v.reply |= KSM_PROTO_REPLY_ERROR;
        }
    }
    if (!out->v.audit)
        return 0;
    return audit_text(ctx->table, out, v, &log);
}

/* The question ksm_answer_word answers from the pre-grants: a request (event, source and
 * destination class, endpoint, method) whose header and fixed part are exactly as ksm_answer
 * wants them, without ended SIDs, whose classes are known and whose endpoint and method are in
 * range; 0 for any other, which takes the general path. The checks are ksm_answer's and
 * find_cell's, in the order a well-formed question passes them. */
static inline uint64_t plain_answer(const struct ksm_answer_ctx *ctx, const uint8_t *m, size_t len)
{
    const uint8_t *pg = ctx->plain;
    /* Shorter than the fixed part: the subtraction wraps past UINT32_MAX. */
    const uint64_t arena_size = (uint64_t)len - KSM_PROTO_ARENA_OFFSET;
    if (pg == 0 || m == 0 || arena_size > UINT32_MAX)
        return 0;
    if (msg_u64(m) != (uint64_t)KSM_PROTO_DECIDE << 32 ||
        msg_u64(m + 8) != (sizeof(struct ksm_proto_request) | arena_size << 32) ||
        msg_u64(m + 16) != 0 || REQ(m, event) != KSM_EV_REQUEST || REQ(m, ended_count) != 0 ||
        msg_u64(m + IDL_HEADER_SIZE + offsetof(struct ksm_proto_request, reserved)) != 0)
        return 0;
    const struct ksm_table *t = ctx->table;
    /* table_class's answer, with its UINT32_MAX (not a class) caught by the same bound: a
     * select and one compare each. */
    const uint32_t src_id = REQ(m, src_class), dst_id = REQ(m, dst_class);
    const uint32_t src = src_id == KSM_PROTO_CLASS_CORE ? ctx->core_class : src_id;
    const uint32_t dst = dst_id == KSM_PROTO_CLASS_CORE ? ctx->core_class : dst_id;
    if (src >= t->nclasses || dst >= t->nclasses)
        return 0;
    /* A request's server is its destination, its peer the source (find_cell). */
    const struct ksm_class *cls = &t->classes[dst];
    const uint32_t endpoint_id = REQ(m, endpoint_id), method_id = REQ(m, method_id);
    if (endpoint_id >= cls->nendpoints)
        return 0;
    const struct ksm_endpoint *ep = &t->endpoints[cls->ep_first + endpoint_id];
    if (method_id >= ep->nmethods)
        return 0;
    const uint8_t b = pg[(size_t)src * t->nslots + ep->slot_base + method_id];
    if (!(b & KSM_ANSWER_PLAIN_GRANT))
        return 0;
    return KSM_PROTO_VERDICT_WORD(1, 0, b & KSM_PROTO_REPLY_ALL, KSM_PROTO_CLASS_UNKNOWN);
}

uint64_t ksm_answer_word(const struct ksm_answer_ctx *ctx, const void *msg, size_t len,
                         struct ksm_answer *out, size_t *text_len)
{
    uint64_t word = plain_answer(ctx, msg, len);
    if (word != 0) {
        *text_len = 0;
        return word;
    }
    *text_len = ksm_answer(ctx, msg, len, out);
    return KSM_PROTO_VERDICT_WORD(out->v.granted, out->v.audit, out->v.reply, out->v.class_id);
}
