/* Parsing helpers shared by the IDL, EDL and CDL parsers: names, expressions, errors. */
#include <string.h>

#include "diag.h"
#include "parser.h"

void parse_expected(const struct lexer *lx, const char *what)
{
    const struct token *t = &lx->tok;
    if (t->kind == TK_IDENT || t->kind == TK_NUM)
        diag_error(t->loc, "expected %s, found '%.*s'", what, t->len, t->start);
    diag_error(t->loc, "expected %s, found %s", what, tok_kind_name(t->kind));
}

void expect(struct lexer *lx, enum tok k, const char *what)
{
    if (lx->tok.kind != k)
        parse_expected(lx, what ? what : tok_kind_name(k));
    lexer_next(lx);
}

bool accept(struct lexer *lx, enum tok k)
{
    if (lx->tok.kind != k)
        return false;
    lexer_next(lx);
    return true;
}

char *expect_ident(struct lexer *lx, const char *what)
{
    if (lx->tok.kind != TK_IDENT)
        parse_expected(lx, what);
    char *s = tok_text(&lx->tok);
    lexer_next(lx);
    return s;
}

char *parse_qname(struct lexer *lx, const char *what)
{
    char *s = expect_ident(lx, what);
    while (lx->tok.kind == TK_DOT) {
        lexer_next(lx);
        char *part = expect_ident(lx, "a name after '.'");
        s = xprintf("%s.%s", s, part);
    }
    return s;
}

void check_no_underscore(struct loc loc, const char *name, const char *what)
{
    if (strchr(name, '_'))
        diag_error(loc, "%s name '%s' must not contain '_'", what, name);
}

void nesting_too_deep(struct loc loc, const char *what)
{
    diag_error(loc, "nesting too deep: more than %d levels of %s", IDL_NESTING_MAX, what);
}

void parse_enter(struct lexer *lx)
{
    if (++lx->depth > IDL_NESTING_MAX)
        nesting_too_deep(lx->tok.loc, "parentheses, operators or type arguments");
}

void parse_leave(struct lexer *lx)
{
    lx->depth--;
}

/* A new node over operands a (and b): its depth, the levels of operators below it and itself,
 * bounds every later walk of the tree (eval). */
static struct expr *new_expr(enum expr_op op, struct loc loc, struct expr *a, struct expr *b)
{
    struct expr *e = xalloc(sizeof *e);
    e->op = op;
    e->loc = loc;
    e->a = a;
    e->b = b;
    e->depth = a || b ? 1 : 0;
    if (a && a->depth >= e->depth)
        e->depth = a->depth + 1;
    if (b && b->depth >= e->depth)
        e->depth = b->depth + 1;
    if (e->depth > IDL_NESTING_MAX)
        nesting_too_deep(loc, "operators");
    return e;
}

/* Precedence climbing, C-like: | ^ & << >> + - * / % ** (** binds tightest, right-assoc). */
static int prec(enum tok k)
{
    switch (k) {
    case TK_PIPE:
        return 1;
    case TK_CARET:
        return 2;
    case TK_AMP:
        return 3;
    case TK_SHL:
    case TK_SHR:
        return 4;
    case TK_PLUS:
    case TK_MINUS:
        return 5;
    case TK_STAR:
    case TK_SLASH:
    case TK_PERCENT:
        return 6;
    case TK_POW:
        return 7;
    default:
        return 0;
    }
}

static struct expr *parse_unary(struct lexer *lx);

/*
 * Each recursion is one level, entered at the token that opens it (so a too-deep error points
 * at that token): a parenthesis, a unary operator, or a binary operator whose right operand
 * is parsed by a nested call.
 */
static struct expr *parse_bin(struct lexer *lx, int min_prec)
{
    struct expr *lhs = parse_unary(lx);
    for (;;) {
        int p = prec(lx->tok.kind);
        if (p == 0 || p < min_prec)
            return lhs;
        struct loc loc = lx->tok.loc;
        int op = lx->tok.kind;
        parse_enter(lx);
        lexer_next(lx);
        struct expr *rhs = parse_bin(lx, op == TK_POW ? p : p + 1);
        parse_leave(lx);
        struct expr *e = new_expr(EX_BIN, loc, lhs, rhs);
        e->bin = op;
        lhs = e;
    }
}

static struct expr *parse_unary(struct lexer *lx)
{
    struct loc loc = lx->tok.loc;
    if (lx->tok.kind == TK_MINUS || lx->tok.kind == TK_TILDE || lx->tok.kind == TK_PLUS) {
        enum tok op = lx->tok.kind;
        parse_enter(lx);
        lexer_next(lx);
        struct expr *a = parse_unary(lx);
        parse_leave(lx);
        return op == TK_PLUS ? a : new_expr(op == TK_MINUS ? EX_NEG : EX_NOT, loc, a, NULL);
    }
    if (lx->tok.kind == TK_LPAREN) {
        parse_enter(lx);
        lexer_next(lx);
        struct expr *e = parse_bin(lx, 1);
        expect(lx, TK_RPAREN, "')'");
        parse_leave(lx);
        return e;
    }
    if (lx->tok.kind == TK_NUM) {
        struct expr *e = new_expr(EX_NUM, loc, NULL, NULL);
        if (lx->tok.num > (uint64_t)INT64_MAX)
            diag_error(loc, "integer literal out of range");
        e->num = (int64_t)lx->tok.num;
        lexer_next(lx);
        return e;
    }
    if (lx->tok.kind == TK_IDENT) {
        struct expr *e = new_expr(EX_NAME, loc, NULL, NULL);
        e->name = parse_qname(lx, "a constant name");
        return e;
    }
    parse_expected(lx, "an integer expression");
}

struct expr *parse_expr(struct lexer *lx)
{
    return parse_bin(lx, 1);
}
