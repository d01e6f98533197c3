/*
 * EDL and CDL parser. EDL: one `task class X` (or `entity X`); CDL: one or more
 * `component X`; both then take `security I`, `endpoints { n : I }` (or, as KasperskyOS CE 1.0
 * wrote it, `interfaces { n : I }`) and `components { n : C }` in any order. List entries end
 * at ';', ',' or a line break.
 */
#include <string.h>

#include "diag.h"
#include "parser.h"

/* Parses `{ name : QName ... }`; calls add(name, qname, loc) for each entry. */
static void parse_binding_list(struct lexer *lx, struct unit *u, bool endpoints)
{
    /* Names already bound in this unit (every list of the same kind counts). */
    struct name_index *seen = endpoints ? &u->ep_index : &u->inst_index;
    expect(lx, TK_LBRACE, "'{'");
    while (lx->tok.kind != TK_RBRACE) {
        if (lx->tok.kind == TK_EOF)
            parse_expected(lx, "'}'");
        struct loc loc = lx->tok.loc;
        /* Endpoint names may be paths ("vmm.VMM") when a class binds them directly. */
        char *name =
            endpoints ? parse_qname(lx, "an endpoint name") : expect_ident(lx, "an instance name");
        check_no_underscore(loc, name, endpoints ? "endpoint" : "component instance");
        expect(lx, TK_COLON, "':'");
        struct loc tloc = lx->tok.loc;
        char *target = parse_qname(lx, endpoints ? "an interface name" : "a component name");
        if (lx->tok.kind != TK_RBRACE && !accept(lx, TK_SEMI) && !accept(lx, TK_COMMA) &&
            !lx->tok.newline_before)
            parse_expected(lx, "a line break, ';' or '}'");
        if (name_index_get(seen, name))
            diag_error(loc, "duplicate %s '%s'", endpoints ? "endpoint" : "component instance",
                       name);
        name_index_put(seen, name, u);
        if (endpoints) {
            struct endpoint_decl *e = VEC_PUSH(u->eps, u->neps);
            e->name = name;
            e->iface = target;
            e->loc = tloc;
        } else {
            struct instance *in = VEC_PUSH(u->insts, u->ninsts);
            in->name = name;
            in->comp = target;
            in->loc = tloc;
        }
    }
    expect(lx, TK_RBRACE, "'}'");
    accept(lx, TK_SEMI);
}

void parse_unit_file(struct model *m, const char *path, const char *src, bool is_edl)
{
    struct lexer lx;
    lexer_init(&lx, path, src);
    struct unit *u = NULL;
    if (lx.tok.kind == TK_EOF)
        parse_expected(&lx, is_edl ? "'task class' or 'entity'" : "'component'");
    while (lx.tok.kind != TK_EOF) {
        struct token first = lx.tok;
        bool starts_unit = false;
        if (is_edl && (tok_is(&first, "task") || tok_is(&first, "entity"))) {
            if (u)
                diag_error(first.loc, "an EDL file describes one process class");
            lexer_next(&lx);
            if (tok_is(&first, "task")) {
                if (!tok_is(&lx.tok, "class"))
                    parse_expected(&lx, "'class' after 'task'");
                lexer_next(&lx);
            }
            starts_unit = true;
        } else if (!is_edl && tok_is(&first, "component")) {
            lexer_next(&lx);
            starts_unit = true;
        }
        if (starts_unit) {
            u = xalloc(sizeof *u);
            u->is_class = is_edl;
            u->path = xstrdup(path);
            u->doc = first.doc;
            u->loc = lx.tok.loc;
            u->name = parse_qname(&lx, is_edl ? "a process class name" : "a component name");
            accept(&lx, TK_SEMI);
            if (model_find_unit(m, u->name))
                diag_error(u->loc, "'%s' is defined twice", u->name);
            *VEC_PUSH(m->units, m->nunits) = u;
            name_index_put(&m->unit_index, u->name, u);
            continue;
        }
        if (!u)
            parse_expected(&lx, is_edl ? "'task class' or 'entity'" : "'component'");
        if (tok_is(&first, "security")) {
            lexer_next(&lx);
            if (u->security)
                diag_error(first.loc, "second 'security' declaration");
            u->security = parse_qname(&lx, "an interface name");
            accept(&lx, TK_SEMI);
        } else if (tok_is(&first, "endpoints") || tok_is(&first, "interfaces")) {
            /* `interfaces` is the older KasperskyOS name of the same list (CE 1.0 examples). */
            lexer_next(&lx);
            parse_binding_list(&lx, u, true);
        } else if (tok_is(&first, "components")) {
            lexer_next(&lx);
            parse_binding_list(&lx, u, false);
        } else {
            parse_expected(&lx, is_edl ? "'security', 'endpoints' or 'components'"
                                       : "'component', 'security', 'endpoints' or 'components'");
        }
    }
}
