/*
 * Parser of the accepted PSL subset (docs/policy-language.md). Every construct of KasperskyOS
 * PSL outside the subset that the parser can recognise is refused with "... is not supported";
 * anything else is a syntax error at the offending token. After an error the parser skips to
 * the next top-level declaration, so one run reports several errors.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlib/textfile.h"
#include "ksm_table.h"
#include "model.h"

const char *const psl_event_names[5] = {"execute", "request", "response", "error", "security"};

struct parser {
    struct policy *pol;
    const char *file;
    struct token *t;
    int n, i;
    int failed; /* an error in the current declaration: stop and resync */
    int depth;  /* nesting of parentheses, unary operators, match sections and PAL values */
};

#define PSL_MAX_NESTING 64 /* keeps the recursive descent's stack use bounded */

/* Enters one nesting level; false (after an error) when the limit is passed. */
static bool enter(struct parser *ps, struct token *at);

static struct token *peek(struct parser *ps)
{
    return &ps->t[ps->i];
}
static struct token *peek2(struct parser *ps)
{
    return &ps->t[ps->i + 1 < ps->n ? ps->i + 1 : ps->n - 1];
}
static struct token *next(struct parser *ps)
{
    struct token *t = &ps->t[ps->i];
    if (t->kind != T_EOF)
        ps->i++;
    return t;
}
static bool is_ident(struct token *t, const char *s)
{
    return t->kind == T_IDENT && !strcmp(t->text, s);
}

static void err_at(struct parser *ps, struct token *t, const char *msg)
{
    if (!ps->failed)
        psl_error(t->pos, "%s", msg);
    ps->failed = 1;
}

static bool expect(struct parser *ps, enum tok_kind k, const char *what)
{
    if (ps->failed)
        return false;
    if (peek(ps)->kind == k) {
        next(ps);
        return true;
    }
    err_at(ps, peek(ps), psl_fmt("expected %s, found %s", what, tok_describe(peek(ps))));
    return false;
}

static int event_of(const char *s)
{
    for (int e = 0; e < 5; e++)
        if (!strcmp(s, psl_event_names[e]))
            return e;
    return -1;
}

/* qname := IDENT ('.' IDENT)* ; "_" is an identifier here (use a.b._). */
static char *qname(struct parser *ps, const char *what)
{
    if (ps->failed)
        return NULL;
    if (peek(ps)->kind != T_IDENT) {
        err_at(ps, peek(ps), psl_fmt("expected %s, found %s", what, tok_describe(peek(ps))));
        return NULL;
    }
    char *s = psl_strdup(next(ps)->text);
    while (peek(ps)->kind == T_DOT && peek2(ps)->kind == T_IDENT) {
        next(ps);
        s = psl_fmt("%s.%s", s, next(ps)->text);
    }
    return s;
}

/* selectors := (key '=' qname [','])*, key one of src dst endpoint method component interface */
static void selectors(struct parser *ps, struct selectors *sel)
{
    static const char *const keys[SEL_COUNT] = {"src",    "dst",       "endpoint",
                                                "method", "component", "interface"};
    while (!ps->failed && peek(ps)->kind == T_IDENT && peek2(ps)->kind == T_ASSIGN) {
        struct token *k = next(ps);
        int which = -1;
        for (int i = 0; i < SEL_COUNT; i++)
            if (!strcmp(k->text, keys[i]))
                which = i;
        if (which < 0) {
            err_at(ps, k,
                   psl_fmt("selector '%s=' is not supported (use src=, dst=, endpoint=, method=, "
                           "component=, interface=)",
                           k->text));
            return;
        }
        if (sel->v[which]) {
            err_at(ps, k, psl_fmt("selector '%s=' given twice", k->text));
            return;
        }
        next(ps); /* = */
        sel->pos[which] = peek(ps)->pos;
        sel->v[which] = qname(ps, "a name after '='");
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
}

static struct expr *expr(struct parser *ps);
static struct expr *entry_operand(struct parser *ps);

static bool enter(struct parser *ps, struct token *at)
{
    if (++ps->depth <= PSL_MAX_NESTING)
        return true;
    err_at(ps, at, psl_fmt("nesting deeper than %d levels is not supported", PSL_MAX_NESTING));
    return false;
}

static struct expr *new_expr(enum expr_kind k, struct psl_pos pos)
{
    struct expr *e = psl_alloc(sizeof *e);
    e->kind = k;
    e->pos = pos;
    return e;
}

/* sid : src_sid | dst_sid (after the key); KSM_SID_SRC/DST, or -1 after an error. */
static int sid_value(struct parser *ps)
{
    struct token *v = next(ps);
    if (is_ident(v, "src_sid") || is_ident(v, "dst_sid"))
        return is_ident(v, "src_sid") ? KSM_SID_SRC : KSM_SID_DST;
    err_at(ps, v, psl_fmt("sid %s is not supported (src_sid or dst_sid)", tok_describe(v)));
    return -1;
}

/* A StaticMap key (after `key :` or in the config's keys): "<text>" or a List<UInt8>,
 * `[<byte>, ...]`, integer literals 0 .. 255 (the empty list is a key like the empty text).
 * Only literals: keys are resolved at compile time, so a key from a message is refused here.
 * *pos is where it starts; false after an error. */
static bool map_key(struct parser *ps, struct map_key *k, struct psl_pos *pos)
{
    struct token *t = peek(ps);
    *pos = t->pos;
    if (t->kind == T_STRING) {
        next(ps);
        *k = (struct map_key){psl_strdup(t->text), (uint32_t)strlen(t->text), false};
        return true;
    }
    if (t->kind != T_LBRACK) {
        err_at(ps, t,
               psl_fmt("expected a key, \"<text>\" or a List<UInt8> [<byte>, ...] (keys are "
                       "literals, resolved at compile time), found %s",
                       tok_describe(t)));
        return false;
    }
    next(ps);
    char *buf = NULL;
    int n = 0, cap = 0;
    while (peek(ps)->kind != T_RBRACK) {
        struct token *v = peek(ps);
        if (v->kind != T_INT) {
            err_at(ps, v,
                   psl_fmt("a List<UInt8> key holds bytes (integers 0 .. 255), found %s",
                           tok_describe(v)));
            return false;
        }
        if (v->value > 255) {
            err_at(ps, v,
                   psl_fmt("%llu is not a byte: a List<UInt8> key's elements are 0 .. 255",
                           (unsigned long long)v->value));
            return false;
        }
        next(ps);
        *PSL_PUSH(buf, n, cap) = (char)v->value;
        if (peek(ps)->kind != T_COMMA)
            break;
        next(ps);
    }
    if (!expect(ps, T_RBRACK, "']' or ',' in a List<UInt8> key"))
        return false;
    k->bytes = psl_alloc((size_t)n + 1);
    if (n)
        memcpy(k->bytes, buf, (size_t)n);
    k->bytes[n] = 0;
    k->len = (uint32_t)n;
    k->list = true;
    return true;
}

/* sid : src_sid | dst_sid | <a resource's SID, an expression: message.<handle>.handle> (after
 * the key) of a Flow, HashSet or StaticMap rule or expression: *sid KSM_SID_SRC/DST, or
 * KSM_SID_RESOURCE with *e the SID's expression; -1 after an error. */
static void sid_operand(struct parser *ps, int *sid, struct expr **e)
{
    struct token *v = peek(ps);
    if (is_ident(v, "src_sid") || is_ident(v, "dst_sid")) {
        *sid = sid_value(ps);
        return;
    }
    *e = expr(ps);
    *sid = *e ? KSM_SID_RESOURCE : -1;
}

/* The height a model's expression adds to its operands (the resource's SID included). */
static int sid_height(const struct expr *e)
{
    return e->sid_e && e->sid_e->height + 1 > e->height ? e->sid_e->height + 1 : e->height;
}

/* <HashSet object>.contains {sid : <sid>, entry : <expr>}: a boolean. */
static struct expr *contains(struct parser *ps, struct token *obj)
{
    next(ps);
    next(ps);
    struct token *m = peek(ps);
    if (!is_ident(m, "contains")) {
        err_at(ps, m,
               psl_fmt("'%s.%s' is not supported in expressions (HashSet: contains)", obj->text,
                       m->text));
        return NULL;
    }
    next(ps);
    if (!enter(ps, m))
        return NULL;
    struct expr *e = new_expr(E_CONTAINS, obj->pos);
    e->object = psl_strdup(obj->text);
    e->sid = -1;
    if (!expect(ps, T_LBRACE, "'{' and the arguments of contains"))
        return NULL;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return NULL;
        if (is_ident(k, "sid")) {
            sid_operand(ps, &e->sid, &e->sid_e);
        } else if (is_ident(k, "entry")) {
            e->a = entry_operand(ps);
        } else {
            err_at(ps, k, psl_fmt("'%s' is not an argument of %s.contains", k->text, obj->text));
            return NULL;
        }
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return NULL;
    ps->depth--;
    if (e->sid < 0 || !e->a) {
        err_at(ps, m,
               psl_fmt("%s.contains needs 'sid : src_sid', 'sid : dst_sid' or 'sid : <a "
                       "resource's SID>' and 'entry : <integer>'",
                       obj->text));
        return NULL;
    }
    e->height = 1 + e->a->height;
    e->height = sid_height(e);
    return e;
}

/* <StaticMap object>.get | get_uncommitted {sid : <sid>, key : "<key>"}: an integer. */
static struct expr *map_get(struct parser *ps, struct token *obj)
{
    next(ps);
    next(ps);
    struct token *m = peek(ps);
    bool uncommitted = is_ident(m, "get_uncommitted") || is_ident(m, "get_uncommited");
    if (!is_ident(m, "get") && !uncommitted) {
        err_at(ps, m,
               psl_fmt("'%s.%s' is not supported in expressions (StaticMap: get, "
                       "get_uncommitted)",
                       obj->text, m->text));
        return NULL;
    }
    next(ps);
    struct expr *e = new_expr(E_MAP_GET, obj->pos);
    e->object = psl_strdup(obj->text);
    e->op = uncommitted;
    e->sid = -1;
    if (!expect(ps, T_LBRACE, "'{' and the arguments"))
        return NULL;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return NULL;
        if (is_ident(k, "sid")) {
            sid_operand(ps, &e->sid, &e->sid_e);
        } else if (is_ident(k, "key")) {
            if (e->key.bytes) {
                err_at(ps, k, psl_fmt("'key' is given twice in %s.%s", obj->text, m->text));
                return NULL;
            }
            if (!map_key(ps, &e->key, &e->pos))
                return NULL;
        } else {
            err_at(ps, k, psl_fmt("'%s' is not an argument of %s.%s", k->text, obj->text, m->text));
            return NULL;
        }
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return NULL;
    if (e->sid < 0 || !e->key.bytes) {
        err_at(ps, m,
               psl_fmt("%s.%s needs 'sid : src_sid', 'sid : dst_sid' or 'sid : <a resource's "
                       "SID>' and 'key : \"<key>\"' (or 'key : [<byte>, ...]')",
                       obj->text, m->text));
        return NULL;
    }
    e->height = 1;
    e->height = sid_height(e);
    return e;
}

static struct expr *primary(struct parser *ps);

/* The arguments of sum, product, all and any: '[' expr (',' expr)* [','] ']', also inside
 * parentheses (CE 1.2 writes `sum ([a, b])`, CE 1.1 `sum [a, b]`). */
static int expr_list(struct parser *ps, struct expr ***v)
{
    int n = 0, cap = 0;
    bool paren = peek(ps)->kind == T_LPAREN;
    if (paren)
        next(ps);
    if (!expect(ps, T_LBRACK, "'[' and a list of values"))
        return -1;
    while (!ps->failed && peek(ps)->kind != T_RBRACK) {
        struct expr *e = expr(ps);
        if (!e)
            return -1;
        *PSL_PUSH(*v, n, cap) = e;
        if (peek(ps)->kind != T_COMMA)
            break;
        next(ps);
    }
    if (!expect(ps, T_RBRACK, "']' or ','") || (paren && !expect(ps, T_RPAREN, "')'")))
        return -1;
    return n;
}

/* unit op v[0] op v[1] ...: the operator chain sum, product, all and any stand for. */
static struct expr *fold(struct parser *ps, struct token *at, enum tok_kind op, struct expr *unit,
                         struct expr **v, int n)
{
    struct expr *l = unit;
    for (int i = 0; i < n; i++) {
        struct expr *e = new_expr(E_BINARY, at->pos);
        e->op = op;
        e->a = l;
        e->b = v[i];
        e->height = 1 + (l->height > v[i]->height ? l->height : v[i]->height);
        if (e->height > 4 * PSL_MAX_NESTING) {
            err_at(ps, at,
                   psl_fmt("expression with more than %d nested operations is not supported",
                           4 * PSL_MAX_NESTING));
            return NULL;
        }
        l = e;
    }
    return l;
}

static struct expr *constant(enum expr_kind k, struct psl_pos pos, uint64_t v)
{
    struct expr *e = new_expr(k, pos);
    e->value = v;
    return e;
}

/* The model whose function `name` is when called without an object, or -1. */
static int function_model(const char *name)
{
    static const struct {
        const char *name;
        int model;
    } fns[] = {{"neg", XM_MATH},     {"abs", XM_MATH},   {"sum", XM_MATH},    {"product", XM_MATH},
               {"all", XM_BOOL},     {"any", XM_BOOL},   {"cond", XM_BOOL},   {"empty", XM_PRED},
               {"length", XM_PRED},  {"size", XM_PRED},  {"member", XM_PRED}, {"match", XM_REGEX},
               {"select", XM_REGEX}, {"uint8", XM_MATH}, {"uint16", XM_MATH}, {"uint32", XM_MATH},
               {"uint64", XM_MATH},  {"sint8", XM_MATH}, {"sint16", XM_MATH}, {"sint32", XM_MATH},
               {"sint64", XM_MATH}};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (!strcmp(fns[i].name, name))
            return fns[i].model;
    return -1;
}

/* The bits of the integer type a Math cast `name` (uint8 .. sint64) converts to, or 0. */
static unsigned cast_bits(const char *name)
{
    static const char *const names[] = {"uint8", "uint16", "uint32", "uint64",
                                        "sint8", "sint16", "sint32", "sint64"};
    for (unsigned i = 0; i < 8; i++)
        if (!strcmp(names[i], name))
            return 8u << (i % 4);
    return 0;
}

static const char *const xmodel_names[] = {"Pred", "Bool", "Math", "Struct", "Regex"};

static bool model_used(const struct policy *p, int model)
{
    return model == XM_PRED     ? p->uses_pred
           : model == XM_BOOL   ? p->uses_bool
           : model == XM_MATH   ? p->uses_math
           : model == XM_STRUCT ? p->uses_struct
                                : p->uses_regex;
}

/* <Regex object>.match {text : <string field>, pattern : "<regex>"}. */
static struct expr *regex_match(struct parser *ps, struct token *m)
{
    struct expr *e = new_expr(E_REGEX, m->pos);
    if (!expect(ps, T_LBRACE, "'{' and the arguments of match"))
        return NULL;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return NULL;
        if (is_ident(k, "text")) {
            e->a = expr(ps);
        } else if (is_ident(k, "pattern")) {
            struct token *v = peek(ps);
            if (!expect(ps, T_STRING, "the pattern, a string literal"))
                return NULL;
            e->str = v->text;
            e->pos = v->pos;
        } else {
            err_at(ps, k, psl_fmt("'%s' is not an argument of match (text, pattern)", k->text));
            return NULL;
        }
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return NULL;
    if (!e->a || !e->str) {
        err_at(ps, m, "match needs 'text : <string field>' and 'pattern : \"<regex>\"'");
        return NULL;
    }
    e->height = 1 + e->a->height;
    return e;
}

/*
 * A function of a model without state, after its name m (and its object, if written): Math
 * neg, abs, sum, product, the casts uint8 .. sint64; Bool all, any, cond; Pred empty (and
 * length); Regex match.
 */
static struct expr *function(struct parser *ps, struct token *m, int model)
{
    const char *f = m->text;
    if (function_model(f) != model) {
        err_at(ps, m,
               psl_fmt("'%s' is not a function of the %s model%s", f, xmodel_names[model],
                       model == XM_STRUCT ? " (Struct: write message.<param>.<field>; '.[i]', "
                                            "'.handle' and '.rights' are not supported)"
                                          : ""));
        return NULL;
    }
    if (!model_used(ps->pol, model)) {
        err_at(ps, m,
               psl_fmt("'%s' is a function of the %s model: add 'use nk.%s._'", f,
                       xmodel_names[model], model == XM_REGEX ? "regex" : "base"));
        return NULL;
    }
    if (!enter(ps, m))
        return NULL;
    struct expr *e = NULL;
    if (!strcmp(f, "select")) {
        err_at(ps, m,
               "'select' chooses a case of a choice: write choice (re.select {text : ...}) { "
               "\"<pattern>\" : ... }");
    } else if (!strcmp(f, "match")) {
        e = regex_match(ps, m);
    } else if (!strcmp(f, "neg") || !strcmp(f, "abs") || !strcmp(f, "empty") ||
               !strcmp(f, "length") || !strcmp(f, "size") || cast_bits(f)) {
        struct expr *a = primary(ps);
        if (a && cast_bits(f)) { /* uint8 (x) .. sint64 (x): a checked cast (resolve.c) */
            e = new_expr(E_CALL, m->pos);
            e->fn = FN_CAST;
            e->value = cast_bits(f);
            e->sign = f[0] == 's'; /* the result's, which the resolver keeps */
            e->a = a;
        } else if (a && !strcmp(f, "neg")) {
            e = new_expr(E_UNARY, m->pos);
            e->op = T_MINUS;
            e->a = a;
        } else if (a) {
            e = new_expr(E_CALL, m->pos);
            e->fn = !strcmp(f, "abs") ? FN_ABS : FN_LENGTH;
            e->a = a;
            if (!strcmp(f, "empty")) { /* empty (s): length (s) == 0 */
                struct expr *eq = new_expr(E_BINARY, m->pos);
                eq->op = T_EQ;
                eq->a = e;
                eq->b = constant(E_INT, m->pos, 0);
                e->height = 1 + a->height;
                e = eq;
            }
        }
        if (e)
            e->height = 1 + (e->a ? e->a->height : 0) + (e->kind == E_BINARY);
    } else if (!strcmp(f, "member")) {
        /* member {value : <integer>, of : <sequence or array> [, field : <name>[.<name>]...]}:
         * a Bastion addition; `field` names the elements' field of a sequence or array of
         * structs (path, npath: as after a.[i]) */
        e = new_expr(E_CALL, m->pos);
        e->fn = FN_MEMBER;
        if (!expect(ps, T_LBRACE, "'{' and value, of"))
            return NULL;
        while (!ps->failed && peek(ps)->kind == T_IDENT) {
            struct token *k = next(ps);
            if (!expect(ps, T_COLON, "':'"))
                return NULL;
            if (is_ident(k, "field")) {
                int pcap = 0;
                if (e->npath) {
                    err_at(ps, k, "member's 'field' is given twice");
                    return NULL;
                }
                do {
                    if (peek(ps)->kind != T_IDENT) {
                        err_at(ps, peek(ps),
                               psl_fmt("expected a field name of the elements, found %s",
                                       tok_describe(peek(ps))));
                        return NULL;
                    }
                    *PSL_PUSH(e->path, e->npath, pcap) = next(ps)->text;
                } while (peek(ps)->kind == T_DOT && next(ps));
                if (peek(ps)->kind == T_COMMA)
                    next(ps);
                continue;
            }
            struct expr **slot = is_ident(k, "value") ? &e->a : is_ident(k, "of") ? &e->b : NULL;
            if (!slot) {
                err_at(ps, k,
                       psl_fmt("'%s' is not an argument of member (value, of, field)", k->text));
                return NULL;
            }
            *slot = expr(ps);
            if (peek(ps)->kind == T_COMMA)
                next(ps);
        }
        if (!expect(ps, T_RBRACE, "'}' or an argument"))
            return NULL;
        if (!e->a || !e->b) {
            err_at(ps, m, "member needs 'value : <integer>' and 'of : <sequence or array field>'");
            return NULL;
        }
        e->height = 1 + (e->a->height > e->b->height ? e->a->height : e->b->height);
    } else if (!strcmp(f, "cond")) {
        e = new_expr(E_CALL, m->pos);
        e->fn = FN_COND;
        if (!expect(ps, T_LBRACE, "'{' and if, then, else"))
            return NULL;
        while (!ps->failed && peek(ps)->kind == T_IDENT) {
            struct token *k = next(ps);
            if (!expect(ps, T_COLON, "':'"))
                return NULL;
            struct expr **slot = is_ident(k, "if")     ? &e->a
                                 : is_ident(k, "then") ? &e->b
                                 : is_ident(k, "else") ? &e->c
                                                       : NULL;
            if (!slot) {
                err_at(ps, k, psl_fmt("'%s' is not an argument of cond (if, then, else)", k->text));
                return NULL;
            }
            *slot = expr(ps);
            if (peek(ps)->kind == T_COMMA)
                next(ps);
        }
        if (!expect(ps, T_RBRACE, "'}' or an argument"))
            return NULL;
        if (!e->a || !e->b || !e->c) {
            err_at(ps, m, "cond needs 'if : <boolean>', 'then : <value>' and 'else : <value>'");
            return NULL;
        }
        int h = e->a->height;
        h = e->b->height > h ? e->b->height : h;
        h = e->c->height > h ? e->c->height : h;
        e->height = 1 + h;
    } else {
        struct expr **v = NULL;
        int n = expr_list(ps, &v);
        if (n >= 0) {
            bool math = !strcmp(f, "sum") || !strcmp(f, "product");
            struct expr *unit = math ? constant(E_INT, m->pos, !strcmp(f, "product"))
                                     : constant(E_BOOL, m->pos, !strcmp(f, "all"));
            enum tok_kind op = !strcmp(f, "sum")       ? T_PLUS
                               : !strcmp(f, "product") ? T_STAR
                               : !strcmp(f, "all")     ? T_ANDAND
                                                       : T_OROR;
            e = fold(ps, m, op, unit, v, n);
        }
    }
    ps->depth--;
    if (e && e->height > 4 * PSL_MAX_NESTING) {
        err_at(ps, m,
               psl_fmt("expression with more than %d nested operations is not supported",
                       4 * PSL_MAX_NESTING));
        return NULL;
    }
    return ps->failed ? NULL : e;
}

/* <Flow object>.query {sid : <sid>}: the name of the process's current state. */
static struct expr *flow_query(struct parser *ps, struct token *obj)
{
    next(ps);
    next(ps);
    struct token *m = peek(ps);
    if (!is_ident(m, "query")) {
        err_at(
            ps, m,
            psl_fmt("'%s.%s' is not supported in expressions (Flow: query)", obj->text, m->text));
        return NULL;
    }
    next(ps);
    struct expr *e = new_expr(E_QUERY, obj->pos);
    e->object = psl_strdup(obj->text);
    e->sid = -1;
    if (!expect(ps, T_LBRACE, "'{' and the arguments of query"))
        return NULL;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return NULL;
        if (!is_ident(k, "sid")) {
            err_at(ps, k, psl_fmt("'%s' is not an argument of %s.query", k->text, obj->text));
            return NULL;
        }
        sid_operand(ps, &e->sid, &e->sid_e);
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return NULL;
    if (e->sid < 0) {
        err_at(ps, m,
               psl_fmt("%s.query needs 'sid : src_sid', 'sid : dst_sid' or 'sid : <a resource's "
                       "SID>'",
                       obj->text));
        return NULL;
    }
    e->height = 1;
    e->height = sid_height(e);
    return e;
}

/* `source : src_sid | dst_sid` (a subject, *sid set) or `: <expression>` (a resource's SID,
 * returned) of a Mic rule or query_level; NULL and *sid -1 after an error. */
static struct expr *mic_operand(struct parser *ps, int *sid)
{
    struct token *v = peek(ps);
    *sid = -1;
    if (is_ident(v, "src_sid") || is_ident(v, "dst_sid")) {
        *sid = sid_value(ps);
        return NULL;
    }
    return expr(ps);
}

/* <Mic object>.query_level {source : <sid> | <resource SID>}: the degree of its level. */
static struct expr *mic_query(struct parser *ps, struct token *obj)
{
    next(ps);
    next(ps);
    struct token *m = peek(ps);
    if (!is_ident(m, "query_level")) {
        err_at(ps, m,
               psl_fmt("'%s.%s' is not supported in expressions (Mic: query_level)", obj->text,
                       m->text));
        return NULL;
    }
    next(ps);
    if (!enter(ps, m))
        return NULL;
    struct expr *e = new_expr(E_QUERY, obj->pos);
    e->object = psl_strdup(obj->text);
    e->op = 1;
    e->sid = -1;
    bool given = false;
    if (!expect(ps, T_LBRACE, "'{' and the arguments of query_level"))
        return NULL;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return NULL;
        if (!is_ident(k, "source")) {
            err_at(
                ps, k,
                psl_fmt("'%s' is not an argument of %s.query_level (source)", k->text, obj->text));
            return NULL;
        }
        e->a = mic_operand(ps, &e->sid);
        given = e->a || e->sid >= 0;
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return NULL;
    ps->depth--;
    if (!given) {
        err_at(ps, m,
               psl_fmt("%s.query_level needs 'source : src_sid | dst_sid | <resource SID>'",
                       obj->text));
        return NULL;
    }
    if (e->a)
        e->sid = 2;
    e->height = 1 + (e->a ? e->a->height : 0);
    return e;
}

static struct expr *primary(struct parser *ps)
{
    struct token *t = peek(ps);
    if (ps->failed)
        return NULL;
    if (t->kind == T_INT) {
        next(ps);
        struct expr *e = new_expr(E_INT, t->pos);
        e->value = t->value;
        return e;
    }
    if (is_ident(t, "true") || is_ident(t, "false")) {
        next(ps);
        struct expr *e = new_expr(E_BOOL, t->pos);
        e->value = is_ident(t, "true");
        return e;
    }
    if (t->kind == T_LPAREN) {
        next(ps);
        if (!enter(ps, t))
            return NULL;
        struct expr *e = expr(ps);
        expect(ps, T_RPAREN, "')'");
        ps->depth--;
        return e;
    }
    if (t->kind == T_MINUS || t->kind == T_BANG || t->kind == T_TILDE) {
        next(ps);
        if (!enter(ps, t))
            return NULL;
        struct expr *e = new_expr(E_UNARY, t->pos);
        e->op = t->kind;
        e->a = primary(ps);
        e->height = 1 + (e->a ? e->a->height : 0);
        ps->depth--;
        return e;
    }
    if (is_ident(t, "message")) {
        next(ps);
        struct expr *e = new_expr(E_FIELD, t->pos);
        int cap = 0;
        if (peek(ps)->kind != T_DOT) {
            err_at(ps, peek(ps), "expected '.<parameter>' after 'message'");
            return NULL;
        }
        while (peek(ps)->kind == T_DOT) {
            next(ps);
            if (peek(ps)->kind == T_LBRACK) {
                /* Struct: <sequence or array>.[<index>], an element (an integer, so last), or
                 * <sequence of structs>.[<index>].<field>..., a field of the element */
                struct token *lb = next(ps);
                if (!enter(ps, lb))
                    return NULL;
                struct expr *ix = new_expr(E_INDEX, lb->pos);
                ix->a = e;
                ix->b = expr(ps);
                ps->depth--;
                if (!ix->b || !expect(ps, T_RBRACK, "']' after the index"))
                    return NULL;
                int pcap = 0, levels = 1;
                ix->height = 1 + ix->b->height;
                while (peek(ps)->kind == T_DOT) {
                    next(ps);
                    if (peek(ps)->kind == T_LBRACK) {
                        /* <array>.[i].<sequence>.[j]: an element of a sequence inside an
                         * element, or <sequence of sequences>.[i].[j], and so on, level after
                         * level (the resolver checks the types, which the IDL nests at most
                         * IDL_SEQ_NEST_MAX sequences deep); the levels are bounded as the
                         * nesting of expressions is, for the passes that recurse on them */
                        struct token *lb2 = next(ps);
                        if (++levels > PSL_MAX_NESTING) {
                            err_at(ps, lb2,
                                   psl_fmt("elements nested deeper than %d levels are not "
                                           "supported",
                                           PSL_MAX_NESTING));
                            return NULL;
                        }
                        if (!enter(ps, lb2))
                            return NULL;
                        struct expr *in = new_expr(E_INDEX, lb2->pos);
                        in->a = ix;
                        in->b = expr(ps);
                        ps->depth--;
                        if (!in->b || !expect(ps, T_RBRACK, "']' after the index"))
                            return NULL;
                        in->height = 1 + (ix->height > in->b->height ? ix->height : in->b->height);
                        ix = in;
                        pcap = 0;
                        continue;
                    }
                    if (peek(ps)->kind != T_IDENT) {
                        err_at(ps, peek(ps),
                               psl_fmt("expected a field name of the element, found %s",
                                       tok_describe(peek(ps))));
                        return NULL;
                    }
                    *PSL_PUSH(ix->path, ix->npath, pcap) = next(ps)->text;
                }
                if (peek(ps)->kind == T_LBRACK) {
                    err_at(ps, peek(ps),
                           "an element's element is not supported after '.[<index>]'");
                    return NULL;
                }
                return ix;
            }
            if (peek(ps)->kind != T_IDENT) {
                err_at(ps, peek(ps),
                       psl_fmt("expected a field name, found %s", tok_describe(peek(ps))));
                return NULL;
            }
            *PSL_PUSH(e->path, e->npath, cap) = next(ps)->text;
        }
        if (peek(ps)->kind == T_LBRACK) {
            err_at(ps, peek(ps), "an element is written '.[<index>]' (Struct model)");
            return NULL;
        }
        return e;
    }
    if (t->kind == T_STRING) {
        /* Compared with a string field only (the resolver checks): message.reg == "IA32_TSC". */
        next(ps);
        struct expr *e = new_expr(E_STR, t->pos);
        e->str = t->text;
        return e;
    }
    if (t->kind == T_IDENT && peek2(ps)->kind == T_DOT && policy_set_id(ps->pol, t->text) >= 0)
        return contains(ps, t);
    if (t->kind == T_IDENT && peek2(ps)->kind == T_DOT && policy_map_id(ps->pol, t->text) >= 0)
        return map_get(ps, t);
    if (t->kind == T_IDENT && peek2(ps)->kind == T_DOT && policy_flow_id(ps->pol, t->text) >= 0)
        return flow_query(ps, t);
    if (t->kind == T_IDENT && peek2(ps)->kind == T_DOT && policy_mic_id(ps->pol, t->text) >= 0)
        return mic_query(ps, t);
    if (t->kind == T_IDENT && peek2(ps)->kind == T_DOT &&
        policy_xobject_model(ps->pol, t->text) >= 0) {
        int model = policy_xobject_model(ps->pol, t->text);
        next(ps);
        next(ps);
        struct token *m = peek(ps);
        if (!expect(ps, T_IDENT, "a function name"))
            return NULL;
        struct expr *e = function(ps, m, model);
        if (e && e->kind == E_REGEX)
            e->object = t->text; /* the Regex object whose audit applies */
        return e;
    }
    if (t->kind == T_IDENT && function_model(t->text) >= 0 &&
        (peek2(ps)->kind == T_LPAREN || peek2(ps)->kind == T_LBRACK ||
         peek2(ps)->kind == T_LBRACE)) {
        next(ps);
        return function(ps, t, function_model(t->text));
    }
    if (t->kind == T_IDENT) {
        err_at(ps, t,
               psl_fmt("'%s' is not supported in expressions (only message.<field>, literals, "
                       "functions and the expressions of declared model objects)",
                       t->text));
        return NULL;
    }
    err_at(ps, t, psl_fmt("expected an expression, found %s", tok_describe(t)));
    return NULL;
}

/* Binding strength of a binary operator (0: none). The bit operators bind tighter than the
 * comparisons, not looser as in C: booleans and integers never mix, so C's `a & m == v`, read
 * as `a & (m == v)`, could only be a type error, and `a & m == v` is what a mask test means
 * (Python's order: `|` below `&` below `+ -`). */
static int prec(enum tok_kind k)
{
    switch (k) {
    case T_IMPLIES:
        return 1;
    case T_OROR:
        return 2;
    case T_ANDAND:
        return 3;
    case T_EQ:
    case T_NE:
        return 4;
    case T_LT:
    case T_LE:
    case T_GT:
    case T_GE:
        return 5;
    case T_PIPE:
        return 6;
    case T_AMP:
        return 7;
    case T_PLUS:
    case T_MINUS:
        return 8;
    case T_STAR:
    case T_SLASH:
    case T_PERCENT:
        return 9;
    default:
        return 0;
    }
}

static struct expr *binary(struct parser *ps, int min)
{
    struct expr *l = primary(ps);
    while (!ps->failed) {
        struct token *op = peek(ps);
        int p = prec(op->kind);
        /* KasperskyOS's Math has no exclusive or and no shifts (CE 1.3 documents | & ~) */
        if (op->kind == T_OTHER && !strcmp(op->text, "^")) {
            err_at(ps, op, psl_fmt("operator '%s' is not supported", op->text));
            return NULL;
        }
        if ((op->kind == T_LT || op->kind == T_GT) && peek2(ps)->kind == op->kind &&
            peek2(ps)->pos.line == op->pos.line && peek2(ps)->pos.col == op->pos.col + 1) {
            err_at(ps, op,
                   psl_fmt("operator '%s' is not supported", op->kind == T_LT ? "<<" : ">>"));
            return NULL;
        }
        if (!p || p < min)
            break;
        next(ps);
        struct expr *e = new_expr(E_BINARY, op->pos);
        e->op = op->kind;
        e->a = l;
        if (op->kind == T_IMPLIES) { /* ==> groups to the right: bound that recursion */
            if (!enter(ps, op))
                return NULL;
            e->b = binary(ps, p);
            ps->depth--;
        } else {
            e->b = binary(ps, p + 1);
        }
        int ha = l ? l->height : 0, hb = e->b ? e->b->height : 0;
        e->height = 1 + (ha > hb ? ha : hb);
        if (e->height > 4 * PSL_MAX_NESTING) {
            err_at(ps, op,
                   psl_fmt("expression with more than %d nested operations is not supported",
                           4 * PSL_MAX_NESTING));
            return NULL;
        }
        l = e;
    }
    return l;
}

static struct expr *expr(struct parser *ps)
{
    return binary(ps, 1);
}

int policy_xobject_model(const struct policy *p, const char *name)
{
    for (int i = 0; i < p->nxobjects; i++)
        if (!strcmp(p->xobjects[i].name, name))
            return p->xobjects[i].model;
    return -1;
}

static void body(struct parser *ps, struct block *b);

/* One Base-model rule call, optionally written "base.<rule>". */
static void rule_call(struct parser *ps, struct block *b, struct token *name)
{
    struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
    it->kind = I_CALL;
    it->pos = name->pos;
    if (!ps->pol->uses_base)
        psl_error(name->pos, "'%s' is a rule of the Base model: add 'use nk.base._'", name->text);
    if (!expect(ps, T_LPAREN, "'(' after the rule name"))
        return;
    if (!strcmp(name->text, "grant")) {
        it->call = KSM_CALL_GRANT;
        expect(ps, T_RPAREN, "')' (grant takes no argument)");
    } else if (!strcmp(name->text, "deny")) {
        if (peek(ps)->kind == T_RPAREN) {
            it->call = KSM_CALL_DENY;
        } else {
            it->call = KSM_CALL_DENY_IF;
            it->e = expr(ps);
        }
        expect(ps, T_RPAREN, "')'");
    } else {
        it->call = KSM_CALL_ASSERT;
        if (peek(ps)->kind == T_RPAREN)
            err_at(ps, peek(ps), "assert needs a condition: assert (<expression>)");
        it->e = expr(ps);
        expect(ps, T_RPAREN, "')'");
    }
}

/* A string list: '[' STRING (',' STRING)* [','] ']' into *v / *pos. */
static void string_list(struct parser *ps, char ***v, struct psl_pos **pos, int *n, int *cap,
                        const char *what)
{
    int npos = *n, pos_cap = *n;
    if (!expect(ps, T_LBRACK, "'['"))
        return;
    while (!ps->failed && peek(ps)->kind == T_STRING) {
        struct token *s = next(ps);
        *PSL_PUSH(*v, *n, *cap) = psl_strdup(s->text);
        *PSL_PUSH(*pos, npos, pos_cap) = s->pos;
        if (peek(ps)->kind != T_COMMA)
            break;
        next(ps);
    }
    expect(ps, T_RBRACK, psl_fmt("']' or a %s", what));
}

/* A rule of a HashSet object: `<object>.<init|fini> {sid : <sid>}` or
 * `<object>.<add|remove> {sid : <sid>, entry : <expr>}`. */
static void set_call(struct parser *ps, struct block *b, struct token *obj)
{
    struct token *m = peek(ps);
    if (!expect(ps, T_IDENT, "a rule name after the object's name"))
        return;
    static const char *const rules[] = {"init", "fini", "add", "remove"};
    int call = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(m->text, rules[i]))
            call = KSM_CALL_SET_INIT + i;
    if (call < 0) {
        err_at(ps, m,
               psl_fmt("rule '%s.%s' is not supported (HashSet objects: init, fini, add, remove; "
                       "contains is an expression)",
                       obj->text, m->text));
        return;
    }
    struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
    it->kind = I_CALL;
    it->pos = obj->pos;
    it->call = call;
    it->object = psl_strdup(obj->text);
    it->object_pos = obj->pos;
    it->sid = -1;
    bool entry = call == KSM_CALL_SET_ADD || call == KSM_CALL_SET_REMOVE;
    if (!expect(ps, T_LBRACE, "'{' and the rule's arguments"))
        return;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return;
        if (is_ident(k, "sid")) {
            sid_operand(ps, &it->sid, &it->sid_e);
        } else if (is_ident(k, "entry") && entry) {
            it->e = entry_operand(ps);
        } else {
            err_at(ps, k, psl_fmt("'%s' is not an argument of %s.%s", k->text, obj->text, m->text));
            return;
        }
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return;
    if (it->sid < 0)
        err_at(ps, m,
               psl_fmt("%s.%s needs 'sid : src_sid', 'sid : dst_sid' or 'sid : <a resource's SID>'",
                       obj->text, m->text));
    else if (entry && !it->e)
        err_at(ps, m, psl_fmt("%s.%s needs 'entry : <integer>'", obj->text, m->text));
}

/* A rule of a StaticMap object: `<object>.<init|fini|commit|rollback> {sid : <sid>}` or
 * `<object>.set {sid : <sid>, key : "<key>", value : <expr>}`. */
static void map_call(struct parser *ps, struct block *b, struct token *obj)
{
    struct token *m = peek(ps);
    if (!expect(ps, T_IDENT, "a rule name after the object's name"))
        return;
    static const char *const rules[] = {"init", "fini", "set", "commit", "rollback"};
    int call = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(m->text, rules[i]))
            call = KSM_CALL_MAP_INIT + i;
    if (call < 0) {
        err_at(ps, m,
               psl_fmt("rule '%s.%s' is not supported (StaticMap objects: init, fini, set, "
                       "commit, rollback; get and get_uncommitted are expressions)",
                       obj->text, m->text));
        return;
    }
    struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
    it->kind = I_CALL;
    it->pos = obj->pos;
    it->call = call;
    it->object = psl_strdup(obj->text);
    it->object_pos = obj->pos;
    it->sid = -1;
    bool set = call == KSM_CALL_MAP_SET;
    if (!expect(ps, T_LBRACE, "'{' and the rule's arguments"))
        return;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return;
        if (is_ident(k, "sid")) {
            sid_operand(ps, &it->sid, &it->sid_e);
        } else if (is_ident(k, "key") && set) {
            if (it->key.bytes) {
                err_at(ps, k, psl_fmt("'key' is given twice in %s.%s", obj->text, m->text));
                return;
            }
            it->state_pos = psl_alloc(sizeof *it->state_pos);
            if (!map_key(ps, &it->key, &it->state_pos[0]))
                return;
        } else if (is_ident(k, "value") && set) {
            it->e = expr(ps);
        } else {
            err_at(ps, k, psl_fmt("'%s' is not an argument of %s.%s", k->text, obj->text, m->text));
            return;
        }
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return;
    if (it->sid < 0)
        err_at(ps, m,
               psl_fmt("%s.%s needs 'sid : src_sid', 'sid : dst_sid' or 'sid : <a resource's SID>'",
                       obj->text, m->text));
    else if (set && (!it->key.bytes || !it->e))
        err_at(ps, m, psl_fmt("%s.set needs 'key : \"<key>\"' and 'value : <integer>'", obj->text));
}

/* A Mic level (after the key): "<degree>", { degree : "<degree>" | (), categories :
 * ["<category>", ...] | () } or `()`. */
static void mic_level(struct parser *ps, struct mic_level_text *lv)
{
    struct token *t = peek(ps);
    *lv = (struct mic_level_text){0};
    lv->pos = t->pos;
    if (t->kind == T_LPAREN) {
        next(ps);
        expect(ps, T_RPAREN, "')' (the empty value)");
        return;
    }
    lv->given = true;
    if (t->kind == T_STRING) {
        lv->degree = psl_strdup(next(ps)->text);
        return;
    }
    if (!expect(ps, T_LBRACE, "a level: \"<degree>\" or { degree : ..., categories : [...] }"))
        return;
    bool has_degree = false;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return;
        bool empty = peek(ps)->kind == T_LPAREN;
        if (empty) {
            next(ps);
            if (!expect(ps, T_RPAREN, "')' (the empty value)"))
                return;
        }
        if (is_ident(k, "degree")) {
            has_degree = true;
            if (!empty) {
                struct token *d = peek(ps);
                if (!expect(ps, T_STRING, "a degree name"))
                    return;
                lv->degree = psl_strdup(d->text);
            }
        } else if (is_ident(k, "categories")) {
            if (!empty)
                string_list(ps, &lv->cats, &lv->cat_pos, &lv->ncats, &lv->cats_cap,
                            "category name");
        } else {
            err_at(ps, k, psl_fmt("'%s' is not a part of a level (degree, categories)", k->text));
            return;
        }
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    expect(ps, T_RBRACE, "'}' or a part of the level");
    if (!has_degree && !ps->failed)
        err_at(ps, t, "a level { ... } needs 'degree : \"<degree>\"' (or 'degree : ()')");
}

/*
 * A rule of a Mic object: execute {target, image : (), level, levelR}, create | upgrade |
 * downgrade {source, target, container, driver, level}, call | invoke {source, target}, read |
 * write {source, target}. Subjects are src_sid or dst_sid, resources SID expressions.
 */
static void mic_call(struct parser *ps, struct block *b, struct token *obj)
{
    struct token *m = peek(ps);
    if (!expect(ps, T_IDENT, "a rule name after the object's name"))
        return;
    static const char *const rules[] = {"execute", "create", "upgrade", "downgrade",
                                        "call",    "invoke", "read",    "write"};
    int call = -1;
    for (int i = 0; i < 8; i++)
        if (!strcmp(m->text, rules[i]))
            call = KSM_CALL_MIC_EXECUTE + i;
    if (call < 0) {
        err_at(ps, m,
               psl_fmt("rule '%s.%s' is not supported (Mic objects: execute, create, upgrade, "
                       "downgrade, call, invoke, read, write; query_level is an expression)",
                       obj->text, m->text));
        return;
    }
    struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
    it->kind = I_CALL;
    it->pos = obj->pos;
    it->call = call;
    it->object = psl_strdup(obj->text);
    it->object_pos = obj->pos;
    bool resources = call == KSM_CALL_MIC_CREATE || call == KSM_CALL_MIC_UPGRADE ||
                     call == KSM_CALL_MIC_DOWNGRADE;
    bool pair = call == KSM_CALL_MIC_CALL || call == KSM_CALL_MIC_INVOKE;
    /* which keys the rule takes; subject operands: source (or execute's target) in sid bits
     * 0..3, driver (or call's and invoke's target) in bits 4..7 */
    int first = -1, second = -1;
    bool has[6] = {false}; /* source, target, container, driver, level, levelR */
    if (!expect(ps, T_LBRACE, "'{' and the rule's arguments"))
        return;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return;
        int sid = -1;
        if (is_ident(k, "source") && call != KSM_CALL_MIC_EXECUTE) {
            sid = sid_value(ps);
            first = sid;
            has[0] = true;
        } else if (is_ident(k, "target")) {
            has[1] = true;
            if (call == KSM_CALL_MIC_EXECUTE || pair) {
                sid = sid_value(ps);
                *(call == KSM_CALL_MIC_EXECUTE ? &first : &second) = sid;
            } else {
                it->e = expr(ps);
                if (!it->e)
                    return;
            }
        } else if (is_ident(k, "container") && resources) {
            has[2] = true;
            if (peek(ps)->kind == T_LPAREN && peek2(ps)->kind == T_RPAREN) {
                next(ps);
                next(ps);
            } else if (!(it->e2 = expr(ps))) {
                return;
            }
        } else if (is_ident(k, "driver") && resources) {
            sid = sid_value(ps);
            second = sid;
            has[3] = true;
        } else if (is_ident(k, "level") && (resources || call == KSM_CALL_MIC_EXECUTE)) {
            mic_level(ps, &it->lv[0]);
            has[4] = true;
        } else if (is_ident(k, "levelR") && call == KSM_CALL_MIC_EXECUTE) {
            mic_level(ps, &it->lv[1]);
            has[5] = true;
        } else if (is_ident(k, "image") && call == KSM_CALL_MIC_EXECUTE) {
            if (peek(ps)->kind != T_LPAREN || peek2(ps)->kind != T_RPAREN) {
                err_at(ps, peek(ps),
                       psl_fmt("%s.execute: 'image : <Sid>' is not supported (executable files "
                               "have no level in Bastion): write 'image : ()' and a level",
                               obj->text));
                return;
            }
            next(ps);
            next(ps);
        } else {
            err_at(ps, k, psl_fmt("'%s' is not an argument of %s.%s", k->text, obj->text, m->text));
            return;
        }
        if (ps->failed || (sid < 0 && (is_ident(k, "source") || is_ident(k, "driver") ||
                                       (is_ident(k, "target") && !it->e))))
            return;
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return;
    const char *need = NULL;
    if (call == KSM_CALL_MIC_EXECUTE && (!has[1] || !it->lv[0].given))
        need = "'target : src_sid | dst_sid' and a 'level' (image : () needs one)";
    else if (resources && (!has[0] || !has[1] || !has[2] || !has[3] || !has[4]))
        need = "'source', 'target', 'container', 'driver' and 'level'";
    else if (resources && call != KSM_CALL_MIC_CREATE && !it->lv[0].given)
        need = "a 'level' other than ()";
    else if (call >= KSM_CALL_MIC_CALL && (!has[0] || !has[1]))
        need = "'source' and 'target'";
    if (need) {
        err_at(ps, m, psl_fmt("%s.%s needs %s", obj->text, m->text, need));
        return;
    }
    it->sid = (first < 0 ? 0 : first) | (second < 0 ? 0 : second) << 4;
}

/*
 * A rule of a model object: `<object>.<rule> { sid : src_sid | dst_sid [, state : "s"]
 * [, states : ["s", ...]] }`. The object and the rule's arguments are checked by the resolver.
 */
static void model_call(struct parser *ps, struct block *b, struct token *obj)
{
    struct token *m = peek(ps);
    if (policy_set_id(ps->pol, obj->text) >= 0) {
        set_call(ps, b, obj);
        return;
    }
    if (policy_map_id(ps->pol, obj->text) >= 0) {
        map_call(ps, b, obj);
        return;
    }
    if (policy_mic_id(ps->pol, obj->text) >= 0) {
        mic_call(ps, b, obj);
        return;
    }
    if (policy_flow_id(ps->pol, obj->text) < 0) {
        err_at(ps, obj,
               psl_fmt("unknown security model object '%s' (declare it before its rules: "
                       "policy object %s : Flow { ... })",
                       obj->text, obj->text));
        return;
    }
    if (!expect(ps, T_IDENT, "a rule name after the object's name"))
        return;
    static const char *const flow_rules[] = {"init", "fini", "enter", "allow"};
    int call = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(m->text, flow_rules[i]))
            call = KSM_CALL_FLOW_INIT + i;
    if (call < 0) {
        err_at(ps, m,
               psl_fmt("rule '%s.%s' is not supported (Flow objects: init, fini, enter, allow)",
                       obj->text, m->text));
        return;
    }
    struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
    it->kind = I_CALL;
    it->pos = obj->pos;
    it->call = call;
    it->object = psl_strdup(obj->text);
    it->object_pos = obj->pos;
    it->sid = -1;
    if (!expect(ps, T_LBRACE, "'{' and the rule's arguments"))
        return;
    while (!ps->failed && peek(ps)->kind == T_IDENT) {
        struct token *k = next(ps);
        if (!expect(ps, T_COLON, "':'"))
            return;
        if (is_ident(k, "sid")) {
            sid_operand(ps, &it->sid, &it->sid_e);
        } else if (is_ident(k, "state") && call == KSM_CALL_FLOW_ENTER) {
            struct token *v = peek(ps);
            if (!expect(ps, T_STRING, "a state name"))
                return;
            *PSL_PUSH(it->states, it->nstates, it->states_cap) = psl_strdup(v->text);
            it->state_pos = psl_alloc(sizeof *it->state_pos);
            it->state_pos[0] = v->pos;
        } else if (is_ident(k, "states") && call == KSM_CALL_FLOW_ALLOW) {
            string_list(ps, &it->states, &it->state_pos, &it->nstates, &it->states_cap,
                        "state name");
        } else {
            err_at(ps, k, psl_fmt("'%s' is not an argument of %s.%s", k->text, obj->text, m->text));
            return;
        }
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    if (!expect(ps, T_RBRACE, "'}' or an argument"))
        return;
    if (it->sid < 0)
        err_at(ps, m,
               psl_fmt("%s.%s needs 'sid : src_sid', 'sid : dst_sid' or 'sid : <a resource's SID>'",
                       obj->text, m->text));
    else if (call == KSM_CALL_FLOW_ENTER && it->nstates != 1)
        err_at(ps, m, psl_fmt("%s.enter needs 'state : \"<state>\"'", obj->text));
    else if (call == KSM_CALL_FLOW_ALLOW && it->nstates == 0)
        err_at(ps, m, psl_fmt("%s.allow needs 'states : [\"<state>\", ...]'", obj->text));
}

/* `resources : N` of a config (after the colon): the size of a resource table (Mic; Flow,
 * HashSet and StaticMap objects whose rules name resources); false after an error. */
static bool resources_value(struct parser *ps, uint32_t *out)
{
    struct token *v = peek(ps);
    if (!expect(ps, T_INT, "a number"))
        return false;
    if (v->value == 0 || v->value > KSM_RESOURCES_MAX) {
        err_at(ps, v, psl_fmt("resources must be 1 .. %u", KSM_RESOURCES_MAX));
        return false;
    }
    *out = (uint32_t)v->value;
    return true;
}

/* type Value = <integer type> (after 'type'); false after an error. */
static bool int_type(struct parser *ps, const char *model, const char *what)
{
    static const char *const ints[] = {"UInt8", "UInt16", "UInt32", "UInt64",
                                       "SInt8", "SInt16", "SInt32", "SInt64"};
    if (!expect(ps, T_IDENT, "a type name") || !expect(ps, T_ASSIGN, "'='"))
        return false;
    struct token *ty = peek(ps);
    bool ok = false;
    for (int i = 0; i < 8; i++)
        ok |= is_ident(ty, ints[i]);
    if (!ok) {
        err_at(ps, ty,
               psl_fmt("%s %s of type %s are not supported (integer types)", model, what,
                       tok_describe(ty)));
        return false;
    }
    next(ps);
    return true;
}

/* policy object <name> : StaticMap { type Value = <integer type> config = { keys : { "k" : v,
 * ... }, pool_size : M } } (after the model's name). */
static void staticmap_object(struct parser *ps, struct token *kw, struct token *name,
                             struct token *model)
{
    struct policy *pol = ps->pol;
    if (!pol->uses_staticmap) {
        err_at(ps, model, "a StaticMap object needs 'use nk.staticmap._' first");
        return;
    }
    if (policy_flow_id(pol, name->text) >= 0 || policy_set_id(pol, name->text) >= 0 ||
        policy_map_id(pol, name->text) >= 0 || policy_mic_id(pol, name->text) >= 0 ||
        !strcmp(name->text, "base")) {
        err_at(ps, name, psl_fmt("policy object '%s' is declared twice", name->text));
        return;
    }
    struct policy_map m = {psl_strdup(name->text), kw->pos, NULL, NULL, 0, 0, 0, 0, {0}, false};
    m.key.resources = KSM_RESOURCES_DEFAULT;
    int ndefaults = 0;
    bool typed = false;
    if (!expect(ps, T_LBRACE, "'{' after the model"))
        return;
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF) {
        struct token *k = next(ps);
        if (is_ident(k, "type")) {
            if (!int_type(ps, "StaticMap", "values"))
                return;
            typed = true;
        } else if (is_ident(k, "config")) {
            if (!expect(ps, T_ASSIGN, "'='") || !expect(ps, T_LBRACE, "'{'"))
                return;
            while (!ps->failed && peek(ps)->kind == T_IDENT) {
                struct token *ck = next(ps);
                if (!expect(ps, T_COLON, "':'"))
                    return;
                if (is_ident(ck, "resources")) {
                    if (!resources_value(ps, &m.key.resources))
                        return;
                } else if (is_ident(ck, "pool_size")) {
                    struct token *v = peek(ps);
                    if (!expect(ps, T_INT, "a number"))
                        return;
                    if (v->value == 0 || v->value > KSM_SET_POOL_MAX) {
                        err_at(ps, v, psl_fmt("pool_size must be 1 .. %u", KSM_SET_POOL_MAX));
                        return;
                    }
                    m.pool_size = (uint32_t)v->value;
                } else if (is_ident(ck, "keys")) {
                    if (!expect(ps, T_LBRACE, "'{'"))
                        return;
                    while (!ps->failed &&
                           (peek(ps)->kind == T_STRING || peek(ps)->kind == T_LBRACK)) {
                        struct token *key = peek(ps);
                        struct map_key mk;
                        struct psl_pos kpos;
                        if (!map_key(ps, &mk, &kpos))
                            return;
                        /* one key type per object, as CE 1.2's "Keys in the table have
                         * the same type" */
                        if (m.nkeys > 0 && mk.list != m.list_keys) {
                            err_at(ps, key,
                                   psl_fmt("the keys of a StaticMap object have one type: "
                                           "%s is %s, the first key %s",
                                           map_key_text(&mk), mk.list ? "a List<UInt8>" : "text",
                                           m.list_keys ? "a List<UInt8>" : "text"));
                            return;
                        }
                        m.list_keys = mk.list;
                        if (policy_map_key(&m, &mk) >= 0) {
                            err_at(ps, key, psl_fmt("key %s is listed twice", map_key_text(&mk)));
                            return;
                        }
                        if (m.nkeys >= (int)KSM_MAP_KEYS_MAX) {
                            err_at(ps, key,
                                   psl_fmt("a StaticMap object has at most %u keys",
                                           KSM_MAP_KEYS_MAX));
                            return;
                        }
                        if (!expect(ps, T_COLON, "':'"))
                            return;
                        bool neg = peek(ps)->kind == T_MINUS;
                        if (neg)
                            next(ps);
                        struct token *v = peek(ps);
                        if (!expect(ps, T_INT, "the key's default value"))
                            return;
                        *PSL_PUSH(m.keys, m.nkeys, m.keys_cap) = mk;
                        *PSL_PUSH(m.defaults, ndefaults, m.defaults_cap) =
                            neg ? (uint64_t)0 - v->value : v->value;
                        if (peek(ps)->kind == T_COMMA)
                            next(ps);
                    }
                    if (!expect(ps, T_RBRACE, "'}' or a key"))
                        return;
                } else {
                    err_at(ps, ck,
                           psl_fmt("StaticMap config '%s' is not supported (keys, pool_size, "
                                   "resources)",
                                   ck->text));
                    return;
                }
                if (peek(ps)->kind == T_COMMA)
                    next(ps);
            }
            if (!expect(ps, T_RBRACE, "'}' or a config key"))
                return;
        } else {
            err_at(ps, k,
                   psl_fmt("expected 'type' or 'config' in a StaticMap object, found %s",
                           tok_describe(k)));
            return;
        }
    }
    if (!expect(ps, T_RBRACE, "'}'"))
        return;
    if (!typed || m.nkeys == 0 || m.pool_size == 0) {
        err_at(ps, name,
               "a StaticMap object needs type Value = <integer type> and config = { "
               "keys : { \"<key>\" : <default>, ... }, pool_size : M }");
        return;
    }
    *PSL_PUSH(pol->maps, pol->nmaps, pol->maps_cap) = m;
}

/* A list of names for a Mic config: '[' STRING, ... ']', each once, at most max. */
static bool mic_names(struct parser *ps, const char *what, unsigned max, char ***v, int *n,
                      int *cap)
{
    if (!expect(ps, T_LBRACK, psl_fmt("'[' and the %s", what)))
        return false;
    while (!ps->failed && peek(ps)->kind == T_STRING) {
        struct token *s = next(ps);
        for (int i = 0; i < *n; i++)
            if (!strcmp((*v)[i], s->text)) {
                err_at(ps, s, psl_fmt("\"%s\" is listed twice", s->text));
                return false;
            }
        if ((unsigned)*n >= max) {
            err_at(ps, s, psl_fmt("a Mic object has at most %u %s", max, what));
            return false;
        }
        *PSL_PUSH(*v, *n, *cap) = psl_strdup(s->text);
        if (peek(ps)->kind != T_COMMA)
            break;
        next(ps);
    }
    return expect(ps, T_RBRACK, psl_fmt("']' or a name of the %s", what));
}

/* policy object <name> : Mic { config = ["<degree>", ...] | { degrees : [...], categories :
 * [...], resources : N } } (after the model's name). */
static void mic_object(struct parser *ps, struct token *kw, struct token *name, struct token *model)
{
    struct policy *pol = ps->pol;
    if (!pol->uses_mic) {
        err_at(ps, model, "a Mic object needs 'use nk.mic._' first");
        return;
    }
    if (policy_flow_id(pol, name->text) >= 0 || policy_set_id(pol, name->text) >= 0 ||
        policy_map_id(pol, name->text) >= 0 || policy_mic_id(pol, name->text) >= 0 ||
        policy_xobject_model(pol, name->text) >= 0 || !strcmp(name->text, "base")) {
        err_at(ps, name, psl_fmt("policy object '%s' is declared twice", name->text));
        return;
    }
    struct policy_mic m = {0};
    m.name = psl_strdup(name->text);
    m.pos = kw->pos;
    m.resources = KSM_RESOURCES_DEFAULT;
    if (!expect(ps, T_LBRACE, "'{' after the model"))
        return;
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF) {
        struct token *k = next(ps);
        if (!is_ident(k, "config")) {
            err_at(ps, k, psl_fmt("expected 'config' in a Mic object, found %s", tok_describe(k)));
            return;
        }
        if (peek(ps)->kind == T_COLON || peek(ps)->kind == T_ASSIGN)
            next(ps);
        else if (!expect(ps, T_ASSIGN, "'='"))
            return;
        if (peek(ps)->kind == T_LBRACK) {
            if (!mic_names(ps, "degrees", KSM_MIC_DEGREES_MAX, &m.degrees, &m.ndegrees,
                           &m.degrees_cap))
                return;
            continue;
        }
        if (!expect(ps, T_LBRACE, "'[' (the degrees) or '{'"))
            return;
        while (!ps->failed && peek(ps)->kind == T_IDENT) {
            struct token *ck = next(ps);
            if (!expect(ps, T_COLON, "':'"))
                return;
            if (is_ident(ck, "degrees")) {
                if (!mic_names(ps, "degrees", KSM_MIC_DEGREES_MAX, &m.degrees, &m.ndegrees,
                               &m.degrees_cap))
                    return;
            } else if (is_ident(ck, "categories")) {
                if (!mic_names(ps, "categories", KSM_MIC_CATEGORIES_MAX, &m.categories,
                               &m.ncategories, &m.categories_cap))
                    return;
            } else if (is_ident(ck, "resources")) {
                if (!resources_value(ps, &m.resources))
                    return;
            } else {
                err_at(ps, ck,
                       psl_fmt("Mic config '%s' is not supported (degrees, categories, resources)",
                               ck->text));
                return;
            }
            if (peek(ps)->kind == T_COMMA)
                next(ps);
        }
        if (!expect(ps, T_RBRACE, "'}' or a config key"))
            return;
    }
    if (!expect(ps, T_RBRACE, "'}'"))
        return;
    if (m.ndegrees == 0) {
        err_at(ps, name,
               "a Mic object needs its degrees: config = [\"<degree>\", ...] or config = { "
               "degrees : [...], categories : [...] }");
        return;
    }
    *PSL_PUSH(pol->mics, pol->nmics, pol->mics_cap) = m;
}

/* One component type of a HashSet entry: an integer type (its width, signedness) or Bool (one
 * bit). Returns false after an error. */
static bool entry_component(struct parser *ps, struct policy_set *hs)
{
    struct token *ty = peek(ps);
    static const char *const ints[] = {"UInt8", "UInt16", "UInt32", "UInt64",
                                       "SInt8", "SInt16", "SInt32", "SInt64"};
    int k = hs->ncomp;
    if (k >= PSL_ENTRY_COMPONENTS_MAX) {
        err_at(ps, ty,
               psl_fmt("a HashSet entry of more than %d components is not supported",
                       PSL_ENTRY_COMPONENTS_MAX));
        return false;
    }
    hs->comp_bool[k] = is_ident(ty, "Bool") || is_ident(ty, "Boolean");
    hs->comp_bits[k] = hs->comp_bool[k] ? 1 : 0;
    for (int i = 0; i < 8; i++)
        if (is_ident(ty, ints[i])) {
            hs->comp_bits[k] = (uint8_t)(8u << (i % 4));
            hs->comp_signed[k] = i >= 4;
        }
    if (hs->comp_bits[k] == 0) {
        err_at(ps, ty,
               psl_fmt("HashSet entry components of type %s are not supported (integer types, "
                       "Bool)",
                       tok_describe(ty)));
        return false;
    }
    next(ps);
    hs->ncomp++;
    return true;
}

/* type Entry = [T, ...] (a tuple) or { f : T, ... } (a dictionary): CE 1.2's HashSet entries of
 * "dictionaries and tuples based on integer types and the Boolean type". Their components are
 * packed into the table's one 64-bit entry, so together they must fit in 64 bits. */
static bool entry_components(struct parser *ps, struct policy_set *hs)
{
    struct token *open = next(ps);
    bool dict = open->kind == T_LBRACE;
    enum tok_kind close = dict ? T_RBRACE : T_RBRACK;
    while (!ps->failed && peek(ps)->kind != close) {
        if (dict) {
            struct token *f = peek(ps);
            if (!expect(ps, T_IDENT, "a field name") || !expect(ps, T_COLON, "':'"))
                return false;
            for (int k = 0; k < hs->ncomp; k++)
                if (!strcmp(hs->comp_names[k], f->text)) {
                    err_at(ps, f, psl_fmt("field '%s' given twice in the entry type", f->text));
                    return false;
                }
            hs->comp_names[hs->ncomp] = psl_strdup(f->text);
        }
        if (!entry_component(ps, hs))
            return false;
        if (peek(ps)->kind != T_COMMA)
            break;
        next(ps);
    }
    if (!expect(ps, close, dict ? "'}' after the entry's fields" : "']' after the entry's types"))
        return false;
    unsigned bits = 0;
    for (int k = 0; k < hs->ncomp; k++)
        bits += hs->comp_bits[k];
    if (hs->ncomp == 0 || bits > 64) {
        err_at(ps, open,
               hs->ncomp == 0 ? psl_fmt("an empty HashSet entry type is not supported")
                              : psl_fmt("HashSet entries of %u bits are not supported: the "
                                        "components of a tuple or dictionary entry are packed "
                                        "into 64 bits",
                                        bits));
        return false;
    }
    return true;
}

/* The entry of a HashSet rule or contains: an expression, or for an object whose entries are
 * tuples or dictionaries a literal of that shape, `[a, b]` or `{ x : a, y : b }`, whose
 * components are expressions (matched to the type by the resolver). */
static struct expr *entry_operand(struct parser *ps)
{
    struct token *t = peek(ps);
    if (t->kind != T_LBRACK && t->kind != T_LBRACE)
        return expr(ps);
    next(ps);
    if (!enter(ps, t))
        return NULL;
    bool dict = t->kind == T_LBRACE;
    enum tok_kind close = dict ? T_RBRACE : T_RBRACK;
    struct expr *e = new_expr(E_TUPLE, t->pos);
    e->op = dict ? T_LBRACE : T_LBRACK;
    int pcap = 0;
    while (!ps->failed && peek(ps)->kind != close) {
        if (dict) {
            struct token *f = peek(ps);
            if (!expect(ps, T_IDENT, "a field name") || !expect(ps, T_COLON, "':'"))
                return NULL;
            *PSL_PUSH(e->path, e->npath, pcap) = f->text;
        }
        struct expr *c = expr(ps);
        if (!c)
            return NULL;
        *PSL_PUSH(e->args, e->nargs, e->args_cap) = c;
        if (c->height + 1 > e->height)
            e->height = c->height + 1;
        if (peek(ps)->kind != T_COMMA)
            break;
        next(ps);
    }
    if (!expect(ps, close, dict ? "'}' after the entry's fields" : "']' after the entry's values"))
        return NULL;
    ps->depth--;
    return e;
}

/* policy object <name> : HashSet { type Entry = <integer type> config = { set_size : N,
 * pool_size : M } } (after the model's name). */
static void hashset_object(struct parser *ps, struct token *kw, struct token *name,
                           struct token *model)
{
    struct policy *pol = ps->pol;
    if (!pol->uses_hashset) {
        err_at(ps, model, "a HashSet object needs 'use nk.hashmap._' first");
        return;
    }
    if (policy_flow_id(pol, name->text) >= 0 || policy_set_id(pol, name->text) >= 0 ||
        policy_map_id(pol, name->text) >= 0 || policy_mic_id(pol, name->text) >= 0 ||
        !strcmp(name->text, "base")) {
        err_at(ps, name, psl_fmt("policy object '%s' is declared twice", name->text));
        return;
    }
    struct policy_set hs = {.name = psl_strdup(name->text), .pos = kw->pos};
    hs.key.resources = KSM_RESOURCES_DEFAULT;
    bool typed = false;
    if (!expect(ps, T_LBRACE, "'{' after the model"))
        return;
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF) {
        struct token *k = next(ps);
        if (is_ident(k, "type")) {
            static const char *const ints[] = {"UInt8", "UInt16", "UInt32", "UInt64",
                                               "SInt8", "SInt16", "SInt32", "SInt64"};
            if (!expect(ps, T_IDENT, "a type name") || !expect(ps, T_ASSIGN, "'='"))
                return;
            struct token *ty = peek(ps);
            if (ty->kind == T_LBRACK || ty->kind == T_LBRACE) {
                if (!entry_components(ps, &hs))
                    return;
                typed = true;
                continue;
            }
            bool ok = false;
            for (int i = 0; i < 8; i++)
                ok |= is_ident(ty, ints[i]);
            /* Bool (Boolean, as KasperskyOS's descriptions name it): boolean entries */
            hs.bool_entries = is_ident(ty, "Bool") || is_ident(ty, "Boolean");
            if (!ok && !hs.bool_entries) {
                err_at(ps, ty,
                       psl_fmt("HashSet entries of type %s are not supported (integer types, "
                               "Bool, tuples and dictionaries of them)",
                               tok_describe(ty)));
                return;
            }
            next(ps);
            typed = true;
        } else if (is_ident(k, "config")) {
            if (!expect(ps, T_ASSIGN, "'='") || !expect(ps, T_LBRACE, "'{'"))
                return;
            while (!ps->failed && peek(ps)->kind == T_IDENT) {
                struct token *ck = next(ps);
                if (!expect(ps, T_COLON, "':'"))
                    return;
                if (is_ident(ck, "resources")) {
                    if (!resources_value(ps, &hs.key.resources))
                        return;
                    if (peek(ps)->kind == T_COMMA)
                        next(ps);
                    continue;
                }
                struct token *v = peek(ps);
                if (!expect(ps, T_INT, "a number"))
                    return;
                bool size = is_ident(ck, "set_size");
                if (!size && !is_ident(ck, "pool_size")) {
                    err_at(ps, ck,
                           psl_fmt("HashSet config '%s' is not supported (set_size, pool_size, "
                                   "resources)",
                                   ck->text));
                    return;
                }
                uint64_t max = size ? KSM_SET_SIZE_MAX : KSM_SET_POOL_MAX;
                if (v->value == 0 || v->value > max) {
                    err_at(ps, v,
                           psl_fmt("%s must be 1 .. %llu", ck->text, (unsigned long long)max));
                    return;
                }
                *(size ? &hs.set_size : &hs.pool_size) = (uint32_t)v->value;
                if (peek(ps)->kind == T_COMMA)
                    next(ps);
            }
            if (!expect(ps, T_RBRACE, "'}' or a config key"))
                return;
        } else {
            err_at(ps, k,
                   psl_fmt("expected 'type' or 'config' in a HashSet object, found %s",
                           tok_describe(k)));
            return;
        }
    }
    if (!expect(ps, T_RBRACE, "'}'"))
        return;
    if (!typed || hs.set_size == 0 || hs.pool_size == 0) {
        err_at(ps, name,
               "a HashSet object needs type Entry = <integer type> and config = { "
               "set_size : N, pool_size : M }");
        return;
    }
    *PSL_PUSH(pol->sets, pol->nsets, pol->sets_cap) = hs;
}

/*
 * policy object <name> : Flow {
 *     [type <T> = "s1" | "s2" ...]
 *     config = { states : [...], initial : "s", transitions : { "s" : ["t", ...], ... } }
 * }
 */
static void policy_object(struct parser *ps, struct token *kw)
{
    struct policy *pol = ps->pol;
    if (!is_ident(peek(ps), "object")) {
        err_at(ps, peek(ps),
               psl_fmt("expected 'object' after 'policy', found %s", tok_describe(peek(ps))));
        return;
    }
    next(ps);
    struct token *name = peek(ps);
    if (!expect(ps, T_IDENT, "the object's name") || !expect(ps, T_COLON, "':' and its model"))
        return;
    struct token *model = peek(ps);
    char *mn = qname(ps, "a security model name");
    if (!mn)
        return;
    if (!strcmp(mn, "HashSet")) {
        hashset_object(ps, kw, name, model);
        return;
    }
    for (int k = 0; k < 5; k++) {
        if (strcmp(mn, xmodel_names[k]))
            continue;
        if (!model_used(pol, k)) {
            err_at(ps, model,
                   psl_fmt("a %s object needs 'use nk.%s._' first", mn,
                           k == XM_REGEX ? "regex" : "basic"));
            return;
        }
        if (policy_flow_id(pol, name->text) >= 0 || policy_set_id(pol, name->text) >= 0 ||
            policy_map_id(pol, name->text) >= 0 || policy_mic_id(pol, name->text) >= 0 ||
            policy_xobject_model(pol, name->text) >= 0 || !strcmp(name->text, "base")) {
            err_at(ps, name, psl_fmt("policy object '%s' is declared twice", name->text));
            return;
        }
        /* These models have no parameters: an empty body, or none. */
        if (peek(ps)->kind == T_LBRACE) {
            next(ps);
            if (!expect(ps, T_RBRACE, psl_fmt("'}' (a %s object has no parameters)", mn)))
                return;
        }
        struct policy_xobject *o = PSL_PUSH(pol->xobjects, pol->nxobjects, pol->xobjects_cap);
        o->name = psl_strdup(name->text);
        o->model = k;
        return;
    }
    if (!strcmp(mn, "StaticMap")) {
        staticmap_object(ps, kw, name, model);
        return;
    }
    if (!strcmp(mn, "Mic")) {
        mic_object(ps, kw, name, model);
        return;
    }
    if (strcmp(mn, "Flow")) {
        err_at(ps, model,
               psl_fmt("security model '%s' is not supported (Flow, HashSet, StaticMap, Mic, "
                       "Pred, Bool, Math, Struct, Regex; Base rules need no object)",
                       mn));
        return;
    }
    if (!pol->uses_flow) {
        err_at(ps, model, "a Flow object needs 'use nk.flow._' first");
        return;
    }
    if (policy_flow_id(pol, name->text) >= 0 || policy_set_id(pol, name->text) >= 0 ||
        policy_map_id(pol, name->text) >= 0 || policy_mic_id(pol, name->text) >= 0 ||
        policy_xobject_model(pol, name->text) >= 0 || !strcmp(name->text, "base")) {
        err_at(ps, name, psl_fmt("policy object '%s' is declared twice", name->text));
        return;
    }
    struct policy_flow f = {psl_strdup(name->text), kw->pos, NULL, 0, 0, -1, NULL, {0}};
    f.key.resources = KSM_RESOURCES_DEFAULT;
    char **typed = NULL;
    int ntyped = 0, typed_cap = 0;
    char **initial = NULL;
    struct psl_pos *initial_pos = NULL;
    int ninitial = 0, initial_cap = 0;
    struct token *config_at = NULL;
    if (!expect(ps, T_LBRACE, "'{' after the model"))
        return;
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF) {
        struct token *k = next(ps);
        if (is_ident(k, "type")) {
            if (!expect(ps, T_IDENT, "a type name") || !expect(ps, T_ASSIGN, "'='"))
                return;
            for (;;) {
                struct token *v = peek(ps);
                if (!expect(ps, T_STRING, "a state name"))
                    return;
                *PSL_PUSH(typed, ntyped, typed_cap) = psl_strdup(v->text);
                if (peek(ps)->kind != T_PIPE)
                    break;
                next(ps);
            }
        } else if (is_ident(k, "config")) {
            config_at = k;
            if (!expect(ps, T_ASSIGN, "'='") || !expect(ps, T_LBRACE, "'{'"))
                return;
            while (!ps->failed && peek(ps)->kind == T_IDENT) {
                struct token *ck = next(ps);
                if (!expect(ps, T_COLON, "':'"))
                    return;
                if (is_ident(ck, "states")) {
                    struct psl_pos *pos = NULL;
                    if (f.nstates) {
                        err_at(ps, ck, "Flow config: 'states' given twice");
                        return;
                    }
                    string_list(ps, &f.states, &pos, &f.nstates, &f.states_cap, "state name");
                } else if (is_ident(ck, "initial")) {
                    struct token *v = peek(ps);
                    if (!expect(ps, T_STRING, "the initial state"))
                        return;
                    *PSL_PUSH(initial, ninitial, initial_cap) = psl_strdup(v->text);
                    initial_pos = psl_alloc(sizeof *initial_pos);
                    *initial_pos = v->pos;
                } else if (is_ident(ck, "resources")) {
                    if (!resources_value(ps, &f.key.resources))
                        return;
                } else if (is_ident(ck, "transitions")) {
                    if (f.nstates == 0) {
                        err_at(ps, ck, "Flow config: 'states' must come before 'transitions'");
                        return;
                    }
                    f.transitions = psl_alloc(sizeof *f.transitions * (size_t)f.nstates);
                    if (!expect(ps, T_LBRACE, "'{'"))
                        return;
                    while (!ps->failed && peek(ps)->kind == T_STRING) {
                        struct token *from = next(ps);
                        int fi = policy_flow_state(&f, from->text);
                        if (fi < 0) {
                            err_at(ps, from, psl_fmt("unknown state \"%s\"", from->text));
                            return;
                        }
                        if (!expect(ps, T_COLON, "':'"))
                            return;
                        char **to = NULL;
                        struct psl_pos *to_pos = NULL;
                        int nto = 0, to_cap = 0;
                        string_list(ps, &to, &to_pos, &nto, &to_cap, "state name");
                        for (int i = 0; i < nto && !ps->failed; i++) {
                            int ti = policy_flow_state(&f, to[i]);
                            if (ti < 0) {
                                psl_error(to_pos[i], "unknown state \"%s\"", to[i]);
                                ps->failed = 1;
                            } else {
                                f.transitions[fi] |= 1u << ti;
                            }
                        }
                        if (peek(ps)->kind == T_COMMA)
                            next(ps);
                    }
                    if (!expect(ps, T_RBRACE, "'}' or a state name"))
                        return;
                } else {
                    err_at(ps, ck,
                           psl_fmt("Flow config '%s' is not supported (states, initial, "
                                   "transitions, resources)",
                                   ck->text));
                    return;
                }
                if (peek(ps)->kind == T_COMMA)
                    next(ps);
                if (f.nstates > (int)KSM_FLOW_STATES_MAX) {
                    err_at(ps, ck,
                           psl_fmt("a Flow object has at most %u states", KSM_FLOW_STATES_MAX));
                    return;
                }
            }
            if (!expect(ps, T_RBRACE, "'}' or a config key"))
                return;
        } else {
            err_at(
                ps, k,
                psl_fmt("expected 'type' or 'config' in a Flow object, found %s", tok_describe(k)));
            return;
        }
    }
    if (!expect(ps, T_RBRACE, "'}'"))
        return;
    if (!config_at || f.nstates == 0 || ninitial != 1) {
        err_at(ps, name,
               "a Flow object needs config = { states : [...], initial : \"...\", "
               "transitions : {...} }");
        return;
    }
    for (int i = 0; i < f.nstates; i++) {
        for (int k = 0; k < i; k++)
            if (!strcmp(f.states[i], f.states[k])) {
                err_at(ps, config_at, psl_fmt("state \"%s\" is listed twice", f.states[i]));
                return;
            }
        bool in_type = ntyped == 0;
        for (int k = 0; k < ntyped && !in_type; k++)
            in_type = !strcmp(typed[k], f.states[i]);
        if (!in_type) {
            err_at(ps, config_at, psl_fmt("state \"%s\" is not of the object's type", f.states[i]));
            return;
        }
    }
    f.initial = policy_flow_state(&f, initial[0]);
    if (f.initial < 0) {
        psl_error(*initial_pos, "unknown initial state \"%s\"", initial[0]);
        ps->failed = 1;
        return;
    }
    if (!f.transitions)
        f.transitions = psl_alloc(sizeof *f.transitions * (size_t)f.nstates);
    *PSL_PUSH(pol->flows, pol->nflows, pol->flows_cap) = f;
}

static void body_item(struct parser *ps, struct block *b);

/* The rules of one case of a choice: one rule, or a braced list. */
static void case_body(struct parser *ps, struct block *b)
{
    if (peek(ps)->kind == T_LBRACE) {
        next(ps);
        while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF)
            body_item(ps, b);
        expect(ps, T_RBRACE, "'}' after the rules of the case");
        return;
    }
    body_item(ps, b);
}

#define PSL_CHOICE_CASES_MAX 64

/*
 * choice (<Regex object>.select {text : <string field>} | <Flow object>.query {sid : <sid>}) {
 *     "<case>" : <rule> | { <rules> }   ...   [_ : <rule> | { <rules> }] }
 * A Regex case is a pattern (the first that matches the text is taken), a Flow case a state.
 */
static void choice_item(struct parser *ps, struct block *b, struct token *kw)
{
    next(ps);
    if (!enter(ps, kw))
        return;
    struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
    it->kind = I_CHOICE;
    it->pos = kw->pos;
    struct choice *ch = it->choice = psl_alloc(sizeof *ch);
    ch->pos = kw->pos;
    if (!expect(ps, T_LPAREN, "'(' after 'choice'"))
        return;
    struct token *obj = peek(ps);
    struct expr *text = NULL, *query = NULL;
    if (obj->kind == T_IDENT && peek2(ps)->kind == T_DOT &&
        (policy_flow_id(ps->pol, obj->text) >= 0 || policy_mic_id(ps->pol, obj->text) >= 0)) {
        query = policy_flow_id(ps->pol, obj->text) >= 0 ? flow_query(ps, obj) : mic_query(ps, obj);
        if (!query)
            return;
    } else if (obj->kind == T_IDENT && peek2(ps)->kind == T_DOT &&
               policy_xobject_model(ps->pol, obj->text) == XM_REGEX) {
        next(ps);
        next(ps);
        struct token *m = peek(ps);
        if (!is_ident(m, "select")) {
            err_at(ps, m,
                   psl_fmt("'%s.%s' cannot choose a case (Regex: select)", obj->text, m->text));
            return;
        }
        next(ps);
        if (!expect(ps, T_LBRACE, "'{' and the arguments of select"))
            return;
        while (!ps->failed && peek(ps)->kind == T_IDENT) {
            struct token *k = next(ps);
            if (!expect(ps, T_COLON, "':'"))
                return;
            if (!is_ident(k, "text")) {
                err_at(ps, k, psl_fmt("'%s' is not an argument of select (text)", k->text));
                return;
            }
            text = expr(ps);
            if (peek(ps)->kind == T_COMMA)
                next(ps);
        }
        if (!expect(ps, T_RBRACE, "'}' or an argument"))
            return;
        if (!text) {
            err_at(ps, m, "select needs 'text : <string field>'");
            return;
        }
    } else {
        err_at(ps, obj,
               psl_fmt("choice needs <Regex object>.select {text : ...}, <Flow "
                       "object>.query {sid : ...} or <Mic object>.query_level {source : ...}, "
                       "found %s",
                       tok_describe(obj)));
        return;
    }
    if (!expect(ps, T_RPAREN, "')' after the expression of choice") ||
        !expect(ps, T_LBRACE, "'{' and the cases of choice"))
        return;
    struct expr *e = ch->e = new_expr(E_CASE, kw->pos);
    e->height = 2 + (text ? text->height : query->height);
    bool has_default = false;
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF) {
        struct token *lab = peek(ps);
        if (lab->kind != T_STRING && !is_ident(lab, "_")) {
            err_at(
                ps, lab,
                psl_fmt("expected a case of choice (a string, or _), found %s", tok_describe(lab)));
            return;
        }
        if (has_default) {
            err_at(ps, lab, "'_' must be the last case of a choice");
            return;
        }
        if (ch->ncases >= PSL_CHOICE_CASES_MAX) {
            err_at(ps, lab, psl_fmt("a choice has at most %d cases", PSL_CHOICE_CASES_MAX));
            return;
        }
        next(ps);
        char *label = lab->kind == T_STRING ? lab->text : NULL;
        has_default = label == NULL;
        for (int k = 0; label && k < ch->ncases; k++)
            if (ch->labels[k] && !strcmp(ch->labels[k], label)) {
                err_at(ps, lab, psl_fmt("case \"%s\" is listed twice", label));
                return;
            }
        if (!expect(ps, T_COLON, "':' after the case"))
            return;
        if (label) {
            struct expr *cond;
            if (text) {
                cond = new_expr(E_REGEX, lab->pos);
                cond->a = psl_alloc(sizeof *cond->a);
                *cond->a = *text; /* each condition resolves its own copy */
                cond->str = label;
                cond->object = obj->text;
                cond->fn = 1; /* a case of select, not a match: its audit is emit select */
                cond->height = 1 + text->height;
            } else {
                cond = new_expr(E_BINARY, lab->pos);
                cond->op = T_EQ;
                cond->a = psl_alloc(sizeof *cond->a);
                *cond->a = *query;
                cond->b = new_expr(E_STR, lab->pos);
                cond->b->str = label;
                cond->height = 1 + query->height;
            }
            *PSL_PUSH(e->args, e->nargs, e->args_cap) = cond;
        }
        *PSL_PUSH(ch->labels, ch->ncases, ch->labels_cap) = label;
        ch->ncases--;
        struct block *cb = PSL_PUSH(ch->cases, ch->ncases, ch->cases_cap);
        cb->pos = lab->pos;
        case_body(ps, cb);
    }
    expect(ps, T_RBRACE, "'}' after the cases of choice");
    ps->depth--;
}

/* One item of a binding body: a rule, a match section, an audit profile or a choice. */
static void body_item(struct parser *ps, struct block *b)
{
    struct token *t = peek(ps);
    if (is_ident(t, "base") && peek2(ps)->kind == T_DOT) {
        next(ps);
        next(ps);
        t = peek(ps);
        if (!is_ident(t, "grant") && !is_ident(t, "deny") && !is_ident(t, "assert")) {
            err_at(ps, t,
                   psl_fmt("Base model rule %s is not supported (grant, deny, assert)",
                           tok_describe(t)));
            return;
        }
    }
    if (is_ident(t, "grant") || is_ident(t, "deny") || is_ident(t, "assert")) {
        next(ps);
        rule_call(ps, b, t);
    } else if (is_ident(t, "match")) {
        next(ps);
        struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
        it->kind = I_MATCH;
        it->pos = t->pos;
        it->match = psl_alloc(sizeof *it->match);
        it->match->pos = t->pos;
        selectors(ps, &it->match->sel);
        if (!enter(ps, t))
            return;
        if (expect(ps, T_LBRACE, "'{' after the match selectors")) {
            body(ps, it->match);
            expect(ps, T_RBRACE, "'}'");
        }
        ps->depth--;
    } else if (is_ident(t, "audit")) {
        next(ps);
        struct item *it = PSL_PUSH(b->items, b->nitems, b->cap);
        it->kind = I_AUDIT;
        it->pos = t->pos;
        it->profile = qname(ps, "an audit profile name after 'audit'");
    } else if (is_ident(t, "choice")) {
        choice_item(ps, b, t);
    } else if (t->kind == T_IDENT && peek2(ps)->kind == T_DOT) {
        next(ps);
        next(ps);
        model_call(ps, b, t);
    } else if (t->kind == T_IDENT) {
        err_at(ps, t,
               psl_fmt("'%s' is not supported in an event binding (grant, deny, assert, match, "
                       "audit)",
                       t->text));
    } else {
        err_at(ps, t, psl_fmt("expected a rule, 'match' or '}', found %s", tok_describe(t)));
    }
}

static void body(struct parser *ps, struct block *b)
{
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF)
        body_item(ps, b);
}

/* value := ['-'] INT | STRING | '[' value (',' value)* ']' | '{' (name ':' value [','])* '}' */
static void pal_value(struct parser *ps, struct pal_value *v)
{
    struct token *t = peek(ps);
    if (t->kind == T_LBRACE) {
        next(ps);
        if (!enter(ps, t))
            return;
        v->is_struct = true;
        while (!ps->failed && peek(ps)->kind != T_RBRACE) {
            if (peek(ps)->kind != T_IDENT) {
                err_at(ps, peek(ps),
                       psl_fmt("expected a field name, found %s", tok_describe(peek(ps))));
                return;
            }
            struct token *nm = next(ps);
            struct pal_value *s = PSL_PUSH(v->sub, v->nsub, v->cap);
            s->name = nm->text;
            s->pos = nm->pos;
            if (!expect(ps, T_COLON, "':' after the field name"))
                return;
            pal_value(ps, s);
            if (peek(ps)->kind == T_COMMA)
                next(ps);
        }
        expect(ps, T_RBRACE, "'}'");
        ps->depth--;
        return;
    }
    if (t->kind == T_MINUS) {
        next(ps);
        v->negative = true;
        t = peek(ps);
    }
    if (t->kind == T_INT) {
        next(ps);
        v->value = t->value;
        return;
    }
    if (t->kind == T_STRING && !v->negative) {
        next(ps);
        v->str = t->text;
        return;
    }
    if (t->kind == T_LBRACK && !v->negative) {
        next(ps);
        if (!enter(ps, t))
            return;
        v->is_list = true;
        while (!ps->failed && peek(ps)->kind != T_RBRACK) {
            struct pal_value *s = PSL_PUSH(v->sub, v->nsub, v->cap);
            s->pos = peek(ps)->pos;
            pal_value(ps, s);
            if (peek(ps)->kind == T_COMMA)
                next(ps);
            else
                break;
        }
        expect(ps, T_RBRACK, "']' or ','");
        ps->depth--;
        return;
    }
    if (t->kind == T_STRING || t->kind == T_LBRACK) {
        err_at(ps, t, "'-' before a string or a list is not a value");
        return;
    }
    err_at(ps, t, psl_fmt("expected a value, found %s", tok_describe(t)));
}

/* The short form of a request case: `<src> ~> <dst> : <endpoint path>.<method>`, after the
 * expectation and name. src and dst are bound processes or classes as in `src=`/`dst=`; the
 * last name of the path is the method, the names before it the endpoint (`calc.Ping`,
 * `sub.Calc2.Put`). */
static void pal_short_request(struct parser *ps, struct pal_step *st)
{
    st->event = KSM_EV_REQUEST;
    st->sel.pos[SEL_SRC] = peek(ps)->pos;
    st->sel.v[SEL_SRC] = qname(ps, "the client of '~>'");
    if (!expect(ps, T_SQUIGGLE, "'~>'"))
        return;
    st->sel.pos[SEL_DST] = peek(ps)->pos;
    st->sel.v[SEL_DST] = qname(ps, "the server after '~>'");
    if (!expect(ps, T_COLON, "':' after the server of '~>'"))
        return;
    struct token *first = peek(ps);
    if (first->kind != T_IDENT) {
        err_at(ps, first,
               psl_fmt("expected <endpoint>.<method> after ':', found %s", tok_describe(first)));
        return;
    }
    char *path = psl_strdup(next(ps)->text);
    struct token *last = first;
    while (peek(ps)->kind == T_DOT && peek2(ps)->kind == T_IDENT) {
        next(ps);
        last = next(ps);
        path = psl_fmt("%s.%s", path, last->text);
    }
    if (last == first) {
        err_at(ps, first,
               psl_fmt("'%s' names no method: write <endpoint>.<method> after ':'", first->text));
        return;
    }
    char *endpoint = path;
    *strrchr(endpoint, '.') = '\0';
    st->sel.v[SEL_ENDPOINT] = endpoint;
    st->sel.pos[SEL_ENDPOINT] = first->pos;
    st->sel.v[SEL_METHOD] = last->text;
    st->sel.pos[SEL_METHOD] = last->pos;
}

/* case := x '<-' 'execute' selectors
 *       | [grant | deny | any] [STRING] (event selectors | src '~>' dst ':' path) [value] */
static void pal_steps(struct parser *ps, struct pal_seq *seq)
{
    if (!expect(ps, T_LBRACE, "'{'"))
        return;
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF) {
        struct token *t = peek(ps);
        struct pal_step *st = PSL_PUSH(seq->steps, seq->nsteps, seq->cap);
        st->pos = t->pos;
        st->msg.is_struct = true;
        if (t->kind == T_IDENT && peek2(ps)->kind == T_ARROW) {
            st->bind = next(ps)->text;
            next(ps);
            st->expect = PAL_GRANT;
            if (!is_ident(peek(ps), "execute")) {
                err_at(ps, peek(ps),
                       "'<-' binds the process of an execute event: expected 'execute'");
                return;
            }
        } else {
            /* A process may be called grant, deny or any: before '~>' the name is the client. */
            st->expect = PAL_GRANT;
            if ((is_ident(t, "grant") || is_ident(t, "deny") || is_ident(t, "any")) &&
                peek2(ps)->kind != T_SQUIGGLE) {
                next(ps);
                st->expect = is_ident(t, "grant")  ? PAL_GRANT
                             : is_ident(t, "deny") ? PAL_DENY
                                                   : PAL_ANY;
            }
            if (peek(ps)->kind == T_STRING)
                st->name = next(ps)->text;
            struct token *c = peek(ps);
            if (c->kind != T_IDENT) {
                err_at(ps, c,
                       psl_fmt("expected a test case (grant, deny, any, an event, x ~> y or x <- "
                               "execute), found %s",
                               tok_describe(c)));
                return;
            }
            /* the client of the short form: a (qualified) name, then '~>' */
            int k = ps->i + 1;
            while (k + 1 < ps->n && ps->t[k].kind == T_DOT && ps->t[k + 1].kind == T_IDENT)
                k += 2;
            if (k < ps->n && ps->t[k].kind == T_SQUIGGLE) {
                pal_short_request(ps, st);
                if (!ps->failed && peek(ps)->kind == T_LBRACE) {
                    st->has_msg = true;
                    pal_value(ps, &st->msg);
                }
                if (!ps->failed && peek(ps)->kind == T_IMPLIES) {
                    err_at(ps, peek(ps),
                           "a response part ('==>') of the short form is not supported: write "
                           "a response case");
                    return;
                }
                continue;
            }
        }
        struct token *ev = peek(ps);
        st->event = ev->kind == T_IDENT ? event_of(ev->text) : -1;
        if (st->event < 0) {
            err_at(ps, ev,
                   psl_fmt("expected an event (execute, request, response, error, security), found "
                           "%s",
                           tok_describe(ev)));
            return;
        }
        next(ps);
        selectors(ps, &st->sel);
        /* A case is one event: it names its endpoint, and a selector that stands for several
         * endpoints names none. */
        for (int k = SEL_COMPONENT; k <= SEL_INTERFACE && !ps->failed; k++)
            if (st->sel.v[k]) {
                psl_error(st->sel.pos[k],
                          "'%s=' selects bindings, not a test case's event (name its endpoint= "
                          "and method=)",
                          k == SEL_COMPONENT ? "component" : "interface");
                ps->failed = 1;
            }
        if (peek(ps)->kind == T_LBRACE) {
            st->has_msg = true;
            pal_value(ps, &st->msg);
        }
    }
    expect(ps, T_RBRACE, "'}'");
}

static void pal_assert(struct parser *ps, struct token *kw)
{
    struct pal_assert *a = PSL_PUSH(ps->pol->asserts, ps->pol->nasserts, ps->pol->asserts_cap);
    a->pos = kw->pos;
    if (peek(ps)->kind != T_STRING) {
        err_at(
            ps, peek(ps),
            psl_fmt("expected the test set's name as a string, found %s", tok_describe(peek(ps))));
        return;
    }
    a->name = next(ps)->text;
    if (!expect(ps, T_LBRACE, "'{'"))
        return;
    while (!ps->failed && peek(ps)->kind != T_RBRACE && peek(ps)->kind != T_EOF) {
        struct token *t = next(ps);
        if (is_ident(t, "setup")) {
            if (a->setup.name) {
                err_at(ps, t, "a test set has at most one setup");
                return;
            }
            a->setup.name = "setup";
            a->setup.pos = t->pos;
            pal_steps(ps, &a->setup);
        } else if (is_ident(t, "sequence")) {
            struct pal_seq *s = PSL_PUSH(a->seqs, a->nseqs, a->cap);
            s->pos = t->pos;
            if (peek(ps)->kind != T_STRING) {
                err_at(ps, peek(ps),
                       psl_fmt("expected the sequence's name as a string, found %s",
                               tok_describe(peek(ps))));
                return;
            }
            s->name = next(ps)->text;
            pal_steps(ps, s);
        } else {
            err_at(ps, t, psl_fmt("expected 'setup' or 'sequence', found %s", tok_describe(t)));
            return;
        }
    }
    expect(ps, T_RBRACE, "'}'");
}

/* audit profile <name> = { <level> : { <object> : { kss : [ "granted", "denied" ]
 *                                       [, omit : [<states>]] [, emit : [<methods>]] }, ... }, ... }
 * Objects other than base are checked against the policy's objects once it is all read. */
/* The words an audit list may hold, each naming a bit (the list ends with a NULL name). */
struct audit_word {
    const char *name;
    uint8_t bit;
};
static const struct audit_word kss_words[] = {
    {"granted", KSM_AUDIT_GRANTED}, {"denied", KSM_AUDIT_DENIED}, {NULL, 0}};
static const struct audit_word emit_words[] = {
    {"match", KSM_AUDIT_EMIT_MATCH}, {"select", KSM_AUDIT_EMIT_SELECT}, {NULL, 0}};

/* The bit of the list value s among words; 0 after a diagnostic from bad_fmt (which names the
 * value with its one %s) for a value that is none of them. */
static uint8_t audit_word_bit(struct parser *ps, struct token *s, const struct audit_word *words,
                              const char *bad_fmt)
{
    for (const struct audit_word *w = words; w->name != NULL; w++)
        if (!strcmp(s->text, w->name))
            return w->bit;
    err_at(ps, s, psl_fmt(bad_fmt, s->text));
    return 0;
}

static void audit_profile(struct parser *ps)
{
    struct policy *pol = ps->pol;
    if (peek(ps)->kind != T_IDENT) {
        err_at(ps, peek(ps), "expected the profile's name");
        return;
    }
    struct token *nm = next(ps);
    for (int i = 0; i < pol->nprofiles; i++)
        if (!strcmp(pol->profiles[i].name, nm->text)) {
            err_at(ps, nm, psl_fmt("audit profile '%s' is defined twice", nm->text));
            return;
        }
    struct audit_profile *ap = PSL_PUSH(pol->profiles, pol->nprofiles, pol->profiles_cap);
    ap->name = nm->text;
    ap->pos = nm->pos;
    if (!expect(ps, T_ASSIGN, "'='") || !expect(ps, T_LBRACE, "'{'"))
        return;
    while (!ps->failed && peek(ps)->kind != T_RBRACE) {
        struct token *lv = peek(ps);
        if (!expect(ps, T_INT, "a runtime level (integer)") || !expect(ps, T_COLON, "':'") ||
            !expect(ps, T_LBRACE, "'{'"))
            return;
        if (lv->value > 255) {
            err_at(ps, lv, "audit runtime levels are 0..255");
            return;
        }
        for (int i = 0; i < ap->nlevels; i++)
            if (ap->levels[i].level == (int)lv->value) {
                err_at(ps, lv, psl_fmt("level %d given twice", (int)lv->value));
                return;
            }
        struct audit_level *al = PSL_PUSH(ap->levels, ap->nlevels, ap->cap);
        al->level = (int)lv->value;
        while (!ps->failed && peek(ps)->kind != T_RBRACE) {
            struct token *obj = peek(ps);
            if (!expect(ps, T_IDENT, "a security model object name"))
                return;
            bool is_base = !strcmp(obj->text, "base");
            struct audit_object *ao = NULL;
            if (is_base && al->has_base) {
                err_at(ps, obj, "audit configuration of 'base' given twice at this level");
                return;
            }
            al->has_base = al->has_base || is_base;
            for (int i = 0; !is_base && i < al->nobjs; i++)
                if (!strcmp(al->objs[i].name, obj->text)) {
                    err_at(ps, obj,
                           psl_fmt("audit configuration of '%s' given twice at this level",
                                   obj->text));
                    return;
                }
            if (!is_base) {
                /* the object is looked up when the whole policy is read (resolve.c) */
                ao = PSL_PUSH(al->objs, al->nobjs, al->objs_cap);
                ao->name = obj->text;
                ao->pos = obj->pos;
            }
            if (!expect(ps, T_COLON, "':'") || !expect(ps, T_LBRACE, "'{'"))
                return;
            bool seen_kss = false;
            while (!ps->failed && peek(ps)->kind != T_RBRACE) {
                struct token *key = peek(ps);
                if (!expect(ps, T_IDENT, "'kss', 'omit' or 'emit'"))
                    return;
                bool kss = !strcmp(key->text, "kss"), omit = !strcmp(key->text, "omit"),
                     emit = !strcmp(key->text, "emit");
                if (!kss && !omit && !emit) {
                    err_at(ps, key,
                           psl_fmt("audit configuration '%s' is not supported (kss; omit for a "
                                   "Flow object, emit for a Regex object)",
                                   key->text));
                    return;
                }
                if ((kss && seen_kss) || (omit && ao && ao->has_omit) ||
                    (emit && ao && ao->has_emit)) {
                    err_at(ps, key, psl_fmt("audit configuration '%s' given twice", key->text));
                    return;
                }
                if (is_base && !kss) {
                    err_at(ps, key,
                           psl_fmt("audit configuration '%s' is not one of the Base model (only "
                                   "kss)",
                                   key->text));
                    return;
                }
                seen_kss = seen_kss || kss;
                if (omit) {
                    ao->has_omit = true;
                    ao->omit_key_pos = key->pos;
                } else if (emit) {
                    ao->has_emit = true;
                    ao->emit_pos = key->pos;
                }
                if (!expect(ps, T_COLON, "':'") || !expect(ps, T_LBRACK, "'['"))
                    return;
                while (!ps->failed && peek(ps)->kind != T_RBRACK) {
                    struct token *s = peek(ps);
                    if (!expect(ps, T_STRING,
                                kss    ? "\"granted\" or \"denied\""
                                : emit ? "\"match\" or \"select\""
                                       : "a state name (a string)"))
                        return;
                    if (omit) {
                        *PSL_PUSH(ao->omit, ao->nomit, ao->omit_cap) = s->text;
                        ao->nomit--;
                        *PSL_PUSH(ao->omit_pos, ao->nomit, ao->omit_pos_cap) = s->pos;
                    } else if (emit) {
                        uint8_t bit = audit_word_bit(ps, s, emit_words,
                                                     "emit value \"%s\" is not a Regex "
                                                     "expression (\"match\", \"select\")");
                        if (bit == 0)
                            return;
                        ao->emit |= bit;
                    } else {
                        uint8_t bit = audit_word_bit(ps, s, kss_words,
                                                     "kss value \"%s\" is not supported "
                                                     "(\"granted\", \"denied\")");
                        if (bit == 0)
                            return;
                        if (is_base)
                            al->mask |= bit;
                        else
                            ao->kss |= bit;
                    }
                    if (peek(ps)->kind == T_COMMA)
                        next(ps);
                }
                expect(ps, T_RBRACK, "']'");
                if (peek(ps)->kind == T_COMMA)
                    next(ps);
            }
            expect(ps, T_RBRACE, "'}'");
            if (peek(ps)->kind == T_COMMA)
                next(ps);
        }
        expect(ps, T_RBRACE, "'}'");
        if (peek(ps)->kind == T_COMMA)
            next(ps);
    }
    expect(ps, T_RBRACE, "'}'");
}

static char *dirname_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? psl_strndup(path, (size_t)(s - path)) : psl_strdup(".");
}

static void include(struct parser *ps, struct token *at, const char *name)
{
    /* a.b._ -> a/b.psl, looked up next to the including file, then in the include dirs. */
    char *rel = psl_strndup(name, strlen(name) - 2);
    for (char *c = rel; *c; c++)
        if (*c == '.')
            *c = '/';
    rel = psl_fmt("%s.psl", rel);
    char *cand = psl_fmt("%s/%s", dirname_of(ps->file), rel);
    FILE *f = fopen(cand, "r");
    for (int i = 0; !f && i < ps->pol->ninclude_dirs; i++) {
        cand = psl_fmt("%s/%s", ps->pol->include_dirs[i], rel);
        f = fopen(cand, "r");
    }
    if (!f) { /* the SDK's description files: nk/base.psl, nk/flow.psl ... */
        cand = psl_fmt("%s/%s", PSLC_SDK_DIR, rel);
        f = fopen(cand, "r");
    }
    if (!f) {
        psl_error(at->pos,
                  "cannot find '%s' for 'use %s' (searched next to this file, the -I "
                  "directories and pslc's SDK folder)",
                  rel, name);
        return;
    }
    fclose(f);
    /* Each included file is parsed inside the including one: bound the recursion. */
    if (ps->pol->including >= PSL_MAX_NESTING) {
        err_at(ps, at,
               psl_fmt("nesting deeper than %d levels is not supported ('use' of files inside one "
                       "another)",
                       PSL_MAX_NESTING));
        return;
    }
    ps->pol->including++;
    psl_parse_file(ps->pol, cand);
    ps->pol->including--;
}

/*
 * `security model <Name>` (after 'security'): makes a built-in model's rules, expressions and
 * objects available. The SDK's description files (ksm/policy/nk/, one .psl file per model) declare their models so,
 * and a policy reaches them with `use nk.<file>._` as with the KasperskyOS SDK.
 */
static void security_model(struct parser *ps)
{
    struct policy *pol = ps->pol;
    next(ps); /* model */
    struct token *m = peek(ps);
    if (!expect(ps, T_IDENT, "a security model name"))
        return;
    static const char *const names[] = {"Base", "Flow", "HashSet", "StaticMap", "Pred",
                                        "Bool", "Math", "Struct",  "Regex",     "Mic"};
    bool *flags[] = {&pol->uses_base,  &pol->uses_flow, &pol->uses_hashset, &pol->uses_staticmap,
                     &pol->uses_pred,  &pol->uses_bool, &pol->uses_math,    &pol->uses_struct,
                     &pol->uses_regex, &pol->uses_mic};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(m->text, names[k])) {
            *flags[k] = true;
            return;
        }
    err_at(ps, m, psl_fmt("unknown security model '%s'", m->text));
}

static void declaration(struct parser *ps)
{
    struct policy *pol = ps->pol;
    struct token *t = next(ps);
    int ev;
    if (t->kind != T_IDENT) {
        err_at(ps, t, psl_fmt("expected a declaration, found %s", tok_describe(t)));
        return;
    }
    if (is_ident(t, "security") && is_ident(peek(ps), "model")) {
        security_model(ps);
    } else if (is_ident(t, "execute") && peek(ps)->kind == T_COLON) {
        next(ps);
        struct token *v = peek(ps);
        char *n = qname(ps, "the execute interface");
        if (n && strcmp(n, "kl.core.Execute"))
            err_at(ps, v,
                   psl_fmt("execute interface '%s' is not supported (only kl.core.Execute)", n));
        else if (n && pol->has_execute)
            err_at(ps, t, "'execute: kl.core.Execute' is declared twice");
        pol->has_execute = true;
    } else if ((ev = event_of(t->text)) >= 0) {
        struct binding *b = PSL_PUSH(pol->bindings, pol->nbindings, pol->bindings_cap);
        b->event = ev;
        b->body.pos = t->pos;
        selectors(ps, &b->body.sel);
        if (expect(ps, T_LBRACE, "'{' after the event selectors")) {
            body(ps, &b->body);
            expect(ps, T_RBRACE, "'}'");
        }
    } else if (is_ident(t, "use")) {
        if (is_ident(peek(ps), "EDL")) {
            next(ps);
            struct token *v = peek(ps);
            char *n = qname(ps, "a process class name after 'use EDL'");
            if (!n)
                return;
            const struct td_class *c = td_class(pol->td, n);
            if (!c) {
                psl_error(v->pos, "unknown class '%s' (not in the type description)", n);
                return;
            }
            if (policy_class_id(pol, n) >= 0)
                return; /* using a class twice (e.g. from two included files) is harmless */
            struct policy_class *pc = PSL_PUSH(pol->classes, pol->nclasses, pol->classes_cap);
            pc->td = c;
            pc->pos = v->pos;
        } else {
            struct token *v = peek(ps);
            char *n = qname(ps, "a PSL file name after 'use'");
            if (!n)
                return;
            size_t l = strlen(n);
            if (l < 3 || strcmp(n + l - 2, "._")) {
                err_at(ps, v,
                       psl_fmt("'use %s' is not supported (use EDL <class> or use <file>._)", n));
                return;
            }
            include(ps, v, n);
        }
    } else if (is_ident(t, "audit")) {
        if (is_ident(peek(ps), "profile")) {
            next(ps);
            audit_profile(ps);
        } else if (is_ident(peek(ps), "default")) {
            next(ps);
            if (!expect(ps, T_ASSIGN, "'='"))
                return;
            pol->default_pos = peek(ps)->pos;
            pol->default_profile = qname(ps, "an audit profile name");
            struct token *lv = peek(ps);
            if (expect(ps, T_INT, "the audit runtime level")) {
                if (lv->value > 255)
                    err_at(ps, lv, "audit runtime levels are 0..255");
                pol->default_level = (int)lv->value;
            }
        } else {
            err_at(ps, peek(ps),
                   psl_fmt("expected 'profile' or 'default' after 'audit', found %s",
                           tok_describe(peek(ps))));
        }
    } else if (is_ident(t, "assert")) {
        pal_assert(ps, t);
    } else if (is_ident(t, "policy")) {
        policy_object(ps, t);
    } else if (is_ident(t, "pragma")) {
        err_at(ps, t,
               psl_fmt("'%s' declarations (security model objects) are not supported", t->text));
    } else {
        err_at(ps, t, psl_fmt("'%s' is not supported at the top level of a policy", t->text));
    }
}

void psl_parse_text(struct policy *pol, const char *file, const char *text)
{
    struct parser ps = {pol, file, NULL, 0, 0, 0, 0};
    int errors_before = psl_errors();
    ps.n = psl_lex(file, text, &ps.t) + 1;
    if (psl_errors() > errors_before)
        return;
    if (!pol->first_pos.file)
        pol->first_pos = (struct psl_pos){file, 1, 1};
    if (pol->nprofiles == 0) {
        struct audit_profile *empty = PSL_PUSH(pol->profiles, pol->nprofiles, pol->profiles_cap);
        empty->name = "empty"; /* the Base profile of KasperskyOS: audits nothing beyond denials */
    }
    while (peek(&ps)->kind != T_EOF) {
        ps.failed = 0;
        ps.depth = 0;
        declaration(&ps);
        if (ps.failed) {
            /* resync: skip to the next token at column 1 (a top-level declaration) */
            while (peek(&ps)->kind != T_EOF && peek(&ps)->pos.col != 1)
                next(&ps);
            if (peek(&ps)->kind != T_EOF && ps.i > 0 &&
                ps.t[ps.i - 1].pos.line == peek(&ps)->pos.line)
                next(&ps);
        }
    }
}

void psl_parse_file(struct policy *pol, const char *path)
{
    for (int i = 0; i < pol->nloaded; i++)
        if (!strcmp(pol->loaded[i], path))
            return;
    *PSL_PUSH(pol->loaded, pol->nloaded, pol->loaded_cap) = psl_strdup(path);
    size_t n;
    char *buf = host_read_file(psl_arena(), path, &n);
    if (!buf) {
        psl_error((struct psl_pos){path, 1, 1}, "cannot open policy file");
        return;
    }
    /* The lexer ends at the first NUL: one inside the file would silently drop the rest. */
    size_t nul = strlen(buf);
    if (nul != n) {
        struct psl_pos at = {psl_strdup(path), 1, 1};
        host_text_pos(buf, nul, &at.line, &at.col);
        psl_error(at, "invalid byte: NUL (0x00) inside the file");
        psl_free(buf);
        return;
    }
    psl_parse_text(pol, psl_strdup(path), buf);
}

/* The index of name in list[0..n), or -1: a Flow object's states, a Mic object's degrees and
 * categories. */
static int string_index(char *const *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], name))
            return i;
    return -1;
}

/* The index of the object named name among n objects of `stride` bytes from base, each with its
 * name (a char *) at offset name_at, or -1: the policy's objects of one model. */
static int object_index(const void *base, int n, size_t stride, size_t name_at, const char *name)
{
    for (int i = 0; i < n; i++) {
        const char *at = (const char *)base + (size_t)i * stride + name_at;
        const char *obj_name;
        memcpy(&obj_name, at, sizeof obj_name);
        if (!strcmp(obj_name, name))
            return i;
    }
    return -1;
}

#define OBJECT_INDEX(arr, n, wanted) \
    object_index((arr), (n), sizeof *(arr), offsetof(__typeof__(*(arr)), name), (wanted))

int policy_flow_id(const struct policy *p, const char *name)
{
    return OBJECT_INDEX(p->flows, p->nflows, name);
}

int policy_mic_id(const struct policy *p, const char *name)
{
    return OBJECT_INDEX(p->mics, p->nmics, name);
}

int policy_mic_degree(const struct policy_mic *m, const char *name)
{
    return string_index(m->degrees, m->ndegrees, name);
}

int policy_mic_category(const struct policy_mic *m, const char *name)
{
    return string_index(m->categories, m->ncategories, name);
}

int policy_map_id(const struct policy *p, const char *name)
{
    return OBJECT_INDEX(p->maps, p->nmaps, name);
}

int policy_map_key(const struct policy_map *m, const struct map_key *key)
{
    for (int i = 0; i < m->nkeys; i++)
        if (m->keys[i].list == key->list && m->keys[i].len == key->len &&
            !memcmp(m->keys[i].bytes, key->bytes, key->len))
            return i;
    return -1;
}

char *map_key_text(const struct map_key *key)
{
    if (!key->list)
        return psl_fmt("\"%s\"", key->bytes);
    char *s = psl_strdup("[");
    for (uint32_t i = 0; i < key->len; i++)
        s = psl_fmt("%s%s%u", s, i ? ", " : "", (unsigned char)key->bytes[i]);
    return psl_fmt("%s]", s);
}

int policy_set_id(const struct policy *p, const char *name)
{
    return OBJECT_INDEX(p->sets, p->nsets, name);
}

int policy_flow_state(const struct policy_flow *f, const char *name)
{
    return string_index(f->states, f->nstates, name);
}

int policy_class_id(const struct policy *p, const char *name)
{
    for (int i = 0; i < p->nclasses; i++)
        if (!strcmp(p->classes[i].td->name, name))
            return i;
    return -1;
}
