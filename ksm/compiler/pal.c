/*
 * PAL runner. Each sequence starts from no processes: it runs the set's setup, then its own
 * cases. `x <- execute dst=C` expects the start to be granted and binds x to the new process
 * (of class C). src= and dst= name a bound process or, directly, a class. Messages are built
 * from the method's layout in the type description (unset fields are 0) and decided by
 * ksm_decide() on the compiled table: the same code the KSM runs. A case expects grant, deny or
 * any decision (`any`: it passes whatever the decision, and fails only on an error in the case
 * itself, such as an unknown field); `c ~> s : calc.Ping {...}` is a request case.
 */
#include "pal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm_decide.h"
#include "scope.h"

struct var {
    const char *name;
    int cls;
    uint32_t sid;
};

/* Process SIDs in a sequence: the kernel is 0, the processes started are 1, 2, ... in the order
 * of their execute cases (bound or not); a class named directly is no process (KSM_SID_NONE). */
#define PAL_PROCESSES_MAX 64

struct run {
    const struct policy *p;
    const struct ksm_table *t;
    FILE *out;
    struct var vars[PAL_PROCESSES_MAX];
    int nvars;
    uint32_t next_sid;
    struct ksm_state st; /* reset for each sequence */
};

static int who(struct run *r, const char *name, struct psl_pos pos, uint32_t *sid)
{
    for (int i = r->nvars - 1; i >= 0; i--)
        if (!strcmp(r->vars[i].name, name)) {
            *sid = r->vars[i].sid;
            return r->vars[i].cls;
        }
    int c = policy_class_id(r->p, name);
    if (c < 0)
        psl_error(pos, "unknown process or class '%s' in a test", name);
    *sid = !strcmp(name, "kl.core.Core") ? KSM_SID_KERNEL : KSM_SID_NONE;
    return c;
}

/* The arena of the message being built: strings go there, back to back (each with its NUL). */
struct arena {
    uint32_t base, used;
};
static struct arena pal_arena;

static bool set_string(uint8_t *msg, uint32_t cap, uint32_t off, const struct pal_value *v)
{
    uint32_t n = (uint32_t)strlen(v->str) + 1;
    uint32_t at = pal_arena.base + pal_arena.used;
    if (off + 8 > cap || at + n > KSM_HEADER_SIZE + 65536u) {
        psl_error(v->pos, "string '%s' does not fit in a message", v->name);
        return false;
    }
    memcpy(msg + at, v->str, n);
    for (int i = 0; i < 4; i++) {
        msg[off + i] = (uint8_t)(pal_arena.used >> (8 * i));
        msg[off + 4 + i] = (uint8_t)(n >> (8 * i));
    }
    pal_arena.used += n;
    return true;
}

/* Does integer value v fit a field of size bytes, signed or not? */
static bool int_fits(const struct pal_value *v, uint32_t size, bool sign)
{
    if (size == 8)
        return sign ? (v->negative ? v->value <= (uint64_t)INT64_MAX + 1
                                   : v->value <= (uint64_t)INT64_MAX)
                    : !v->negative;
    if (sign)
        return v->negative ? v->value <= (1ull << (8 * size - 1))
                           : v->value < (1ull << (8 * size - 1));
    return !v->negative && v->value < (1ull << (8 * size));
}

/* An arena descriptor {UInt32 offset; UInt32 count} at m. */
static void put_desc(uint8_t *m, uint32_t offset, uint32_t count)
{
    for (int i = 0; i < 4; i++) {
        m[i] = (uint8_t)(offset >> (8 * i));
        m[4 + i] = (uint8_t)(count >> (8 * i));
    }
}

/* Where the elements of list v (a value of type `type`, at most n of them, each span bytes
 * aligned to align) go, for a field at byte off: an array's in place from off (its n elements
 * within cap), a sequence's after the run in the arena, its descriptor written at off. *at is
 * the first element's offset, *end the bound the elements' own writes must stay within. */
static bool place_elements(const struct pal_value *v, uint8_t *msg, uint32_t cap, uint32_t off,
                           const char *kind, const char *type, uint32_t n, uint32_t span,
                           uint32_t align, uint32_t *at, uint32_t *end)
{
    if ((uint32_t)v->nsub > n) {
        psl_error(v->pos, "'%s' (%s) has at most %u elements", v->name, type, n);
        return false;
    }
    *at = off;
    *end = cap;
    if (!strcmp(kind, "array"))
        return off + n * span <= cap;
    pal_arena.used = (pal_arena.used + align - 1) / align * align;
    *at = pal_arena.base + pal_arena.used;
    *end = KSM_HEADER_SIZE + 65536u;
    if (off + 8 > cap || *at + (uint32_t)v->nsub * span > *end) {
        psl_error(v->pos, "'%s' does not fit in a message", v->name);
        return false;
    }
    put_desc(msg + off, pal_arena.used, (uint32_t)v->nsub);
    pal_arena.used += (uint32_t)v->nsub * span;
    return true;
}

/*
 * A list [v, ...] for a sequence or array of integers at byte off: a sequence's elements go to
 * the arena (aligned for one element) and its descriptor {offset, count} to off; an array's
 * into the fixed part from off (elements not given stay 0).
 */
static bool set_list(uint8_t *msg, uint32_t cap, uint32_t off, const char *kind, const char *type,
                     const struct pal_value *v)
{
    uint32_t esize, n;
    bool sign;
    if (td_int_elements(kind, type, &esize, &sign, &n) < 0) {
        psl_error(v->pos, "'%s' (%s) cannot be given a list: only sequences and arrays of integers",
                  v->name, type);
        return false;
    }
    uint32_t at, end;
    if (!place_elements(v, msg, cap, off, kind, type, n, esize, esize, &at, &end))
        return false;
    for (int k = 0; k < v->nsub; k++) {
        const struct pal_value *e = &v->sub[k];
        if (e->is_struct || e->is_list || e->str) {
            psl_error(e->pos, "an element of '%s' (%s) is an integer", v->name, type);
            return false;
        }
        if (!int_fits(e, esize, sign)) {
            psl_error(e->pos, "value out of range for an element of '%s' (%s)", v->name, type);
            return false;
        }
        uint64_t bits = e->negative ? (uint64_t)0 - e->value : e->value;
        for (uint32_t i = 0; i < esize; i++)
            msg[at + (uint32_t)k * esize + i] = (uint8_t)(bits >> (8 * i));
    }
    return true;
}

static bool set_value(struct run *r, uint8_t *msg, uint32_t cap, uint32_t off, const char *kind,
                      const char *type, uint32_t size, bool sign, const struct pal_value *v);

static bool set_raw_desc(uint8_t *msg, uint32_t cap, uint32_t off, const struct pal_value *v);

static const struct json *struct_elements(const struct run *r, const char *kind, const char *type)
{
    uint32_t size, align, n;
    return td_struct_elements(r->p->td, kind, type, &size, &align, &n);
}

/* A list for a sequence or array of nested elements at byte off (strings: ["...", ...]; sequences
 * or bytes of integers, strings or structs: [[1, 2], ...], [["a"], ...], [[{ x : 1 }], ...]),
 * each element a descriptor: a sequence's go to the arena (aligned for UInt32), its descriptor
 * to off; an array's are in place from off (those not given stay 0: empty). Then each element's
 * bytes after them (set_string, or the inner sequence as any value of its type: set_value). */
static bool set_nested_list(struct run *r, uint8_t *msg, uint32_t cap, uint32_t off,
                            const char *kind, const char *type, const struct pal_value *v)
{
    unsigned bound = 0, n = 0;
    char ekind[16], etype[256];
    bool str = sscanf(type, "sequence<string<%u>, %u>", &bound, &n) == 2 ||
               sscanf(type, "array<string<%u>, %u>", &bound, &n) == 2;
    if (!str && td_nested_seq_elements(kind, type, ekind, etype, &n) < 0)
        return false;
    uint32_t at, end;
    if (!place_elements(v, msg, cap, off, kind, type, n, 8u, 4u, &at, &end))
        return false;
    end =
        KSM_HEADER_SIZE + 65536u; /* what each descriptor names goes to the arena, in or past cap */
    for (int k = 0; k < v->nsub; k++) {
        const struct pal_value *e = &v->sub[k];
        bool ok = e->is_struct || (str ? e->str != NULL : e->is_list); /* { }: a raw descriptor */
        if (!ok) {
            psl_error(e->pos, "an element of '%s' (%s) is a %s", v->name, type,
                      str ? "string" : "list");
            return false;
        }
        struct pal_value named = *e; /* errors name the parameter */
        named.name = v->name;
        if (!(e->is_struct ? set_raw_desc(msg, end, at + (uint32_t)k * 8u, &named)
              : str
                  ? set_string(msg, end, at + (uint32_t)k * 8u, &named)
                  : set_value(r, msg, end, at + (uint32_t)k * 8u, ekind, etype, 8u, false, &named)))
            return false;
    }
    return true;
}

/* An array type's wire form (etype "array<T, n>"): *span its bytes (n elements of T back to
 * back: T an integer, a string's or a sequence's descriptor of 8 bytes, a struct or union, or
 * an array again) and *align T's alignment (a descriptor's is 4). false for any other type. */
static bool array_span(const struct run *r, const char *etype, uint32_t *span, uint32_t *align)
{
    uint32_t size, n;
    unsigned bound;
    bool sign;
    char ikind[16], itype[256];
    if (td_int_elements("array", etype, &size, &sign, &n) == 0) {
        *align = size;
    } else if (!td_struct_elements(r->p->td, "array", etype, &size, align, &n)) {
        size = 8; /* a string's, a sequence's or bytes' descriptor; an array: its own span */
        *align = 4;
        if (td_nested_seq_elements("array", etype, ikind, itype, &n) == 0) {
            if (!strcmp(ikind, "array") && !array_span(r, itype, &size, align))
                return false;
        } else if (sscanf(etype, "array<string<%u>, %u>", &bound, &n) != 2) {
            return false;
        }
    }
    if ((uint64_t)size * n > 65535u)
        return false;
    *span = size * n;
    return true;
}

/* A list [[...], ...] for a sequence or array whose elements are arrays, at byte off: each
 * element lies in place (array_span bytes, its elements back to back, as the wire form has them:
 * docs/message-format.md), a sequence's in the arena (aligned for the arrays' elements) with its
 * descriptor at off, an array's in the fixed part from off (elements not given stay 0). Each
 * element is then written as any array of its type is (set_value: integers in place, strings
 * and sequences to the arena after the run, structs field by field). */
static bool set_array_list(struct run *r, uint8_t *msg, uint32_t cap, uint32_t off,
                           const char *kind, const char *type, const struct pal_value *v)
{
    char ekind[16], etype[256];
    uint32_t n, span, align;
    if (td_nested_seq_elements(kind, type, ekind, etype, &n) < 0 || strcmp(ekind, "array") ||
        !array_span(r, etype, &span, &align))
        return false;
    uint32_t at, end;
    if (!place_elements(v, msg, cap, off, kind, type, n, span, align, &at, &end))
        return false;
    for (int k = 0; k < v->nsub; k++) {
        const struct pal_value *e = &v->sub[k];
        if (!e->is_list) {
            psl_error(e->pos, "an element of '%s' (%s) is an array: give it as a list", v->name,
                      type);
            return false;
        }
        struct pal_value named = *e; /* errors name the parameter */
        named.name = v->name;
        if (!set_value(r, msg, end, at + (uint32_t)k * span, "array", etype, span, false, &named))
            return false;
    }
    return true;
}

/* A list [{...}, ...] for a sequence of structs or unions at byte off: the elements go to the
 * arena (aligned for the struct), each written as a struct or union value; the descriptor to
 * off. An array's go to the fixed part from off (elements not given stay 0). */
static bool set_struct_list(struct run *r, uint8_t *msg, uint32_t cap, uint32_t off,
                            const char *kind, const char *type, const struct pal_value *v)
{
    uint32_t size, align, n;
    const struct json *st = td_struct_elements(r->p->td, kind, type, &size, &align, &n);
    uint32_t at, end;
    if (!place_elements(v, msg, cap, off, kind, type, n, size, align, &at, &end))
        return false;
    const char *ekind = json_get_string(st, "kind") ? json_get_string(st, "kind") : "struct";
    for (int k = 0; k < v->nsub; k++) {
        if (!v->sub[k].is_struct && strcmp(ekind, "union")) { /* a union's may be a bare tag */
            psl_error(v->sub[k].pos, "an element of '%s' (%s) is a struct: give its fields in { }",
                      v->name, type);
            return false;
        }
        if (!set_value(r, msg, end, at + (uint32_t)k * size, ekind, json_get_string(st, "name"),
                       size, false, &v->sub[k]))
            return false;
    }
    return true;
}

static void put32(uint8_t *m, uint32_t v);

/* { offset : <n>, count : <n> } for a string, sequence or bytes field: its arena descriptor as
 * written, nothing in the arena, so that a test can send a descriptor that points outside the
 * message (a receiver would refuse it; the monitor sees it first and must not read there). */
static bool set_raw_desc(uint8_t *msg, uint32_t cap, uint32_t off, const struct pal_value *v)
{
    uint32_t d[2] = {0, 0};
    for (int i = 0; i < v->nsub; i++) {
        const struct pal_value *w = &v->sub[i];
        int k = !strcmp(w->name, "offset") ? 0 : !strcmp(w->name, "count") ? 1 : -1;
        if (k < 0 || w->is_struct || w->is_list || w->str || !int_fits(w, 4, false)) {
            psl_error(w->pos,
                      "'%s' is a descriptor: give { offset : <UInt32>, count : <UInt32> } or its "
                      "value",
                      v->name);
            return false;
        }
        d[k] = (uint32_t)w->value;
    }
    if (off + 8 > cap)
        return false;
    put_desc(msg + off, d[0], d[1]);
    return true;
}

/* A union at byte off: { <arm> : <value> } writes the arm's tag (a UInt32 at off) and its value
 * (at the arm's offset); a bare integer writes that tag and nothing else, so that a test can
 * send a tag naming no arm (which the receiver would refuse) or an arm with its bytes all 0. */
static bool set_union(struct run *r, uint8_t *msg, uint32_t cap, uint32_t off, const char *type,
                      const struct pal_value *v)
{
    const struct json *u = td_union(r->p->td, type);
    if (!u || off + 4 > cap)
        return false;
    if (!v->is_struct && !v->is_list && !v->str) {
        if (!int_fits(v, 4, false)) {
            psl_error(v->pos, "value out of range for the tag of '%s' (UInt32)", v->name);
            return false;
        }
        put32(msg + off, (uint32_t)v->value);
        return true;
    }
    if (!v->is_struct || v->nsub != 1) {
        psl_error(v->pos, "'%s' is a union (%s): give one arm, { <arm> : <value> }", v->name, type);
        return false;
    }
    const struct pal_value *a = &v->sub[0];
    const struct json *f = json_find(json_get(u, "fields"), "name", a->name);
    if (!f) {
        psl_error(a->pos, "unknown arm '%s' of union %s", a->name, type);
        return false;
    }
    put32(msg + off, (uint32_t)json_get_int(f, "tag", 0));
    return set_value(r, msg, cap, off + (uint32_t)json_get_int(f, "offset", 0),
                     json_get_string(f, "kind") ? json_get_string(f, "kind") : "",
                     json_get_string(f, "type") ? json_get_string(f, "type") : "",
                     (uint32_t)json_get_int(f, "size", 0), json_get_bool(f, "signed"), a);
}

static bool set_value(struct run *r, uint8_t *msg, uint32_t cap, uint32_t off, const char *kind,
                      const char *type, uint32_t size, bool sign, const struct pal_value *v)
{
    if (!strcmp(kind, "struct")) {
        if (!v->is_struct) {
            psl_error(v->pos, "'%s' is a struct: give its fields in { }", v->name);
            return false;
        }
        const struct json *st = td_struct(r->p->td, type);
        const struct json *fs = st ? json_get(st, "fields") : NULL;
        for (int i = 0; i < v->nsub; i++) {
            const struct json *f = json_find(fs, "name", v->sub[i].name);
            if (!f) {
                psl_error(v->sub[i].pos, "unknown field '%s' in struct %s", v->sub[i].name, type);
                return false;
            }
            if (!set_value(r, msg, cap, off + (uint32_t)json_get_int(f, "offset", 0),
                           json_get_string(f, "kind") ? json_get_string(f, "kind") : "",
                           json_get_string(f, "type") ? json_get_string(f, "type") : "",
                           (uint32_t)json_get_int(f, "size", 0), json_get_bool(f, "signed"),
                           &v->sub[i]))
                return false;
        }
        return true;
    }
    if (!strcmp(kind, "union"))
        return set_union(r, msg, cap, off, type, v);
    if (v->is_struct &&
        (!strcmp(kind, "string") || !strcmp(kind, "sequence") || !strcmp(kind, "bytes")))
        return set_raw_desc(msg, cap, off, v);
    if (!strcmp(kind, "string") && v->str != NULL)
        return set_string(msg, cap, off, v);
    if (v->is_list && (!strncmp(type, "sequence<array<", 15) || !strncmp(type, "array<array<", 12)))
        return set_array_list(r, msg, cap, off, kind, type, v);
    if (v->is_list && struct_elements(r, kind, type))
        return set_struct_list(r, msg, cap, off, kind, type, v);
    if (v->is_list &&
        (!strncmp(type, "sequence<string<", 16) || !strncmp(type, "array<string<", 13) ||
         !strncmp(type, "sequence<sequence<", 18) || !strncmp(type, "sequence<bytes<", 15) ||
         !strncmp(type, "array<sequence<", 15) || !strncmp(type, "array<bytes<", 12)))
        return set_nested_list(r, msg, cap, off, kind, type, v);
    if (v->is_list)
        return set_list(msg, cap, off, kind, type, v);
    if (strcmp(kind, "scalar") || v->is_struct || v->str != NULL) {
        psl_error(v->pos,
                  "'%s' (%s) cannot be given a value in a test: only integers, strings, lists, "
                  "structs and unions of them",
                  v->name, kind);
        return false;
    }
    uint64_t bits = v->negative ? (uint64_t)0 - v->value : v->value;
    if (!int_fits(v, size, sign)) {
        psl_error(v->pos, "value out of range for '%s' (%s)", v->name, type);
        return false;
    }
    if (off + size > cap)
        return false;
    for (uint32_t i = 0; i < size; i++)
        msg[off + i] = (uint8_t)(bits >> (8 * i));
    return true;
}

static void put32(uint8_t *m, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        m[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *m)
{
    return (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24;
}

/* A handle's value { handle : <SID>, rights : <mask>, type : <object type> } (any may be left
 * out: 0), written to its handle table entry at byte at; the type to *type, for the table of
 * types the kernel puts after the message (<bastion/object_type.h>). */
static bool set_handle(uint8_t *msg, uint32_t at, const struct pal_value *v, uint8_t *type)
{
    if (!v->is_struct) {
        psl_error(v->pos,
                  "'%s' is a handle: give it as { handle : <SID>, rights : <mask>, type : "
                  "<object type> }",
                  v->name);
        return false;
    }
    for (int i = 0; i < v->nsub; i++) {
        const struct pal_value *f = &v->sub[i];
        bool sid = !strcmp(f->name, "handle"), ty = !strcmp(f->name, "type");
        if (!sid && !ty && strcmp(f->name, "rights")) {
            psl_error(f->pos, "a handle has 'handle' (its SID), 'rights' and 'type', not '%s'",
                      f->name);
            return false;
        }
        if (f->is_struct || f->is_list || f->str || !int_fits(f, ty ? 1 : 4, false)) {
            psl_error(f->pos, "value out of range for '%s' (%s)", f->name, ty ? "UInt8" : "UInt32");
            return false;
        }
        if (ty)
            *type = (uint8_t)f->value;
        else
            put32(msg + at + (sid ? 0 : 4), (uint32_t)f->value);
    }
    return true;
}

/* Runs one case; returns 1 if it behaved as expected. */
static int step(struct run *r, const char *set, const char *seq, const struct pal_step *s)
{
    const struct policy *p = r->p;
    int errors = psl_errors();
    int src = -1, dst = -1;
    uint32_t src_sid = KSM_SID_NONE, dst_sid = KSM_SID_NONE;
    if (s->sel.v[SEL_SRC])
        src = who(r, s->sel.v[SEL_SRC], s->sel.pos[SEL_SRC], &src_sid);
    else if (s->event == KSM_EV_EXECUTE) {
        src = policy_class_id(p, "kl.core.Core");
        src_sid = KSM_SID_KERNEL;
        if (src < 0)
            psl_error(s->pos, "execute without src= starts from the kernel: add 'use EDL "
                              "kl.core.Core'");
    } else
        psl_error(s->pos, "a %s test case needs src=", psl_event_names[s->event]);
    if (s->sel.v[SEL_DST])
        dst = who(r, s->sel.v[SEL_DST], s->sel.pos[SEL_DST], &dst_sid);
    else if (s->event == KSM_EV_SECURITY) {
        dst = src;
        dst_sid = src_sid;
    } else
        psl_error(s->pos, "a %s test case needs dst=", psl_event_names[s->event]);
    if (psl_errors() > errors)
        return 0;

    int server = (s->event == KSM_EV_EXECUTE || s->event == KSM_EV_REQUEST) ? dst : src;
    uint32_t ep_id = 0, m_id = 0, size = KSM_HEADER_SIZE;
    static uint8_t msg[KSM_HEADER_SIZE + 65536];
    memset(msg, 0, sizeof msg);
    if (s->event != KSM_EV_EXECUTE) {
        const struct td_class *tc = p->classes[server].td;
        const struct td_iface *it = NULL;
        if (s->event == KSM_EV_SECURITY) {
            it = tc->security;
            ep_id = KSM_SECURITY_ENDPOINT;
            if (!it) {
                psl_error(s->pos, "class '%s' has no security interface", tc->name);
                return 0;
            }
        } else {
            if (!s->sel.v[SEL_ENDPOINT]) {
                psl_error(s->pos, "a %s test case needs endpoint=", psl_event_names[s->event]);
                return 0;
            }
            for (int e = 0; e < tc->nendpoints && !it; e++)
                if (!strcmp(tc->endpoints[e].name, s->sel.v[SEL_ENDPOINT])) {
                    it = tc->endpoints[e].iface;
                    ep_id = (uint32_t)e;
                }
            if (!it) {
                psl_error(s->sel.pos[SEL_ENDPOINT], "unknown endpoint '%s' of class '%s'",
                          s->sel.v[SEL_ENDPOINT], tc->name);
                return 0;
            }
        }
        if (!s->sel.v[SEL_METHOD]) {
            psl_error(s->pos, "a %s test case needs method=", psl_event_names[s->event]);
            return 0;
        }
        int mid;
        const struct td_method *m = td_method(it, s->sel.v[SEL_METHOD], &mid);
        if (!m) {
            psl_error(s->sel.pos[SEL_METHOD], "unknown method '%s' of interface %s",
                      s->sel.v[SEL_METHOD], it->name);
            return 0;
        }
        m_id = (uint32_t)mid;
        int part = s->event == KSM_EV_RESPONSE ? TD_OUT : s->event == KSM_EV_ERROR ? TD_ERR : TD_IN;
        size += m->fixed_size[part];
        put32(msg, ep_id == KSM_SECURITY_ENDPOINT ? 0 : ep_id);
        put32(msg + 4, m_id);
        put32(msg + 8, m->fixed_size[part]);
        msg[18] = part == TD_OUT ? 1 : part == TD_ERR ? 3 : 0;
        /* Handles: each Handle parameter is its index into the table after the fixed part,
         * whose entries {SID, rights} (as the kernel shows the monitor) come from the values;
         * the arena follows the table. */
        uint32_t table = KSM_HEADER_SIZE + ((m->fixed_size[part] + 7u) & ~7u), nh = 0;
        for (int k = 0; k < m->nparams; k++)
            if (m->params[k].dir == part && !strcmp(m->params[k].kind, "handle")) {
                put32(msg + KSM_HEADER_SIZE + m->params[k].offset, nh);
                nh++;
            }
        msg[16] = (uint8_t)nh;
        msg[17] = (uint8_t)(nh >> 8);
        pal_arena = (struct arena){table + 8 * nh, 0};
        uint8_t types[64] = {0};
        for (int i = 0; i < s->msg.nsub; i++) {
            const struct pal_value *v = &s->msg.sub[i];
            const struct td_param *par = NULL;
            for (int k = 0; k < m->nparams && !par; k++)
                if (m->params[k].dir == part && !strcmp(m->params[k].name, v->name))
                    par = &m->params[k];
            if (!par) {
                psl_error(v->pos, "unknown field '%s' of method %s.%s", v->name, it->name, m->name);
                return 0;
            }
            if (!strcmp(par->kind, "handle")) {
                uint32_t k = get32(msg + KSM_HEADER_SIZE + par->offset);
                if (!set_handle(msg, table + 8 * k, v, &types[k % 64]))
                    return 0;
                continue;
            }
            if (!set_value(r, msg, size, KSM_HEADER_SIZE + par->offset, par->kind, par->type,
                           par->size, par->is_signed, v))
                return 0;
        }
        if (nh != 0 && size < pal_arena.base)
            size = pal_arena.base; /* the handle table is part of the message */
        if (pal_arena.used != 0) {
            put32(msg + 12, pal_arena.used);
            size = pal_arena.base + pal_arena.used;
        }
        /* The handles' object types after the message, padded to 8, as the kernel shows the
         * monitor a message between processes or to and from its core endpoints
         * (kern/ipc/msg.h). */
        if (nh != 0 && nh <= 64 && s->event != KSM_EV_SECURITY &&
            size + (nh + 7u) / 8u * 8u <= 65536u) {
            memcpy(msg + size, types, nh);
            size += (nh + 7u) / 8u * 8u;
        }
    } else if (s->has_msg && s->msg.nsub) {
        psl_error(s->msg.sub[0].pos, "execute events carry no message");
        return 0;
    }

    if (s->event == KSM_EV_EXECUTE)
        dst_sid = r->next_sid; /* the process this execute starts */
    struct ksm_verdict v =
        ksm_decide_state(r->t, &r->st, (uint32_t)s->event, (uint32_t)src, (uint32_t)dst, src_sid,
                         dst_sid, ep_id, m_id, msg, size);
    bool granted = v.verdict == KSM_GRANTED;
    if (s->event == KSM_EV_EXECUTE && granted)
        r->next_sid++; /* past the store: its stateful rules deny (no-process-state) */
    const char *name = s->name ? s->name : (s->bind ? s->bind : psl_event_names[s->event]);
    if (s->expect == PAL_ANY || granted == (s->expect == PAL_GRANT)) {
        /* `any` passes whatever the decision; the line says which it was */
        fprintf(r->out, "ok   %s / %s / %s%s\n", set, seq, name,
                s->expect != PAL_ANY ? ""
                : granted            ? " (any: granted)"
                                     : " (any: denied)");
        if (s->bind && granted && r->nvars < PAL_PROCESSES_MAX)
            r->vars[r->nvars++] = (struct var){s->bind, dst, dst_sid};
        return 1;
    }
    char rule[256] = "no rule applies";
    bool names_field = v.reason == KSM_R_FIELD_BOUNDS || v.reason == KSM_R_UNION_ARM;
    if (v.rule && v.rule < r->t->nlocs) {
        const struct ksm_loc *l = &r->t->locs[v.rule];
        snprintf(rule, sizeof rule, "rule at %s:%u:%u", r->t->files[l->file], l->line, l->col);
    }
    fprintf(r->out, "%s:%d:%d: FAIL %s / %s / %s: expected %s, got %s (%s; %s%s%s)\n", s->pos.file,
            s->pos.line, s->pos.col, set, seq, name, s->expect == PAL_GRANT ? "grant" : "deny",
            granted ? "grant" : "deny", ksm_reason_name(v.reason), rule,
            names_field ? "; field " : "",
            names_field && v.field < r->t->nfields ? r->t->fields[v.field] : "");
    return 0;
}

int psl_pal_run(const struct policy *p, const struct ksm_table *t, FILE *out, int *passed)
{
    struct run r = {
        p, t, out, {{0}}, 0, 1, {NULL, PAL_PROCESSES_MAX + 1, NULL, NULL, NULL, NULL, NULL, NULL}};
    r.st.flow = psl_alloc((size_t)(PAL_PROCESSES_MAX + 1) * t->nflows + 1);
    r.st.set_of = psl_alloc(sizeof(uint32_t) * ((size_t)(PAL_PROCESSES_MAX + 1) * t->nsets + 1));
    r.st.set_words = psl_alloc(sizeof(uint64_t) * ((size_t)t->nset_words + 1));
    r.st.map_of = psl_alloc(sizeof(uint32_t) * ((size_t)(PAL_PROCESSES_MAX + 1) * t->nmaps + 1));
    r.st.map_words = psl_alloc(sizeof(uint64_t) * ((size_t)t->nmap_words + 1));
    size_t nmic_subj = (size_t)(PAL_PROCESSES_MAX + 1) * t->nmics * 2;
    r.st.mic_subj = psl_alloc(sizeof(uint64_t) * (nmic_subj + 1));
    r.st.res = psl_alloc(sizeof(uint64_t) * ((size_t)t->nres_words + 1));
    int failed = 0;
    *passed = 0;
    for (int a = 0; a < p->nasserts; a++) {
        const struct pal_assert *as = &p->asserts[a];
        int nseq = as->nseqs ? as->nseqs : 1;
        for (int q = 0; q < nseq; q++) {
            const struct pal_seq *seq = as->nseqs ? &as->seqs[q] : &as->setup;
            r.nvars = 0;
            r.next_sid = 1;
            memset(r.st.flow, 0, (size_t)(PAL_PROCESSES_MAX + 1) * t->nflows);
            memset(r.st.set_of, 0, sizeof(uint32_t) * (PAL_PROCESSES_MAX + 1) * t->nsets);
            memset(r.st.set_words, 0, sizeof(uint64_t) * t->nset_words);
            memset(r.st.map_of, 0, sizeof(uint32_t) * (PAL_PROCESSES_MAX + 1) * t->nmaps);
            memset(r.st.map_words, 0, sizeof(uint64_t) * t->nmap_words);
            memset(r.st.mic_subj, 0, sizeof(uint64_t) * nmic_subj);
            memset(r.st.res, 0, sizeof(uint64_t) * t->nres_words);
            for (int pass = 0; pass < 2; pass++) {
                const struct pal_seq *steps = pass == 0 ? &as->setup : seq;
                if (pass == 1 && !as->nseqs)
                    break;
                for (int i = 0; i < steps->nsteps; i++) {
                    if (step(&r, as->name, seq->name ? seq->name : "setup", &steps->steps[i]))
                        (*passed)++;
                    else
                        failed++;
                }
            }
        }
    }
    psl_free(r.st.flow);
    psl_free(r.st.set_of);
    psl_free(r.st.set_words);
    psl_free(r.st.map_of);
    psl_free(r.st.map_words);
    psl_free(r.st.mic_subj);
    psl_free(r.st.res);
    fprintf(out, "PAL: %d passed, %d failed\n", *passed, failed);
    return failed;
}
