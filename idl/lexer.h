/*
 * The tokenizer shared by the IDL, EDL and CDL parsers (the three languages share their
 * lexical rules: C comments, identifiers, integer literals, a little punctuation).
 *
 * A comment directly before a token is attached to that token as its "doc": the text of the
 * last block comment, or of the run of `//` lines, between the previous token and this one.
 * A comment that starts on the previous token's line is a trailing remark about that token
 * (`UInt32 state; // VmPage*`) and documents nothing.
 */
#ifndef IDLC_LEXER_H
#define IDLC_LEXER_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

enum tok {
    TK_EOF = 0,
    TK_IDENT,
    TK_NUM,
    TK_LBRACE,
    TK_RBRACE,
    TK_LPAREN,
    TK_RPAREN,
    TK_LT,
    TK_GT,
    TK_COMMA,
    TK_SEMI,
    TK_COLON,
    TK_DOT,
    TK_EQ,
    TK_PLUS,
    TK_MINUS,
    TK_STAR,
    TK_POW,
    TK_SLASH,
    TK_PERCENT,
    TK_SHL,
    TK_SHR,
    TK_AMP,
    TK_PIPE,
    TK_CARET,
    TK_TILDE,
    TK_LBRACKET,
    TK_RBRACKET,
};

struct token {
    enum tok kind;
    struct loc loc;
    const char *start;
    int len;
    uint64_t num;
    char *doc;           /* attached comment, or NULL */
    bool newline_before; /* a line break separates it from the previous token */
};

struct lexer {
    const char *src, *p;
    const char *file;
    int line;
    const char *line_start;
    struct token tok; /* current token */
    struct token peek_tok;
    bool have_peek;
    bool started; /* a token was scanned: comments on its line are trailing, not docs */
    int depth;    /* parser recursion now open (parse_enter/parse_leave) */
};

void lexer_init(struct lexer *lx, const char *file, const char *src);
void lexer_next(struct lexer *lx);                /* advance lx->tok */
const struct token *lexer_peek(struct lexer *lx); /* the token after lx->tok */
bool tok_is(const struct token *t, const char *word);
char *tok_text(const struct token *t);
const char *tok_kind_name(enum tok k);

#endif
