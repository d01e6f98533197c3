/*
 * PSL lexer. Line breaks and indentation are not significant here: every construct of the
 * accepted subset is delimited by keywords and braces (KasperskyOS's indentation rule is
 * satisfied by any file this accepts, and is not needed to parse it).
 */
#include "lexer.h"

#include <ctype.h>
#include <string.h>

/* Longest first where one operator starts another ("&&" before "&", "~>" before "~"): the
 * first entry that matches is taken. */
static const struct {
    const char *s;
    enum tok_kind k;
} ops[] = {
    {"==>", T_IMPLIES}, {"<-", T_ARROW}, {"~>", T_SQUIGGLE}, {"<=", T_LE},    {">=", T_GE},
    {"==", T_EQ},       {"!=", T_NE},    {"&&", T_ANDAND},   {"||", T_OROR},  {"{", T_LBRACE},
    {"}", T_RBRACE},    {"(", T_LPAREN}, {")", T_RPAREN},    {"[", T_LBRACK}, {"]", T_RBRACK},
    {",", T_COMMA},     {":", T_COLON},  {";", T_SEMI},      {".", T_DOT},    {"=", T_ASSIGN},
    {"+", T_PLUS},      {"-", T_MINUS},  {"*", T_STAR},      {"/", T_SLASH},  {"!", T_BANG},
    {"<", T_LT},        {">", T_GT},     {"%", T_PERCENT},   {"&", T_AMP},    {"|", T_PIPE},
    {"~", T_TILDE},
};

const char *tok_describe(const struct token *t)
{
    switch (t->kind) {
    case T_EOF:
        return "end of file";
    case T_INT:
        return psl_fmt("integer '%s'", t->text);
    case T_STRING:
        return psl_fmt("string \"%s\"", t->text);
    default:
        return psl_fmt("'%s'", t->text);
    }
}

int psl_lex(const char *file, const char *src, struct token **out)
{
    struct token *v = NULL;
    int n = 0, cap = 0, line = 1, col = 1;
    const char *p = src;
#define ADV(k)                             \
    do {                                   \
        for (int i_ = 0; i_ < (k); i_++) { \
            if (*p == '\n') {              \
                line++;                    \
                col = 1;                   \
            } else {                       \
                col++;                     \
            }                              \
            p++;                           \
        }                                  \
    } while (0)
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            ADV(1);
        struct psl_pos pos = {file, line, col};
        if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n')
                ADV(1);
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            ADV(2);
            while (*p && !(p[0] == '*' && p[1] == '/'))
                ADV(1);
            if (!*p) {
                psl_error(pos, "unterminated comment");
                break;
            }
            ADV(2);
            continue;
        }
        if (!*p)
            break;
        struct token *t = PSL_PUSH(v, n, cap);
        t->pos = pos;
        if (isalpha((unsigned char)*p) || *p == '_') {
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '_')
                ADV(1);
            t->kind = T_IDENT;
            t->text = psl_strndup(s, (size_t)(p - s));
        } else if (isdigit((unsigned char)*p)) {
            const char *s = p;
            int base = 10;
            if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                ADV(2);
            }
            uint64_t val = 0;
            int digits = 0, overflow = 0;
            while (isalnum((unsigned char)*p)) {
                int d =
                    isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
                if (d >= base) {
                    psl_error((struct psl_pos){file, line, col}, "invalid digit '%c' in integer",
                              *p);
                    d = 0;
                }
                if (val > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
                    overflow = 1;
                val = val * (uint64_t)base + (uint64_t)d;
                digits++;
                ADV(1);
            }
            if (!digits)
                psl_error(pos, "hexadecimal integer without digits");
            if (overflow)
                psl_error(pos, "integer does not fit in 64 bits");
            t->kind = T_INT;
            t->value = val;
            t->text = psl_strndup(s, (size_t)(p - s));
        } else if (*p == '"') {
            ADV(1);
            const char *s = p;
            while (*p && *p != '"' && *p != '\n')
                ADV(1);
            if (*p != '"') {
                psl_error(pos, "unterminated string");
                t->kind = T_STRING;
                t->text = psl_strndup(s, (size_t)(p - s));
                continue;
            }
            t->kind = T_STRING;
            t->text = psl_strndup(s, (size_t)(p - s));
            ADV(1);
        } else {
            size_t k;
            for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
                size_t l = strlen(ops[k].s);
                if (strncmp(p, ops[k].s, l) == 0) {
                    t->kind = ops[k].k;
                    t->text = psl_strdup(ops[k].s);
                    ADV((int)l);
                    break;
                }
            }
            if (k == sizeof ops / sizeof ops[0]) {
                if (isprint((unsigned char)*p)) {
                    t->kind = T_OTHER;
                    t->text = psl_strndup(p, 1);
                } else {
                    psl_error(pos, "invalid byte: 0x%02x", (unsigned char)*p);
                    n--;
                }
                ADV(1);
            }
        }
    }
    struct token *e = PSL_PUSH(v, n, cap);
    e->kind = T_EOF;
    e->pos = (struct psl_pos){file, line, col};
    e->text = "";
    *out = v;
    return n;
#undef ADV
}
