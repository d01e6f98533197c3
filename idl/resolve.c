/*
 * Name binding, constant evaluation and layout.
 *
 * Layout rules (the wire ABI, docs/message-format.md): natural C alignment; integers are their
 * width; a Handle parameter is a UInt32 index into the handle table; sequence/bytes/string
 * parameters are an {UInt32 offset; UInt32 count} descriptor (size 8, align 4); a union is a
 * UInt32 tag followed by the arms at the arms' largest alignment. Generated C structs mirror
 * this and the generated code _Static_asserts every offset, so C and this file cannot drift.
 */
#include "resolve.h"

#include <string.h>

#include "diag.h"
#include "lexer.h"
#include "parser.h"
#include "runtime/bastion_idl.h"

#define BOUND_MAX 65536u

static uint64_t round_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) / a * a;
}

/* Looks a name up from package p: local, then imports, or fully qualified. */
static struct decl *lookup(struct model *m, struct package *p, const char *name, struct loc loc)
{
    const char *dot = strrchr(name, '.');
    if (dot) {
        char *pkgname = xstrndup(name, (size_t)(dot - name));
        struct package *q = model_find_package(m, pkgname);
        struct decl *d = q ? package_find_decl(q, dot + 1) : NULL;
        if (!d)
            diag_error(loc, "unknown name '%s'%s", name, q ? "" : " (is its package imported?)");
        return d;
    }
    struct decl *d = package_find_decl(p, name);
    if (d)
        return d;
    struct decl *found = NULL;
    for (int i = 0; i < p->nimports; i++) {
        struct decl *c = p->imports[i].pkg ? package_find_decl(p->imports[i].pkg, name) : NULL;
        if (c && found && c != found)
            diag_error(loc, "'%s' is ambiguous: defined in '%s' and '%s'", name, found->pkg->name,
                       c->pkg->name);
        if (c)
            found = c;
    }
    if (!found)
        diag_error(loc, "unknown type or constant '%s'", name);
    return found;
}

static void resolve_decl(struct model *m, struct decl *d);

/*
 * Constant folding in 64-bit signed arithmetic with no undefined behaviour: every result
 * that C would leave undefined is a named error at the operator's position.
 *   constant overflow   + - * ** and unary - whose result does not fit in 64 bits, and a
 *                       left shift that drops significant bits
 *   division by zero    x / 0, x % 0
 *   division overflow   INT64_MIN / -1 and INT64_MIN % -1
 *   shift out of range  a shift count below 0 or above 63
 *   negative shift      a left shift of a negative value
 * A right shift of a negative value is arithmetic (rounds toward minus infinity).
 * The tree's depth is bounded by the parser (IDL_NESTING_MAX), so the recursion is too.
 */
static _Noreturn void overflow(struct loc loc, const char *op)
{
    diag_error(loc, "constant overflow: '%s' does not fit in 64 bits", op);
}

static int64_t fold_pow(int64_t a, int64_t b, struct loc loc)
{
    if (b < 0)
        diag_error(loc, "negative exponent");
    /* Bases -1, 0 and 1 never overflow, so an exponent's size must not mean a long loop;
     * any other base overflows within 64 multiplications. */
    if (a == 0)
        return b == 0 ? 1 : 0;
    if (a == 1)
        return 1;
    if (a == -1)
        return (b & 1) ? -1 : 1;
    int64_t r = 1;
    while (b > 0) {
        if (__builtin_mul_overflow(r, a, &r))
            overflow(loc, "**");
        b--;
    }
    return r;
}

static int64_t eval(struct model *m, struct package *p, const struct expr *e)
{
    switch (e->op) {
    case EX_NUM:
        return e->num;
    case EX_NAME: {
        struct decl *d = lookup(m, p, e->name, e->loc);
        if (d->kind != D_CONST)
            diag_error(e->loc, "'%s' is a type, not a constant", e->name);
        if (d->state == 1)
            diag_error(e->loc, "constant '%s' is defined in terms of itself", e->name);
        resolve_decl(m, d);
        return d->value;
    }
    case EX_NEG: {
        int64_t v = eval(m, p, e->a), r;
        if (__builtin_sub_overflow((int64_t)0, v, &r))
            overflow(e->loc, "-");
        return r;
    }
    case EX_NOT:
        return ~eval(m, p, e->a);
    case EX_BIN:
        break;
    }
    int64_t a = eval(m, p, e->a), b = eval(m, p, e->b), r;
    switch (e->bin) {
    case TK_PLUS:
        if (__builtin_add_overflow(a, b, &r))
            overflow(e->loc, "+");
        return r;
    case TK_MINUS:
        if (__builtin_sub_overflow(a, b, &r))
            overflow(e->loc, "-");
        return r;
    case TK_STAR:
        if (__builtin_mul_overflow(a, b, &r))
            overflow(e->loc, "*");
        return r;
    case TK_SLASH:
    case TK_PERCENT:
        if (b == 0)
            diag_error(e->loc, "division by zero in constant expression");
        if (a == INT64_MIN && b == -1)
            diag_error(e->loc, "division overflow: %s of the smallest 64-bit value by -1",
                       e->bin == TK_SLASH ? "division" : "remainder");
        return e->bin == TK_SLASH ? a / b : a % b;
    case TK_SHL:
    case TK_SHR:
        if (b < 0 || b > 63)
            diag_error(e->loc, "shift out of range: count %lld is not in 0..63", (long long)b);
        if (e->bin == TK_SHR)
            return a >= 0 ? a >> b : ~(~a >> b);
        if (a < 0)
            diag_error(e->loc, "negative shift: left shift of the negative value %lld",
                       (long long)a);
        if (b > 0 && (uint64_t)a >> (63 - b) != 0)
            overflow(e->loc, "<<");
        return (int64_t)((uint64_t)a << b);
    case TK_AMP:
        return a & b;
    case TK_PIPE:
        return a | b;
    case TK_CARET:
        return a ^ b;
    case TK_POW:
        return fold_pow(a, b, e->loc);
    default:
        diag_error(e->loc, "bad operator");
    }
}

/* Computes size/align; enforces where handles, sequences and strings may appear. */
static void type_layout(struct model *m, struct package *p, struct type *t, uint32_t *size,
                        uint32_t *align);

static void resolve_type(struct model *m, struct package *p, struct type *t)
{
    switch (t->kind) {
    case TY_NAMED:
        if (!t->decl) {
            t->decl = lookup(m, p, t->name, t->loc);
            if (t->decl->kind == D_CONST)
                diag_error(t->loc, "'%s' is a constant, not a type", t->name);
        }
        if (t->decl->state == 1)
            diag_error(t->loc, "type '%s' contains itself", t->name);
        resolve_decl(m, t->decl);
        return;
    case TY_STRING:
    case TY_BYTES:
    case TY_SEQ:
    case TY_ARRAY: {
        int64_t v = eval(m, p, t->bound_expr);
        if (v < 1 || (uint64_t)v > BOUND_MAX)
            diag_error(t->bound_expr->loc, "out-of-range bound %lld (must be 1..%u)", (long long)v,
                       BOUND_MAX);
        t->bound = (uint64_t)v;
        if (t->elem) {
            resolve_type(m, p, t->elem);
            /* Anything but a handle: strings and sequences in an array are descriptors in
             * place; nested elements of a sequence are wire forms in the arena, with
             * descriptors of their own (docs/message-format.md). */
            if (type_wire_kind(t->elem) == WK_HANDLE)
                diag_error(t->elem->loc,
                           "%s elements may not be handles: handles may only be "
                           "method parameters",
                           t->kind == TY_ARRAY ? "array" : "sequence");
            /* The runtime recurses once per level of sequences of nested elements. */
            if (t->kind == TY_SEQ && type_seq_levels(t) > (int)IDL_SEQ_NEST_MAX)
                diag_error(t->loc,
                           "sequences nested too deep: more than %u levels of sequences of "
                           "strings, sequences or nested types",
                           IDL_SEQ_NEST_MAX);
        }
        return;
    }
    default:
        return;
    }
}

static void type_layout(struct model *m, struct package *p, struct type *t, uint32_t *size,
                        uint32_t *align)
{
    resolve_type(m, p, t);
    if (t->kind == TY_ARRAY) {
        uint32_t es, ea;
        type_layout(m, p, t->elem, &es, &ea); /* resolves the element first */
        uint64_t total = (uint64_t)es * t->bound;
        if (total > IDL_MESSAGE_MAX)
            diag_error(t->loc,
                       "out-of-range bound: array of %llu bytes exceeds the %u-byte message limit",
                       (unsigned long long)total, IDL_MESSAGE_MAX);
    }
    type_wire_layout(t, size, align);
}

void type_wire_layout(const struct type *t, uint32_t *size, uint32_t *align)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_INT:
        *size = *align = (uint32_t)t->bits / 8;
        return;
    case TY_HANDLE:
        *size = *align = 4;
        return;
    case TY_STRING:
    case TY_BYTES:
    case TY_SEQ:
        *size = 8;
        *align = 4;
        return;
    case TY_ARRAY: {
        uint32_t es;
        type_wire_layout(t->elem, &es, align); /* depth bounded by the parser */
        /* at most the message limit once type_layout let it pass */
        *size = (uint32_t)((uint64_t)es * t->bound);
        return;
    }
    case TY_NAMED:
        *size = t->decl->size;
        *align = t->decl->align;
        return;
    }
}

/* The C form: as on the wire, except that a string is `const char *` and a bytes/sequence is
 * `struct idl_seq` (pointer, count, pointer), so structs holding them differ. The generated
 * header _Static_asserts these too. */
#define NATIVE_SEQ_SIZE 24u /* sizeof(struct idl_seq) on x86-64 */
/* gen_c.c used sizeof(struct idl_seq) of the host idlc runs on: the same on a 64-bit host. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct idl_seq) == NATIVE_SEQ_SIZE, "struct idl_seq "
                                                                                 "is the C form's "
                                                                                 "sequence");
void type_native_layout(const struct type *t, uint64_t *size, uint32_t *align)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_INT:
        *size = *align = (uint32_t)t->bits / 8;
        return;
    case TY_HANDLE:
        *size = *align = 4;
        return;
    case TY_STRING:
        *size = *align = 8;
        return;
    case TY_BYTES:
    case TY_SEQ:
        *size = NATIVE_SEQ_SIZE;
        *align = 8;
        return;
    case TY_ARRAY: {
        uint64_t es;
        type_native_layout(t->elem, &es, align); /* depth bounded by the parser */
        *size = es * t->bound;
        return;
    }
    case TY_NAMED:
        *size = t->decl->nsize;
        *align = t->decl->nalign;
        return;
    }
}

/*
 * The most arena bytes a value of a resolved type can use: each string and sequence at its
 * bound plus 7 bytes of alignment; a union's largest arm (a sender writes only the selected
 * one). Clamped at 2^32, far above the message limit, so that arrays of arrays (each level at
 * most 2^16 elements) cannot overflow 64 bits; the method's size check then refuses it.
 */
#define ARENA_CLAMP ((uint64_t)1 << 32)
static uint64_t arena_max_of(struct model *m, struct package *p, const struct type *t)
{
    t = type_strip(t);
    uint64_t r = 0;
    switch (t->kind) {
    case TY_STRING:
        r = t->bound + 1 + 7;
        break;
    case TY_BYTES:
        r = t->bound + 7;
        break;
    case TY_SEQ: {
        /* The run of elements (a string's is its descriptor), then what each element's
         * strings and sequences hold, at their largest. */
        uint32_t es, ea;
        type_layout(m, p, t->elem, &es, &ea);
        r = t->bound * es + 7 + t->bound * arena_max_of(m, p, t->elem);
        break;
    }
    case TY_ARRAY:
        r = t->bound * arena_max_of(m, p, t->elem);
        break;
    case TY_NAMED:
        r = t->decl->arena_max;
        break;
    default:
        break;
    }
    return r > ARENA_CLAMP ? ARENA_CLAMP : r;
}

/* Levels of struct/union/array/sequence in a resolved type (an integer, handle or string is
 * 0); named types carry theirs. The
 * recursion follows only the array/sequence levels written in place (bounded by the parser). */
static int type_depth(const struct type *t)
{
    switch (t->kind) {
    case TY_SEQ:
    case TY_ARRAY:
        return 1 + type_depth(t->elem);
    case TY_NAMED:
        return t->decl->depth;
    default:
        return 0;
    }
}

/* Definitions resolved inside one another right now (a name used before its definition
 * resolves that definition first). */
static int resolving;

static void resolve_decl(struct model *m, struct decl *d)
{
    if (d->state == 2)
        return;
    if (++resolving > IDL_NESTING_MAX)
        nesting_too_deep(d->loc, "definitions used before they are defined");
    d->state = 1;
    struct package *p = d->pkg;
    switch (d->kind) {
    case D_CONST: {
        resolve_type(m, p, d->type);
        const struct type *t = type_strip(d->type);
        if (t->kind != TY_INT)
            diag_error(d->type->loc, "constant '%s' must have an integer type", d->name);
        int64_t v = eval(m, p, d->value_expr);
        bool fits;
        if (t->is_signed)
            fits = t->bits == 64 ||
                   (v >= -(INT64_C(1) << (t->bits - 1)) && v < (INT64_C(1) << (t->bits - 1)));
        else
            fits = v >= 0 && (t->bits == 64 || v < (INT64_C(1) << t->bits));
        if (!fits)
            diag_error(d->value_expr->loc, "value %lld does not fit in %s", (long long)v,
                       t->int_name);
        d->value = v;
        break;
    }
    case D_TYPEDEF:
        type_layout(m, p, d->type, &d->size, &d->align);
        d->stripped = type_strip(d->type); /* O(1): a named typedef inside is resolved already */
        d->depth = type_depth(d->type);
        d->seq_levels = type_seq_levels(d->type);
        if (d->depth > IDL_NESTING_MAX)
            nesting_too_deep(d->type->loc, "types");
        break;
    case D_STRUCT:
    case D_UNION: {
        /* The wire layout (off, maxsize, maxalign) and the C layout (noff, nmaxsize,
         * nmaxalign) side by side: they are the same unless a string or sequence is inside. */
        uint64_t off = 0, maxsize = 0, noff = 0, nmaxsize = 0;
        uint32_t maxalign = 1, nmaxalign = 1;
        d->has_union = d->kind == D_UNION;
        for (int i = 0; i < d->nfields; i++) {
            struct field *f = &d->fields[i];
            uint32_t fs, fa, nfa;
            uint64_t nfs;
            type_layout(m, p, f->type, &fs, &fa);
            type_native_layout(f->type, &nfs, &nfa);
            if (type_depth(f->type) >= d->depth)
                d->depth = type_depth(f->type) + 1;
            if (type_seq_levels(f->type) > d->seq_levels)
                d->seq_levels = type_seq_levels(f->type);
            if (d->depth > IDL_NESTING_MAX)
                nesting_too_deep(f->type->loc, "types");
            if (type_wire_kind(f->type) == WK_HANDLE)
                diag_error(f->type->loc, "field '%s': handles may only be method parameters",
                           f->name);
            if (type_is_var(f->type)) {
                d->var = true;
                uint64_t a = arena_max_of(m, p, f->type);
                if (d->kind == D_STRUCT)
                    d->arena_max += a;
                else if (a > d->arena_max)
                    d->arena_max = a;
                if (d->arena_max > ARENA_CLAMP)
                    d->arena_max = ARENA_CLAMP;
            }
            d->has_union |= type_has_union(f->type);
            if (fa > maxalign)
                maxalign = fa;
            if (nfa > nmaxalign)
                nmaxalign = nfa;
            if (d->kind == D_STRUCT) {
                off = round_up(off, fa);
                f->offset = (uint32_t)off;
                off += fs;
                noff = round_up(noff, nfa);
                f->noffset = (uint32_t)noff;
                noff += nfs;
            } else {
                if (fs > maxsize)
                    maxsize = fs;
                if (nfs > nmaxsize)
                    nmaxsize = nfs;
            }
        }
        if (d->kind == D_UNION) {
            d->payload_offset = (uint32_t)round_up(4, maxalign);
            d->npayload_offset = (uint32_t)round_up(4, nmaxalign);
            for (int i = 0; i < d->nfields; i++) {
                d->fields[i].offset = d->payload_offset;
                d->fields[i].noffset = d->npayload_offset;
            }
            off = d->payload_offset + maxsize;
            noff = d->npayload_offset + nmaxsize;
            if (maxalign < 4)
                maxalign = 4;
            if (nmaxalign < 4)
                nmaxalign = 4;
        }
        noff = round_up(noff, nmaxalign);
        /* A small multiple of the wire size (an 8-byte descriptor becomes at most 24 bytes,
         * plus padding to 8), and the wire size is checked below: it fits in 32 bits. */
        d->nsize = (uint32_t)noff;
        d->nalign = nmaxalign;
        off = round_up(off, maxalign);
        if (off > IDL_MESSAGE_MAX)
            diag_error(d->loc,
                       "out-of-range bound: '%s' is %llu bytes, above the %u-byte message limit",
                       d->name, (unsigned long long)off, IDL_MESSAGE_MAX);
        d->size = (uint32_t)off;
        d->align = maxalign;
        break;
    }
    }
    d->state = 2;
    resolving--;
}

static void layout_method(struct model *m, struct package *p, struct method *mt)
{
    uint64_t off[NPARTS] = {0};
    for (int part = 0; part < NPARTS; part++)
        mt->fixed_align[part] = 1;
    for (int i = 0; i < mt->nparams; i++) {
        struct param *pr = &mt->params[i];
        type_layout(m, p, pr->type, &pr->size, &pr->align);
        pr->wk = type_wire_kind(pr->type);
        int part = (int)pr->dir;
        off[part] = round_up(off[part], pr->align);
        pr->offset = (uint32_t)off[part];
        off[part] += pr->size;
        if (pr->align > mt->fixed_align[part])
            mt->fixed_align[part] = pr->align;
        if (pr->wk == WK_HANDLE)
            mt->handles[part]++;
        else
            mt->arena_max[part] += arena_max_of(m, p, pr->type);
        if (mt->arena_max[part] > ARENA_CLAMP)
            mt->arena_max[part] = ARENA_CLAMP;
    }
    static const char *const part_name[NPARTS] = {"request", "response", "error response"};
    for (int part = 0; part < NPARTS; part++) {
        mt->fixed_size[part] = (uint32_t)round_up(off[part], mt->fixed_align[part]);
        if (mt->handles[part] > IDL_HANDLES_MAX)
            diag_error(mt->loc, "method '%s': %u handles in its %s, the limit is %u", mt->name,
                       mt->handles[part], part_name[part], IDL_HANDLES_MAX);
        uint64_t total =
            IDL_HEADER_SIZE + round_up(off[part], 8) + 8u * mt->handles[part] + mt->arena_max[part];
        if (total > IDL_MESSAGE_MAX)
            diag_error(mt->loc,
                       "out-of-range bound: the largest %s of '%s' is %llu bytes, above the "
                       "%u-byte limit",
                       part_name[part], mt->name, (unsigned long long)total, IDL_MESSAGE_MAX);
    }
}

void resolve_all(struct model *m)
{
    resolving = 0; /* an earlier run may have ended in an error, deep inside */
    for (int i = 0; i < m->npkgs; i++) {
        struct package *p = m->pkgs[i];
        for (int j = 0; j < p->ndecls; j++)
            resolve_decl(m, p->decls[j]);
        if (p->nmethods > 255)
            diag_error(p->iface_loc, "interface '%s' has %d methods, the limit is 255", p->name,
                       p->nmethods);
        for (int j = 0; j < p->nmethods; j++)
            layout_method(m, p, &p->methods[j]);
    }
}

/* Depth-first: own endpoints, then each component instance's, prefixed by its name. */
static void flatten(struct unit *root, struct unit *u, const char *prefix,
                    struct flat_endpoint **out, int *n)
{
    for (int i = 0; i < u->neps; i++) {
        /* Each instance repeats its component's endpoints: a few lines can multiply them. */
        if (*n == IDL_CLASS_ENDPOINTS_MAX)
            diag_error(root->loc,
                       "too many endpoints: '%s' has more than %d once its components are "
                       "flattened",
                       root->name, IDL_CLASS_ENDPOINTS_MAX);
        struct flat_endpoint *f = VEC_PUSH(*out, *n);
        f->path = prefix ? xprintf("%s.%s", prefix, u->eps[i].name) : u->eps[i].name;
        f->pkg = u->eps[i].pkg;
    }
    for (int i = 0; i < u->ninsts; i++)
        flatten(root, u->insts[i].unit,
                prefix ? xprintf("%s.%s", prefix, u->insts[i].name) : u->insts[i].name, out, n);
}

int unit_endpoints(struct unit *u, struct flat_endpoint **out)
{
    int n = 0;
    *out = NULL;
    flatten(u, u, NULL, out, &n); /* recursion bounded by u->depth (loader.c) */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (strcmp((*out)[i].path, (*out)[j].path) == 0)
                diag_error(u->loc, "endpoint path '%s' occurs twice in '%s'", (*out)[i].path,
                           u->name);
    return n;
}
