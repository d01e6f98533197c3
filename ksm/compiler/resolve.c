/*
 * Resolver and type checker: class, endpoint, method and field names against the type
 * description; expression types; audit profiles; reachability. Annotates the model in place
 * (scopes, field offsets, rule locations) for the rule compiler and the interpreter.
 */
#include <stdio.h>
#include <string.h>

#include <bastion/object_type.h>

#include "idl/runtime/bastion_idl.h"
#include "ksm_table.h"
#include "model.h"
#include "regex.h"
#include "scope.h"

static const char *const sel_names[SEL_COUNT] = {"src",    "dst",       "endpoint",
                                                 "method", "component", "interface"};

static int profile_id(struct policy *p, const char *name, struct psl_pos pos)
{
    for (int i = 0; i < p->nprofiles; i++)
        if (!strcmp(p->profiles[i].name, name))
            return i;
    psl_error(pos, "unknown audit profile '%s'", name);
    return 0;
}

/* Distinct (interface, method) pairs of a scope: the message layout is known iff there is one. */
struct methods_seen {
    const struct td_iface *iface;
    int method, distinct;
};

static void see_method(void *ctx, int server, int ep, int method, const struct td_iface *iface)
{
    struct methods_seen *ms = ctx;
    (void)server;
    (void)ep;
    if (ms->distinct == 0) {
        ms->iface = iface;
        ms->method = method;
        ms->distinct = 1;
    } else if (ms->iface != iface || ms->method != method) {
        ms->distinct = 2;
    }
}

static int part_of(int event)
{
    return event == KSM_EV_RESPONSE ? TD_OUT : event == KSM_EV_ERROR ? TD_ERR : TD_IN;
}

/*
 * e as a sequence, bytes or array of the type description's kind and type, its descriptor (an
 * array: its first element) at off, in the message or in an element: TY_SEQ, its elements
 * integers, strings, structs or unions, or sequences (or bytes) whose elements are any of these,
 * or arrays of any of these, level after level. A sequence or bytes element is a descriptor (8
 * bytes); an array element lies in place (its elements back to back from the element's offset,
 * so that its size, the stride of the elements around it, is its length times its elements'
 * size: at most 65535 bytes, the width KSM_OP_ELEM_ADDR has for it). Each level is checked here,
 * down to the last, so that a field is refused where it is named rather than at some depth of a
 * path; level counts the sequences around (IDL_SEQ_NEST_MAX at most, as idlc bounds them; an
 * array in place adds none, and its type's text, shorter at each level, bounds those). false:
 * elements that cannot be read (elements of an unknown type, an array element too large).
 */
static bool seq_type(struct policy *p, struct expr *e, const char *kind, const char *type,
                     uint32_t off, unsigned level)
{
    uint32_t esize = 0, n = 0, align;
    bool esign = false, arr = !strcmp(kind, "array");
    unsigned sbound = 0;
    const struct json *st = NULL;
    char ekind[16], etype[256];
    if (level > IDL_SEQ_NEST_MAX || (strcmp(kind, "sequence") && strcmp(kind, "bytes") && !arr))
        return false;
    bool str = (!strcmp(kind, "sequence") &&
                sscanf(type, "sequence<string<%u>, %u>", &sbound, &n) == 2 && n > 0) ||
               (arr && sscanf(type, "array<string<%u>, %u>", &sbound, &n) == 2 && n > 0);
    bool nested = !str && td_nested_seq_elements(kind, type, ekind, etype, &n) == 0;
    if (nested) { /* each element a descriptor of a sequence, or an array in place: readable
                   * down to its last level */
        struct expr inner;
        bool in_place = !strcmp(ekind, "array");
        memset(&inner, 0, sizeof inner);
        if (!seq_type(p, &inner, ekind, etype, 0, in_place ? level : level + 1))
            return false;
        uint64_t span = in_place ? (uint64_t)inner.size * inner.count : 8;
        if (span == 0 || span > 0xffff)
            return false;
        esize = (uint32_t)span;
    } else if (str) { /* each element a string's descriptor (an array's in place) */
        esize = 8;
    } else if (td_int_elements(kind, type, &esize, &esign, &n) < 0 &&
               !(st = td_struct_elements(p->td, kind, type, &esize, &align, &n))) {
        return false;
    }
    e->type = TY_SEQ;
    e->elem_str = str;
    e->elem_seq = nested;
    e->elem_kind = nested ? psl_strdup(ekind) : NULL;
    e->elem_type = nested ? psl_strdup(etype) : NULL;
    e->elem_struct = st;
    e->is_array = arr;
    e->count = n;
    e->size = esize;
    e->sign = esign;
    e->offset = off;
    return true;
}

static void field(struct policy *p, const struct scope *s, struct expr *e)
{
    if (s->event == KSM_EV_EXECUTE) {
        psl_error(e->pos, "execute events carry no message: 'message' cannot be used here");
        return;
    }
    struct methods_seen ms = {0};
    scope_each(p, s, see_method, &ms);
    if (ms.distinct != 1) {
        psl_error(e->pos,
                  "'message' needs exactly one method: select it with endpoint= and method= (%s)",
                  ms.distinct ? "several methods apply here" : "no method applies here");
        return;
    }
    const struct td_method *m = &ms.iface->methods[ms.method];
    int dir = part_of(s->event);
    const struct td_param *par = NULL;
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].dir == dir && !strcmp(m->params[i].name, e->path[0]))
            par = &m->params[i];
    static const char *const dirname[] = {"in", "out", "error"};
    if (!par) {
        psl_error(e->pos, "unknown field '%s': method %s.%s has no '%s' parameter of that name",
                  e->path[0], ms.iface->name, m->name, dirname[dir]);
        return;
    }
    e->field_name = psl_fmt("message.%s", e->path[0]);
    e->nguards = 0;
    e->arms = 0;
    uint32_t off = KSM_HEADER_SIZE + par->offset;
    const char *kind = par->kind, *type = par->type;
    uint32_t size = par->size;
    bool sign = par->is_signed;
    if (!strcmp(kind, "handle")) {
        /* Struct: <handle>.handle (the resource's SID) and <handle>.rights; Bastion's
         * <handle>.type (its object's type, <bastion/object_type.h>) */
        if (e->npath != 2 || (strcmp(e->path[1], "handle") && strcmp(e->path[1], "rights") &&
                              strcmp(e->path[1], "type"))) {
            psl_error(e->pos,
                      "type mismatch: '%s' is a handle: use %s.handle (its SID), %s.rights or "
                      "%s.type",
                      e->field_name, e->field_name, e->field_name, e->field_name);
            return;
        }
        e->field_name = psl_fmt("%s.%s", e->field_name, e->path[1]);
        e->handle_part = !strcmp(e->path[1], "handle") ? 1 : !strcmp(e->path[1], "rights") ? 2 : 3;
        e->type = TY_INT;
        e->sign = 0;
        e->offset = off;
        e->size = 4;
        return;
    }
    for (int k = 1; k < e->npath; k++) {
        bool is_union = !strcmp(kind, "union");
        if (strcmp(kind, "struct") && !is_union) {
            psl_error(e->pos, "type mismatch: '%s' is not a struct, it has no field '%s'",
                      e->field_name, e->path[k]);
            return;
        }
        const struct json *st = is_union ? td_union(p->td, type) : td_struct(p->td, type);
        const struct json *fs = st ? json_get(st, "fields") : NULL;
        const struct json *f = json_find(fs, "name", e->path[k]);
        if (!f) {
            psl_error(e->pos, "unknown %s '%s' in '%s' (%s %s)", is_union ? "arm" : "field",
                      e->path[k], e->field_name, is_union ? "union" : "struct", type);
            return;
        }
        if (is_union) { /* read only while the union holds this arm: its tag is checked first */
            int64_t tag = json_get_int(f, "tag", -1);
            if (tag < 0 || tag > (int64_t)UINT32_MAX) {
                psl_error(e->pos, "arm '%s' of union %s has no tag in the type description",
                          e->path[k], type);
                return;
            }
            e->guards = psl_realloc(e->guards, sizeof *e->guards * (size_t)(e->nguards + 1));
            e->guards[e->nguards++] = (struct union_guard){off, (uint32_t)tag};
        }
        e->field_name = psl_fmt("%s.%s", e->field_name, e->path[k]);
        off += (uint32_t)json_get_int(f, "offset", 0);
        size = (uint32_t)json_get_int(f, "size", 0);
        kind = json_get_string(f, "kind") ? json_get_string(f, "kind") : "";
        type = json_get_string(f, "type") ? json_get_string(f, "type") : "";
        sign = json_get_bool(f, "signed");
    }
    if (!strcmp(kind, "struct")) {
        psl_error(e->pos, "type mismatch: '%s' is a struct: name one of its fields", e->field_name);
        return;
    }
    if (!strcmp(kind, "union")) {
        /* which arm it holds: compared with an arm's name (union_arm_test), or one of its arms */
        const struct json *u = td_union(p->td, type);
        size_t n = u ? json_len(json_get(u, "fields")) : 0;
        if (!u || n == 0 || n > UINT32_MAX) {
            psl_error(e->pos, "union %s of '%s' is not described", type, e->field_name);
            return;
        }
        e->type = TY_UNION;
        e->union_decl = u;
        e->offset = off; /* its tag, a UInt32 (idlc's layout: the arms after it) */
        e->size = 4;
        return;
    }
    if (!strcmp(kind, "string")) {
        e->type = TY_STR; /* compared with a literal only (check) */
        e->offset = off;  /* its descriptor {offset, count} */
        e->size = size;
        return;
    }
    if (!strcmp(kind, "sequence") || !strcmp(kind, "bytes") || !strcmp(kind, "array")) {
        if (!seq_type(p, e, kind, type, off, 1))
            psl_error(e->pos,
                      "type mismatch: '%s' is a %s of %s: only sequences and arrays of integers, "
                      "strings, structs or unions, or of sequences or arrays of these (sequences "
                      "nested up to %u levels, an array element of at most 65535 bytes), can be "
                      "used in expressions",
                      e->field_name, kind, type, IDL_SEQ_NEST_MAX);
        return;
    }
    if (strcmp(kind, "scalar") || (size != 1 && size != 2 && size != 4 && size != 8)) {
        psl_error(e->pos,
                  "type mismatch: '%s' is a %s: only integer and string fields can be used in "
                  "expressions",
                  e->field_name, kind);
        return;
    }
    e->type = TY_INT;
    e->sign = sign ? 1 : 0;
    e->offset = off;
    e->size = size;
}

static bool negative_literal(const struct expr *e)
{
    return e && e->kind == E_UNARY && e->op == T_MINUS && e->a && e->a->kind == E_INT &&
           e->a->value;
}

/* Combined signedness of two integer operands; reports mixing. */
static int combine(struct expr *e)
{
    int a = e->a->sign, b = e->b->sign;
    if (a >= 0 && b >= 0 && a != b) {
        psl_error(e->pos, "type mismatch: mixing signed and unsigned operands");
        return 1;
    }
    int s = a >= 0 ? a : b;
    if (s == 0 && (negative_literal(e->a) || negative_literal(e->b)))
        psl_error(e->pos, "type mismatch: negative constant with an unsigned operand");
    return s;
}

static const char *type_name(enum expr_type t)
{
    return t == TY_BOOL    ? "a boolean"
           : t == TY_STR   ? "a string"
           : t == TY_SEQ   ? "a sequence"
           : t == TY_UNION ? "a union"
                           : "an integer";
}

static void check(struct policy *p, const struct scope *s, struct expr *e);
static int map_key_index(const struct policy_map *m, const char *name, const struct map_key *key,
                         struct psl_pos pos);

/* A HashSet entry: an integer, or a boolean for `type Entry = Bool` (stored as 0 or 1, which is
 * what a boolean expression computes, so the table and the decision need nothing else). */
static void entry_type(const struct policy_set *hs, const struct expr *e)
{
    if (hs->ncomp > 0 && e && e->type != TY_NONE) {
        psl_error(e->pos, "type mismatch: a HashSet entry of '%s' is a %s: write it as one (%s)",
                  hs->name, hs->comp_names[0] ? "dictionary" : "tuple",
                  hs->comp_names[0] ? "{ <field> : <value>, ... }" : "[<value>, ...]");
        return;
    }
    enum expr_type want = hs->bool_entries ? TY_BOOL : TY_INT;
    if (e && e->type != TY_NONE && e->type != want)
        psl_error(e->pos, "type mismatch: a HashSet entry of '%s' must be %s, found %s", hs->name,
                  hs->bool_entries ? "a boolean (type Entry = Bool)" : "an integer",
                  type_name(e->type));
}

/* The width in bytes of an integer field or element e (a literal or anything computed: 0). */
static uint32_t int_width(const struct expr *e)
{
    if (e->kind == E_FIELD)
        return e->size;
    if (e->kind == E_INDEX)
        return e->npath > 0 || e->nguards > 0 || e->arms || !e->a ? e->size : e->a->size;
    return 0;
}

/* The value of e when it is made of integer literals, unary minus and complement and
 * + - * / % & | only, computed as the decision computes literals (signed 64-bit); false when it
 * is not, or when a step would overflow or divide by zero (the decision then denies, so nothing
 * is proven). */
static bool const_int(const struct expr *e, int64_t *v)
{
    int64_t a, b;
    if (e->kind == E_INT) {
        *v = (int64_t)e->value;
        return e->value <= (uint64_t)INT64_MAX;
    }
    if (e->kind == E_UNARY && e->op == T_MINUS && e->type == TY_INT)
        return const_int(e->a, &a) && !__builtin_sub_overflow((int64_t)0, a, v);
    if (e->kind == E_UNARY && e->op == T_TILDE && e->type == TY_INT && const_int(e->a, &a)) {
        *v = ~a;
        return true;
    }
    if (e->kind != E_BINARY || e->type != TY_INT || !const_int(e->a, &a) || !const_int(e->b, &b))
        return false;
    switch (e->op) {
    case T_PLUS:
        return !__builtin_add_overflow(a, b, v);
    case T_MINUS:
        return !__builtin_sub_overflow(a, b, v);
    case T_STAR:
        return !__builtin_mul_overflow(a, b, v);
    case T_SLASH:
        if (b == 0 || (b == -1 && a == INT64_MIN))
            return false;
        *v = a / b;
        return true;
    case T_PERCENT:
        if (b == 0)
            return false;
        *v = b == -1 ? 0 : a % b;
        return true;
    case T_AMP:
        *v = a & b;
        return true;
    case T_PIPE:
        *v = a | b;
        return true;
    default:
        return false;
    }
}

/* A Math cast uintN (a) or sintN (a) (e->value: N; e->sign, the parser's: signed). KasperskyOS
 * types it statically, accepting only operands whose type always fits (uint16 of UInt8 or
 * UInt16); here values are 64-bit, so any integer is accepted and its value checked when the
 * event is decided (KSM_OP_CAST: outside the type, arithmetic-overflow). A literal, or a
 * constant expression, outside the type can never fit and is an error now. */
static void cast(struct expr *e)
{
    unsigned bits = (unsigned)e->value;
    const char *tname = psl_fmt("%s%u", e->sign ? "SInt" : "UInt", bits);
    if (e->a->type != TY_INT) {
        psl_error(e->pos, "type mismatch: %s%u needs an integer, found %s",
                  e->sign ? "sint" : "uint", bits, type_name(e->a->type));
        return;
    }
    int64_t cv = 0;
    /* a literal above INT64_MAX is unsigned; const_int gives any other constant's value */
    bool big = e->a->kind == E_INT && e->a->value > (uint64_t)INT64_MAX;
    if (big || const_int(e->a, &cv)) {
        uint64_t max = e->sign ? ~0ull >> (65 - bits) : ~0ull >> (64 - bits);
        bool in = big      ? !e->sign && bits == 64
                  : cv < 0 ? e->sign && (bits == 64 || cv >= -(int64_t)(1ull << (bits - 1)))
                           : (uint64_t)cv <= max;
        if (!in) {
            const char *f = psl_fmt("%s%u", e->sign ? "sint" : "uint", bits);
            if (big)
                psl_error(e->pos, "%llu is outside %s (%s of a constant)",
                          (unsigned long long)e->a->value, tname, f);
            else
                psl_error(e->pos, "%lld is outside %s (%s of a constant)", (long long)cv, tname, f);
            return;
        }
    }
    e->type = TY_INT; /* e->sign stays the parser's: the target type's */
}

/* A component of a tuple or dictionary HashSet entry against its type (component k of hs): a
 * boolean for Bool; for an integer type any integer expression. What the compiler can bound
 * needs nothing more: a literal or a constant expression is checked here (outside the range:
 * an error), a field or element no wider than the type (an unsigned one narrower than a signed
 * type) always fits. Anything else (arithmetic on fields, a wider field, a signed one for an
 * unsigned type) gets range_check: the decision checks its value against the type
 * (KSM_OP_ENTRY_RANGE) and denies the event outside it, so that a value never spills into the
 * next component's bits and two different entries never pack to the same integer. */
static void entry_component(const struct policy_set *hs, int k, struct expr *c)
{
    static const char *const names[2][4] = {{"UInt8", "UInt16", "UInt32", "UInt64"},
                                            {"SInt8", "SInt16", "SInt32", "SInt64"}};
    unsigned bits = hs->comp_bits[k];
    const char *tname = hs->comp_bool[k] ? "Bool"
                                         : names[hs->comp_signed[k]][bits == 8    ? 0
                                                                     : bits == 16 ? 1
                                                                     : bits == 32 ? 2
                                                                                  : 3];
    char *what =
        hs->comp_names[k] ? psl_fmt("field '%s'", hs->comp_names[k]) : psl_fmt("component %d", k);
    if (c->type == TY_NONE)
        return;
    if (hs->comp_bool[k] || c->type != TY_INT) {
        if ((c->type == TY_BOOL) != hs->comp_bool[k])
            psl_error(c->pos, "type mismatch: %s of a HashSet entry of '%s' is %s, found %s", what,
                      hs->name, hs->comp_bool[k] ? "a boolean" : "an integer", type_name(c->type));
        return;
    }
    bool neg = negative_literal(c);
    if (c->kind == E_INT || neg) {
        uint64_t v = neg ? c->a->value : c->value;
        uint64_t max = bits == 64
                           ? (hs->comp_signed[k] ? (uint64_t)INT64_MAX : UINT64_MAX)
                           : (hs->comp_signed[k] ? (1ull << (bits - 1)) - 1 : (1ull << bits) - 1);
        uint64_t nmax =
            hs->comp_signed[k] ? (bits == 64 ? (uint64_t)1 << 63 : 1ull << (bits - 1)) : 0;
        if (neg ? v > nmax : v > max)
            psl_error(c->pos, "%s%llu is outside %s (%s of a HashSet entry of '%s')",
                      neg ? "-" : "", (unsigned long long)v, tname, what, hs->name);
        return;
    }
    int64_t cv;
    if (const_int(c, &cv)) {
        bool in = hs->comp_signed[k] ? bits == 64 || (cv >= -(int64_t)(1ull << (bits - 1)) &&
                                                      cv < (int64_t)(1ull << (bits - 1)))
                                     : cv >= 0 && (bits == 64 || (uint64_t)cv < 1ull << bits);
        if (!in)
            psl_error(c->pos, "%lld is outside %s (%s of a HashSet entry of '%s')", (long long)cv,
                      tname, what, hs->name);
        return;
    }
    uint32_t w = int_width(c) * 8;
    c->range_check =
        !(w > 0 && (c->sign == 1 ? hs->comp_signed[k] && w <= bits
                                 : c->sign == 0 && (hs->comp_signed[k] ? w < bits : w <= bits)));
}

/* [a, b] or { x : a, y : b } as the entry of a HashSet object whose entries are tuples or
 * dictionaries: its components checked against the type, a dictionary's put in the type's order
 * (the fields given in any order, each once). */
static void tuple_entry(struct policy *p, const struct scope *s, int set, struct expr *e)
{
    e->type = TY_NONE;
    if (set < 0)
        return;
    const struct policy_set *hs = &p->sets[set];
    bool dict = e->op == T_LBRACE;
    for (int k = 0; k < e->nargs; k++)
        check(p, s, e->args[k]);
    if (hs->ncomp == 0 || dict != (hs->comp_names[0] != NULL)) {
        psl_error(e->pos, "type mismatch: the entries of '%s' are %s, found a %s", hs->name,
                  hs->ncomp == 0 ? (hs->bool_entries ? "booleans" : "integers")
                  : dict         ? "tuples ([<value>, ...])"
                                 : "dictionaries ({ <field> : <value>, ... })",
                  dict ? "dictionary" : "tuple");
        return;
    }
    if (!dict && e->nargs != hs->ncomp) {
        psl_error(e->pos, "type mismatch: the entries of '%s' are tuples of %d, found %d values",
                  hs->name, hs->ncomp, e->nargs);
        return;
    }
    if (dict) {
        struct expr **ordered = psl_alloc(sizeof *ordered * (size_t)hs->ncomp);
        for (int k = 0; k < e->nargs; k++) {
            int f = 0;
            while (f < hs->ncomp && strcmp(hs->comp_names[f], e->path[k]))
                f++;
            if (f == hs->ncomp) {
                psl_error(e->args[k]->pos, "unknown field '%s' of the entries of '%s'", e->path[k],
                          hs->name);
                return;
            }
            if (ordered[f]) {
                psl_error(e->args[k]->pos, "field '%s' given twice", e->path[k]);
                return;
            }
            ordered[f] = e->args[k];
        }
        for (int f = 0; f < hs->ncomp; f++)
            if (!ordered[f]) {
                psl_error(e->pos, "field '%s' of the entries of '%s' is missing", hs->comp_names[f],
                          hs->name);
                return;
            }
        e->args = ordered;
        e->nargs = hs->ncomp;
    }
    int errors = psl_errors();
    for (int k = 0; k < e->nargs; k++)
        entry_component(hs, k, e->args[k]);
    if (psl_errors() != errors)
        return;
    e->type = TY_INT;
    e->sign = 0;
    e->object_id = set;
}

/* The entry of a HashSet rule or contains on object `set`. */
static void set_entry(struct policy *p, const struct scope *s, int set, struct expr *e)
{
    if (e && e->kind == E_TUPLE) {
        tuple_entry(p, s, set, e);
        return;
    }
    check(p, s, e);
    if (set >= 0)
        entry_type(&p->sets[set], e);
}

/* <Flow object>.query {...} == "<state>" (either side, or !=): the state becomes its index,
 * compared as an unsigned integer with the machine's current state. */
/* A resource's SID: an integer expression (a handle's SID, message.<handle>.handle, or any
 * integer field). what: "Mic target", "Flow resource", ... */
static void resource_sid(struct policy *p, const struct scope *s, struct expr *e, const char *what)
{
    check(p, s, e);
    if (e->type != TY_NONE && e->type != TY_INT)
        psl_error(e->pos, "type mismatch: a %s must be a SID (an integer), found %s", what,
                  type_name(e->type));
}

/* A rule or expression of a Flow, HashSet or StaticMap object names a process (sid src_sid,
 * dst_sid) or a resource (sid_e, its SID): the object keeps its state one way, the first use
 * decides, another is refused; a resource's SID is checked. */
static void state_key_use(struct policy *p, const struct scope *s, struct state_key *k,
                          const char *model, const char *name, int sid, struct expr *sid_e,
                          struct psl_pos pos)
{
    bool res = sid == KSM_SID_RESOURCE;
    if (res && sid_e) {
        if (!s || !s->unreachable)
            resource_sid(p, s, sid_e, psl_fmt("%s resource", model));
        pos = sid_e->pos;
    }
    if (!k->seen) {
        *k = (struct state_key){k->resources, true, res, pos};
        return;
    }
    if (k->per_resource != res)
        psl_error(pos,
                  "%s object '%s' keeps its state per %s (%s:%d:%d): a rule with %s is not "
                  "supported (one object keeps its state per process or per resource, not both)",
                  model, name, k->per_resource ? "resource" : "process", k->pos.file, k->pos.line,
                  k->pos.col, res ? "a resource's SID" : "'sid : src_sid' or 'sid : dst_sid'");
}

/* <Mic object>.query_level {...} == "<degree>": the degree becomes its index, compared with the
 * degree of the subject's or resource's level. */
static void mic_query(struct policy *p, const struct scope *s, struct expr *q, struct expr *lit)
{
    q->object_id = policy_mic_id(p, q->object);
    if (q->object_id < 0) {
        psl_error(q->pos, "unknown Mic object '%s'", q->object);
        return;
    }
    if (q->a)
        resource_sid(p, s, q->a, "Mic resource");
    if (lit->kind != E_STR) {
        psl_error(lit->pos,
                  "type mismatch: %s.query_level can only be compared with a degree name, a "
                  "string literal",
                  q->object);
        return;
    }
    int d = policy_mic_degree(&p->mics[q->object_id], lit->str);
    if (d < 0) {
        psl_error(lit->pos, "unknown degree \"%s\" of Mic object '%s'", lit->str, q->object);
        return;
    }
    q->type = TY_INT;
    q->sign = 0;
    lit->kind = E_INT;
    lit->value = (uint64_t)d;
    lit->type = TY_INT;
    lit->sign = 0;
}

static void query(struct policy *p, const struct scope *s, struct expr *e)
{
    struct expr *q = e->a->kind == E_QUERY ? e->a : e->b;
    struct expr *lit = e->a->kind == E_QUERY ? e->b : e->a;
    if (q->op == 1) {
        mic_query(p, s, q, lit);
        if (q->type == TY_INT) { /* a boolean, so that the expressions around it are checked */
            e->sign = 0;
            e->type = TY_BOOL;
        }
        return;
    }
    q->object_id = policy_flow_id(p, q->object);
    if (q->object_id < 0) {
        psl_error(q->pos, "unknown Flow object '%s'", q->object);
        return;
    }
    struct policy_flow *f = &p->flows[q->object_id];
    state_key_use(p, s, &f->key, "Flow", f->name, q->sid, q->sid_e, q->pos);
    if (lit->kind != E_STR) {
        psl_error(lit->pos,
                  "type mismatch: %s.query can only be compared with a state name, a string "
                  "literal",
                  q->object);
        return;
    }
    int st = policy_flow_state(&p->flows[q->object_id], lit->str);
    if (st < 0) {
        psl_error(lit->pos, "unknown state \"%s\" of Flow object '%s'", lit->str, q->object);
        return;
    }
    q->type = TY_INT;
    q->sign = 0;
    lit->kind = E_INT;
    lit->value = (uint64_t)st;
    lit->type = TY_INT;
    lit->sign = -1;
    e->sign = 0;
    e->type = TY_BOOL;
}

/* re.match {text : <string field>, pattern : "..."}: the pattern compiled now, its errors at
 * their place in the literal. */
static void regex(struct policy *p, const struct scope *s, struct expr *e)
{
    check(p, s, e->a);
    e->type = TY_BOOL;
    if (e->a && e->a->type != TY_NONE && (e->a->type != TY_STR || e->a->kind == E_STR)) {
        psl_error(e->a->pos, "type mismatch: the text of match must be a string field, found %s",
                  e->a->kind == E_STR ? "a literal" : type_name(e->a->type));
        return;
    }
    static struct psl_rx_program prog;
    char err[256];
    size_t at = 0;
    if (psl_regex_compile(e->str, &prog, err, sizeof err, &at) < 0) {
        struct psl_pos pos = e->pos;
        pos.col += 1 + (int)at; /* after the opening quote; literals are one line */
        psl_error(pos, "bad pattern: %s", err);
        return;
    }
    const char *obj = e->object ? e->object : "re";
    for (int i = 0; i < p->nregexes; i++)
        if (!strcmp(p->regexes[i], e->str) && !strcmp(p->regex_objects[i], obj)) {
            e->value = (uint64_t)i;
            return;
        }
    *PSL_PUSH(p->regex_objects, p->nregexes, p->regex_objects_cap) = obj;
    p->nregexes--;
    *PSL_PUSH(p->regexes, p->nregexes, p->regexes_cap) = e->str;
    e->value = (uint64_t)p->nregexes - 1;
}

/* The names a handle's type may be compared with (Bastion: CE 1.2 has no handle types), the
 * OBJ_TYPE_* of <bastion/object_type.h> in lower case without the prefix. */
static const struct {
    const char *name;
    uint32_t type;
} object_type_names[] = {
    {"task", OBJ_TYPE_TASK},
    {"thread", OBJ_TYPE_THREAD},
    {"ipc_client", OBJ_TYPE_IPC_CLIENT},
    {"ipc_server", OBJ_TYPE_IPC_SERVER},
    {"ipc_listener", OBJ_TYPE_IPC_LISTENER},
    {"kernel", OBJ_TYPE_KERNEL},
    {"memory", OBJ_TYPE_MEMORY},
    {"vm_mapping", OBJ_TYPE_VM_MAPPING},
    {"file", OBJ_TYPE_FILE},
    {"badge", OBJ_TYPE_BADGE},
    {"user", OBJ_TYPE_USER},
    {"sync", OBJ_TYPE_SYNC},
    {"security", OBJ_TYPE_SECURITY},
    {"audit_log", OBJ_TYPE_AUDIT_LOG},
    {"io_ports", OBJ_TYPE_IO_PORTS},
    {"io_mmio", OBJ_TYPE_IO_MMIO},
    {"io_irq", OBJ_TYPE_IO_IRQ},
    {"io_dma", OBJ_TYPE_IO_DMA},
    {"io_port_access", OBJ_TYPE_IO_PORT_ACCESS},
    {"io_irq_delivery", OBJ_TYPE_IO_IRQ_DELIVERY},
    {"io_dma_mapping", OBJ_TYPE_IO_DMA_MAPPING},
    {"notice", OBJ_TYPE_NOTICE},
    {"ipc_sync", OBJ_TYPE_IPC_SYNC},
};
_Static_assert(sizeof object_type_names / sizeof object_type_names[0] == OBJ_TYPE_COUNT - 1,
               "every object type of <bastion/object_type.h> has a name here");

/* message.<handle>.type == "<name>" (either side, or !=): the name becomes its number. */
static void handle_type_name(struct expr *e)
{
    struct expr *lit = e->a->kind == E_STR ? e->a : e->b;
    for (size_t i = 0; i < sizeof object_type_names / sizeof object_type_names[0]; i++)
        if (!strcmp(lit->str, object_type_names[i].name)) {
            lit->kind = E_INT;
            lit->value = object_type_names[i].type;
            lit->type = TY_INT;
            lit->sign = -1;
            e->sign = 0;
            e->type = TY_BOOL;
            return;
        }
    psl_error(lit->pos,
              "unknown object type \"%s\" (\"memory\", \"task\", \"ipc_client\", ...: "
              "<bastion/object_type.h>)",
              lit->str);
}

static bool is_handle_type(const struct expr *e)
{
    return e->kind == E_FIELD && e->handle_part == 3;
}

/* <union field> == "<arm>" (either side, or !=): which arm the union holds. The arm's name
 * becomes its tag and the union its tag, read (KSM_OP_UNION_TAG) and checked against the
 * union's arms at decision time, so a tag naming no arm denies the event rather than compare. */
static void union_arm_test(struct expr *e)
{
    struct expr *u = e->a->type == TY_UNION ? e->a : e->b;
    struct expr *lit = u == e->a ? e->b : e->a;
    const char *tname = json_get_string(u->union_decl, "name");
    if ((e->op != T_EQ && e->op != T_NE) || lit->kind != E_STR) {
        psl_error(e->pos,
                  "type mismatch: '%s' is a union: compare it with the name of one of its arms "
                  "(%s == \"<arm>\") or read a field of an arm (%s.<arm>)",
                  u->field_name, u->field_name, u->field_name);
        return;
    }
    const struct json *arms = json_get(u->union_decl, "fields");
    const struct json *arm = json_find(arms, "name", lit->str);
    int64_t tag = arm ? json_get_int(arm, "tag", -1) : -1;
    if (tag < 0 || tag > (int64_t)UINT32_MAX) {
        psl_error(lit->pos, "unknown arm \"%s\" of union '%s' (%s)", lit->str, u->field_name,
                  tname ? tname : "");
        return;
    }
    u->type = TY_INT;
    u->sign = 0;
    u->arms = (uint32_t)json_len(arms);
    lit->kind = E_INT;
    lit->value = (uint64_t)tag;
    lit->type = TY_INT;
    lit->sign = -1;
    e->sign = 0;
    e->type = TY_BOOL;
}

static void element(struct policy *p, const struct scope *s, struct expr *e);

/* A sequence or array field, or a sequence inside an element (a.[i].<path>): the base of a.[i],
 * the argument of size, length and empty. */
static void seq_field(struct policy *p, const struct scope *s, struct expr *e)
{
    if (e && e->kind == E_FIELD)
        field(p, s, e);
    else if (e && e->kind == E_INDEX)
        element(p, s, e);
    else
        check(p, s, e);
}

/* a.[b].<path>: an integer field of element b of a sequence or array of structs or unions:
 * its offset in the element, its size and sign (the element's struct or union, then nested
 * structs and unions' arms, by the path). Through a union's arm, or ending at a union (its tag,
 * compared with an arm's name), the element is read through its offset (KSM_OP_ELEM_ADDR) and
 * each union's tag is checked against the arm named, in the element (guards: offsets in it). */
static void element_field(struct policy *p, struct expr *e)
{
    const struct expr *a = e->a;
    const struct json *st = a->elem_struct;
    if (!st) {
        psl_error(e->pos,
                  "type mismatch: the elements of '%s' are integers: nothing may follow "
                  "'.[<index>]'",
                  a->field_name);
        return;
    }
    const char *kind = json_get_string(st, "kind") ? json_get_string(st, "kind") : "struct";
    const char *name = json_get_string(st, "name");
    if (e->npath == 0 && strcmp(kind, "union")) {
        psl_error(e->pos,
                  "type mismatch: '%s' is %s of structs: name a field of its element "
                  "('.[<index>].<field>')",
                  a->field_name, a->is_array ? "an array" : "a sequence");
        return;
    }
    uint32_t off = 0, size = 0;
    bool sign = false;
    char *path = psl_fmt("%s.[]", a->field_name);
    e->nguards = 0;
    for (int k = 0; k < e->npath; k++) {
        bool is_union = !strcmp(kind, "union");
        const struct json *sj = k == 0                    ? st
                                : is_union                ? td_union(p->td, name)
                                : !strcmp(kind, "struct") ? td_struct(p->td, name)
                                                          : NULL;
        const struct json *f = sj ? json_find(json_get(sj, "fields"), "name", e->path[k]) : NULL;
        if (!f) {
            psl_error(e->pos, "unknown %s '%s' in an element of '%s' (%s %s)",
                      is_union ? "arm" : "field", e->path[k], a->field_name, kind,
                      name ? name : "");
            return;
        }
        if (is_union) { /* read only while the element's union holds this arm */
            int64_t tag = json_get_int(f, "tag", -1);
            if (tag < 0 || tag > (int64_t)UINT32_MAX) {
                psl_error(e->pos, "arm '%s' of union %s has no tag in the type description",
                          e->path[k], name ? name : "");
                return;
            }
            e->guards = psl_realloc(e->guards, sizeof *e->guards * (size_t)(e->nguards + 1));
            e->guards[e->nguards++] = (struct union_guard){off, (uint32_t)tag};
        }
        path = psl_fmt("%s.%s", path, e->path[k]);
        off += (uint32_t)json_get_int(f, "offset", 0);
        size = (uint32_t)json_get_int(f, "size", 0);
        kind = json_get_string(f, "kind") ? json_get_string(f, "kind") : "";
        name = json_get_string(f, "type") ? json_get_string(f, "type") : "";
        sign = json_get_bool(f, "signed");
    }
    if (!strcmp(kind, "union")) { /* its tag, compared with an arm's name (union_arm_test) */
        const struct json *u = e->npath == 0 ? st : td_union(p->td, name);
        size_t n = u ? json_len(json_get(u, "fields")) : 0;
        if (!u || n == 0 || n > UINT32_MAX || off + 4 > a->size) {
            psl_error(e->pos, "union %s of '%s' is not described", name ? name : "", path);
            return;
        }
        e->type = TY_UNION;
        e->union_decl = u;
        e->offset = off;
        e->size = 4;
        e->field_name = path;
        return;
    }
    if (!strcmp(kind, "string") && off + 8 <= a->size) {
        /* a string in the element: its descriptor at off in the element (a.[i] first) */
        e->type = TY_STR;
        e->offset = off;
        e->size = 8;
        e->field_name = path;
        return;
    }
    if ((!strcmp(kind, "sequence") || !strcmp(kind, "bytes") || !strcmp(kind, "array")) &&
        seq_type(p, e, kind, name, off, 1)) {
        /* a sequence (of integers, strings, structs or unions, or of sequences of these) in the
         * element: its descriptor at off in the element; an array: its elements (of strings:
         * their descriptors, 8 bytes each) from off in the element. Read through size, empty,
         * member and .[j] (E_INDEX of this), each a level further down */
        if (off + (e->is_array ? (uint64_t)e->size * e->count : 8) > a->size) {
            psl_error(e->pos, "'%s' lies past an element of '%s' in the type description", path,
                      a->field_name);
            e->type = TY_NONE;
            return;
        }
        e->field_name = path;
        return;
    }
    if (strcmp(kind, "scalar") || (size != 1 && size != 2 && size != 4 && size != 8) ||
        off + size > a->size || off > 0xffff) {
        psl_error(e->pos,
                  "type mismatch: '%s' of an element of '%s' is a %s%s%s: only its integer and "
                  "string fields, its unions, and its sequences and arrays of integers, strings, "
                  "structs or unions, or of sequences or arrays of these, can be used",
                  e->path[e->npath - 1], a->field_name, kind, *name ? " " : "", name);
        return;
    }
    e->type = TY_INT;
    e->sign = sign ? 1 : 0;
    e->offset = off;
    e->size = size;
    e->field_name = e->nguards ? path : a->field_name;
}

/* a.[b]: an element of a sequence or array of integers; a constant index past an array's end
 * (or a sequence's bound) is an error, a constant index into an array a fixed offset. */
static void element(struct policy *p, const struct scope *s, struct expr *e)
{
    seq_field(p, s, e->a);
    check(p, s, e->b);
    if (!e->a || !e->b || e->a->type == TY_NONE || e->b->type == TY_NONE)
        return;
    if (e->a->type != TY_SEQ) {
        psl_error(e->pos, "type mismatch: '.[<index>]' needs a sequence or an array, found %s",
                  type_name(e->a->type));
        return;
    }
    if (e->b->type != TY_INT || negative_literal(e->b)) {
        psl_error(e->b->pos, "type mismatch: an index must be an unsigned integer, found %s",
                  negative_literal(e->b) ? "a negative one" : type_name(e->b->type));
        return;
    }
    if (e->b->kind == E_INT && e->b->value >= e->a->count) {
        psl_error(e->b->pos, "index %llu is past the end of '%s' (%s %u elements)",
                  (unsigned long long)e->b->value, e->a->field_name,
                  e->a->is_array ? "an array of" : "a sequence of at most", e->a->count);
        return;
    }
    if (e->a->elem_str) { /* a string, used as a string field is */
        if (e->npath > 0) {
            psl_error(e->pos,
                      "type mismatch: the elements of '%s' are strings: nothing may follow "
                      "'.[<index>]'",
                      e->a->field_name);
            return;
        }
        e->type = TY_STR;
        e->field_name = e->a->field_name;
        return;
    }
    if (e->a->elem_seq) { /* a sequence, its descriptor at offset 0 in element i; or an
                           * array, its first element there */
        if (e->npath > 0) {
            psl_error(e->pos,
                      "type mismatch: the elements of '%s' are %s: nothing may follow "
                      "'.[<index>]' but '.[<index>]'",
                      e->a->field_name, !strcmp(e->a->elem_kind, "array") ? "arrays" : "sequences");
            return;
        }
        e->field_name = psl_fmt("%s.[]", e->a->field_name);
        if (!seq_type(p, e, e->a->elem_kind, e->a->elem_type, 0, 1)) { /* field checked it */
            psl_error(e->pos, "the elements of '%s' (%s) cannot be read", e->a->field_name,
                      e->a->elem_type);
            e->type = TY_NONE;
        }
        return;
    }
    if (e->a->elem_struct || e->npath > 0) {
        element_field(p, e);
        return;
    }
    e->type = TY_INT;
    e->sign = e->a->sign;
    e->offset = 0; /* the element itself */
    e->field_name = e->a->field_name;
}

/* abs (a), length (a), cond {if : a, then : b, else : c}. */
static void call(struct policy *p, const struct scope *s, struct expr *e)
{
    if (e->fn == FN_MEMBER) {
        /* the value against the elements, as '==' would compare them (signedness checked) */
        check(p, s, e->a);
        seq_field(p, s, e->b);
        if (!e->a || !e->b || e->a->type == TY_NONE || e->b->type == TY_NONE)
            return;
        if (e->b->type == TY_SEQ && e->b->elem_seq) {
            psl_error(e->pos,
                      "type mismatch: the elements of '%s' are %s: member needs one of "
                      "them ('of : %s.[<index>]')",
                      e->b->field_name, !strcmp(e->b->elem_kind, "array") ? "arrays" : "sequences",
                      e->b->field_name);
            return;
        }
        if (e->b->type == TY_SEQ && e->b->elem_str) {
            /* a string among the strings, compared as '==' compares two strings */
            if (e->npath > 0) {
                psl_error(e->pos,
                          "type mismatch: member's 'field' needs a sequence or array of structs, "
                          "found one of strings ('%s')",
                          e->b->field_name);
                return;
            }
            if (e->a->type != TY_STR) {
                psl_error(e->pos,
                          "type mismatch: member of %s of strings ('%s') needs a string "
                          "value, found %s",
                          e->b->is_array ? "an array" : "a sequence", e->b->field_name,
                          type_name(e->a->type));
                return;
            }
            if (e->b->is_array && e->b->count > 255) {
                /* KSM_OP_SEQ_STR_MEMBER holds an array's length in its one-byte size */
                psl_error(e->pos,
                          "not supported: member of an array of more than 255 strings ('%s')",
                          e->b->field_name);
                return;
            }
            e->type = TY_BOOL;
            return;
        }
        if (e->b->type != TY_SEQ || e->a->type != TY_INT || (e->b->elem_struct && e->npath == 0)) {
            psl_error(e->pos,
                      "type mismatch: member needs an integer value and a sequence or array "
                      "field of integers, found %s and %s%s",
                      type_name(e->a->type),
                      e->b->elem_struct
                          ? (e->b->is_array ? "an array of structs" : "a sequence of structs")
                          : type_name(e->b->type),
                      e->b->elem_struct ? " (name the elements' field: 'field : <name>')" : "");
            return;
        }
        if (e->npath > 0 && !e->b->elem_struct) {
            psl_error(e->pos,
                      "type mismatch: member's 'field' needs a sequence or array of structs, "
                      "found one of integers ('%s')",
                      e->b->field_name);
            return;
        }
        struct expr elem = *e->b;
        if (e->npath > 0) {
            /* the elements' field, resolved as a.[i].<path> is: e->c holds it (offset in the
             * element, size, sign) */
            struct expr *ix = psl_alloc(sizeof *ix);
            memset(ix, 0, sizeof *ix);
            ix->kind = E_INDEX;
            ix->pos = e->pos;
            ix->a = e->b;
            ix->path = e->path;
            ix->npath = e->npath;
            element_field(p, ix);
            if (ix->type == TY_UNION) {
                psl_error(e->pos,
                          "type mismatch: member's 'field' is a union ('%s'): name an integer "
                          "field of one of its arms",
                          ix->field_name);
                return;
            }
            for (int g = 0; g < ix->nguards; g++)
                if (ix->guards[g].tag_off + 4 > ix->offset) { /* idlc: tags before the arms */
                    psl_error(e->pos, "union tag after its arm in '%s'", ix->field_name);
                    return;
                }
            if (ix->type == TY_STR || ix->type == TY_SEQ) {
                psl_error(e->pos,
                          "type mismatch: member's 'field' must be an integer field, '%s' is %s",
                          ix->field_name, type_name(ix->type));
                return;
            }
            if (ix->type != TY_INT)
                return;
            e->c = ix;
            elem.sign = ix->sign;
        }
        elem.type = TY_INT;
        struct expr pair = *e;
        pair.a = e->a;
        pair.b = &elem;
        combine(&pair); /* reports mixed signedness, a negative literal against unsigned */
        e->type = TY_BOOL;
        return;
    }
    if (e->fn == FN_LENGTH)
        seq_field(p, s, e->a);
    else
        check(p, s, e->a);
    if (!e->a || e->a->type == TY_NONE)
        return;
    if (e->fn == FN_CAST) {
        cast(e);
        return;
    }
    if (e->fn == FN_ABS) {
        if (e->a->type != TY_INT || e->a->sign == 0) {
            psl_error(e->pos, "type mismatch: abs needs a signed integer, found %s",
                      e->a->type == TY_INT ? "an unsigned one" : type_name(e->a->type));
            return;
        }
        e->type = TY_INT;
        e->sign = e->a->sign;
        return;
    }
    if (e->fn == FN_LENGTH) {
        if ((e->a->type != TY_STR && e->a->type != TY_SEQ) ||
            (e->a->kind != E_FIELD && e->a->kind != E_INDEX)) {
            psl_error(e->pos,
                      "type mismatch: length, size and empty need a string, sequence or array "
                      "field, found %s",
                      e->a->kind == E_STR ? "a literal" : type_name(e->a->type));
            return;
        }
        e->type = TY_INT;
        e->sign = 0;
        return;
    }
    check(p, s, e->b);
    check(p, s, e->c);
    if (!e->b || !e->c || e->b->type == TY_NONE || e->c->type == TY_NONE)
        return;
    if (e->a->type != TY_BOOL) {
        psl_error(e->a->pos, "type mismatch: cond's 'if' must be a boolean, found %s",
                  type_name(e->a->type));
        return;
    }
    if (e->b->type != e->c->type || e->b->type == TY_STR) {
        psl_error(e->pos,
                  "type mismatch: cond's 'then' and 'else' must be both integers or both "
                  "booleans, found %s and %s",
                  type_name(e->b->type), type_name(e->c->type));
        return;
    }
    e->type = e->b->type;
    if (e->type == TY_INT) {
        struct expr pair = *e;
        pair.a = e->b;
        pair.b = e->c;
        e->sign = combine(&pair);
    }
}

static void check(struct policy *p, const struct scope *s, struct expr *e)
{
    if (!e)
        return;
    switch (e->kind) {
    case E_INT:
        e->type = TY_INT;
        e->sign = e->value > (uint64_t)INT64_MAX ? 0 : -1;
        return;
    case E_BOOL:
        e->type = TY_BOOL;
        return;
    case E_STR:
        e->type = TY_STR;
        return;
    case E_FIELD:
        field(p, s, e);
        if (e->type == TY_SEQ) {
            psl_error(e->pos,
                      "type mismatch: '%s' is %s: use its elements (.[<index>]), size or empty",
                      e->field_name, e->is_array ? "an array" : "a sequence");
            e->type = TY_NONE;
        }
        return;
    case E_INDEX:
        element(p, s, e);
        if (e->type == TY_SEQ) {
            psl_error(e->pos,
                      "type mismatch: '%s' is %s: use its elements (.[<index>]), size or empty",
                      e->field_name, e->is_array ? "an array" : "a sequence");
            e->type = TY_NONE;
        }
        return;
    case E_MAP_GET:
        e->type = TY_INT;
        e->sign = 0;
        e->object_id = policy_map_id(p, e->object);
        if (e->object_id < 0) {
            psl_error(e->pos, "unknown StaticMap object '%s'", e->object);
            return;
        }
        {
            int k = map_key_index(&p->maps[e->object_id], e->object, &e->key, e->pos);
            e->value = k < 0 ? 0 : (uint64_t)k;
        }
        state_key_use(p, s, &p->maps[e->object_id].key, "StaticMap", e->object, e->sid, e->sid_e,
                      e->pos);
        return;
    case E_QUERY:
        if (e->op == 1) {
            psl_error(e->pos,
                      "type mismatch: %s.query_level is a level: compare its degree with one "
                      "(%s.query_level {...} == \"<degree>\")",
                      e->object, e->object);
            return;
        }
        /* A state name: resolved against a literal by the comparison around it (below). */
        e->object_id = policy_flow_id(p, e->object);
        if (e->object_id < 0)
            psl_error(e->pos, "unknown Flow object '%s'", e->object);
        else
            psl_error(e->pos,
                      "type mismatch: %s.query is a state name: compare it with a state "
                      "(%s.query {...} == \"<state>\")",
                      e->object, e->object);
        return;
    case E_REGEX:
        regex(p, s, e);
        return;
    case E_TUPLE:
        psl_error(e->pos, "type mismatch: a tuple or dictionary is only a HashSet entry");
        return;
    case E_CASE:
        /* a choice's cases: Regex matches or Flow query comparisons, built by the parser */
        for (int i = 0; i < e->nargs; i++)
            check(p, s, e->args[i]);
        e->type = TY_INT;
        e->sign = 0;
        return;
    case E_CALL:
        call(p, s, e);
        return;
    case E_CONTAINS:
        e->type = TY_BOOL;
        e->object_id = policy_set_id(p, e->object);
        if (e->object_id < 0)
            psl_error(e->pos, "unknown HashSet object '%s'", e->object);
        else
            state_key_use(p, s, &p->sets[e->object_id].key, "HashSet", e->object, e->sid, e->sid_e,
                          e->pos);
        set_entry(p, s, e->object_id, e->a);
        return;
    case E_UNARY:
        check(p, s, e->a);
        if (!e->a || e->a->type == TY_NONE)
            return;
        if (e->op == T_BANG) {
            if (e->a->type != TY_BOOL) {
                psl_error(e->pos, "type mismatch: '!' needs a boolean, found %s",
                          type_name(e->a->type));
                return;
            }
            e->type = TY_BOOL;
        } else {
            if (e->a->type != TY_INT) {
                psl_error(e->pos, "type mismatch: '%s' needs an integer, found %s%s",
                          e->op == T_TILDE ? "~" : "-", type_name(e->a->type),
                          e->op == T_TILDE && e->a->type == TY_BOOL ? " (for booleans: '!')" : "");
                return;
            }
            if (e->a->sign == 0 && e->op == T_MINUS) {
                psl_error(e->pos, "type mismatch: negation of an unsigned value");
                return;
            }
            e->type = TY_INT;
            e->sign = e->a->sign;
        }
        return;
    case E_BINARY:
        if ((e->op == T_EQ || e->op == T_NE) && e->a && e->b &&
            (e->a->kind == E_QUERY || e->b->kind == E_QUERY)) {
            query(p, s, e);
            return;
        }
        check(p, s, e->a);
        check(p, s, e->b);
        if (!e->a || !e->b || e->a->type == TY_NONE || e->b->type == TY_NONE)
            return;
        if (e->a->type == TY_UNION || e->b->type == TY_UNION) {
            union_arm_test(e);
            return;
        }
        if ((e->op == T_EQ || e->op == T_NE) && ((is_handle_type(e->a) && e->b->kind == E_STR) ||
                                                 (is_handle_type(e->b) && e->a->kind == E_STR))) {
            handle_type_name(e);
            return;
        }
        switch (e->op) {
        case T_ANDAND:
        case T_OROR:
        case T_IMPLIES:
            if (e->a->type != TY_BOOL || e->b->type != TY_BOOL) {
                psl_error(e->pos, "type mismatch: '%s' needs booleans, found %s and %s",
                          e->op == T_ANDAND ? "&&"
                          : e->op == T_OROR ? "||"
                                            : "==>",
                          type_name(e->a->type), type_name(e->b->type));
                return;
            }
            e->type = TY_BOOL;
            return;
        case T_EQ:
        case T_NE:
            if (e->a->type != e->b->type) {
                psl_error(e->pos, "type mismatch: comparing %s with %s", type_name(e->a->type),
                          type_name(e->b->type));
                return;
            }
            if (e->a->type == TY_INT)
                e->sign = combine(e);
            /* Strings: a field against a literal or another field; two literals are a
             * constant, written as such. */
            if (e->a->type == TY_STR && e->a->kind == E_STR && e->b->kind == E_STR) {
                psl_error(e->pos, "type mismatch: comparing two string literals (at least one "
                                  "side must be a string field)");
                return;
            }
            e->type = TY_BOOL;
            return;
        default:
            if ((e->op == T_LT || e->op == T_LE || e->op == T_GT || e->op == T_GE) &&
                e->a->type == TY_STR && e->b->type == TY_STR) {
                if (e->a->kind == E_STR && e->b->kind == E_STR)
                    psl_error(e->pos, "type mismatch: comparing two string literals (at least "
                                      "one side must be a string field)");
                e->type = TY_BOOL;
                return;
            }
            if (e->a->type != TY_INT || e->b->type != TY_INT) {
                bool bits = e->op == T_AMP || e->op == T_PIPE;
                psl_error(e->pos,
                          "type mismatch: arithmetic and ordering need integers, found %s and "
                          "%s%s",
                          type_name(e->a->type), type_name(e->b->type),
                          bits && (e->a->type == TY_BOOL || e->b->type == TY_BOOL)
                              ? (e->op == T_AMP ? " (for booleans: '&&')" : " (for booleans: '||')")
                              : "");
                return;
            }
            e->sign = combine(e);
            e->type = (e->op == T_PLUS || e->op == T_MINUS || e->op == T_STAR || e->op == T_SLASH ||
                       e->op == T_PERCENT || e->op == T_AMP || e->op == T_PIPE)
                          ? TY_INT
                          : TY_BOOL;
            return;
        }
    }
}

/* Whether some endpoint of the classes the scope's server can be lies in a component `name`. */
static bool component_known(const struct policy *p, const struct scope *s, const char *name)
{
    int server = scope_server(s);
    for (int c = 0; c < p->nclasses; c++)
        for (int e = 0; (server < 0 || c == server) && e < p->classes[c].td->nendpoints; e++)
            if (scope_in_component(p, c, e, name))
                return true;
    return false;
}

/* `component=vmm` where vmm is an instance: the component it is an instance of, or NULL. */
static const char *instance_of(const struct policy *p, const struct scope *s, const char *path)
{
    int server = scope_server(s), depth = 1;
    size_t len = strlen(path);
    for (const char *c = path; *c; c++)
        depth += *c == '.';
    for (int c = 0; c < p->nclasses; c++)
        for (int e = 0; (server < 0 || c == server) && e < p->classes[c].td->nendpoints; e++) {
            const struct td_endpoint *ep = &p->classes[c].td->endpoints[e];
            if (!strncmp(ep->name, path, len) && ep->name[len] == '.' && ep->ncomps >= depth)
                return ep->comps[depth - 1];
        }
    return NULL;
}

/* Validates one selector value of a scope and merges it; returns false if contradictory. */
static bool merge(struct policy *p, struct scope *s, const struct selectors *sel, int event)
{
    bool ok = true;
    for (int k = 0; k < SEL_COUNT; k++) {
        const char *v = sel->v[k];
        if (!v)
            continue;
        struct psl_pos pos = sel->pos[k];
        if (event == KSM_EV_EXECUTE && k >= SEL_ENDPOINT) {
            psl_error(pos, "'%s=' is not supported for execute events (they have no endpoint)",
                      sel_names[k]);
            continue;
        }
        if (event == KSM_EV_SECURITY && (k == SEL_DST || k == SEL_ENDPOINT || k == SEL_COMPONENT)) {
            psl_error(pos,
                      "'%s=' is not supported for security events (src=, method= and "
                      "interface= select them%s)",
                      sel_names[k],
                      k == SEL_COMPONENT ? ": the security interface is no component's endpoint"
                                         : "");
            continue;
        }
        if (k <= SEL_DST) {
            int c = policy_class_id(p, v);
            if (c < 0) {
                psl_error(pos, "unknown class '%s' (add 'use EDL %s')", v, v);
                continue;
            }
            int *slot = k == SEL_SRC ? &s->src : &s->dst;
            if (*slot >= 0 && *slot != c) {
                psl_warning(pos, "unreachable: %s=%s inside a section that selects %s=%s",
                            sel_names[k], v, sel_names[k], p->classes[*slot].td->name);
                ok = false;
            }
            *slot = c;
        } else if (k == SEL_COMPONENT) {
            struct component_sel *n = psl_alloc(sizeof *n);
            n->name = v;
            n->parent = s->component;
            s->component = n;
        } else {
            const char **slot = k == SEL_ENDPOINT ? &s->endpoint
                                : k == SEL_METHOD ? &s->method
                                                  : &s->iface;
            if (*slot && strcmp(*slot, v)) {
                psl_warning(pos, "unreachable: %s=%s inside a section that selects %s=%s",
                            sel_names[k], v, sel_names[k], *slot);
                ok = false;
            }
            *slot = v;
        }
    }
    if (!ok)
        return false;
    /* Names must exist among the classes the scope can reach. */
    int server = scope_server(s);
    if (sel->v[SEL_COMPONENT] && event != KSM_EV_EXECUTE && event != KSM_EV_SECURITY &&
        !component_known(p, s, sel->v[SEL_COMPONENT])) {
        const char *v = sel->v[SEL_COMPONENT], *of = instance_of(p, s, v);
        const char *where = server >= 0 ? psl_fmt("of class '%s'", p->classes[server].td->name)
                                        : "(no class used by the policy has an instance of it)";
        if (of)
            psl_error(sel->pos[SEL_COMPONENT],
                      "unknown component '%s' %s ('%s' is an instance of component '%s': "
                      "component= takes the component's name)",
                      v, where, v, of);
        else
            psl_error(sel->pos[SEL_COMPONENT], "unknown component '%s' %s", v, where);
        return false;
    }
    if (sel->v[SEL_INTERFACE] && event != KSM_EV_EXECUTE) {
        struct scope t = *s;
        t.method = NULL;
        const char *v = sel->v[SEL_INTERFACE];
        if (!td_iface(p->td, v)) {
            psl_error(sel->pos[SEL_INTERFACE], "unknown interface '%s'", v);
            return false;
        }
        if (scope_each(p, &t, NULL, NULL) == 0) {
            if (event == KSM_EV_SECURITY)
                psl_error(sel->pos[SEL_INTERFACE],
                          "interface '%s' is not the security interface of %s", v,
                          server >= 0 ? psl_fmt("class '%s'", p->classes[server].td->name)
                                      : "any class used by the policy");
            else
                psl_error(sel->pos[SEL_INTERFACE], "no selected endpoint %s has interface '%s'",
                          server >= 0 ? psl_fmt("of class '%s'", p->classes[server].td->name)
                                      : "of the classes used by the policy",
                          v);
            return false;
        }
    }
    if (sel->v[SEL_ENDPOINT] && event != KSM_EV_EXECUTE && event != KSM_EV_SECURITY) {
        struct scope t = *s;
        t.method = NULL;
        struct scope any = t;
        any.component = NULL;
        any.iface = NULL;
        if (scope_each(p, &t, NULL, NULL) == 0) {
            if (scope_each(p, &any, NULL, NULL) > 0)
                psl_error(sel->pos[SEL_ENDPOINT],
                          "endpoint '%s' is not among the endpoints the section's component= and "
                          "interface= select",
                          s->endpoint);
            else if (server >= 0)
                psl_error(sel->pos[SEL_ENDPOINT], "unknown endpoint '%s' of class '%s'",
                          s->endpoint, p->classes[server].td->name);
            else
                psl_error(sel->pos[SEL_ENDPOINT],
                          "unknown endpoint '%s' (no class used by the policy has it)",
                          s->endpoint);
            return false;
        }
    }
    if (sel->v[SEL_METHOD] && event != KSM_EV_EXECUTE && scope_each(p, s, NULL, NULL) == 0) {
        if (s->endpoint)
            psl_error(sel->pos[SEL_METHOD], "unknown method '%s' of endpoint '%s'", s->method,
                      s->endpoint);
        else if (event == KSM_EV_SECURITY)
            psl_error(sel->pos[SEL_METHOD], "unknown method '%s' of the security interface",
                      s->method);
        else
            psl_error(sel->pos[SEL_METHOD], "unknown method '%s' (no selected endpoint has it)",
                      s->method);
        return false;
    }
    return true;
}

static void check(struct policy *p, const struct scope *s, struct expr *e);

/* A HashSet rule: its object, and the entry (add, remove) an integer. */
static void set_call(struct policy *p, const struct scope *s, struct item *it)
{
    it->object_id = policy_set_id(p, it->object);
    if (it->object_id < 0) {
        psl_error(it->object_pos, "unknown policy object '%s'", it->object);
        return;
    }
    state_key_use(p, s, &p->sets[it->object_id].key, "HashSet", it->object, it->sid, it->sid_e,
                  it->object_pos);
    if (!it->e || s->unreachable)
        return;
    set_entry(p, s, it->object_id, it->e);
}

/* The index of key in StaticMap object m (named name), or -1 after an error: a key of the
 * other type than the object's keys (text, List<UInt8>) is a type mismatch, not an unknown
 * key. The index is what the table and the interpreter both use: the key's bytes are not
 * looked up at decision time. */
static int map_key_index(const struct policy_map *m, const char *name, const struct map_key *key,
                         struct psl_pos pos)
{
    if (key->list != m->list_keys) {
        psl_error(pos, "type mismatch: the keys of StaticMap object '%s' are %s, found %s", name,
                  m->list_keys ? "List<UInt8>" : "text", map_key_text(key));
        return -1;
    }
    int k = policy_map_key(m, key);
    if (k < 0)
        psl_error(pos, "unknown key %s of StaticMap object '%s'", map_key_text(key), name);
    return k;
}

/* A StaticMap rule: its object, and for set the key by index and the value an integer. */
static void map_call(struct policy *p, const struct scope *s, struct item *it)
{
    it->object_id = policy_map_id(p, it->object);
    if (it->object_id < 0) {
        psl_error(it->object_pos, "unknown policy object '%s'", it->object);
        return;
    }
    if (it->key.bytes) {
        int k = map_key_index(&p->maps[it->object_id], it->object, &it->key, it->state_pos[0]);
        it->arg = k < 0 ? 0 : (uint32_t)k;
    }
    state_key_use(p, s, &p->maps[it->object_id].key, "StaticMap", it->object, it->sid, it->sid_e,
                  it->object_pos);
    if (!it->e || s->unreachable)
        return;
    check(p, s, it->e);
    if (it->e->type != TY_NONE && it->e->type != TY_INT)
        psl_error(it->e->pos, "type mismatch: a StaticMap value must be an integer, found %s",
                  type_name(it->e->type));
}

/* A Mic level as written, as a ksm_mic word; 0 after an error. */
static uint64_t mic_level_word(const struct policy_mic *m, const struct mic_level_text *lv)
{
    int d = 0;
    if (lv->degree && (d = policy_mic_degree(m, lv->degree)) < 0) {
        psl_error(lv->pos, "unknown degree \"%s\" of Mic object '%s'", lv->degree, m->name);
        return 0;
    }
    uint32_t cats = 0;
    for (int i = 0; i < lv->ncats; i++) {
        int c = policy_mic_category(m, lv->cats[i]);
        if (c < 0) {
            psl_error(lv->cat_pos[i], "unknown category \"%s\" of Mic object '%s'", lv->cats[i],
                      m->name);
            return 0;
        }
        cats |= 1u << c;
    }
    return (uint64_t)(d + 1) << 32 | cats;
}

/* 1 + the index of a level in the object's list of the levels its rules name (added if new),
 * or 0 for `()`. */
static uint32_t mic_level_index(struct policy_mic *m, const struct mic_level_text *lv)
{
    if (!lv->given)
        return 0;
    uint64_t w = mic_level_word(m, lv);
    if (w == 0)
        return 0;
    for (int i = 0; i < m->nlevels; i++)
        if (m->levels[i] == w)
            return (uint32_t)i + 1;
    if (m->nlevels >= (int)KSM_MIC_LEVELS_MAX) {
        psl_error(lv->pos, "Mic object '%s' names more than %u distinct levels", m->name,
                  KSM_MIC_LEVELS_MAX);
        return 0;
    }
    *PSL_PUSH(m->levels, m->nlevels, m->levels_cap) = w;
    return (uint32_t)m->nlevels;
}

/* A Mic rule: its object, its levels by index (ksm_call.arg), its resources' SIDs integers. */
static void mic_call(struct policy *p, const struct scope *s, struct item *it)
{
    it->object_id = policy_mic_id(p, it->object);
    if (it->object_id < 0) {
        psl_error(it->object_pos, "unknown policy object '%s'", it->object);
        return;
    }
    struct policy_mic *m = &p->mics[it->object_id];
    it->arg = mic_level_index(m, &it->lv[0]) | mic_level_index(m, &it->lv[1]) << 16;
    if (s->unreachable)
        return;
    if (it->e)
        resource_sid(p, s, it->e, "Mic target");
    if (it->e2)
        resource_sid(p, s, it->e2, "Mic container");
}

/* A Flow rule: its object and states by index (enter: the state; allow: the set as a mask). */
static void flow_call(struct policy *p, const struct scope *sc, struct item *it)
{
    it->object_id = policy_flow_id(p, it->object);
    if (it->object_id < 0) {
        psl_error(it->object_pos, "unknown policy object '%s'", it->object);
        return;
    }
    struct policy_flow *f = &p->flows[it->object_id];
    state_key_use(p, sc, &f->key, "Flow", f->name, it->sid, it->sid_e, it->object_pos);
    it->arg = 0;
    for (int i = 0; i < it->nstates; i++) {
        int s = policy_flow_state(f, it->states[i]);
        if (s < 0)
            psl_error(it->state_pos[i], "unknown state \"%s\" of Flow object '%s'", it->states[i],
                      f->name);
        else if (it->call == KSM_CALL_FLOW_ENTER)
            it->arg = (uint32_t)s;
        else
            it->arg |= 1u << s;
    }
}

static void block(struct policy *p, struct block *b, int inherited_profile)
{
    int profile = inherited_profile;
    bool audit_seen = false;
    for (int i = 0; i < b->nitems; i++) {
        struct item *it = &b->items[i];
        if (it->kind != I_AUDIT)
            continue;
        if (audit_seen)
            psl_error(it->pos, "a second 'audit' in the same section");
        audit_seen = true;
        if (it->profile)
            profile = profile_id(p, it->profile, it->pos);
    }
    if (!b->scope.unreachable && b->scope.event != KSM_EV_EXECUTE &&
        scope_each(p, &b->scope, NULL, NULL) == 0) {
        psl_warning(
            b->pos, "unreachable: no endpoint method of the selected classes matches this %s",
            b->sel.v[0] || b->sel.v[1] || b->sel.v[2] || b->sel.v[3] || b->sel.v[4] || b->sel.v[5]
                ? "selection"
                : "event");
        b->scope.unreachable = true;
    }
    for (int i = 0; i < b->nitems; i++) {
        struct item *it = &b->items[i];
        if (it->kind == I_CALL) {
            it->audit_profile = profile;
            *PSL_PUSH(p->locs, p->nlocs, p->locs_cap) = it->pos;
            it->loc = p->nlocs - 1;
            if (it->object && it->call >= KSM_CALL_MIC_EXECUTE) {
                mic_call(p, &b->scope, it);
                continue;
            }
            if (it->object && it->call >= KSM_CALL_MAP_INIT) {
                map_call(p, &b->scope, it);
                continue;
            }
            if (it->object && it->call >= KSM_CALL_SET_INIT) {
                set_call(p, &b->scope, it);
                continue;
            }
            if (it->object) {
                flow_call(p, &b->scope, it);
                continue;
            }
            if (b->scope.unreachable || !it->e)
                continue;
            check(p, &b->scope, it->e);
            if (it->e->type == TY_INT || it->e->type == TY_STR)
                psl_error(it->e->pos,
                          "type mismatch: the condition of %s must be a boolean, found %s",
                          it->call == KSM_CALL_ASSERT ? "assert" : "deny", type_name(it->e->type));
        } else if (it->kind == I_MATCH) {
            struct block *m = it->match;
            m->scope = b->scope;
            if (!b->scope.unreachable && !merge(p, &m->scope, &m->sel, b->scope.event))
                m->scope.unreachable = true;
            block(p, m, profile);
        } else if (it->kind == I_CHOICE) {
            /* the cases select what their choice's section selects */
            if (!b->scope.unreachable)
                check(p, &b->scope, it->choice->e);
            for (int k = 0; k < it->choice->ncases; k++) {
                it->choice->cases[k].scope = b->scope;
                block(p, &it->choice->cases[k], profile);
            }
        }
    }
}

/* The Regex objects' index among them (0: re when the policy uses the Regex model), or -1. */
int policy_regex_object(const struct policy *p, const char *name)
{
    int k = 0;
    for (int i = 0; i < p->nxobjects; i++) {
        if (p->xobjects[i].model != XM_REGEX)
            continue;
        if (!strcmp(p->xobjects[i].name, name))
            return k;
        k++;
    }
    return -1;
}

static const char *const audit_model_names[] = {"Flow", "HashSet", "StaticMap", "Mic", "Regex"};

/* The objects an audit configuration names: declared objects of a model with methods the KSM
 * reports (Flow, HashSet, StaticMap, Mic, Regex), omit only for Flow (its states), emit only for
 * Regex. */
static void audit_object(struct policy *p, struct audit_object *ao)
{
    ao->model = -1;
    int id;
    if ((id = policy_flow_id(p, ao->name)) >= 0)
        ao->model = 0;
    else if ((id = policy_set_id(p, ao->name)) >= 0)
        ao->model = 1;
    else if ((id = policy_map_id(p, ao->name)) >= 0)
        ao->model = 2;
    else if ((id = policy_mic_id(p, ao->name)) >= 0)
        ao->model = 3;
    else if ((id = policy_regex_object(p, ao->name)) >= 0)
        ao->model = 4;
    if (ao->model < 0) {
        int xm = policy_xobject_model(p, ao->name);
        if (xm >= 0)
            psl_error(ao->pos,
                      "audit of '%s' is not supported: a Pred, Bool, Math or Struct object has "
                      "operators, not methods the KSM reports",
                      ao->name);
        else
            psl_error(ao->pos, "unknown security model object '%s' in an audit profile", ao->name);
        return;
    }
    ao->object_id = id;
    if (ao->has_omit && ao->model != 0) {
        psl_error(ao->omit_key_pos,
                  "'omit' is an audit configuration of Flow objects; '%s' is a %s object", ao->name,
                  audit_model_names[ao->model]);
        ao->model = -1;
        return;
    }
    if (ao->has_emit && ao->model != 4) {
        psl_error(ao->emit_pos,
                  "'emit' is an audit configuration of Regex objects; '%s' is a %s object",
                  ao->name, audit_model_names[ao->model]);
        ao->model = -1;
        return;
    }
    ao->omit_mask = 0;
    for (int i = 0; i < ao->nomit; i++) {
        int st = policy_flow_state(&p->flows[id], ao->omit[i]);
        if (st < 0) {
            psl_error(ao->omit_pos[i], "unknown state '%s' of Flow object '%s' in 'omit'",
                      ao->omit[i], ao->name);
            ao->model = -1;
            return;
        }
        ao->omit_mask |= 1u << st;
    }
}

int psl_resolve(struct policy *p)
{
    for (int i = 0; i < p->nprofiles; i++)
        for (int k = 0; k < p->profiles[i].nlevels; k++)
            for (int j = 0; j < p->profiles[i].levels[k].nobjs; j++)
                audit_object(p, &p->profiles[i].levels[k].objs[j]);
    /* `execute: kl.core.Execute` may be left out: it is the only execute interface there is
     * (CE 1.2), and public solutions built with the SDK's compiler omit it, so its absence names
     * that interface (has_execute only refuses a second declaration). */
    p->default_profile_id = 0;
    if (p->default_profile)
        p->default_profile_id = profile_id(p, p->default_profile, p->default_pos);
    if (p->nlocs == 0)
        *PSL_PUSH(p->locs, p->nlocs, p->locs_cap) = (struct psl_pos){"", 0, 0};
    for (int i = 0; i < p->nbindings; i++) {
        struct binding *b = &p->bindings[i];
        b->body.scope = (struct scope){b->event, -1, -1, NULL, NULL, NULL, NULL, false};
        if (!merge(p, &b->body.scope, &b->body.sel, b->event))
            b->body.scope.unreachable = true;
        block(p, &b->body, p->default_profile_id);
    }
    return psl_errors();
}
