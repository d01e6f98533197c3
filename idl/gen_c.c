/*
 * C backend. Per package a.b.C: a/b/C.idl.h (constants, types, method ids, wire structs
 * with _Static_asserted offsets, proxy and dispatcher prototypes) and a/b/C.idl.c (the
 * method description tables, the proxies and the dispatcher). Per class a.b.K: a/b/K.edl.h/.c
 * (endpoint ids and the endpoint table). The code is table-driven: proxies and dispatchers
 * pass native values to the runtime (idl/runtime), which does all message handling; methods
 * with one fixed message layout get straight-line code instead (gen_c_direct.c), which leaves
 * every unusual message to the same runtime.
 */
#include "gen.h"

#include <string.h>

#include "diag.h"
#include "gen_c_direct.h"
#include "output.h"
#include "resolve.h"
#include "runtime/bastion_idl.h"

static char *c_prefix(const char *qname)
{
    char *s = xstrdup(qname);
    for (char *c = s; *c; c++)
        if (*c == '.')
            *c = '_';
    return s;
}

static char *rel_path(const char *qname, const char *ext)
{
    char *s = xprintf("%s%s", qname, ext);
    for (char *c = s; c < s + strlen(qname); c++)
        if (*c == '.')
            *c = '/';
    return s;
}

/* C keywords (and names the generated code uses) get a trailing '_'. */
static const char *c_name(const char *n)
{
    static const char *const kw[] = {
        "auto",     "break",  "case",   "char",     "const",    "continue", "default",  "do",
        "double",   "else",   "enum",   "extern",   "float",    "for",      "goto",     "if",
        "inline",   "int",    "long",   "register", "restrict", "return",   "short",    "signed",
        "sizeof",   "static", "struct", "switch",   "typedef",  "union",    "unsigned", "void",
        "volatile", "while",  "bool",   "true",     "false",    "asm",      "typeof",
    };
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strcmp(n, kw[i]) == 0)
            return xprintf("%s_", n);
    if (strncmp(n, "idl_", 4) == 0)
        return xprintf("%s_", n);
    return n;
}

/* Doc text inside a generated C comment: no comment openers or closers. */
static char *c_comment(const char *doc)
{
    char *s = xstrdup(doc);
    for (char *c = s; c[0] && c[1]; c++)
        if ((c[0] == '*' && c[1] == '/') || (c[0] == '/' && c[1] == '*'))
            c[0] = '_';
    return s;
}

static const char *int_ctype(const struct type *t)
{
    static const char *const u[] = {"uint8_t", "uint16_t", "uint32_t", "uint64_t"};
    static const char *const s[] = {"int8_t", "int16_t", "int32_t", "int64_t"};
    int i = t->bits == 8 ? 0 : t->bits == 16 ? 1 : t->bits == 32 ? 2 : 3;
    return t->is_signed ? s[i] : u[i];
}

/*
 * A C declaration of `inner` with type t (plain types only; arrays nest). The array levels'
 * "[N]" are appended to one buffer, outermost first, so the text is built in time linear in
 * its length (copying the declarator once per level would be quadratic in the depth).
 */
static char *c_decl_form(const struct type *t, const char *inner, bool wire)
{
    struct sbuf dims = {0};
    for (;;) {
        if (t->kind == TY_ARRAY) {
            sb_printf(&dims, "[%llu]", (unsigned long long)t->bound);
            t = t->elem;
        } else if (t->kind == TY_NAMED && t->decl->kind == D_TYPEDEF &&
                   type_wire_kind(t->decl->type) != WK_PLAIN &&
                   type_wire_kind(t->decl->type) != WK_NESTED) {
            t = type_strip(t->decl->type); /* Handle, string and sequence typedefs have no C name */
        } else {
            break;
        }
    }
    if (dims.n)
        inner = inner[0] == '*' ? xprintf("(%s)%s", inner, dims.s) : xprintf("%s%s", inner, dims.s);
    switch (t->kind) {
    case TY_INT:
        return xprintf("%s %s", int_ctype(t), inner);
    case TY_NAMED: {
        struct decl *d = t->decl;
        /* A nested type's wire form is a second C type, <name>_wire. */
        const char *suffix = wire && type_is_var(t) ? "_wire" : "";
        if (d->kind == D_TYPEDEF)
            return xprintf("%s%s %s", c_prefix(d->qname), suffix, inner);
        return xprintf("struct %s%s %s", c_prefix(d->qname), suffix, inner);
    }
    case TY_HANDLE:
        return xprintf("idl_handle_t %s", inner);
    case TY_STRING:
        return wire ? xprintf("struct idl_desc %s", inner) : xprintf("const char *%s", inner);
    default:
        return xprintf("struct idl_%s %s", wire ? "desc" : "seq", inner);
    }
}

/* The C form (what proxies, handlers and the generated types use). */
static char *c_decl(const struct type *t, const char *inner)
{
    return c_decl_form(t, inner, false);
}

static char *const_value(const struct decl *d)
{
    const struct type *t = type_strip(d->type);
    if (d->value == INT64_MIN)
        return xprintf("((%s)(-9223372036854775807LL - 1))", int_ctype(t));
    if (t->is_signed)
        return xprintf("((%s)(%lldLL))", int_ctype(t), (long long)d->value);
    return xprintf("((%s)%lluULL)", int_ctype(t), (unsigned long long)d->value);
}

/* --- union tag flattening ------------------------------------------------------------------ */

#define TAGS_MAX 256

static void collect_tags(const struct type *t, uint32_t base, uint32_t *tags, int *n,
                         struct loc loc)
{
    t = type_strip(t);
    if (t->kind == TY_ARRAY) {
        uint32_t es = 0;
        const struct type *e = type_strip(t->elem);
        if (e->kind == TY_INT)
            return;
        es = e->kind == TY_ARRAY ? 0 : e->decl->size;
        if (e->kind == TY_ARRAY) {
            /* Element size of a nested array: product of counts times the leaf size. */
            uint64_t sz = 1;
            const struct type *x = e;
            while (x->kind == TY_ARRAY) {
                sz *= x->bound;
                x = type_strip(x->elem);
            }
            if (x->kind == TY_INT)
                return;
            es = (uint32_t)(sz * x->decl->size);
        }
        for (uint64_t i = 0; i < t->bound; i++)
            collect_tags(e, base + (uint32_t)i * es, tags, n, loc);
        return;
    }
    if (t->kind != TY_NAMED)
        return;
    struct decl *d = t->decl;
    if (d->kind == D_UNION) {
        if (*n >= TAGS_MAX)
            diag_error(loc, "more than %d union tags in one parameter", TAGS_MAX);
        tags[2 * *n] = base;
        tags[2 * *n + 1] = (uint32_t)d->nfields;
        (*n)++;
        return; /* arms overlap: only the selected arm's unions could be checked */
    }
    for (int i = 0; i < d->nfields; i++)
        collect_tags(d->fields[i].type, base + d->fields[i].offset, tags, n, loc);
}

/* --- nested parameters: the item list ------------------------------------------------------ */

/*
 * Pieces of one nested parameter; a description beyond this (e.g. a long array of structs
 * with strings) is refused, so the runtime's one pass over them stays short. An item inside a
 * sequence's element counts once per element the sequence may hold (and a sequence of strings
 * there once per string too): a sender can make all elements' descriptors share one run, so
 * what validation does is bounded by this count, never by the message.
 */
#define ITEMS_MAX 1024

struct items {
    struct idl_item_desc it[ITEMS_MAX];
    int n;
    uint64_t weight; /* items counted as above; n <= weight */
    uint64_t mult;   /* elements the sequences around the current item may hold, at most */
    int levels;      /* sequences of nested elements around the current item */
    struct loc loc;  /* the parameter, for the error */
};

static void items_count(struct items *is, uint64_t n)
{
    is->weight += is->mult * n;
    if (is->weight > ITEMS_MAX)
        diag_error(is->loc,
                   "too many nested fields: more than %d strings, sequences, union tags and "
                   "plain runs in one parameter (each counted once per element of the sequences "
                   "around it)",
                   ITEMS_MAX);
}

static struct idl_item_desc *item_push(struct items *is, uint8_t kind, uint32_t wo, uint32_t no,
                                       int guard, uint32_t arm)
{
    items_count(is, 1);
    struct idl_item_desc *it = &is->it[is->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->wire_offset = wo;
    it->native_offset = no;
    it->guard = (uint16_t)guard;
    it->arm = arm;
    return it;
}

/* Wire size and alignment, and C size, of a resolved type: resolve.c's layouts, the ones the
 * structs' offsets and the methods' fixed parts were computed with. */
static void type_sizes(const struct type *t, uint32_t *ws, uint32_t *wa, uint32_t *ns)
{
    uint64_t n;
    uint32_t na;
    type_wire_layout(t, ws, wa);
    type_native_layout(t, &n, &na);
    *ns = (uint32_t)n; /* a small multiple of the wire size, which fits the message limit */
}

/* Element sizes (wire and C) of an array's element type. */
static void elem_sizes(const struct type *e, uint32_t *ws, uint32_t *ns)
{
    uint32_t wa;
    type_sizes(e, ws, &wa, ns);
}

/*
 * Flattens type t at wire offset wo / C offset no into items, present under (guard, arm).
 * copy: emit the plain bytes too (false inside a plain run already copied, where only union
 * tags still need items). A sequence of nested elements is its item followed by its element's
 * items, at offsets from the element's start. Recursion follows the type's levels (bounded by
 * IDL_NESTING_MAX).
 */
static void collect_items(struct items *is, const struct type *t, uint32_t wo, uint32_t no,
                          int guard, uint32_t arm, bool copy)
{
    t = type_strip(t);
    if (!type_is_var(t)) {
        if (copy) {
            uint32_t ws, wa, ns;
            type_sizes(t, &ws, &wa, &ns);
            item_push(is, IDL_KIND_PLAIN, wo, no, guard, arm)->size = ws;
        }
        if (!type_has_union(t))
            return;
        copy = false; /* wire and C forms are the same below: only tags remain */
    }
    switch (t->kind) {
    case TY_STRING:
        item_push(is, IDL_KIND_STRING, wo, no, guard, arm)->bound = (uint32_t)t->bound;
        return;
    case TY_BYTES:
    case TY_SEQ: {
        enum wire_kind wk = type_wire_kind(t);
        uint8_t kind = wk == WK_SEQSTR    ? IDL_KIND_SEQSTR
                       : wk == WK_SEQNEST ? IDL_KIND_SEQNEST
                                          : IDL_KIND_SEQ;
        int self = is->n;
        struct idl_item_desc *it = item_push(is, kind, wo, no, guard, arm);
        it->bound = (uint32_t)t->bound;
        if (t->kind == TY_BYTES) {
            it->elem_size = it->elem_align = 1;
            return;
        }
        uint32_t ns;
        type_sizes(t->elem, &it->elem_size, &it->elem_align, &ns);
        if (kind == IDL_KIND_SEQSTR) {
            it->str_bound = (uint32_t)type_strip(t->elem)->bound;
            if (is->levels > 0)
                items_count(is, t->bound); /* its strings, once per element around it */
        }
        if (kind != IDL_KIND_SEQNEST)
            return;
        it->native_elem_size = ns;
        uint64_t mult = is->mult;
        is->mult *= t->bound; /* at most 1024 by then, or items_count stopped idlc */
        is->levels++;
        collect_items(is, t->elem, 0, 0, 0, 0, true);
        is->levels--;
        is->mult = mult;
        is->it[self].size = (uint32_t)(is->n - self - 1);
        return;
    }
    case TY_ARRAY: {
        uint32_t ws, ns;
        elem_sizes(t->elem, &ws, &ns);
        for (uint64_t i = 0; i < t->bound; i++)
            collect_items(is, t->elem, wo + (uint32_t)i * ws, no + (uint32_t)i * ns, guard, arm,
                          copy);
        return;
    }
    case TY_NAMED: {
        struct decl *d = t->decl;
        if (d->kind == D_STRUCT) {
            for (int i = 0; i < d->nfields; i++)
                collect_items(is, d->fields[i].type, wo + d->fields[i].offset,
                              no + d->fields[i].noffset, guard, arm, copy);
            return;
        }
        struct idl_item_desc *tag = item_push(is, IDL_KIND_TAG, wo, no, guard, arm);
        tag->size = (uint32_t)d->nfields;
        int self = is->n; /* 1 + the tag's index */
        for (int i = 0; i < d->nfields; i++)
            collect_items(is, d->fields[i].type, wo + d->payload_offset, no + d->npayload_offset,
                          self, (uint32_t)i, copy);
        return;
    }
    default:
        return;
    }
}

static struct items *collect_param_items(const struct param *p)
{
    struct items *is = xalloc(sizeof *is);
    is->loc = p->loc;
    is->mult = 1;
    collect_items(is, p->type, 0, 0, 0, 0, true);
    return is;
}

/* sizeof the C form of a nested parameter's type. */
static uint32_t native_size(const struct type *t)
{
    uint32_t ws, wa, ns;
    type_sizes(t, &ws, &wa, &ns);
    return ns;
}

/* --- parameters in native C -------------------------------------------------------------- */

enum pclass { PC_SCALAR, PC_AGG, PC_ARRAY, PC_HANDLE, PC_STRING, PC_SEQ };

static enum pclass param_class(const struct param *p)
{
    switch (p->wk) {
    case WK_HANDLE:
        return PC_HANDLE;
    case WK_STRING:
        return PC_STRING;
    case WK_SEQ:
    case WK_SEQSTR:
    case WK_SEQNEST: /* a struct idl_seq, described as a nested parameter of one item */
        return PC_SEQ;
    case WK_PLAIN:
    case WK_NESTED: /* passed as its C struct (or array), like a plain one */
        break;
    }
    const struct type *t = type_strip(p->type);
    if (t->kind == TY_INT)
        return PC_SCALAR;
    if (t->kind == TY_ARRAY)
        return PC_ARRAY;
    return PC_AGG;
}

/* The declaration of parameter p in proxy and handler signatures. */
static char *param_sig(const struct param *p)
{
    const char *n = c_name(p->name);
    bool in = p->dir == DIR_IN;
    const struct type *t = type_strip(p->type);
    switch (param_class(p)) {
    case PC_SCALAR:
        return in ? c_decl(p->type, n) : c_decl(p->type, xprintf("*%s", n));
    case PC_AGG:
        return xprintf("%s%s", in ? "const " : "", c_decl(p->type, xprintf("*%s", n)));
    case PC_ARRAY: {
        char *d = c_decl(t->elem, xprintf("*%s", n));
        /* An array of strings: the strings' pointers are what an in parameter keeps const. */
        if (in && strncmp(d, "const char *", 12) == 0)
            return xprintf("const char *const %s", d + 12);
        return xprintf("%s%s", in ? "const " : "", d);
    }
    case PC_HANDLE:
        return xprintf("idl_handle_t %s%s", in ? "" : "*", n);
    case PC_STRING:
        return xprintf("const char *%s%s", in ? "" : "*", n);
    case PC_SEQ:
        return xprintf("struct idl_seq %s%s", in ? "" : "*", n);
    }
    return NULL;
}

static void emit_signature(struct sbuf *b, const struct method *m, const char *first)
{
    sb_printf(b, "(%s", first);
    for (int i = 0; i < m->nparams; i++)
        sb_printf(b, ", %s", param_sig(&m->params[i]));
    sb_printf(b, ")");
}

/* --- header -------------------------------------------------------------------------------- */

/* One C form of a struct or union: the C form (wire = false, the type's own name) or, for a
 * nested type, the wire form (<name>_wire), each with _Static_asserts of idlc's layout. */
static void emit_aggregate(struct sbuf *h, const struct decl *d, bool wire)
{
    const char *cn = wire ? xprintf("%s_wire", c_prefix(d->qname)) : c_prefix(d->qname);
    uint32_t size = wire ? d->size : d->nsize, align = wire ? d->align : d->nalign;
    sb_printf(h, "struct %s {\n", cn);
    if (d->kind == D_UNION)
        sb_printf(h, "    uint32_t tag;\n    union {\n");
    for (int j = 0; j < d->nfields; j++)
        sb_printf(h, "%s    %s;\n", d->kind == D_UNION ? "    " : "",
                  c_decl_form(d->fields[j].type, c_name(d->fields[j].name), wire));
    if (d->kind == D_UNION)
        sb_printf(h, "    } u;\n");
    sb_printf(h, "};\n");
    sb_printf(h, "_Static_assert(sizeof(struct %s) == %u, \"%s size\");\n", cn, size, d->qname);
    sb_printf(h, "_Static_assert(_Alignof(struct %s) == %u, \"%s align\");\n", cn, align, d->qname);
    for (int j = 0; j < d->nfields; j++) {
        if (d->kind == D_UNION) {
            if (!wire)
                sb_printf(h, "#define %s_%s_TAG %du\n", cn, d->fields[j].name, j);
            continue;
        }
        sb_printf(h, "_Static_assert(offsetof(struct %s, %s) == %u, \"%s.%s offset\");\n", cn,
                  c_name(d->fields[j].name), wire ? d->fields[j].offset : d->fields[j].noffset,
                  d->qname, d->fields[j].name);
    }
    if (d->kind == D_UNION)
        sb_printf(h, "_Static_assert(offsetof(struct %s, u) == %u, \"%s payload\");\n", cn,
                  wire ? d->payload_offset : d->npayload_offset, d->qname);
}

static void emit_type_decls(struct sbuf *h, struct package *p)
{
    for (int i = 0; i < p->ndecls; i++) {
        struct decl *d = p->decls[i];
        const char *cn = c_prefix(d->qname);
        if (d->doc)
            sb_printf(h, "\n/* %s */\n", c_comment(d->doc));
        else
            sb_printf(h, "\n");
        switch (d->kind) {
        case D_CONST:
            sb_printf(h, "#define %s %s\n", cn, const_value(d));
            break;
        case D_TYPEDEF:
            if (type_wire_kind(d->type) == WK_PLAIN) {
                sb_printf(h, "typedef %s;\n", c_decl(d->type, cn));
                sb_printf(h, "_Static_assert(sizeof(%s) == %u, \"%s size\");\n", cn, d->size,
                          d->qname);
            } else if (type_wire_kind(d->type) == WK_NESTED) {
                sb_printf(h, "typedef %s;\n", c_decl(d->type, cn));
                sb_printf(h, "typedef %s;\n", c_decl_form(d->type, xprintf("%s_wire", cn), true));
                sb_printf(h, "_Static_assert(sizeof(%s_wire) == %u, \"%s size\");\n", cn, d->size,
                          d->qname);
            } else {
                sb_printf(h, "/* typedef %s: a %s, written out where it is used */\n", cn,
                          d->type->kind == TY_HANDLE ? "Handle" : "sequence/string");
            }
            break;
        case D_STRUCT:
        case D_UNION:
            emit_aggregate(h, d, false);
            if (d->var) {
                sb_printf(h,
                          "/* %s as it is in a message: strings and sequences are arena "
                          "descriptors. */\n",
                          d->qname);
                emit_aggregate(h, d, true);
            }
            break;
        }
    }
}

static const char *const part_suffix[NPARTS] = {"req", "res", "err"};

static void emit_wire_structs(struct sbuf *h, const char *pre, const struct method *m)
{
    for (int part = 0; part < NPARTS; part++) {
        if (m->fixed_size[part] == 0)
            continue;
        char *sn = xprintf("%s_%s_%s", pre, m->name, part_suffix[part]);
        sb_printf(h, "struct %s {\n", sn);
        for (int i = 0; i < m->nparams; i++) {
            const struct param *p = &m->params[i];
            if ((int)p->dir != part)
                continue;
            const char *n = c_name(p->name);
            if (p->wk == WK_PLAIN || p->wk == WK_NESTED)
                sb_printf(h, "    %s;\n", c_decl_form(p->type, n, true));
            else if (p->wk == WK_HANDLE)
                sb_printf(h, "    uint32_t %s; /* index into the handle table */\n", n);
            else
                sb_printf(h, "    struct idl_desc %s; /* into the arena */\n", n);
        }
        sb_printf(h, "};\n");
        sb_printf(h, "_Static_assert(sizeof(struct %s) == %u, \"fixed part size\");\n", sn,
                  m->fixed_size[part]);
        for (int i = 0; i < m->nparams; i++) {
            const struct param *p = &m->params[i];
            if ((int)p->dir == part)
                sb_printf(h, "_Static_assert(offsetof(struct %s, %s) == %u, \"%s offset\");\n", sn,
                          c_name(p->name), p->offset, p->name);
        }
    }
}

static void emit_desc(struct package *p, struct sbuf *h, struct sbuf *c);

static void gen_header(struct package *p, struct sbuf *h)
{
    const char *pre = c_prefix(p->name);
    char *guard = xprintf("IDL_%s_H", pre);
    sb_printf(h, "/* Generated by idlc from %s (package %s). Do not edit. */\n", p->path, p->name);
    sb_printf(h, "#ifndef %s\n#define %s\n\n#include <stddef.h>\n#include <stdint.h>\n\n", guard,
              guard);
    sb_printf(h, "#include \"bastion_idl.h\"\n");
    for (int i = 0; i < p->nimports; i++)
        sb_printf(h, "#include \"%s\"\n", rel_path(p->imports[i].name, ".idl.h"));
    emit_type_decls(h, p);
    if (!p->has_interface) {
        sb_printf(h, "\n#endif\n");
        return;
    }
    sb_printf(h, "\n/* Interface %s */\n", p->name);
    sb_printf(h, "#define %s_METHOD_COUNT %du\n", pre, p->nmethods);
    emit_desc(p, h, NULL);
    for (int i = 0; i < p->nmethods; i++) {
        const struct method *m = &p->methods[i];
        sb_printf(h, "\n/* %s.%s%s%s */\n", p->name, m->name, m->doc ? ": " : "",
                  m->doc ? c_comment(m->doc) : "");
        sb_printf(h, "#define %s_%s_MID %du\n", pre, m->name, i);
        emit_wire_structs(h, pre, m);
        sb_printf(h, "Retcode %s_%s", pre, m->name);
        emit_signature(h, m, "struct idl_client *idl_cl");
        sb_printf(h, ";\n");
    }
    sb_printf(h, "\n/* Server side: one handler per method (NULL -> rcNotSupported). A handler "
                 "gets the in\n"
                 " * parameters by value (sequences/strings point into the request) and out/error "
                 "ones by\n"
                 " * pointer, in source order. rcOk sends the response; another code sends the "
                 "error\n"
                 " * response when the method has error parameters, else is returned with no "
                 "reply. */\n");
    sb_printf(h, "struct %s_ops {\n", pre);
    if (p->nmethods == 0)
        sb_printf(h, "    int reserved_;\n");
    for (int i = 0; i < p->nmethods; i++) {
        const struct method *m = &p->methods[i];
        sb_printf(h, "    Retcode (*%s)", m->name);
        emit_signature(h, m, "void *idl_ctx");
        sb_printf(h, ";\n");
    }
    sb_printf(h, "};\n");
    sb_printf(h, "/* Validates and unmarshals req, calls the handler, marshals the reply into "
                 "res.\n"
                 " * rcOk: *res_len bytes of reply are in res. Else: no reply; the code says why. "
                 "*/\n");
    sb_printf(h,
              "Retcode %s_dispatch(const struct %s_ops *idl_ops, void *idl_ctx, const void "
              "*idl_req,\n"
              "    size_t idl_req_len, void *idl_res, size_t idl_res_cap, size_t *idl_res_len);\n",
              pre, pre);
    sb_printf(h, "/* The same for a request idl_route_request already validated (and nobody can "
                 "change\n"
                 " * since): no second validation. */\n");
    sb_printf(h,
              "Retcode %s_dispatch_validated(const struct %s_ops *idl_ops, void *idl_ctx, const "
              "void *idl_req,\n"
              "    size_t idl_req_len, void *idl_res, size_t idl_res_cap, size_t *idl_res_len);\n",
              pre, pre);
    sb_printf(h, "/* Either of the two with the request's header already read (idl_peek_header): "
                 "the class\n"
                 " * dispatchers (<Class>_dispatch) read it once for both levels. */\n");
    sb_printf(h,
              "Retcode %s_dispatch_header(const struct %s_ops *idl_ops, void *idl_ctx, const "
              "struct idl_header *idl_h,\n"
              "    int idl_validated, const void *idl_req, size_t idl_req_len, void *idl_res, "
              "size_t idl_res_cap,\n"
              "    size_t *idl_res_len);\n",
              pre, pre);
    sb_printf(h, "/* What idl_validate_header returns for a request of this interface (the "
                 "contract of\n"
                 " * idl_request_validator): constant compares for a method of one fixed layout. "
                 "*/\n");
    sb_printf(h,
              "enum idl_error %s_validate_request(const struct idl_header *idl_h, const void "
              "*idl_req,\n"
              "    size_t idl_req_len);\n",
              pre);
    sb_printf(h, "\n#endif\n");
}

/* --- source -------------------------------------------------------------------------------- */

static const char *kind_name(enum wire_kind wk)
{
    switch (wk) {
    case WK_PLAIN:
        return "IDL_KIND_PLAIN";
    case WK_HANDLE:
        return "IDL_KIND_HANDLE";
    case WK_SEQ:
        return "IDL_KIND_SEQ";
    case WK_STRING:
        return "IDL_KIND_STRING";
    case WK_SEQSTR:
        return "IDL_KIND_SEQSTR";
    case WK_NESTED:
    case WK_SEQNEST:
        return "IDL_KIND_NESTED";
    }
    return "?";
}

void param_arena_elem(const struct param *p, uint32_t *esize, uint32_t *ealign, uint32_t *bound,
                      uint32_t *sbound)
{
    const struct type *t = type_strip(p->type);
    *esize = *ealign = *bound = *sbound = 0;
    switch (p->wk) {
    case WK_STRING:
        *esize = *ealign = 1;
        *bound = (uint32_t)t->bound;
        break;
    case WK_SEQ:
        *bound = (uint32_t)t->bound;
        if (t->kind == TY_BYTES)
            *esize = *ealign = 1;
        else /* an integer, a plain struct or union, or arrays of them */
            type_wire_layout(t->elem, esize, ealign);
        break;
    case WK_SEQSTR:
        *esize = 8;
        *ealign = 4;
        *bound = (uint32_t)t->bound;
        *sbound = (uint32_t)type_strip(t->elem)->bound;
        break;
    case WK_SEQNEST: { /* the run of wire elements (its items are the parameter's) */
        uint32_t ns;
        type_sizes(t->elem, esize, ealign, &ns);
        *bound = (uint32_t)t->bound;
        break;
    }
    default:
        break;
    }
}

/* How the dispatcher declares its local for p, and how it passes it. */
static char *local_decl(const struct param *p)
{
    char *n = xprintf("p_%s", p->name);
    switch (param_class(p)) {
    case PC_SCALAR:
        return xprintf("%s = 0", c_decl(p->type, n));
    case PC_AGG:
    case PC_ARRAY:
        return xprintf("%s = {0}", c_decl(p->type, n));
    case PC_HANDLE:
        return xprintf("idl_handle_t %s = {0, 0}", n);
    case PC_STRING:
        return xprintf("const char *%s = \"\"", n);
    case PC_SEQ:
        return xprintf("struct idl_seq %s = {0, 0, 0}", n);
    }
    return NULL;
}

/* The address of the local as the runtime wants it (pointer to the native value). */
static char *local_ref(const struct param *p)
{
    return param_class(p) == PC_ARRAY ? xprintf("p_%s", p->name) : xprintf("&p_%s", p->name);
}

/* The handler's argument for the local. */
static char *local_arg(const struct param *p)
{
    enum pclass c = param_class(p);
    if (p->dir == DIR_IN)
        return (c == PC_AGG) ? xprintf("&p_%s", p->name) : xprintf("p_%s", p->name);
    return local_ref(p);
}

/* The proxy's runtime argument for an in parameter. */
static char *proxy_in_ref(const struct param *p)
{
    enum pclass c = param_class(p);
    const char *n = c_name(p->name);
    return (c == PC_AGG || c == PC_ARRAY) ? xprintf("%s", n) : xprintf("&%s", n);
}

static int count_part(const struct method *m, int part)
{
    int n = 0;
    for (int i = 0; i < m->nparams; i++)
        n += (int)m->params[i].dir == part;
    return n;
}

static void emit_ref_array(struct sbuf *c, const struct method *m, int part, const char *decl,
                           const char *name, char *(*ref)(const struct param *))
{
    if (count_part(m, part) == 0)
        return;
    sb_printf(c, "    %s %s[] = {", decl, name);
    const char *sep = "";
    for (int i = 0; i < m->nparams; i++) {
        if ((int)m->params[i].dir != part)
            continue;
        sb_printf(c, "%s%s", sep, ref(&m->params[i]));
        sep = ", ";
    }
    sb_printf(c, "};\n");
}

static char *proxy_out_ref(const struct param *p)
{
    return xprintf("%s", c_name(p->name));
}

/*
 * The interface's descriptor object (bastion_idl.h): struct <pre>_idl_desc with the interface,
 * its methods, all their parameters in order, the nested parameters' items, the union tags and
 * the names, every reference an IDL_REL offset inside it, so the object is pointer-free read-only
 * data. h (not NULL): its type and the names the rest of the code uses (<pre>_interface,
 * <pre>_methods); c (not NULL): its definition. Both are built by the same walk, so the array
 * sizes in the type are the ones the definition fills.
 */
static void emit_desc(struct package *p, struct sbuf *h, struct sbuf *c)
{
    static const char *const ikinds[] = {
        [IDL_KIND_PLAIN] = "IDL_KIND_PLAIN",   [IDL_KIND_SEQ] = "IDL_KIND_SEQ",
        [IDL_KIND_STRING] = "IDL_KIND_STRING", [IDL_KIND_SEQSTR] = "IDL_KIND_SEQSTR",
        [IDL_KIND_TAG] = "IDL_KIND_TAG",       [IDL_KIND_SEQNEST] = "IDL_KIND_SEQNEST",
    };
    const char *pre = c_prefix(p->name);
    char *ty = xprintf("struct %s_idl_desc", pre);
    struct sbuf mth = {0}, prm = {0}, itm = {0}, tgs = {0}, nms = {0};
    uint32_t np = 0, ni = 0, nt = 0, ns = 0;
    uint32_t iname = ns;
    sb_printf(&nms, "\"%s\\0\"", p->name);
    ns += (uint32_t)strlen(p->name) + 1;
    for (int i = 0; i < p->nmethods; i++) {
        struct method *m = &p->methods[i];
        uint32_t mname = ns, first = np;
        sb_printf(&nms, " \"%s\\0\"", m->name);
        ns += (uint32_t)strlen(m->name) + 1;
        for (int j = 0; j < m->nparams; j++) {
            struct param *pr = &m->params[j];
            uint32_t es, ea, bd, sbd, tags[2 * TAGS_MAX];
            int ntags = 0;
            param_arena_elem(pr, &es, &ea, &bd, &sbd);
            if (pr->wk == WK_PLAIN)
                collect_tags(pr->type, 0, tags, &ntags, pr->loc);
            char *tagref = "0";
            if (ntags) {
                tagref = xprintf("IDL_REL(%s, params[%u], tags[%u])", ty, np, nt);
                for (int k = 0; k < 2 * ntags; k++)
                    sb_printf(&tgs, "%s%u", nt + (uint32_t)k ? ", " : "", tags[k]);
                nt += 2u * (uint32_t)ntags;
            }
            uint32_t nsize = 0;
            int nitems = 0;
            char *itemref = "0";
            if (pr->wk == WK_NESTED || pr->wk == WK_SEQNEST) {
                struct items *is = collect_param_items(pr);
                nitems = is->n;
                itemref = xprintf("IDL_REL(%s, params[%u], items[%u])", ty, np, ni);
                nsize = native_size(pr->type);
                for (int k = 0; k < is->n; k++) {
                    const struct idl_item_desc *it = &is->it[k];
                    sb_printf(&itm, "        {%s, 0, %u, %u, %u, %u, %u, %u, %u, %u, %u, %u},\n",
                              ikinds[it->kind], it->guard, it->arm, it->wire_offset,
                              it->native_offset, it->size, it->elem_size, it->elem_align, it->bound,
                              it->str_bound, it->native_elem_size);
                }
                ni += (uint32_t)is->n;
            }
            sb_printf(&prm,
                      "        {IDL_REL(%s, params[%u], names[%u]), %d, %s, %d, %u, %u, %u, %u, "
                      "%u, %u, %s, %u, %d, %s},\n",
                      ty, np, ns, (int)pr->dir, kind_name(pr->wk), ntags, pr->offset, pr->size, es,
                      ea, bd, sbd, tagref, nsize, nitems, itemref);
            sb_printf(&nms, " \"%s\\0\"", pr->name);
            ns += (uint32_t)strlen(pr->name) + 1;
            np++;
        }
        sb_printf(&mth, "        {IDL_REL(%s, methods[%d], names[%u]), %d, %d, ", ty, i, mname, i,
                  m->nparams);
        if (m->nparams)
            sb_printf(&mth, "IDL_REL(%s, methods[%d], params[%u]), {", ty, i, first);
        else
            sb_printf(&mth, "0, {");
        for (int part = 0; part < NPARTS; part++)
            sb_printf(&mth, "%s{%u, %llu, %u}", part ? ", " : "", m->fixed_size[part],
                      (unsigned long long)m->arena_max[part], m->handles[part]);
        sb_printf(&mth, "}},\n");
    }
    if (h) {
        /* Empty parts get one unused slot: C has no zero-length arrays. */
        sb_printf(h,
                  "/* The descriptions of %s's methods (bastion_idl.h): one pointer-free object. "
                  "*/\n"
                  "%s {\n    struct idl_interface_desc iface;\n"
                  "    struct idl_method_desc methods[%d];\n"
                  "    struct idl_param_desc params[%u];\n    struct idl_item_desc items[%u];\n"
                  "    uint32_t tags[%u];\n    char names[%u];\n};\n",
                  p->name, ty, p->nmethods ? p->nmethods : 1, np ? np : 1, ni ? ni : 1, nt ? nt : 1,
                  ns + 1);
        sb_printf(h, "extern const %s %s_idl;\n", ty, pre);
        sb_printf(h, "#define %s_interface (%s_idl.iface)\n", pre, pre);
        sb_printf(h, "#define %s_methods (%s_idl.methods)\n", pre, pre);
    }
    if (c) {
        sb_printf(c, "const %s %s_idl = {\n", ty, pre);
        sb_printf(c, "    .iface = {IDL_REL(%s, iface, names[%u]), %d, ", ty, iname, p->nmethods);
        sb_printf(c, "%s},\n", p->nmethods ? xprintf("IDL_REL(%s, iface, methods[0])", ty) : "0");
        if (mth.n)
            sb_printf(c, "    .methods =\n        {\n%s        },\n", mth.s);
        if (prm.n)
            sb_printf(c, "    .params =\n        {\n%s        },\n", prm.s);
        if (itm.n)
            sb_printf(c, "    .items =\n        {\n%s        },\n", itm.s);
        if (tgs.n)
            sb_printf(c, "    .tags = {%s},\n", tgs.s);
        sb_printf(c, "    .names = %s,\n};\n", nms.s);
    }
}

/*
 * Method number i of package prefix `pre` served by a static function `fn`(ops, ctx, ep, request,
 * response, validated): validates the request unless validated, unmarshals it, calls the
 * handler (rcNotSupported when the table has none) and writes its response. The package's
 * dispatcher and every class dispatcher with an endpoint of the package emit the same one.
 */
static void emit_serve(struct sbuf *c, const struct method *m, int i, const char *pre,
                       const char *fn, const char *storage)
{
    sb_printf(c,
              "\n%s Retcode %s(const struct %s_ops *idl_ops, void *idl_ctx, uint32_t idl_ep,\n"
              "    const void *idl_req, size_t idl_req_len, void *idl_res, size_t idl_res_cap, "
              "size_t *idl_res_len,\n"
              "    int idl_validated)\n{\n",
              storage, fn, pre);
    sb_printf(c, "    const struct idl_method_desc *idl_m = &%s_methods[%d];\n", pre, i);
    for (int j = 0; j < m->nparams; j++)
        sb_printf(c, "    %s;\n", local_decl(&m->params[j]));
    bool direct = direct_eligible(m);
    if (direct) {
        direct_emit_serve_unmarshal(c, m, local_ref);
    } else {
        emit_ref_array(c, m, DIR_IN, "void *const", "idl_in", local_ref);
        sb_printf(c,
                  "    enum idl_error idl_e = (idl_validated ? idl_unmarshal_validated : "
                  "idl_unmarshal)(idl_m,\n"
                  "        IDL_PART_REQUEST, idl_req, idl_req_len, %s);\n",
                  count_part(m, DIR_IN) ? "idl_in" : "NULL");
        sb_printf(c, "    if (idl_e != IDL_OK)\n        return idl_error_retcode(idl_e);\n");
    }
    sb_printf(c, "    if (!idl_ops->%s)\n        return rcNotSupported;\n", m->name);
    sb_printf(c, "    Retcode idl_rc = idl_ops->%s(idl_ctx", m->name);
    for (int j = 0; j < m->nparams; j++)
        sb_printf(c, ", %s", local_arg(&m->params[j]));
    sb_printf(c, ");\n");
    if (direct) {
        direct_emit_serve_reply(c, m, i, local_ref);
    } else {
        emit_ref_array(c, m, DIR_OUT, "const void *const", "idl_out", local_ref);
        sb_printf(c,
                  "    if (idl_rc == rcOk)\n        return idl_server_reply(idl_m, "
                  "IDL_PART_RESPONSE, idl_ep, %s,"
                  " idl_res, idl_res_cap, idl_res_len);\n",
                  count_part(m, DIR_OUT) ? "idl_out" : "NULL");
    }
    if (count_part(m, DIR_ERROR)) {
        emit_ref_array(c, m, DIR_ERROR, "const void *const", "idl_err", local_ref);
        sb_printf(c, "    return idl_server_reply(idl_m, IDL_PART_ERROR, idl_ep, idl_err, "
                     "idl_res, idl_res_cap,"
                     " idl_res_len);\n");
    } else {
        sb_printf(c, "    return idl_rc;\n");
    }
    sb_printf(c, "}\n");
}

/*
 * Can a class dispatcher serve m in its own frame without a local whose address is taken (and
 * so without a stack-protected frame)? A direct method whose in parameters are integers and
 * handles (passed by value) and whose out parameters are integers, each aligned in the
 * response: the handler writes those straight into the response (emit_serve_in_place). Error
 * parameters are marshalled from locals (the generic path), so a method with any is not.
 */
static bool serve_in_place_eligible(const struct method *m)
{
    if (!direct_eligible(m) || m->handles[DIR_OUT] != 0)
        return false;
    for (int i = 0; i < m->nparams; i++) {
        const struct param *p = &m->params[i];
        enum pclass pc = param_class(p);
        if (p->dir == DIR_ERROR)
            return false;
        if (p->dir == DIR_IN && pc != PC_SCALAR && pc != PC_HANDLE)
            return false;
        if (p->dir == DIR_OUT && (pc != PC_SCALAR || p->size == 0 || (24u + p->offset) % p->size))
            return false;
    }
    return true;
}

/*
 * Method i served as emit_serve's function `fallback` serves it, but with its out parameters in
 * the response buffer itself: the fixed part is zeroed there first (the out parameters' start,
 * as emit_serve's locals, and the padding, as idl_direct_header zeroes it), the handler gets
 * each one's address in the response, and rcOk writes only the header. Inline in the class
 * dispatcher, with no local whose address is taken. A response buffer too small for the answer
 * goes to `fallback` (before anything else: it decides such a request exactly as before, the
 * handler run and then refused). On another code than rcOk the response holds what the handler
 * wrote and nothing is sent, as before.
 */
static void emit_serve_in_place(struct sbuf *c, const struct method *m, int i, const char *pre,
                                const char *fn, const char *fallback)
{
    uint32_t res_len = 24u + ((m->fixed_size[DIR_OUT] + 7u) & ~7u);
    sb_printf(c,
              "\nstatic inline __attribute__((always_inline)) Retcode %s(const struct %s_ops "
              "*idl_ops, void *idl_ctx, uint32_t idl_ep,\n"
              "    const void *idl_req, size_t idl_req_len, void *idl_res, size_t idl_res_cap, "
              "size_t *idl_res_len,\n"
              "    int idl_validated)\n{\n",
              fn, pre);
    sb_printf(c, "    uint8_t *idl_o = idl_res;\n");
    sb_printf(c, "    if (idl_o == NULL || idl_res_cap < %uu)\n", res_len);
    sb_printf(c,
              "        return %s(idl_ops, idl_ctx, idl_ep, idl_req, idl_req_len, idl_res, "
              "idl_res_cap, idl_res_len,\n            idl_validated);\n",
              fallback);
    sb_printf(c, "    const struct idl_method_desc *idl_m = &%s_methods[%d];\n", pre, i);
    sb_printf(c, "    (void)idl_m;\n");
    for (int j = 0; j < m->nparams; j++)
        if (m->params[j].dir == DIR_IN)
            sb_printf(c, "    %s;\n", local_decl(&m->params[j]));
    direct_emit_serve_unmarshal(c, m, local_ref);
    sb_printf(c, "    if (!idl_ops->%s)\n        return rcNotSupported;\n", m->name);
    /* The fixed part zeroed first: the out parameters start at 0 (emit_serve's locals do) and
     * its padding carries no stale bytes (idl_direct_header's zeroing). */
    sb_printf(c, "    idl_direct_zero(idl_o, 24u, %uu);\n", res_len);
    for (int j = 0; j < m->nparams; j++) {
        const struct param *p = &m->params[j];
        if (p->dir != DIR_OUT)
            continue;
        sb_printf(c, "    %s = (void *)(idl_o + %uu);\n",
                  c_decl(p->type, xprintf("*const p_%s", p->name)), 24u + p->offset);
    }
    sb_printf(c, "    Retcode idl_rc = idl_ops->%s(idl_ctx", m->name);
    for (int j = 0; j < m->nparams; j++)
        sb_printf(c, ", %s",
                  m->params[j].dir == DIR_IN ? local_arg(&m->params[j])
                                             : xprintf("p_%s", m->params[j].name));
    sb_printf(c, ");\n");
    sb_printf(c, "    if (idl_rc == rcOk) {\n");
    sb_printf(c,
              "        idl_direct_header(idl_o, 24u, idl_ep, %du, %uu, 0u, IDL_FLAG_RESPONSE);\n",
              i, m->fixed_size[DIR_OUT]);
    sb_printf(c, "        *idl_res_len = %uu;\n        return rcOk;\n    }\n", res_len);
    sb_printf(c, "    return idl_rc;\n}\n");
}

static void gen_source(struct package *p, struct sbuf *c)
{
    const char *pre = c_prefix(p->name);
    sb_printf(c, "/* Generated by idlc from %s (package %s). Do not edit. */\n", p->path, p->name);
    sb_printf(c, "#include \"%s\"\n\n", rel_path(p->name, ".idl.h"));
    if (!p->has_interface) {
        sb_printf(c, "/* Package %s declares types only. */\ntypedef int %s_types_only_;\n",
                  p->name, pre);
        return;
    }
    emit_desc(p, NULL, c);

    /* Proxies. */
    for (int i = 0; i < p->nmethods; i++) {
        struct method *m = &p->methods[i];
        if (direct_eligible(m) &&
            count_part(m, DIR_OUT) + count_part(m, DIR_ERROR) > (int)IDL_FINISH_ARGS_MAX) {
            /* A direct proxy's uncommon half, out of line: the response it did not read itself
             * goes to the runtime with the out and error parameters' pointers in arrays, which
             * in the proxy would make its every call set up a stack-protected frame. More than
             * idl_client_finish_args takes: a function of its own. */
            sb_printf(c, "\nstatic __attribute__((noinline, cold)) Retcode %s_%s_finish_", pre,
                      m->name);
            emit_signature(c, m, "struct idl_client *idl_cl");
            sb_printf(c, "\n{\n");
            for (int j = 0; j < m->nparams; j++)
                if (m->params[j].dir == DIR_IN)
                    sb_printf(c, "    (void)%s;\n", c_name(m->params[j].name));
            emit_ref_array(c, m, DIR_OUT, "void *const", "idl_out", proxy_out_ref);
            emit_ref_array(c, m, DIR_ERROR, "void *const", "idl_err", proxy_out_ref);
            sb_printf(c,
                      "    return idl_client_finish(idl_cl, &%s_methods[%d], idl_cl->res_len, %s, "
                      "%s);\n}\n",
                      pre, i, count_part(m, DIR_OUT) ? "idl_out" : "NULL",
                      count_part(m, DIR_ERROR) ? "idl_err" : "NULL");
        }
        sb_printf(c, "\nRetcode %s_%s", pre, m->name);
        emit_signature(c, m, "struct idl_client *idl_cl");
        sb_printf(c, "\n{\n");
        if (direct_eligible(m)) {
            direct_emit_proxy(c, m, i, pre, proxy_in_ref, proxy_out_ref);
            sb_printf(c, "}\n");
            continue;
        }
        emit_ref_array(c, m, DIR_IN, "const void *const", "idl_in", proxy_in_ref);
        emit_ref_array(c, m, DIR_OUT, "void *const", "idl_out", proxy_out_ref);
        emit_ref_array(c, m, DIR_ERROR, "void *const", "idl_err", proxy_out_ref);
        sb_printf(c, "    return idl_client_call(idl_cl, &%s_methods[%d], %s, %s, %s);\n}\n", pre,
                  i, count_part(m, DIR_IN) ? "idl_in" : "NULL",
                  count_part(m, DIR_OUT) ? "idl_out" : "NULL",
                  count_part(m, DIR_ERROR) ? "idl_err" : "NULL");
    }

    /* Per-method dispatch. */
    for (int i = 0; i < p->nmethods; i++)
        emit_serve(c, &p->methods[i], i, pre, xprintf("%s_serve_%s", pre, p->methods[i].name),
                   "static");

    /* One switch over the methods, reached by three entries: the plain dispatcher validates
     * every request, the _validated one trusts a request the router already validated (the
     * kernel's), and _header takes the header a class dispatcher already read. */
    sb_printf(c,
              "\nRetcode %s_dispatch_header(const struct %s_ops *idl_ops, void *idl_ctx, const "
              "struct idl_header *idl_h,\n"
              "    int idl_validated, const void *idl_req, size_t idl_req_len, void *idl_res, "
              "size_t idl_res_cap,\n"
              "    size_t *idl_res_len)\n{\n",
              pre, pre);
    sb_printf(c, "    (void)idl_ops;\n    (void)idl_ctx;\n    (void)idl_req;\n    "
                 "(void)idl_req_len;\n    (void)idl_res;\n"
                 "    (void)idl_res_cap;\n    (void)idl_res_len;\n    (void)idl_validated;\n");
    sb_printf(c, "    switch (idl_h->method_id) {\n");
    for (int i = 0; i < p->nmethods; i++)
        sb_printf(c,
                  "    case %d:\n        return %s_serve_%s(idl_ops, idl_ctx, idl_h->endpoint_id, "
                  "idl_req, idl_req_len,"
                  " idl_res, idl_res_cap, idl_res_len, idl_validated);\n",
                  i, pre, p->methods[i].name);
    sb_printf(c, "    default:\n        return idl_error_retcode(IDL_ERR_METHOD);\n    }\n}\n");

    /* The request validator: a method of one fixed layout accepted by constant compares, every
     * other request (and every one those compares do not accept) judged by the table. */
    sb_printf(c,
              "\nenum idl_error %s_validate_request(const struct idl_header *idl_h, const void "
              "*idl_req,\n"
              "    size_t idl_req_len)\n{\n",
              pre);
    if (p->nmethods == 0) {
        sb_printf(c, "    (void)idl_h;\n    (void)idl_req;\n    (void)idl_req_len;\n");
        sb_printf(c, "    return IDL_ERR_METHOD;\n}\n");
    } else {
        sb_printf(c, "    const uint8_t *idl_q = idl_req;\n    (void)idl_q;\n");
        sb_printf(c, "    switch (idl_h->method_id) {\n");
        for (int i = 0; i < p->nmethods; i++)
            if (direct_eligible(&p->methods[i]))
                direct_emit_request_case(c, &p->methods[i], i);
        sb_printf(c,
                  "    default:\n        if (idl_h->method_id >= %du)\n"
                  "            return IDL_ERR_METHOD;\n        break;\n    }\n",
                  p->nmethods);
        sb_printf(c,
                  "    return idl_validate_header(&%s_methods[idl_h->method_id], "
                  "IDL_PART_REQUEST, idl_h, idl_req,\n        idl_req_len);\n}\n",
                  pre);
    }
    for (int validated = 0; validated < 2; validated++) {
        sb_printf(c,
                  "\nRetcode %s_dispatch%s(const struct %s_ops *idl_ops, void *idl_ctx, const void "
                  "*idl_req,\n"
                  "    size_t idl_req_len, void *idl_res, size_t idl_res_cap, size_t "
                  "*idl_res_len)\n{\n",
                  pre, validated ? "_validated" : "", pre);
        sb_printf(c, "    struct idl_header idl_h;\n    enum idl_error idl_e = "
                     "idl_peek_header(idl_req, idl_req_len, &idl_h);\n");
        sb_printf(c, "    if (idl_e != IDL_OK)\n        return idl_error_retcode(idl_e);\n");
        sb_printf(c,
                  "    return %s_dispatch_header(idl_ops, idl_ctx, &idl_h, %d, idl_req, "
                  "idl_req_len, idl_res, idl_res_cap,"
                  " idl_res_len);\n}\n",
                  pre, validated);
    }
}

static void gen_unit(struct model *mdl, struct unit *u, const char *out_dir)
{
    (void)mdl;
    struct flat_endpoint *eps;
    int n = unit_endpoints(u, &eps);
    const char *pre = c_prefix(u->name);
    struct sbuf *h = xalloc(sizeof *h), *c = xalloc(sizeof *c);
    char *guard = xprintf("IDL_%s_EDL_H", pre);
    sb_printf(h, "/* Generated by idlc from %s (class %s). Do not edit. */\n", u->path, u->name);
    sb_printf(h, "#ifndef %s\n#define %s\n\n#include \"bastion_idl.h\"\n", guard, guard);
    for (int i = 0; i < n; i++) {
        bool dup = false;
        for (int j = 0; j < i; j++)
            dup |= eps[j].pkg == eps[i].pkg;
        if (!dup)
            sb_printf(h, "#include \"%s\"\n", rel_path(eps[i].pkg->name, ".idl.h"));
    }
    sb_printf(h, "\n/* Endpoint ids (riid) of %s, in declaration order. */\n", u->name);
    for (int i = 0; i < n; i++)
        sb_printf(h, "#define %s_EP_%s %du /* %s */\n", pre, c_prefix(eps[i].path), i,
                  eps[i].pkg->name);
    sb_printf(h, "#define %s_ENDPOINT_COUNT %du\n", pre, n);
    if (n > 0) {
        sb_printf(h, "extern const struct idl_endpoint_desc %s_endpoints[%d];\n", pre, n);
        /* The class's server side: one handler table per endpoint, routed by riid. */
        sb_printf(h,
                  "\n/* A server of %s: each endpoint's handler table (NULL: not served, "
                  "rcNotSupported). */\n",
                  u->name);
        sb_printf(h, "struct %s_handlers {\n", pre);
        for (int i = 0; i < n; i++)
            sb_printf(h, "    const struct %s_ops *%s;\n", c_prefix(eps[i].pkg->name),
                      c_prefix(eps[i].path));
        sb_printf(h, "};\n");
        sb_printf(h, "/* Serves req with its endpoint's handler table as that interface's "
                     "<Iface>_dispatch would\n"
                     " * (rcBadMessage for an endpoint id the class does not have), in one "
                     "function; _validated for a\n"
                     " * request idl_route_request validated. */\n");
        for (int v = 0; v < 2; v++)
            sb_printf(h,
                      "Retcode %s_dispatch%s(const struct %s_handlers *idl_handlers, void "
                      "*idl_ctx, const void *idl_req,\n"
                      "    size_t idl_req_len, void *idl_res, size_t idl_res_cap, size_t "
                      "*idl_res_len);\n",
                      pre, v ? "_validated" : "", pre);
        sb_printf(h, "/* The same with the header already read (idl_route_request's, for a "
                     "request it validated:\n"
                     " * idl_validated 1): the routing reads it once. */\n");
        sb_printf(h,
                  "Retcode %s_dispatch_header(const struct %s_handlers *idl_handlers, void "
                  "*idl_ctx,\n"
                  "    const struct idl_header *idl_h, int idl_validated, const void *idl_req, "
                  "size_t idl_req_len,\n"
                  "    void *idl_res, size_t idl_res_cap, size_t *idl_res_len);\n",
                  pre, pre);
    }
    sb_printf(h, "\n#endif\n");
    sb_printf(c, "/* Generated by idlc from %s (class %s). Do not edit. */\n", u->path, u->name);
    sb_printf(c, "#include \"%s\"\n\n", rel_path(u->name, ".edl.h"));
    if (n > 0) {
        sb_printf(c, "const struct idl_endpoint_desc %s_endpoints[%d] = {\n", pre, n);
        for (int i = 0; i < n; i++)
            sb_printf(c, "    {\"%s\", &%s_interface, %s_validate_request},\n", eps[i].path,
                      c_prefix(eps[i].pkg->name), c_prefix(eps[i].pkg->name));
        sb_printf(c, "};\n");
        /* Every method of every endpoint served in this one function: its static serve
         * functions are called once each, so the compiler inlines them, and a server whose
         * handler tables are constants (the kernel's) calls the handler itself. One switch on
         * the endpoint and one on the method, where a dispatcher per interface below the class's
         * cost a call, a frame and a table load more per request. The checks and their order are
         * the interface dispatchers' (endpoint, table, method, then the method's own). */
        /* Only the methods served in place (no local whose address is taken) are inline:
         * one that needs its out parameters in locals would give the whole dispatcher, every
         * method's path, a stack-protected frame with room for every such method's locals.
         * The others are functions of their own, each with its own frame. */
        for (int i = 0; i < n; i++) {
            const struct package *pk = eps[i].pkg;
            for (int j = 0; j < pk->nmethods; j++) {
                const struct method *m = &pk->methods[j];
                char *fn = xprintf("%s_%s_serve_%s", pre, c_prefix(eps[i].path), m->name);
                if (!serve_in_place_eligible(m)) {
                    emit_serve(c, m, j, c_prefix(pk->name), fn, "static __attribute__((noinline))");
                    continue;
                }
                char *fallback = xprintf("%s_small_", fn);
                emit_serve(c, m, j, c_prefix(pk->name), fallback,
                           "static __attribute__((noinline, cold))");
                emit_serve_in_place(c, m, j, c_prefix(pk->name), fn, fallback);
            }
        }
        sb_printf(c,
                  "\nRetcode %s_dispatch_header(const struct %s_handlers *idl_handlers, void "
                  "*idl_ctx,\n"
                  "    const struct idl_header *idl_h, int idl_validated, const void *idl_req, "
                  "size_t idl_req_len,\n"
                  "    void *idl_res, size_t idl_res_cap, size_t *idl_res_len)\n{\n",
                  pre, pre);
        sb_printf(c, "    switch (idl_h->endpoint_id) {\n");
        for (int i = 0; i < n; i++) {
            const struct package *pk = eps[i].pkg;
            const char *f = c_prefix(eps[i].path);
            sb_printf(c, "    case %d: {\n", i);
            sb_printf(c, "        const struct %s_ops *idl_ops = idl_handlers->%s;\n",
                      c_prefix(pk->name), f);
            sb_printf(c, "        if (!idl_ops)\n            return rcNotSupported;\n");
            sb_printf(c, "        switch (idl_h->method_id) {\n");
            for (int j = 0; j < pk->nmethods; j++)
                sb_printf(c,
                          "        case %d:\n            return %s_%s_serve_%s(idl_ops, idl_ctx, "
                          "%du, idl_req, idl_req_len, idl_res,\n                idl_res_cap, "
                          "idl_res_len, idl_validated);\n",
                          j, pre, f, pk->methods[j].name, i);
            sb_printf(c, "        default:\n            return idl_error_retcode(IDL_ERR_METHOD);"
                         "\n        }\n    }\n");
        }
        sb_printf(c, "    default:\n        return idl_error_retcode(IDL_ERR_ENDPOINT);\n    "
                     "}\n}\n");
        for (int v = 0; v < 2; v++) {
            const char *suffix = v ? "_validated" : "";
            sb_printf(c,
                      "\nRetcode %s_dispatch%s(const struct %s_handlers *idl_handlers, void "
                      "*idl_ctx, const void *idl_req,\n"
                      "    size_t idl_req_len, void *idl_res, size_t idl_res_cap, size_t "
                      "*idl_res_len)\n{\n",
                      pre, suffix, pre);
            sb_printf(c, "    struct idl_header idl_h;\n    enum idl_error idl_e = "
                         "idl_peek_header(idl_req, idl_req_len, &idl_h);\n");
            sb_printf(c, "    if (idl_e != IDL_OK)\n        return idl_error_retcode(idl_e);\n");
            sb_printf(c,
                      "    return %s_dispatch_header(idl_handlers, idl_ctx, &idl_h, %d, idl_req, "
                      "idl_req_len, idl_res,\n        idl_res_cap, idl_res_len);\n}\n",
                      pre, v);
        }
    } else {
        sb_printf(c, "typedef int %s_no_endpoints_;\n", pre);
    }
    output_add(xprintf("%s/%s", out_dir, rel_path(u->name, ".edl.h")), h);
    output_add(xprintf("%s/%s", out_dir, rel_path(u->name, ".edl.c")), c);
}

void gen_c(struct model *m, const char *out_dir)
{
    for (int i = 0; i < m->npkgs; i++) {
        struct package *p = m->pkgs[i];
        if (!p->generate)
            continue;
        struct sbuf *h = xalloc(sizeof *h), *c = xalloc(sizeof *c);
        gen_header(p, h);
        gen_source(p, c);
        output_add(xprintf("%s/%s", out_dir, rel_path(p->name, ".idl.h")), h);
        output_add(xprintf("%s/%s", out_dir, rel_path(p->name, ".idl.c")), c);
    }
    for (int i = 0; i < m->nunits; i++)
        if (m->units[i]->generate && m->units[i]->is_class)
            gen_unit(m, m->units[i], out_dir);
}
