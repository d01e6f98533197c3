/*
 * Rule compiler. Every rule call of a reachable section becomes one ksm_call (with its condition
 * compiled to postfix code); every cell (event, peer class, server slot) gets the list of calls
 * that select it, in policy order; identical lists are stored once. Field offsets and sizes were
 * fixed by the resolver from the type description.
 */
#include "compile.h"

#include <stdlib.h>
#include <string.h>

#include "regex.h"
#include "scope.h"

struct vec {
    uint32_t *v;
    int n, cap;
};

struct cc {
    struct policy *p;
    struct ksm_class *classes;
    struct ksm_endpoint *eps;
    int neps, eps_cap;
    uint32_t nslots;
    struct vec *cells; /* per index entry, during construction */
    struct ksm_call *calls;
    int ncalls, calls_cap;
    struct item **call_items;
    int ncall_items, call_items_cap;
    struct ksm_insn *code;
    int ncode, code_cap;
    const char **fields;
    int nfields, fields_cap;
    const char **strings; /* literals of string comparisons */
    int nstrings, strings_cap;
    uint32_t cur_call;
    int event;
    int peer_fixed;
    struct ksm_choice *choices; /* [0] unused */
    int nchoices, choices_cap;
};

/*
 * The audit of model objects' methods (ksm_table.h: obj_audit), and each Regex pattern's object.
 * No table when no profile configures an object other than base: the decisions then never look
 * for records to write.
 */
static void model_audit(const struct policy *p, struct ksm_table *t)
{
    int nrx = 0;
    for (int i = 0; i < p->nxobjects; i++)
        if (p->xobjects[i].model == XM_REGEX)
            nrx++;
    const char **names = psl_alloc(sizeof *names * (size_t)(nrx + 1));
    for (int i = 0, k = 0; i < p->nxobjects; i++)
        if (p->xobjects[i].model == XM_REGEX)
            names[k++] = p->xobjects[i].name;
    uint32_t *rx_obj = psl_alloc(sizeof *rx_obj * (size_t)(p->nregexes + 1));
    for (int i = 0; i < p->nregexes; i++) {
        int o = policy_regex_object(p, p->regex_objects[i]);
        rx_obj[i] = o < 0 ? UINT32_MAX : (uint32_t)o;
    }
    t->regex_object = p->nregexes ? rx_obj : NULL;
    t->regex_object_names = nrx ? names : NULL;
    t->nregex_objects = (uint32_t)nrx;
    t->naudit_objects = t->nflows + t->nsets + t->nmaps + t->nmics + (uint32_t)nrx;
    bool any = false;
    for (int i = 0; i < p->nprofiles; i++)
        for (int k = 0; k < p->profiles[i].nlevels; k++)
            any = any || p->profiles[i].levels[k].nobjs > 0;
    if (!any || t->naudit_objects == 0)
        return;
    size_t n = (size_t)t->nprofiles * t->nlevels * t->naudit_objects;
    struct ksm_obj_audit *oa = psl_alloc(sizeof *oa * n);
    memset(oa, 0, sizeof *oa * n);
    for (int i = 0; i < p->nprofiles; i++)
        for (int k = 0; k < p->profiles[i].nlevels; k++) {
            const struct audit_level *al = &p->profiles[i].levels[k];
            for (int j = 0; j < al->nobjs; j++) {
                const struct audit_object *ao = &al->objs[j];
                if (ao->model < 0)
                    continue;
                uint32_t o = ksm_audit_object_id(t, (uint32_t)ao->model, (uint32_t)ao->object_id);
                oa[((size_t)i * t->nlevels + (uint32_t)al->level) * t->naudit_objects + o] =
                    (struct ksm_obj_audit){(uint32_t)ao->kss | ao->emit, ao->omit_mask};
            }
        }
    t->obj_audit = oa;
}

static uint32_t field_index(struct cc *c, const char *name)
{
    for (int i = 0; i < c->nfields; i++)
        if (!strcmp(c->fields[i], name))
            return (uint32_t)i;
    *PSL_PUSH(c->fields, c->nfields, c->fields_cap) = name;
    return (uint32_t)c->nfields - 1;
}

static uint32_t string_index(struct cc *c, const char *s)
{
    for (int i = 0; i < c->nstrings; i++)
        if (!strcmp(c->strings[i], s))
            return (uint32_t)i;
    *PSL_PUSH(c->strings, c->nstrings, c->strings_cap) = s;
    return (uint32_t)c->nstrings - 1;
}

static int depth(const struct expr *e)
{
    if (!e)
        return 0;
    if (e->sid_e) { /* a resource's SID, pushed first: the entry (contains) goes on top */
        int a = depth(e->sid_e), b = e->kind == E_CONTAINS ? 1 + depth(e->a) : 1;
        return a > b ? a : b;
    }
    if (e->kind == E_UNARY || e->kind == E_CONTAINS || (e->kind == E_QUERY && e->a))
        return depth(e->a);
    if (e->kind == E_INDEX && e->a->kind == E_INDEX) { /* the element's offset under j */
        int a = depth(e->a), b = 1 + depth(e->b);
        return a > b ? a : b;
    }
    if (e->kind == E_INDEX)
        return depth(e->b);
    if (e->kind == E_REGEX || (e->kind == E_CALL && e->fn == FN_LENGTH))
        return depth(e->a); /* a string element's index, or 1 */
    if (e->kind == E_CALL && e->fn == FN_MEMBER && e->b->kind == E_INDEX) {
        int a = depth(e->a), b = 1 + depth(e->b); /* the value under the element's offset */
        return a > b ? a : b;
    }
    if (e->kind == E_CALL && e->fn == FN_LENGTH && e->a->kind == E_INDEX && e->a->is_array)
        return depth(e->a) > 2 ? depth(e->a) : 2; /* the element's offset times 0 */
    if (e->kind == E_CALL && (e->fn == FN_ABS || e->fn == FN_MEMBER || e->fn == FN_CAST))
        return depth(e->a);
    if (e->kind == E_TUPLE) { /* the packed value so far under a component and a constant */
        int d = 0;
        for (int i = 0; i < e->nargs; i++)
            if (depth(e->args[i]) > d)
                d = depth(e->args[i]);
        return 2 + d;
    }
    if (e->kind == E_CASE) { /* each condition is popped before the next */
        int d = 1;
        for (int i = 0; i < e->nargs; i++)
            if (depth(e->args[i]) > d)
                d = depth(e->args[i]);
        return d;
    }
    if (e->kind == E_CALL && e->fn == FN_COND) {
        int a = depth(e->a), b = depth(e->b), k = depth(e->c);
        return a > b ? (a > k ? a : k) : (b > k ? b : k);
    }
    if (e->kind != E_BINARY)
        return 1;
    int a = depth(e->a), b = 1 + depth(e->b);
    return a > b ? a : b;
}

static void emit(struct cc *c, uint8_t op, uint32_t arg, int64_t imm)
{
    struct ksm_insn *in = PSL_PUSH(c->code, c->ncode, c->code_cap);
    in->op = op;
    in->arg = arg;
    in->imm = imm;
}

static void gen(struct cc *c, const struct expr *e, int start);

/* Whether the elements of sequence f are counted by their size in bytes (KSM_OP_SEQ_COUNT's
 * stride, size 0) rather than read as integers of their width: structs and unions, and arrays
 * in place (their length times their elements' size, any number of bytes up to 65535). */
static bool strided_elements(const struct expr *f)
{
    return f->elem_struct || (f->elem_seq && f->elem_kind && !strcmp(f->elem_kind, "array"));
}

/* A field inside union arms (a string, sequence or array there too): each union must hold its
 * arm (KSM_OP_UNION_ARM, outermost first) before the instruction right after these reads the
 * field, its descriptor or its elements. Nothing for a field outside unions. */
static void gen_guards(struct cc *c, const struct expr *f)
{
    if (f->kind != E_FIELD || f->nguards == 0)
        return;
    uint64_t fi = field_index(c, f->field_name);
    for (int g = 0; g < f->nguards; g++)
        emit(c, KSM_OP_UNION_ARM, f->guards[g].tag_off,
             (int64_t)((uint64_t)f->guards[g].arm << 32 | fi));
}

/* The offset of element i of a.[i].<path> on the stack, a path being a chain of steps each
 * lowered to the instructions that exist: a sequence or array field's element from the index
 * (KSM_OP_ELEM_ADDR, after the unions the field lies in are checked), or, when a is itself in an
 * element (a.[h].q.[i], a.[h].[i]), element h's offset first (this, one level up: any depth the
 * resolver accepts), then i, then KSM_OP_ELEM_ADDR with KSM_INSN_BASE: q's descriptor (its
 * elements checked to lie inside the message) or first element q's offset past it; then each
 * union on the path checked to hold its arm in element i (KSM_OP_UNION_ARM with KSM_INSN_BASE,
 * which leaves the offset there). Nothing is read before the check that it exists. */
static void gen_elem_addr(struct cc *c, const struct expr *e, int start)
{
    const struct expr *f = e->a;
    uint64_t fi = field_index(c, e->field_name);
    if (f->kind == E_INDEX)
        gen_elem_addr(c, f, start);
    gen(c, e->b, start);
    if (f->kind != E_INDEX)
        gen_guards(c, f);
    emit(c, KSM_OP_ELEM_ADDR, f->offset,
         (int64_t)((uint64_t)f->size << 48 | (uint64_t)(f->is_array ? f->count - 1 : 0) << 32 |
                   field_index(c, f->field_name)));
    c->code[c->ncode - 1].size = f->is_array ? 1 : 0;
    c->code[c->ncode - 1].flags = f->kind == E_INDEX ? KSM_INSN_BASE : 0;
    for (int g = 0; g < e->nguards; g++) {
        emit(c, KSM_OP_UNION_ARM, e->guards[g].tag_off,
             (int64_t)((uint64_t)e->guards[g].arm << 32 | fi));
        c->code[c->ncode - 1].flags = KSM_INSN_BASE;
    }
}

/* A string operand's descriptor: a field's is the instruction's arg (*arg, returns 0); an
 * element's of a sequence of strings is computed onto the stack (its index, KSM_OP_SEQ_STR), a
 * string in a struct element or a union arm there lies *arg bytes past the element's offset
 * (KSM_OP_ELEM_ADDR), which goes onto the stack; the string instruction pops it (returns 1).
 * Either after its unions' arms are checked. */
static int gen_str_ref(struct cc *c, const struct expr *e, int start, uint32_t *arg)
{
    *arg = e->offset;
    if (e->kind != E_INDEX) {
        gen_guards(c, e);
        return 0;
    }
    if (e->a->elem_struct) {
        gen_elem_addr(c, e, start);
        return 1;
    }
    *arg = 0;
    if (e->a->kind == E_INDEX) { /* string j of a sequence or array of strings in element i */
        gen_elem_addr(c, e, start);
        return 1;
    }
    if (e->a->is_array && e->b->kind == E_INT) { /* folded: a descriptor at a fixed offset */
        gen_guards(c, e->a);
        *arg = e->a->offset + 8 * (uint32_t)e->b->value;
        return 0;
    }
    if (e->a->is_array) { /* an array of strings: descriptor i in place, from the index */
        gen_elem_addr(c, e, start);
        return 1;
    }
    gen(c, e->b, start);
    gen_guards(c, e->a);
    emit(c, KSM_OP_SEQ_STR, e->a->offset, (int64_t)field_index(c, e->a->field_name));
    return 1;
}

/* a.[i] (or a field of it) read at its offset: through a union (its tag, or a field of an arm)
 * in the element, or in an element itself (a.[h].q.[i], a.[h].[i], at any depth): the element's
 * offset (gen_elem_addr: each index against its elements, each union's arm checked), then the
 * tag or the integer read there (KSM_INSN_BASE): the element itself (integer elements) or the
 * field at its offset in it. */
static void gen_element_at(struct cc *c, const struct expr *e, int start)
{
    uint64_t fi = field_index(c, e->field_name);
    const struct expr *w = e->a->elem_struct ? e : e->a; /* the width and sign read */
    gen_elem_addr(c, e, start);
    if (e->arms) {
        emit(c, KSM_OP_UNION_TAG, e->offset, (int64_t)((uint64_t)e->arms << 32 | fi));
    } else {
        emit(c, KSM_OP_LOAD, e->offset, (int64_t)fi);
        c->code[c->ncode - 1].size = (uint8_t)w->size;
        c->code[c->ncode - 1].is_signed = (uint8_t)(w->sign == 1);
    }
    c->code[c->ncode - 1].flags = KSM_INSN_BASE;
}

static void gen(struct cc *c, const struct expr *e, int start)
{
    switch (e->kind) {
    case E_INT:
    case E_BOOL:
        emit(c, KSM_OP_CONST, 0, (int64_t)e->value);
        return;
    case E_STR: /* only ever an operand of a string comparison (below) */
        return;
    case E_FIELD: {
        if (e->handle_part) {
            emit(c, KSM_OP_HANDLE, e->offset,
                 (int64_t)((uint64_t)(e->handle_part - 1) << 32 | field_index(c, e->field_name)));
            return;
        }
        /* through union arms: each union must hold its arm before anything inside is read */
        uint64_t fi = field_index(c, e->field_name);
        gen_guards(c, e);
        if (e->arms) { /* a union's tag, checked against its arms */
            emit(c, KSM_OP_UNION_TAG, e->offset, (int64_t)((uint64_t)e->arms << 32 | fi));
            return;
        }
        emit(c, KSM_OP_LOAD, e->offset, (int64_t)fi);
        c->code[c->ncode - 1].size = (uint8_t)e->size;
        c->code[c->ncode - 1].is_signed = (uint8_t)(e->sign == 1);
        return;
    }
    case E_UNARY:
        gen(c, e->a, start);
        emit(c,
             e->op == T_BANG    ? KSM_OP_NOT
             : e->op == T_TILDE ? KSM_OP_BIT_NOT
                                : KSM_OP_NEG,
             0, 0);
        return;
    case E_CONTAINS:
        if (e->sid_e)
            gen(c, e->sid_e, start);
        gen(c, e->a, start);
        emit(c, KSM_OP_SET_CONTAINS, (uint32_t)e->object_id, e->sid);
        return;
    case E_MAP_GET:
        if (e->sid_e)
            gen(c, e->sid_e, start);
        emit(c, KSM_OP_MAP_GET, (uint32_t)e->object_id,
             (int64_t)e->value << 3 | (e->op ? 4 : 0) | e->sid);
        return;
    case E_QUERY:
        if (e->op == 1) { /* Mic query_level: a subject, or the resource whose SID is e->a */
            if (e->a)
                gen(c, e->a, start);
            emit(c, KSM_OP_MIC_LEVEL, (uint32_t)e->object_id, e->a ? 2 : e->sid);
            return;
        }
        if (e->sid_e)
            gen(c, e->sid_e, start);
        emit(c, KSM_OP_FLOW_QUERY, (uint32_t)e->object_id, e->sid);
        return;
    case E_REGEX: {
        uint32_t at;
        int popped = gen_str_ref(c, e->a, start, &at);
        emit(c, KSM_OP_REGEX_MATCH, at,
             (int64_t)((uint64_t)field_index(c, e->a->field_name) << 32 | e->value));
        c->code[c->ncode - 1].size = e->fn == 1; /* a case of select (its audit: emit select) */
        c->code[c->ncode - 1].flags = popped ? KSM_INSN_STR_POPPED : 0;
        return;
    }
    case E_INDEX: {
        const struct expr *f = e->a;
        uint32_t fi = field_index(c, f->field_name);
        if (f->kind == E_INDEX || e->nguards > 0 || e->arms) {
            gen_element_at(c, e, start);
            return;
        }
        if (f->elem_struct && f->is_array && e->b->kind == E_INT) { /* folded: a fixed offset */
            gen_guards(c, f);
            emit(c, KSM_OP_LOAD, f->offset + (uint32_t)e->b->value * f->size + e->offset, fi);
            c->code[c->ncode - 1].size = (uint8_t)e->size;
            c->code[c->ncode - 1].is_signed = (uint8_t)(e->sign == 1);
            return;
        }
        if (f->elem_struct && f->is_array) { /* a field of an element of an array of structs */
            gen(c, e->b, start);
            gen_guards(c, f);
            emit(c, KSM_OP_ARRAY_FIELD, f->offset + e->offset,
                 (int64_t)((uint64_t)f->size << 48 | (uint64_t)(f->count - 1) << 32 | fi));
            c->code[c->ncode - 1].size = (uint8_t)e->size;
            c->code[c->ncode - 1].is_signed = (uint8_t)(e->sign == 1);
            return;
        }
        if (f->elem_struct) { /* a field of an element of a sequence of structs */
            gen(c, e->b, start);
            gen_guards(c, f);
            emit(c, KSM_OP_SEQ_FIELD, f->offset,
                 (int64_t)((uint64_t)f->size << 48 | (uint64_t)e->offset << 32 | fi));
            c->code[c->ncode - 1].size = (uint8_t)e->size;
            c->code[c->ncode - 1].is_signed = (uint8_t)(e->sign == 1);
            return;
        }
        if (f->is_array && e->b->kind == E_INT) { /* folded: a load at a fixed offset */
            gen_guards(c, f);
            emit(c, KSM_OP_LOAD, f->offset + (uint32_t)e->b->value * f->size, fi);
        } else {
            gen(c, e->b, start);
            gen_guards(c, f);
            emit(c, f->is_array ? KSM_OP_ARRAY_ELEM : KSM_OP_SEQ_ELEM, f->offset,
                 (int64_t)((uint64_t)f->count << 32 | fi));
        }
        c->code[c->ncode - 1].size = (uint8_t)f->size;
        c->code[c->ncode - 1].is_signed = (uint8_t)(f->sign == 1);
        return;
    }
    case E_TUPLE: {
        /* a tuple or dictionary HashSet entry, packed (model.h, policy_set): component 0 in the
         * lowest bits, so from the last: v = c[n-1]; v = v * 2^bits[k] + c[k] for k = n-2 .. 0,
         * a signed component offset by 2^(bits - 1) first. Each component is in its range: the
         * resolver bounds a literal or a field no wider, and the decision checks any other
         * (range_check: KSM_OP_ENTRY_RANGE, in place), so nothing overflows; one component is
         * itself. */
        const struct policy_set *hs = &c->p->sets[e->object_id];
        for (int k = e->nargs - 1; k >= 0; k--) {
            if (k < e->nargs - 1) {
                emit(c, KSM_OP_CONST, 0, (int64_t)(1ull << hs->comp_bits[k]));
                emit(c, KSM_OP_MUL_U, 0, 0);
            }
            gen(c, e->args[k], start);
            if (e->args[k]->range_check) {
                unsigned bits = hs->comp_bits[k];
                emit(c, KSM_OP_ENTRY_RANGE, bits,
                     hs->comp_signed[k] ? (int64_t)(UINT64_MAX << (bits - 1)) : 0);
                c->code[c->ncode - 1].is_signed = (uint8_t)(e->args[k]->sign != 0);
            }
            if (e->nargs > 1 && hs->comp_signed[k]) {
                emit(c, KSM_OP_CONST, 0, (int64_t)(1ull << (hs->comp_bits[k] - 1)));
                emit(c, KSM_OP_ADD_S, 0, 0);
            }
            if (k < e->nargs - 1)
                emit(c, KSM_OP_ADD_U, 0, 0);
        }
        return;
    }
    case E_CASE: {
        /* for each case: cond; JFALSE_POP next; CONST i; JUMP end; next: ... CONST n; end: */
        int *ends = psl_alloc(sizeof *ends * (size_t)(e->nargs + 1));
        for (int i = 0; i < e->nargs; i++) {
            gen(c, e->args[i], start);
            int jf = c->ncode;
            emit(c, KSM_OP_JFALSE_POP, 0, 0);
            emit(c, KSM_OP_CONST, 0, i);
            ends[i] = c->ncode;
            emit(c, KSM_OP_JUMP, 0, 0);
            c->code[jf].arg = (uint32_t)(c->ncode - start);
        }
        emit(c, KSM_OP_CONST, 0, e->nargs);
        for (int i = 0; i < e->nargs; i++)
            c->code[ends[i]].arg = (uint32_t)(c->ncode - start);
        psl_free(ends);
        return;
    }
    case E_CALL:
        if (e->fn == FN_MEMBER && e->b->elem_str) { /* a string among a sequence's strings */
            const struct expr *f = e->b, *o = e->a;
            uint32_t at;
            int popped = gen_str_ref(c, o, start, &at);
            uint64_t other = o->kind == E_STR ? (uint64_t)0xffff << 32 | string_index(c, o->str)
                                              : (uint64_t)field_index(c, o->field_name) << 32 | at;
            if (f->kind == E_INDEX) /* in an element: its offset above the value's */
                gen_elem_addr(c, f, start);
            else
                gen_guards(c, f);
            emit(c, KSM_OP_SEQ_STR_MEMBER, f->offset,
                 (int64_t)((uint64_t)field_index(c, f->field_name) << 48 | other));
            /* an array of strings: its length (at most 255, resolve.c), its descriptors in place */
            c->code[c->ncode - 1].size = f->is_array ? (uint8_t)f->count : 0;
            c->code[c->ncode - 1].flags =
                (popped ? KSM_INSN_OTHER_POPPED : 0) | (f->kind == E_INDEX ? KSM_INSN_BASE : 0);
        } else if (e->fn == FN_MEMBER && e->c) { /* a field among a sequence's or array's structs */
            const struct expr *f = e->b, *w = e->c;
            uint64_t fi = field_index(c, f->field_name);
            gen(c, e->a, start);
            if (f->kind == E_INDEX) /* in an element: its offset above the value */
                gen_elem_addr(c, f, start);
            else
                gen_guards(c, f);
            for (int g = 0; g < w->nguards; g++) { /* each element's unions: its tags before */
                emit(c, KSM_OP_UNION_ARM, w->offset - w->guards[g].tag_off,
                     (int64_t)((uint64_t)w->guards[g].arm << 32 | fi));
                c->code[c->ncode - 1].flags = KSM_INSN_EACH;
            }
            if (f->is_array)
                emit(c, KSM_OP_ARRAY_FIELD_MEMBER, f->offset + w->offset,
                     (int64_t)((uint64_t)f->size << 48 | (uint64_t)(f->count - 1) << 32 | fi));
            else
                emit(c, KSM_OP_SEQ_FIELD_MEMBER, f->offset,
                     (int64_t)((uint64_t)f->size << 48 | (uint64_t)w->offset << 32 | fi));
            c->code[c->ncode - 1].size = (uint8_t)w->size;
            c->code[c->ncode - 1].is_signed = (uint8_t)(w->sign == 1);
            c->code[c->ncode - 1].flags = f->kind == E_INDEX ? KSM_INSN_BASE : 0;
        } else if (e->fn == FN_MEMBER) {
            gen(c, e->a, start);
            const struct expr *f = e->b;
            if (f->kind == E_INDEX) /* in an element: its offset above the value */
                gen_elem_addr(c, f, start);
            else
                gen_guards(c, f);
            emit(c, f->is_array ? KSM_OP_ARRAY_MEMBER : KSM_OP_SEQ_MEMBER, f->offset,
                 (int64_t)((uint64_t)f->count << 32 | field_index(c, f->field_name)));
            c->code[c->ncode - 1].size = (uint8_t)f->size;
            c->code[c->ncode - 1].is_signed = (uint8_t)(f->sign == 1);
            c->code[c->ncode - 1].flags = f->kind == E_INDEX ? KSM_INSN_BASE : 0;
        } else if (e->fn == FN_LENGTH && e->a->type == TY_SEQ && e->a->is_array &&
                   e->a->kind == E_FIELD) {
            gen_guards(c, e->a); /* an array in an arm is there only while the arm is held */
            emit(c, KSM_OP_CONST, 0, e->a->count); /* folded: an array's length is fixed */
        } else if (e->fn == FN_LENGTH && e->a->type == TY_SEQ && e->a->kind == E_INDEX &&
                   e->a->is_array) {
            /* an array in an element: its length, once element i is found to exist (its
             * offset computed, with its unions' arms checked, then dropped: times 0) */
            gen_elem_addr(c, e->a, start);
            emit(c, KSM_OP_CONST, 0, 0);
            emit(c, KSM_OP_MUL_U, 0, 0);
            emit(c, KSM_OP_CONST, 0, e->a->count);
            emit(c, KSM_OP_ADD_U, 0, 0);
        } else if (e->fn == FN_LENGTH && e->a->type == TY_SEQ && e->a->kind == E_INDEX) {
            /* a sequence in an element: its descriptor at offset past the element's (of
             * structs or arrays: size 0, their size in imm bits 32..47) */
            bool strided = strided_elements(e->a);
            uint64_t stride = strided ? (uint64_t)e->a->size << 32 : 0;
            gen_elem_addr(c, e->a, start);
            emit(c, KSM_OP_SEQ_COUNT, e->a->offset,
                 (int64_t)(stride | field_index(c, e->a->field_name)));
            c->code[c->ncode - 1].size = strided ? 0 : (uint8_t)e->a->size;
            c->code[c->ncode - 1].flags = KSM_INSN_BASE;
        } else if (e->fn == FN_LENGTH && e->a->type == TY_SEQ) {
            gen_guards(c, e->a);
            /* a sequence of structs or arrays: size 0, its elements' size in imm bits 32..47 */
            bool strided = strided_elements(e->a);
            uint64_t stride = strided ? (uint64_t)e->a->size << 32 : 0;
            emit(c, KSM_OP_SEQ_COUNT, e->a->offset,
                 (int64_t)(stride | field_index(c, e->a->field_name)));
            c->code[c->ncode - 1].size = strided ? 0 : (uint8_t)e->a->size;
        } else if (e->fn == FN_LENGTH) {
            uint32_t at;
            int popped = gen_str_ref(c, e->a, start, &at);
            emit(c, KSM_OP_STR_LEN, at, (int64_t)field_index(c, e->a->field_name));
            c->code[c->ncode - 1].flags = popped ? KSM_INSN_STR_POPPED : 0;
        } else if (e->fn == FN_ABS) {
            gen(c, e->a, start);
            emit(c, KSM_OP_ABS, 0, 0);
        } else if (e->fn == FN_CAST) { /* imm: the operand's signedness (a literal's: signed) */
            gen(c, e->a, start);
            emit(c, KSM_OP_CAST, (uint32_t)e->value, e->a->sign != 0);
            c->code[c->ncode - 1].is_signed = (uint8_t)(e->sign == 1);
        } else { /* cond: if; JFALSE_POP else; then; JUMP end; else: else; end: */
            gen(c, e->a, start);
            int jf = c->ncode;
            emit(c, KSM_OP_JFALSE_POP, 0, 0);
            gen(c, e->b, start);
            int j = c->ncode;
            emit(c, KSM_OP_JUMP, 0, 0);
            c->code[jf].arg = (uint32_t)(c->ncode - start);
            gen(c, e->c, start);
            c->code[j].arg = (uint32_t)(c->ncode - start);
        }
        return;
    case E_BINARY:
        break;
    }
    if (e->op == T_IMPLIES) { /* !a || b */
        gen(c, e->a, start);
        emit(c, KSM_OP_NOT, 0, 0);
        int j = c->ncode;
        emit(c, KSM_OP_JTRUE_KEEP, 0, 0);
        gen(c, e->b, start);
        c->code[j].arg = (uint32_t)(c->ncode - start);
        return;
    }
    if (e->op == T_ANDAND || e->op == T_OROR) {
        gen(c, e->a, start);
        int j = c->ncode;
        emit(c, e->op == T_ANDAND ? KSM_OP_JFALSE_KEEP : KSM_OP_JTRUE_KEEP, 0, 0);
        gen(c, e->b, start);
        c->code[j].arg =
            (uint32_t)(c->ncode - start); /* relative to the call's first instruction */
        return;
    }
    if ((e->op == T_EQ || e->op == T_NE) && e->a->type == TY_STR &&
        (e->a->kind == E_STR || e->b->kind == E_STR)) {
        /* A string field against a literal, in either order. */
        const struct expr *f = e->a->kind != E_STR ? e->a : e->b;
        const struct expr *lit = e->a->kind != E_STR ? e->b : e->a;
        uint32_t at;
        int popped = gen_str_ref(c, f, start, &at);
        emit(c, KSM_OP_STR_EQ, at,
             (int64_t)((uint64_t)field_index(c, f->field_name) << 32 | string_index(c, lit->str)));
        c->code[c->ncode - 1].flags = popped ? KSM_INSN_STR_POPPED : 0;
        if (e->op == T_NE)
            emit(c, KSM_OP_NOT, 0, 0);
        return;
    }
    if (e->a->type == TY_STR) {
        /* Ordering, or two fields: STR_CMP of the field (the left one when both are) against
         * the other side gives -1, 0 or 1, then compared with 0; a literal on the left swaps
         * the sides and mirrors the operator. */
        bool swap = e->a->kind == E_STR;
        const struct expr *f = swap ? e->b : e->a, *o = swap ? e->a : e->b;
        uint64_t fa = field_index(c, f->field_name);
        uint32_t at, oat;
        int popped = gen_str_ref(c, f, start, &at), other_popped = gen_str_ref(c, o, start, &oat);
        uint64_t other = o->kind == E_STR ? (uint64_t)0xffff << 32 | string_index(c, o->str)
                                          : (uint64_t)field_index(c, o->field_name) << 32 | oat;
        emit(c, KSM_OP_STR_CMP, at, (int64_t)(fa << 48 | other));
        c->code[c->ncode - 1].flags = (uint8_t)((popped ? KSM_INSN_STR_POPPED : 0) |
                                                (other_popped ? KSM_INSN_OTHER_POPPED : 0));
        emit(c, KSM_OP_CONST, 0, 0);
        enum tok_kind op = e->op;
        if (swap)
            op = op == T_LT ? T_GT : op == T_GT ? T_LT : op == T_LE ? T_GE : op == T_GE ? T_LE : op;
        emit(c,
             op == T_EQ   ? KSM_OP_EQ
             : op == T_NE ? KSM_OP_NE
             : op == T_LT ? KSM_OP_LT_S
             : op == T_LE ? KSM_OP_LE_S
             : op == T_GT ? KSM_OP_GT_S
                          : KSM_OP_GE_S,
             0, 0);
        return;
    }
    gen(c, e->a, start);
    gen(c, e->b, start);
    int u = e->sign == 0; /* unsigned operation */
    uint8_t op;
    switch (e->op) {
    case T_PLUS:
        op = u ? KSM_OP_ADD_U : KSM_OP_ADD_S;
        break;
    case T_MINUS:
        op = u ? KSM_OP_SUB_U : KSM_OP_SUB_S;
        break;
    case T_STAR:
        op = u ? KSM_OP_MUL_U : KSM_OP_MUL_S;
        break;
    case T_SLASH:
        op = u ? KSM_OP_DIV_U : KSM_OP_DIV_S;
        break;
    case T_PERCENT:
        op = u ? KSM_OP_REM_U : KSM_OP_REM_S;
        break;
    case T_AMP:
        op = KSM_OP_AND;
        break;
    case T_PIPE:
        op = KSM_OP_OR;
        break;
    case T_EQ:
        op = KSM_OP_EQ;
        break;
    case T_NE:
        op = KSM_OP_NE;
        break;
    case T_LT:
        op = u ? KSM_OP_LT_U : KSM_OP_LT_S;
        break;
    case T_LE:
        op = u ? KSM_OP_LE_U : KSM_OP_LE_S;
        break;
    case T_GT:
        op = u ? KSM_OP_GT_U : KSM_OP_GT_S;
        break;
    default:
        op = u ? KSM_OP_GE_U : KSM_OP_GE_S;
        break;
    }
    emit(c, op, 0, 0);
}

static uint32_t slot_of(struct cc *c, int cls, int ep, int method)
{
    if (ep == SCOPE_EP_EXEC)
        return c->classes[cls].slot_exec;
    uint32_t e =
        ep == SCOPE_EP_SECURITY ? c->classes[cls].sec_ep : c->classes[cls].ep_first + (uint32_t)ep;
    return c->eps[e].slot_base + (uint32_t)method;
}

static void add_to_cell(struct cc *c, int peer, uint32_t slot)
{
    size_t idx = ((size_t)c->event * (size_t)c->p->nclasses + (size_t)peer) * c->nslots + slot;
    struct vec *v = &c->cells[idx];
    *PSL_PUSH(v->v, v->n, v->cap) = c->cur_call;
}

static void place(void *ctx, int server, int ep, int method, const struct td_iface *iface)
{
    struct cc *c = ctx;
    (void)iface;
    uint32_t slot = slot_of(c, server, ep, method);
    if (c->event == KSM_EV_SECURITY) {
        add_to_cell(c, server, slot);
    } else if (c->peer_fixed >= 0) {
        add_to_cell(c, c->peer_fixed, slot);
    } else {
        for (int peer = 0; peer < c->p->nclasses; peer++)
            add_to_cell(c, peer, slot);
    }
}

/* The calls of a section, inside case `arm` of choice `choice` (0: none). */
static void block(struct cc *c, struct block *b, uint32_t choice, uint32_t arm)
{
    if (b->scope.unreachable)
        return;
    for (int i = 0; i < b->nitems; i++) {
        struct item *it = &b->items[i];
        if (it->kind == I_MATCH) {
            block(c, it->match, choice, arm);
            continue;
        }
        if (it->kind == I_CHOICE) {
            const struct expr *e = it->choice->e;
            if (depth(e) > (int)KSM_STACK_MAX) {
                psl_error(it->pos, "expression too deep (more than %u operands pending)",
                          KSM_STACK_MAX);
                continue;
            }
            struct ksm_choice *ch = PSL_PUSH(c->choices, c->nchoices, c->choices_cap);
            ch->parent = choice;
            ch->parent_arm = arm;
            ch->code_start = (uint32_t)c->ncode;
            gen(c, e, c->ncode);
            ch->code_len = (uint32_t)c->ncode - ch->code_start;
            uint32_t id = (uint32_t)c->nchoices - 1;
            for (int k = 0; k < it->choice->ncases; k++)
                block(c, &it->choice->cases[k], id, (uint32_t)k);
            continue;
        }
        if (it->kind != I_CALL)
            continue;
        struct ksm_call *call = PSL_PUSH(c->calls, c->ncalls, c->calls_cap);
        *PSL_PUSH(c->call_items, c->ncall_items, c->call_items_cap) = it;
        call->kind = (uint8_t)it->call;
        call->choice = choice;
        call->arm = arm;
        call->audit_profile = (uint16_t)it->audit_profile;
        call->loc = (uint32_t)it->loc;
        if (it->object) {
            call->sid = (uint8_t)it->sid;
            call->object = (uint32_t)it->object_id;
            call->arg = it->arg;
        }
        if (it->e) {
            if (depth(it->e) > (int)KSM_STACK_MAX) {
                psl_error(it->e->pos, "expression too deep (more than %u operands pending)",
                          KSM_STACK_MAX);
                continue;
            }
            call->code_start = (uint32_t)c->ncode;
            gen(c, it->e, c->ncode);
            call->code_len = (uint32_t)c->ncode - call->code_start;
        }
        /* code2: a Mic rule's container, or the resource's SID of a Flow, HashSet or
         * StaticMap rule (never both) */
        const struct expr *e2 = it->e2 ? it->e2 : it->sid_e;
        if (e2) {
            if (depth(e2) > (int)KSM_STACK_MAX) {
                psl_error(e2->pos, "expression too deep (more than %u operands pending)",
                          KSM_STACK_MAX);
                continue;
            }
            call->code2_start = (uint32_t)c->ncode;
            gen(c, e2, c->ncode);
            call->code2_len = (uint32_t)c->ncode - call->code2_start;
        }
        c->cur_call = (uint32_t)c->ncalls - 1;
        c->event = b->scope.event;
        c->peer_fixed = scope_peer(&b->scope);
        scope_each(c->p, &b->scope, place, c);
    }
}

/* Places a resource table of `resources` entries at *words (its *base), counting its words;
 * false after an error (too many words in all). */
static bool res_table(uint32_t resources, struct psl_pos pos, uint64_t *words, uint32_t *base)
{
    *base = (uint32_t)*words;
    *words += 2u * (uint64_t)resources;
    if (*words <= UINT32_MAX / 2)
        return true;
    psl_error(pos, "the resource tables take more than %u words of state", UINT32_MAX / 2);
    return false;
}

/* The most state values one call can change (ksm_decide.c's undo log entries): an init on a
 * resource also writes its entry's key. */
static uint32_t state_changes(const struct policy *p, const struct ksm_call *k)
{
    uint32_t key = k->sid == KSM_SID_RESOURCE &&
                   (k->kind == KSM_CALL_FLOW_INIT || k->kind == KSM_CALL_SET_INIT ||
                    k->kind == KSM_CALL_MAP_INIT);
    if (k->kind >= KSM_CALL_FLOW_INIT && k->kind <= KSM_CALL_FLOW_ENTER)
        return 1 + key;
    if (k->kind >= KSM_CALL_SET_INIT && k->kind <= KSM_CALL_SET_REMOVE)
        return 2 + key;
    if (k->kind == KSM_CALL_MIC_EXECUTE || k->kind == KSM_CALL_MIC_CREATE)
        return 2;
    if (k->kind == KSM_CALL_MIC_UPGRADE || k->kind == KSM_CALL_MIC_DOWNGRADE)
        return 1;
    if (k->kind >= KSM_CALL_MIC_EXECUTE)
        return 0;
    uint32_t n = k->kind >= KSM_CALL_MAP_INIT ? p->maps[k->object].nkeys : 0;
    switch (k->kind) {
    case KSM_CALL_MAP_INIT:
        return 2 + 2 * n + key;
    case KSM_CALL_MAP_FINI:
        return 2;
    case KSM_CALL_MAP_SET:
        return 1;
    case KSM_CALL_MAP_COMMIT:
    case KSM_CALL_MAP_ROLLBACK:
        return n;
    default:
        return 0;
    }
}

static bool unconditional(const struct ksm_call *k, bool grant)
{
    return k->kind == (grant ? KSM_CALL_GRANT : KSM_CALL_DENY) && k->choice == 0;
}

/* The choices the calls of one cell need, parents included (ksm_decide() computes each at most
 * once per decision, in a cache of KSM_CHOICES_MAX). */
static uint32_t choices_needed(const struct cc *c, const struct vec *v)
{
    uint32_t seen[KSM_CHOICES_MAX + 1], n = 0;
    for (int k = 0; k < v->n; k++)
        for (uint32_t id = c->calls[v->v[k]].choice; id != 0; id = c->choices[id].parent) {
            uint32_t j = 0;
            while (j < n && seen[j] != id)
                j++;
            if (j < n)
                continue;
            if (n > KSM_CHOICES_MAX)
                return n;
            seen[n++] = id;
        }
    return n;
}

static uint64_t hash_vec(const struct vec *v)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < v->n; i++)
        h = (h ^ v->v[i]) * 1099511628211ull;
    return h ^ (uint64_t)v->n;
}

struct ksm_table *psl_compile(struct policy *p)
{
    struct cc c = {0};
    c.p = p;
    int errors_before = psl_errors();
    uint32_t C = (uint32_t)p->nclasses;

    /* Slots: per class, one for execute, then each endpoint's methods, then the security interface. */
    c.classes = psl_alloc(sizeof *c.classes * (C + 1));
    const char **slot_names = NULL;
    int nslot_names = 0, slot_names_cap = 0;
    uint8_t *slot_has_error = NULL;
    int nslot_has_error = 0, slot_has_error_cap = 0;
    for (uint32_t k = 0; k < C; k++) {
        const struct td_class *tc = p->classes[k].td;
        struct ksm_class *kc = &c.classes[k];
        kc->name = tc->name;
        kc->slot_exec = c.nslots++;
        *PSL_PUSH(slot_names, nslot_names, slot_names_cap) = "execute";
        *PSL_PUSH(slot_has_error, nslot_has_error, slot_has_error_cap) = 0;
        kc->ep_first = (uint32_t)c.neps;
        kc->nendpoints = (uint32_t)tc->nendpoints;
        for (int e = 0; e < tc->nendpoints; e++) {
            struct ksm_endpoint *ke = PSL_PUSH(c.eps, c.neps, c.eps_cap);
            ke->name = tc->endpoints[e].name;
            ke->slot_base = c.nslots;
            ke->nmethods = (uint32_t)tc->endpoints[e].iface->nmethods;
            c.nslots += ke->nmethods;
            for (uint32_t m = 0; m < ke->nmethods; m++) {
                *PSL_PUSH(slot_names, nslot_names, slot_names_cap) =
                    psl_fmt("%s.%s", ke->name, tc->endpoints[e].iface->methods[m].name);
                *PSL_PUSH(slot_has_error, nslot_has_error, slot_has_error_cap) =
                    td_method_has_error(&tc->endpoints[e].iface->methods[m]);
            }
        }
        kc->sec_ep = UINT32_MAX;
        if (tc->security) {
            kc->sec_ep = (uint32_t)c.neps;
            struct ksm_endpoint *ke = PSL_PUSH(c.eps, c.neps, c.eps_cap);
            ke->name = "security";
            ke->slot_base = c.nslots;
            ke->nmethods = (uint32_t)tc->security->nmethods;
            c.nslots += ke->nmethods;
            for (uint32_t m = 0; m < ke->nmethods; m++) {
                *PSL_PUSH(slot_names, nslot_names, slot_names_cap) =
                    psl_fmt("security.%s", tc->security->methods[m].name);
                *PSL_PUSH(slot_has_error, nslot_has_error, slot_has_error_cap) =
                    td_method_has_error(&tc->security->methods[m]);
            }
        }
    }
    size_t nindex = (size_t)KSM_EV_COUNT * C * c.nslots;
    c.cells = psl_alloc(sizeof *c.cells * (nindex + 1));
    *PSL_PUSH(c.calls, c.ncalls, c.calls_cap) = (struct ksm_call){0}; /* call 0: unused */
    *PSL_PUSH(c.call_items, c.ncall_items, c.call_items_cap) = NULL;
    *PSL_PUSH(c.choices, c.nchoices, c.choices_cap) = (struct ksm_choice){0}; /* 0: none */
    for (int i = 0; i < p->nbindings; i++)
        block(&c, &p->bindings[i].body, 0, 0);
    if (psl_errors() > errors_before)
        return NULL;

    /* Cells: cell 0 is empty; identical call lists share one cell (open-addressing hash). */
    uint32_t *index = psl_alloc(sizeof *index * (nindex + 1));
    struct ksm_cell *cells = NULL;
    int ncells = 0, cells_cap = 0;
    uint32_t *cell_calls = NULL;
    int ncc = 0, cc_cap = 0;
    *PSL_PUSH(cells, ncells, cells_cap) = (struct ksm_cell){0, 0};
    size_t hsize = 1024;
    while (hsize < nindex * 2)
        hsize *= 2;
    int32_t *htab = psl_alloc(sizeof *htab * hsize);
    memset(htab, 0xff, sizeof *htab * hsize);
    bool *warned = psl_alloc((size_t)c.ncalls + 1);
    uint32_t max_state_writes = 0;
    bool too_many_choices = false; /* reported once */
    for (size_t i = 0; i < nindex; i++) {
        struct vec *v = &c.cells[i];
        if (v->n == 0)
            continue;
        /* One event's state changes are undone from a fixed log if the event is denied. */
        uint32_t writes = 0;
        for (int k = 0; k < v->n; k++)
            writes += state_changes(p, &c.calls[v->v[k]]);
        if (writes > KSM_STATE_CHANGES_MAX && max_state_writes <= KSM_STATE_CHANGES_MAX)
            psl_error(p->locs[c.calls[v->v[0]].loc],
                      "the stateful rules of one %s event make more than %u state changes",
                      psl_event_names[i / ((size_t)C * c.nslots)], KSM_STATE_CHANGES_MAX);
        if (writes > max_state_writes)
            max_state_writes = writes;
        if (!too_many_choices && choices_needed(&c, v) > KSM_CHOICES_MAX &&
            (too_many_choices = true))
            psl_error(p->locs[c.calls[v->v[0]].loc],
                      "the rules of one %s event lie in more than %u choices",
                      psl_event_names[i / ((size_t)C * c.nslots)], KSM_CHOICES_MAX);
        /* Conflicts: an unconditional grant and an unconditional deny on the same event. */
        int g = -1, d = -1;
        for (int k = 0; k < v->n; k++) {
            if (g < 0 && unconditional(&c.calls[v->v[k]], true))
                g = (int)v->v[k];
            if (d < 0 && unconditional(&c.calls[v->v[k]], false))
                d = (int)v->v[k];
        }
        if (g > 0 && d > 0 && !warned[g]) {
            warned[g] = true;
            struct psl_pos dp = p->locs[c.calls[d].loc];
            psl_warning(p->locs[c.calls[g].loc],
                        "conflicting rules: this grant () and the deny () at %s:%d:%d select the "
                        "same %s event; deny wins",
                        dp.file, dp.line, dp.col, psl_event_names[i / ((size_t)C * c.nslots)]);
        }
        uint64_t h = hash_vec(v) & (hsize - 1);
        for (;;) {
            int32_t e = htab[h];
            if (e < 0) {
                htab[h] = ncells;
                index[i] = (uint32_t)ncells;
                *PSL_PUSH(cells, ncells, cells_cap) =
                    (struct ksm_cell){(uint32_t)ncc, (uint32_t)v->n};
                for (int k = 0; k < v->n; k++)
                    *PSL_PUSH(cell_calls, ncc, cc_cap) = v->v[k];
                break;
            }
            if ((int)cells[e].count == v->n &&
                !memcmp(&cell_calls[cells[e].first], v->v, sizeof(uint32_t) * (size_t)v->n)) {
                index[i] = (uint32_t)e;
                break;
            }
            h = (h + 1) & (hsize - 1);
        }
        psl_free(v->v);
    }
    psl_free(c.cells);
    psl_free(htab);
    if (psl_errors() > errors_before)
        return NULL;

    struct ksm_hashset *sets = psl_alloc(sizeof *sets * (size_t)(p->nsets + 1));
    uint64_t set_words = 0;
    for (int i = 0; i < p->nsets; i++) {
        const struct policy_set *s = &p->sets[i];
        sets[i] =
            (struct ksm_hashset){s->name, s->set_size, s->pool_size, (uint32_t)set_words, 0, 0};
        set_words += (uint64_t)s->pool_size * (1u + s->set_size);
        if (set_words > UINT32_MAX / 2) {
            psl_error(s->pos, "the HashSet pools take more than %u words of state", UINT32_MAX / 2);
            return NULL;
        }
    }
    struct ksm_staticmap *maps = psl_alloc(sizeof *maps * (size_t)(p->nmaps + 1));
    uint64_t map_words = 0;
    for (int i = 0; i < p->nmaps; i++) {
        const struct policy_map *m = &p->maps[i];
        const char **keys = psl_alloc(sizeof *keys * (size_t)m->nkeys);
        uint32_t *key_lens = psl_alloc(sizeof *key_lens * (size_t)m->nkeys);
        for (int k = 0; k < m->nkeys; k++) {
            keys[k] = m->keys[k].bytes;
            key_lens[k] = m->keys[k].len;
        }
        maps[i] = (struct ksm_staticmap){
            m->name, (uint32_t)m->nkeys, m->pool_size, (uint32_t)map_words, keys, m->defaults, 0,
            0,       key_lens,           m->list_keys};
        map_words += (uint64_t)m->pool_size * (1u + 2u * (uint32_t)m->nkeys);
        if (map_words > UINT32_MAX / 2) {
            psl_error(m->pos, "the StaticMap pools take more than %u words of state",
                      UINT32_MAX / 2);
            return NULL;
        }
    }
    struct ksm_mic *mics = psl_alloc(sizeof *mics * (size_t)(p->nmics + 1));
    uint64_t res_words = 0; /* the resource tables: Mic's, then the other models' */
    for (int i = 0; i < p->nmics; i++) {
        const struct policy_mic *m = &p->mics[i];
        mics[i] = (struct ksm_mic){m->name,
                                   (uint32_t)m->ndegrees,
                                   (uint32_t)m->ncategories,
                                   m->resources,
                                   (uint32_t)res_words,
                                   (const char *const *)m->degrees,
                                   (const char *const *)m->categories,
                                   m->levels,
                                   (uint32_t)m->nlevels};
        if (!res_table(m->resources, m->pos, &res_words, &mics[i].base))
            return NULL;
    }
    struct ksm_flow *flows = psl_alloc(sizeof *flows * (size_t)(p->nflows + 1));
    for (int i = 0; i < p->nflows; i++) {
        const struct policy_flow *f = &p->flows[i];
        flows[i] = (struct ksm_flow){f->name,
                                     (uint32_t)f->nstates,
                                     (uint32_t)f->initial,
                                     f->transitions,
                                     (const char *const *)f->states,
                                     0,
                                     0};
        if (f->key.per_resource && !res_table(flows[i].resources = f->key.resources, f->pos,
                                              &res_words, &flows[i].res_base))
            return NULL;
    }
    for (int i = 0; i < p->nsets; i++)
        if (p->sets[i].key.per_resource &&
            !res_table(sets[i].resources = p->sets[i].key.resources, p->sets[i].pos, &res_words,
                       &sets[i].res_base))
            return NULL;
    for (int i = 0; i < p->nmaps; i++)
        if (p->maps[i].key.per_resource &&
            !res_table(maps[i].resources = p->maps[i].key.resources, p->maps[i].pos, &res_words,
                       &maps[i].res_base))
            return NULL;

    /* Rule locations and file names. */
    const char **files = NULL;
    int nfiles = 0, files_cap = 0;
    struct ksm_loc *locs = psl_alloc(sizeof *locs * (size_t)(p->nlocs + 1));
    for (int i = 0; i < p->nlocs; i++) {
        const char *f = p->locs[i].file ? p->locs[i].file : "";
        int fi = -1;
        for (int k = 0; k < nfiles && fi < 0; k++)
            if (!strcmp(files[k], f))
                fi = k;
        if (fi < 0) {
            *PSL_PUSH(files, nfiles, files_cap) = f;
            fi = nfiles - 1;
        }
        locs[i] =
            (struct ksm_loc){(uint32_t)fi, (uint32_t)p->locs[i].line, (uint32_t)p->locs[i].col};
    }

    /* Audit masks: profile x runtime level. */
    int nlevels = p->default_level + 1;
    for (int i = 0; i < p->nprofiles; i++)
        for (int k = 0; k < p->profiles[i].nlevels; k++)
            if (p->profiles[i].levels[k].level + 1 > nlevels)
                nlevels = p->profiles[i].levels[k].level + 1;
    uint8_t *audit = psl_alloc((size_t)(p->nprofiles * nlevels) + 1);
    for (int i = 0; i < p->nprofiles; i++)
        for (int k = 0; k < p->profiles[i].nlevels; k++)
            audit[i * nlevels + p->profiles[i].levels[k].level] = p->profiles[i].levels[k].mask;

    struct ksm_table *t = psl_alloc(sizeof *t);
    t->magic = KSM_TABLE_MAGIC;
    t->nclasses = C;
    t->nendpoints = (uint32_t)c.neps;
    t->nslots = c.nslots;
    t->ncells = (uint32_t)ncells;
    t->ncalls = (uint32_t)c.ncalls;
    t->ncell_calls = (uint32_t)ncc;
    t->ncode = (uint32_t)c.ncode;
    t->nlocs = (uint32_t)p->nlocs;
    t->nfiles = (uint32_t)nfiles;
    t->nfields = (uint32_t)c.nfields;
    t->nprofiles = (uint32_t)p->nprofiles;
    t->nlevels = (uint32_t)nlevels;
    t->audit_level = (uint32_t)p->default_level;
    t->classes = c.classes;
    t->endpoints = c.eps;
    t->index = index;
    t->cells = cells;
    t->cell_calls = cell_calls;
    t->calls = c.calls;
    t->code = c.code;
    t->locs = locs;
    t->files = files;
    t->fields = c.fields;
    t->audit = audit;
    t->slot_names = slot_names;
    t->slot_has_error = slot_has_error;
    t->strings = c.nstrings ? c.strings : NULL;
    t->nstrings = (uint32_t)c.nstrings;
    t->flows = p->nflows ? flows : NULL;
    t->nflows = (uint32_t)p->nflows;
    t->max_state_writes = max_state_writes;
    t->sets = p->nsets ? sets : NULL;
    t->nsets = (uint32_t)p->nsets;
    t->nset_words = (uint32_t)set_words;
    t->maps = p->nmaps ? maps : NULL;
    t->nmaps = (uint32_t)p->nmaps;
    t->nmap_words = (uint32_t)map_words;
    t->mics = p->nmics ? mics : NULL;
    t->nmics = (uint32_t)p->nmics;
    t->nres_words = (uint32_t)res_words;
    /* The Regex patterns, compiled again (the resolver refused those that do not compile). */
    struct ksm_regex *rx = psl_alloc(sizeof *rx * (size_t)(p->nregexes + 1));
    for (int i = 0; i < p->nregexes; i++) {
        struct psl_rx_program *prog = psl_alloc(sizeof *prog);
        char err[256];
        size_t at;
        if (psl_regex_compile(p->regexes[i], prog, err, sizeof err, &at) < 0)
            return NULL;
        rx[i] = (struct ksm_regex){p->regexes[i], prog->ninsns, prog->nclasses, prog->insns,
                                   (const uint8_t(*)[32])prog->classes};
    }
    t->regexes = p->nregexes ? rx : NULL;
    t->nregexes = (uint32_t)p->nregexes;
    t->choices = c.nchoices > 1 ? c.choices : NULL;
    t->nchoices = c.nchoices > 1 ? (uint32_t)c.nchoices : 0;
    model_audit(p, t);
    if (c.nfields >= 0xffff) {
        psl_error(p->first_pos, "more than 65534 distinct fields in conditions");
        return NULL;
    }
    return t;
}
