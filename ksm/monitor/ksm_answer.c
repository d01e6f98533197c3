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

/* Appends NUL-terminated text within an answer's text, truncating at the end. */
struct text {
    char *buf;
    uint32_t len, cap;
};

static void put(struct text *t, const char *s)
{
    while (s && *s && t->len + 1 < t->cap)
        t->buf[t->len++] = *s++;
    t->buf[t->len] = 0;
}

static void put_u32(struct text *t, uint32_t v)
{
    char d[11];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char s[12];
    for (int i = 0; i < n; i++)
        s[i] = d[n - 1 - i];
    s[n] = 0;
    put(t, s);
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

static size_t refuse(struct ksm_answer *out, const char *why)
{
    struct text t = {out->text, 0, KSM_PROTO_TEXT_MAX};
    out->v.granted = 0;
    out->v.audit = 1;
    put(&t, why);
    return t.len + 1;
}

/* The kernel's class id for a process, as a table id (UINT32_MAX: not one). */
static uint32_t table_class(const struct ksm_answer_ctx *ctx, uint32_t id)
{
    if (id == KSM_PROTO_CLASS_CORE)
        return ctx->core_class;
    return id < ctx->table->nclasses ? id : UINT32_MAX;
}

void ksm_answer_pregrants(const struct ksm_table *t, uint8_t *out)
{
    for (uint32_t c = 0; c < t->nclasses; c++)
        for (uint32_t s = 0; s < t->nslots; s++)
            out[(size_t)c * t->nslots + s] =
                (uint8_t)((ksm_grants_unconditionally(t, KSM_EV_RESPONSE, c, s)
                               ? KSM_PROTO_REPLY_RESPONSE
                               : 0u) |
                          (ksm_grants_unconditionally(t, KSM_EV_ERROR, c, s) ? KSM_PROTO_REPLY_ERROR
                                                                             : 0u));
}

size_t ksm_answer(const struct ksm_answer_ctx *ctx, const void *msg, size_t len,
                  struct ksm_answer *out)
{
    const uint8_t *m = msg;
    out->v = (struct ksm_proto_verdict){.class_id = KSM_PROTO_CLASS_UNKNOWN};
    out->text[0] = 0;

    struct idl_header h;
    struct ksm_proto_request r;
    if (msg == NULL || len < KSM_PROTO_ARENA_OFFSET) {
        return refuse(out, "malformed security request (too short)");
    }
    __builtin_memcpy(&h, m, sizeof h);
    __builtin_memcpy(&r, m + IDL_HEADER_SIZE, sizeof r);
    if (h.endpoint_id != 0 || h.method_id != KSM_PROTO_DECIDE || h.fixed_size != sizeof r ||
        h.handle_count != 0 || h.flags != 0 || h.arena_size != len - KSM_PROTO_ARENA_OFFSET ||
        r.reserved[0] != 0 || r.reserved[1] != 0) {
        return refuse(out, "malformed security request");
    }
    const uint8_t *arena = m + KSM_PROTO_ARENA_OFFSET;
    size_t arena_len = len - KSM_PROTO_ARENA_OFFSET;
    struct ksm_answer_state *st = ctx->state;
    if (st != NULL && r.ended_sid != KSM_PROTO_SID_NONE) {
        /* Not part of this event: a process ended since; its state goes, its slot is free. */
        if (st->lock)
            st->lock(st->arg);
        uint32_t slot = ksm_sids_forget(&st->sids, r.ended_sid);
        if (slot != KSM_SID_NONE)
            ksm_state_drop(ctx->table, &st->store, slot);
        /* the process as a resource (handles to it) loses its Mic levels too */
        ksm_state_drop_resource(ctx->table, &st->store, r.ended_sid);
        if (st->unlock)
            st->unlock(st->arg);
    }

    uint32_t src = table_class(ctx, r.src_class), dst = table_class(ctx, r.dst_class);
    const char *new_class = 0;
    if (r.event == KSM_EV_EXECUTE) {
        if (arena_len == 0 || arena[arena_len - 1] != 0) {
            return refuse(out, "execute: malformed class name");
        }
        new_class = (const char *)arena;
        dst = ksm_class_id(ctx->table, new_class);
        out->v.class_id = dst == UINT32_MAX ? KSM_PROTO_CLASS_UNKNOWN : dst;
        arena = 0;
        arena_len = 0;
    }
    struct text t = {out->text, 0, KSM_PROTO_TEXT_MAX};
    if (src == UINT32_MAX || dst == UINT32_MAX) {
        out->v.granted = 0;
        out->v.audit = 1;
        put(&t, r.event == KSM_EV_EXECUTE ? "execute" : "request");
        put(&t, ": ");
        if (new_class != 0 && dst == UINT32_MAX) {
            put(&t, "class ");
            put(&t, new_class);
            put(&t, " is not in the policy");
        } else {
            put(&t, "a class the policy does not know");
        }
        return t.len + 1;
    }
    uint32_t endpoint = r.event == KSM_EV_SECURITY ? KSM_SECURITY_ENDPOINT : r.endpoint_id;
    struct ksm_verdict v;
    if (st == NULL) {
        v = ksm_decide(ctx->table, r.event, src, dst, endpoint, r.method_id, arena, arena_len);
    } else {
        if (st->lock)
            st->lock(st->arg);
        /* SID 0 is the kernel: no slot, but a Mic subject of its own (KSM_SID_KERNEL) */
        uint32_t src_slot = r.src_sid == 0 ? KSM_SID_KERNEL : ksm_sids_slot(&st->sids, r.src_sid);
        uint32_t dst_slot = r.dst_sid == 0 ? KSM_SID_KERNEL : ksm_sids_slot(&st->sids, r.dst_sid);
        v = ksm_decide_state(ctx->table, &st->store, r.event, src, dst, src_slot, dst_slot,
                             endpoint, r.method_id, arena, arena_len);
        if (st->unlock)
            st->unlock(st->arg);
    }
    out->v.granted = v.verdict == KSM_GRANTED;
    out->v.audit = v.audit;
    if (out->v.granted && r.event == KSM_EV_REQUEST) {
        if (ctx->pregrants != NULL && v.slot < ctx->table->nslots) {
            out->v.reply = ctx->pregrants[(size_t)src * ctx->table->nslots + v.slot];
        } else {
            if (ksm_grants_unconditionally(ctx->table, KSM_EV_RESPONSE, src, v.slot))
                out->v.reply |= KSM_PROTO_REPLY_RESPONSE;
            if (ksm_grants_unconditionally(ctx->table, KSM_EV_ERROR, src, v.slot))
                out->v.reply |= KSM_PROTO_REPLY_ERROR;
        }
    }
    if (!out->v.audit)
        return 0;
    put(&t, v.slot < ctx->table->nslots ? ctx->table->slot_names[v.slot] : "?");
    put(&t, ": ");
    if (out->v.granted) {
        put(&t, "granted by ");
        put_rule(&t, ctx->table, v.rule);
    } else if (v.reason == KSM_R_RULE) {
        put_rule(&t, ctx->table, v.rule);
    } else if (v.reason == KSM_R_DEFAULT_DENY) {
        put(&t, "default deny");
    } else {
        put(&t, ksm_reason_name(v.reason));
        if (v.reason == KSM_R_FIELD_BOUNDS && v.field < ctx->table->nfields) {
            put(&t, " ");
            put(&t, ctx->table->fields[v.field]);
        }
        if (v.rule != 0) {
            put(&t, " in ");
            put_rule(&t, ctx->table, v.rule);
        }
    }
    return t.len + 1;
}
