/* Tokenizer for the description languages; see lexer.h. */
#include "lexer.h"

#include <ctype.h>
#include <string.h>

#include "diag.h"

void lexer_init(struct lexer *lx, const char *file, const char *src)
{
    memset(lx, 0, sizeof *lx);
    lx->src = lx->p = src;
    lx->file = file;
    lx->line = 1;
    lx->line_start = src;
    lexer_next(lx);
}

static struct loc here(const struct lexer *lx)
{
    struct loc l = {lx->file, lx->line, (int)(lx->p - lx->line_start) + 1};
    return l;
}

/* Turns comment text into a doc string: drops the comment markers and leading '*'s. */
static char *clean_doc(const char *s, size_t n, bool block)
{
    char *out = xalloc(n + 1);
    size_t o = 0;
    size_t i = 0;
    if (block) {
        while (i < n && s[i] == '*')
            i++;
    }
    bool line_start = true;
    for (; i < n; i++) {
        char c = s[i];
        if (line_start) {
            if (c == ' ' || c == '\t')
                continue;
            if (block && c == '*' && !(i + 1 < n && s[i + 1] == '/'))
                continue;
            line_start = false;
        }
        if (c == '\n') {
            line_start = true;
            while (o > 0 && out[o - 1] == ' ')
                o--;
            if (o > 0 && out[o - 1] != '\n')
                out[o++] = '\n';
            continue;
        }
        out[o++] = c;
    }
    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\n' || out[o - 1] == '*'))
        o--;
    out[o] = 0;
    return out;
}

/* Skips blanks and comments; returns the doc text of the last comment seen. */
static char *skip_space(struct lexer *lx, bool *newline)
{
    char *doc = NULL;
    bool doc_is_line = false;
    bool own_line = !lx->started; /* no token yet on this line */
    *newline = false;
    for (;;) {
        char c = *lx->p;
        if (c == '\n') {
            lx->p++;
            lx->line++;
            lx->line_start = lx->p;
            *newline = true;
            own_line = true;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->p++;
        } else if (c == '/' && lx->p[1] == '/') {
            const char *s = lx->p + 2;
            const char *e = strchr(s, '\n');
            if (!e)
                e = s + strlen(s);
            if (own_line) {
                char *text = clean_doc(s, (size_t)(e - s), false);
                if (doc && doc_is_line)
                    doc = xprintf("%s\n%s", doc, text);
                else
                    doc = text;
                doc_is_line = true;
            }
            lx->p = e;
        } else if (c == '/' && lx->p[1] == '*') {
            struct loc start = here(lx);
            const char *s = lx->p + 2;
            const char *e = strstr(s, "*/");
            if (!e)
                diag_error(start, "unterminated comment");
            for (const char *q = lx->p; q < e; q++) {
                if (*q == '\n') {
                    lx->line++;
                    lx->line_start = q + 1;
                }
            }
            if (own_line) {
                doc = clean_doc(s, (size_t)(e - s), true);
                doc_is_line = false;
            }
            lx->p = e + 2;
        } else {
            return doc;
        }
    }
}

static void scan(struct lexer *lx, struct token *t)
{
    memset(t, 0, sizeof *t);
    t->doc = skip_space(lx, &t->newline_before);
    t->loc = here(lx);
    t->start = lx->p;
    lx->started = true;
    const char *p = lx->p;
    char c = *p;
    if (c == 0) {
        t->kind = TK_EOF;
        return;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        t->kind = TK_IDENT;
    } else if (isdigit((unsigned char)c)) {
        int base = 10;
        if (c == '0' && (p[1] == 'x' || p[1] == 'X')) {
            base = 16;
            p += 2;
        } else if (c == '0' && (p[1] == 'o' || p[1] == 'O')) {
            base = 8;
            p += 2;
        }
        const char *digits = p;
        uint64_t v = 0;
        for (;; p++) {
            int d;
            if (isdigit((unsigned char)*p))
                d = *p - '0';
            else if (isalpha((unsigned char)*p))
                d = tolower((unsigned char)*p) - 'a' + 10;
            else
                break;
            if (d >= base)
                diag_error(t->loc, "invalid digit '%c' in integer literal", *p);
            if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
                diag_error(t->loc, "integer literal does not fit in 64 bits");
            v = v * (uint64_t)base + (uint64_t)d;
        }
        if (p == digits)
            diag_error(t->loc, "integer literal without digits");
        t->kind = TK_NUM;
        t->num = v;
    } else {
        static const struct {
            const char *s;
            enum tok k;
        } punct[] = {
            {"**", TK_POW},     {"<<", TK_SHL},   {">>", TK_SHR},    {"{", TK_LBRACE},
            {"}", TK_RBRACE},   {"(", TK_LPAREN}, {")", TK_RPAREN},  {"<", TK_LT},
            {">", TK_GT},       {",", TK_COMMA},  {";", TK_SEMI},    {":", TK_COLON},
            {".", TK_DOT},      {"=", TK_EQ},     {"+", TK_PLUS},    {"-", TK_MINUS},
            {"*", TK_STAR},     {"/", TK_SLASH},  {"%", TK_PERCENT}, {"&", TK_AMP},
            {"|", TK_PIPE},     {"^", TK_CARET},  {"~", TK_TILDE},   {"[", TK_LBRACKET},
            {"]", TK_RBRACKET},
        };
        size_t i;
        for (i = 0; i < sizeof punct / sizeof punct[0]; i++) {
            size_t n = strlen(punct[i].s);
            if (strncmp(p, punct[i].s, n) == 0) {
                t->kind = punct[i].k;
                p += n;
                break;
            }
        }
        if (i == sizeof punct / sizeof punct[0]) {
            if (isprint((unsigned char)c))
                diag_error(t->loc, "unexpected character '%c'", c);
            diag_error(t->loc, "invalid byte: 0x%02x", (unsigned char)c);
        }
    }
    t->len = (int)(p - lx->p);
    lx->p = p;
}

void lexer_next(struct lexer *lx)
{
    if (lx->have_peek) {
        lx->tok = lx->peek_tok;
        lx->have_peek = false;
        return;
    }
    scan(lx, &lx->tok);
}

const struct token *lexer_peek(struct lexer *lx)
{
    if (!lx->have_peek) {
        scan(lx, &lx->peek_tok);
        lx->have_peek = true;
    }
    return &lx->peek_tok;
}

bool tok_is(const struct token *t, const char *word)
{
    return t->kind == TK_IDENT && (int)strlen(word) == t->len &&
           memcmp(t->start, word, (size_t)t->len) == 0;
}

char *tok_text(const struct token *t)
{
    return xstrndup(t->start, (size_t)t->len);
}

const char *tok_kind_name(enum tok k)
{
    static const char *const names[] = {
        "end of file", "identifier", "number", "'{'", "'}'", "'('", "')'", "'<'",  "'>'", "','",
        "';'",         "':'",        "'.'",    "'='", "'+'", "'-'", "'*'", "'**'", "'/'", "'%'",
        "'<<'",        "'>>'",       "'&'",    "'|'", "'^'", "'~'", "'['", "']'",
    };
    return names[k];
}
