/* Tokens of PSL (and of PAL tests, which live in the same files). */
#ifndef PSL_LEXER_H
#define PSL_LEXER_H

#include <stdint.h>

#include "diag.h"

enum tok_kind {
    T_EOF,
    T_IDENT,
    T_INT,
    T_STRING,
    T_LBRACE,
    T_RBRACE,
    T_LPAREN,
    T_RPAREN,
    T_LBRACK,
    T_RBRACK,
    T_COMMA,
    T_COLON,
    T_SEMI,
    T_DOT,
    T_ASSIGN,   /* =  */
    T_ARROW,    /* <- */
    T_SQUIGGLE, /* ~> (PAL: the short form of a request case) */
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PERCENT, /* %  (Math: remainder) */
    T_AMP,     /* &  (Math: bitwise and) */
    T_PIPE,    /* |  (Math: bitwise or; also between a Flow type's state names) */
    T_TILDE,   /* ~  (Math: bitwise complement) */
    T_BANG,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_EQ,
    T_NE,
    T_ANDAND,
    T_OROR,
    T_IMPLIES, /* ==> (Bool: !a || b) */
    T_OTHER    /* any other operator character: refused by the parser */
};

struct token {
    enum tok_kind kind;
    struct psl_pos pos;
    char *text;     /* identifiers, strings (unquoted), operators */
    uint64_t value; /* integers */
};

/* Splits src into tokens (last is T_EOF). Lexical errors are reported; returns the count. */
int psl_lex(const char *file, const char *src, struct token **out);

const char *tok_describe(const struct token *t); /* "'foo'", "end of file", ... */

#endif
