/*
 * IDL parser: package, import, const, typedef, struct, union, interface { methods }.
 * Builds struct package; types stay unresolved (TY_NAMED) until resolve.c.
 */
#include <string.h>

#include "diag.h"
#include "parser.h"

static struct type *new_type(enum type_kind k, struct loc loc)
{
    struct type *t = xalloc(sizeof *t);
    t->kind = k;
    t->loc = loc;
    return t;
}

/* `>>` closes two angle brackets (array<array<UInt8, 4>>): split it into two '>'. */
static void expect_close_angle(struct lexer *lx)
{
    if (lx->tok.kind == TK_SHR) {
        lx->tok.kind = TK_GT;
        lx->tok.start++;
        lx->tok.loc.col++;
        lx->tok.len = 1;
        return;
    }
    expect(lx, TK_GT, "'>'");
}

static const struct {
    const char *name;
    int bits;
    bool is_signed;
} int_types[] = {
    {"UInt8", 8, false},     {"UInt16", 16, false},  {"UInt32", 32, false}, {"UInt64", 64, false},
    {"SInt8", 8, true},      {"SInt16", 16, true},   {"SInt32", 32, true},  {"SInt64", 64, true},
    {"UIntSize", 64, false}, {"UIntPtr", 64, false},
};

static struct type *parse_type(struct lexer *lx)
{
    struct loc loc = lx->tok.loc;
    if (lx->tok.kind != TK_IDENT)
        parse_expected(lx, "a type");
    for (size_t i = 0; i < sizeof int_types / sizeof int_types[0]; i++) {
        if (tok_is(&lx->tok, int_types[i].name)) {
            struct type *t = new_type(TY_INT, loc);
            t->bits = int_types[i].bits;
            t->is_signed = int_types[i].is_signed;
            t->int_name = int_types[i].name;
            lexer_next(lx);
            return t;
        }
    }
    if (tok_is(&lx->tok, "Handle")) {
        lexer_next(lx);
        return new_type(TY_HANDLE, loc);
    }
    if (tok_is(&lx->tok, "string") || tok_is(&lx->tok, "bytes")) {
        struct type *t = new_type(tok_is(&lx->tok, "string") ? TY_STRING : TY_BYTES, loc);
        lexer_next(lx);
        expect(lx, TK_LT, "'<' after string/bytes");
        t->bound_expr = parse_expr(lx);
        expect_close_angle(lx);
        return t;
    }
    if (tok_is(&lx->tok, "sequence") || tok_is(&lx->tok, "array")) {
        struct type *t = new_type(tok_is(&lx->tok, "sequence") ? TY_SEQ : TY_ARRAY, loc);
        parse_enter(lx);
        lexer_next(lx);
        expect(lx, TK_LT, "'<'");
        t->elem = parse_type(lx);
        parse_leave(lx);
        expect(lx, TK_COMMA, "',' and a bound");
        t->bound_expr = parse_expr(lx);
        expect_close_angle(lx);
        return t;
    }
    static const char *const reserved[] = {"in",    "out",     "error", "interface", "struct",
                                           "union", "typedef", "const", "import",    "package"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (tok_is(&lx->tok, reserved[i]))
            parse_expected(lx, "a type");
    struct type *t = new_type(TY_NAMED, loc);
    t->name = parse_qname(lx, "a type");
    return t;
}

static struct decl *new_decl(struct package *p, enum decl_kind k, const struct token *first)
{
    struct decl *d = xalloc(sizeof *d);
    d->kind = k;
    d->pkg = p;
    d->doc = first->doc;
    d->loc = first->loc;
    return d;
}

static void add_decl(struct package *p, struct decl *d)
{
    struct decl *old = package_find_decl(p, d->name);
    if (old)
        diag_error(d->loc, "'%s' is already defined at line %d", d->name, old->loc.line);
    d->qname = xprintf("%s.%s", p->name, d->name);
    *VEC_PUSH(p->decls, p->ndecls) = d;
    name_index_put(&p->decl_index, d->name, d);
}

/* struct/union body: { Type name; ... } */
static void parse_fields(struct lexer *lx, struct decl *d)
{
    struct name_index seen = {0};
    expect(lx, TK_LBRACE, "'{'");
    while (lx->tok.kind != TK_RBRACE) {
        if (lx->tok.kind == TK_EOF)
            parse_expected(lx, "'}'");
        struct field *f = VEC_PUSH(d->fields, d->nfields);
        f->type = parse_type(lx);
        f->loc = lx->tok.loc;
        f->name = expect_ident(lx, "a field name");
        if (name_index_get(&seen, f->name))
            diag_error(f->loc, "duplicate field '%s'", f->name);
        name_index_put(&seen, f->name, f);
        expect(lx, TK_SEMI, "';' after the field");
    }
    expect(lx, TK_RBRACE, "'}'");
    accept(lx, TK_SEMI);
    if (d->nfields == 0)
        diag_error(d->loc, "%s '%s' has no fields", d->kind == D_STRUCT ? "struct" : "union",
                   d->name);
}

/* method_lines: method name -> the line it was first defined on (as a pointer-sized int). */
static void parse_method(struct lexer *lx, struct package *p, struct name_index *method_lines)
{
    struct method *m = VEC_PUSH(p->methods, p->nmethods);
    m->doc = lx->tok.doc;
    m->loc = lx->tok.loc;
    m->name = expect_ident(lx, "a method name or '}'");
    check_no_underscore(m->loc, m->name, "method");
    intptr_t first = (intptr_t)name_index_get(method_lines, m->name);
    if (first)
        diag_error(m->loc, "duplicate method '%s' (first defined at line %d)", m->name, (int)first);
    name_index_put(method_lines, m->name, (void *)(intptr_t)m->loc.line);
    expect(lx, TK_LPAREN, "'(' after the method name");
    enum dir last = DIR_IN;
    bool warned = false;
    struct name_index seen = {0};
    if (lx->tok.kind != TK_RPAREN) {
        do {
            struct param *pr = VEC_PUSH(m->params, m->nparams);
            struct loc dloc = lx->tok.loc;
            if (tok_is(&lx->tok, "in"))
                pr->dir = DIR_IN;
            else if (tok_is(&lx->tok, "out"))
                pr->dir = DIR_OUT;
            else if (tok_is(&lx->tok, "error"))
                pr->dir = DIR_ERROR;
            else
                diag_error(dloc, "parameter direction missing: expected 'in', 'out' or 'error'");
            lexer_next(lx);
            /* KasperskyOS documents "in, then out, then error"; the kernel's own interface
             * interleaves them, so order is kept and only an error before others is flagged. */
            if (pr->dir < last && last == DIR_ERROR && !warned) {
                diag_warning(dloc, "parameter after an 'error' parameter");
                warned = true;
            }
            if (pr->dir > last)
                last = pr->dir;
            pr->type = parse_type(lx);
            pr->loc = lx->tok.loc;
            pr->name = expect_ident(lx, "a parameter name");
            if (name_index_get(&seen, pr->name))
                diag_error(pr->loc, "duplicate parameter '%s'", pr->name);
            name_index_put(&seen, pr->name, pr);
        } while (accept(lx, TK_COMMA));
    }
    expect(lx, TK_RPAREN, "',' or ')'");
    expect(lx, TK_SEMI, "';' after the method");
}

struct package *parse_idl(struct model *mdl, const char *path, const char *src)
{
    struct lexer lx;
    lexer_init(&lx, path, src);
    struct package *p = xalloc(sizeof *p);
    p->path = xstrdup(path);
    if (!tok_is(&lx.tok, "package"))
        parse_expected(&lx, "'package' declaration");
    lexer_next(&lx);
    p->loc = lx.tok.loc;
    p->name = parse_qname(&lx, "a package name");
    accept(&lx, TK_SEMI);
    if (model_find_package(mdl, p->name))
        diag_error(p->loc, "package '%s' is defined twice", p->name);

    while (lx.tok.kind != TK_EOF) {
        struct token first = lx.tok;
        if (tok_is(&first, "import")) {
            lexer_next(&lx);
            struct loc loc = lx.tok.loc;
            char *name = parse_qname(&lx, "a package name");
            accept(&lx, TK_SEMI);
            /* A repeated import adds nothing; keeping one keeps every lookup's scan short. */
            if (!name_index_get(&p->import_index, name)) {
                name_index_put(&p->import_index, name, p);
                struct import *im = VEC_PUSH(p->imports, p->nimports);
                im->loc = loc;
                im->name = name;
            }
        } else if (tok_is(&first, "const")) {
            lexer_next(&lx);
            struct decl *d = new_decl(p, D_CONST, &first);
            d->type = parse_type(&lx);
            d->loc = lx.tok.loc;
            d->name = expect_ident(&lx, "a constant name");
            expect(&lx, TK_EQ, "'='");
            d->value_expr = parse_expr(&lx);
            expect(&lx, TK_SEMI, "';' after the constant");
            add_decl(p, d);
        } else if (tok_is(&first, "typedef")) {
            lexer_next(&lx);
            struct decl *d = new_decl(p, D_TYPEDEF, &first);
            d->type = parse_type(&lx);
            d->loc = lx.tok.loc;
            d->name = expect_ident(&lx, "a type name");
            expect(&lx, TK_SEMI, "';' after the typedef");
            add_decl(p, d);
        } else if (tok_is(&first, "struct") || tok_is(&first, "union")) {
            lexer_next(&lx);
            struct decl *d = new_decl(p, tok_is(&first, "struct") ? D_STRUCT : D_UNION, &first);
            d->loc = lx.tok.loc;
            d->name = expect_ident(&lx, "a type name");
            add_decl(p, d);
            parse_fields(&lx, d);
        } else if (tok_is(&first, "interface")) {
            if (p->has_interface)
                diag_error(first.loc, "a package holds one interface; this is the second");
            p->has_interface = true;
            p->iface_loc = first.loc;
            lexer_next(&lx);
            expect(&lx, TK_LBRACE, "'{' after 'interface'");
            struct name_index method_lines = {0};
            while (lx.tok.kind != TK_RBRACE) {
                if (lx.tok.kind == TK_EOF)
                    parse_expected(&lx, "'}'");
                parse_method(&lx, p, &method_lines);
            }
            expect(&lx, TK_RBRACE, "'}'");
            accept(&lx, TK_SEMI);
        } else if (tok_is(&first, "package")) {
            diag_error(first.loc, "a file holds one 'package' declaration");
        } else {
            parse_expected(&lx, "'import', 'const', 'typedef', 'struct', 'union' or 'interface'");
        }
    }
    *VEC_PUSH(mdl->pkgs, mdl->npkgs) = p;
    name_index_put(&mdl->pkg_index, p->name, p);
    return p;
}
