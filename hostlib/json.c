/*
 * Recursive-descent JSON reader (contract in json.h). Invariant: p->pos never passes p->len.
 * Every allocation comes from the caller's arena, which never fails (its handler ends the
 * tool), so the only failures are the document's.
 */
#include "hostlib/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlib/textfile.h"

#define JSON_MAX_DEPTH 64

struct parser {
    struct host_arena *arena;
    const char *s;
    size_t len, pos;
    char *err;
    size_t errlen;
    int failed;
};

static void fail(struct parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    int line, col;
    host_text_pos(p->s, p->pos < p->len ? p->pos : p->len, &line, &col);
    int n = snprintf(p->err, p->errlen, "%d:%d: ", line, col);
    if (n < 0 || (size_t)n >= p->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static struct json *node_new(struct parser *p, enum json_kind kind)
{
    struct json *n = host_alloc(p->arena, sizeof *n);
    n->kind = kind;
    return n;
}

static void push(struct parser *p, struct json *parent, struct json *child)
{
    parent->items =
        host_realloc(p->arena, parent->items, (parent->count + 1) * sizeof *parent->items);
    parent->items[parent->count++] = child;
}

static int hex4(struct parser *p, unsigned *out)
{
    if (p->len - p->pos < 4) {
        fail(p, "truncated \\u escape");
        return -1;
    }
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else {
            fail(p, "bad hex digit in \\u escape");
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* Appends code point cp as UTF-8; buf has room for 4 more bytes (checked by the caller). */
static size_t put_utf8(char *buf, unsigned cp)
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string literal at p->pos (the opening quote); returns a copy from the arena. The decoded
 * form is never longer than the literal, so one buffer of the literal's size is enough. */
static char *parse_string(struct parser *p)
{
    p->pos++; /* opening quote */
    size_t start = p->pos, end = start;
    while (end < p->len && p->s[end] != '"') {
        if (p->s[end] == '\\')
            end++;
        end++;
    }
    if (end >= p->len) {
        fail(p, "unterminated string");
        return NULL;
    }
    char *out = host_alloc(p->arena, end - start + 4 + 1);
    size_t o = 0;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c < 0x20) {
            fail(p, "control character in string");
            goto bad;
        }
        if (c != '\\') {
            out[o++] = (char)c;
            continue;
        }
        char e = p->s[p->pos++];
        switch (e) {
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case '/':
            out[o++] = '/';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            unsigned cp;
            if (hex4(p, &cp))
                goto bad;
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    fail(p, "lone high surrogate");
                    goto bad;
                }
                p->pos += 2;
                if (hex4(p, &lo))
                    goto bad;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(p, "bad low surrogate");
                    goto bad;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(p, "lone low surrogate");
                goto bad;
            }
            if (cp == 0) {
                fail(p, "NUL in string");
                goto bad;
            }
            o += put_utf8(out + o, cp);
            break;
        }
        default:
            fail(p, "bad escape \\%c", e);
            goto bad;
        }
    }
    p->pos = end + 1; /* closing quote */
    out[o] = '\0';
    return out;
bad:
    host_free(p->arena, out);
    return NULL;
}

static struct json *parse_value(struct parser *p, int depth);

static struct json *parse_container(struct parser *p, int depth, int is_object)
{
    struct json *n = node_new(p, is_object ? JSON_OBJECT : JSON_ARRAY);
    char close = is_object ? '}' : ']';
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return n;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(p);
        if (is_object) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, "expected a member name");
                goto bad;
            }
            key = parse_string(p);
            if (!key)
                goto bad;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                fail(p, "expected ':'");
                goto bad;
            }
            p->pos++;
        }
        struct json *child = parse_value(p, depth + 1);
        if (!child)
            goto bad;
        child->key = key;
        push(p, n, child);
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return n;
        }
        fail(p, "expected ',' or '%c'", close);
        goto bad;
    }
bad:
    return NULL;
}

static struct json *parse_number(struct parser *p)
{
    size_t start = p->pos;
    int is_int = 1;
    if (p->s[p->pos] == '-')
        p->pos++;
    if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
        fail(p, "bad number");
        return NULL;
    }
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == '.' || c == 'e' || c == 'E' || c == '+')
            is_int = 0;
        else if (!(c >= '0' && c <= '9') && c != '-')
            break;
        p->pos++;
    }
    char buf[64];
    size_t n = p->pos - start;
    if (n >= sizeof buf) {
        fail(p, "number too long");
        return NULL;
    }
    memcpy(buf, p->s + start, n);
    buf[n] = '\0';
    struct json *node = node_new(p, JSON_NUMBER);
    char *end;
    errno = 0;
    if (is_int) {
        node->integer = strtoll(buf, &end, 10);
        node->is_integer = 1;
    } else {
        /* Only integers are kept; a fraction or exponent is checked for form and dropped
         * (converting it could overflow int64_t). */
        (void)strtod(buf, &end);
    }
    if (*end != '\0' || (is_int && errno == ERANGE)) {
        fail(p, "bad number");
        return NULL;
    }
    return node;
}

static int match_word(struct parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0) {
        p->pos += n;
        return 1;
    }
    return 0;
}

static struct json *parse_value(struct parser *p, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        fail(p, "nesting deeper than %d", JSON_MAX_DEPTH);
        return NULL;
    }
    skip_ws(p);
    if (p->pos >= p->len) {
        fail(p, "unexpected end of input");
        return NULL;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[')
        return parse_container(p, depth, c == '{');
    if (c == '"') {
        char *s = parse_string(p);
        if (!s)
            return NULL;
        struct json *n = node_new(p, JSON_STRING);
        n->string = s;
        return n;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p);
    struct json *n = NULL;
    if (match_word(p, "true")) {
        n = node_new(p, JSON_BOOL);
        n->boolean = 1;
    } else if (match_word(p, "false")) {
        n = node_new(p, JSON_BOOL);
    } else if (match_word(p, "null")) {
        n = node_new(p, JSON_NULL);
    } else {
        fail(p, "unexpected character '%c'", c);
    }
    return n;
}

struct json *json_parse(struct host_arena *a, const char *text, size_t len, char *err,
                        size_t errlen)
{
    struct parser p = {.arena = a, .s = text, .len = len, .err = err, .errlen = errlen};
    if (errlen)
        err[0] = '\0';
    struct json *root = parse_value(&p, 0);
    if (root) {
        skip_ws(&p);
        if (p.pos != p.len) {
            fail(&p, "trailing characters after the document");
            root = NULL;
        }
    }
    return root;
}

const struct json *json_get(const struct json *node, const char *key)
{
    if (!node || node->kind != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < node->count; i++)
        if (strcmp(node->items[i]->key, key) == 0)
            return node->items[i];
    return NULL;
}

const char *json_get_string(const struct json *node, const char *key)
{
    const struct json *v = json_get(node, key);
    return v && v->kind == JSON_STRING ? v->string : NULL;
}

int64_t json_get_int(const struct json *node, const char *key, int64_t dflt)
{
    const struct json *v = json_get(node, key);
    return v && v->kind == JSON_NUMBER && v->is_integer ? v->integer : dflt;
}

bool json_get_bool(const struct json *node, const char *key)
{
    const struct json *v = json_get(node, key);
    return v && v->kind == JSON_BOOL && v->boolean;
}

size_t json_len(const struct json *node)
{
    return node && node->kind == JSON_ARRAY ? node->count : 0;
}

const struct json *json_at(const struct json *node, size_t i)
{
    return node && node->kind == JSON_ARRAY && i < node->count ? node->items[i] : NULL;
}

const struct json *json_find(const struct json *arr, const char *key, const char *value)
{
    for (size_t i = 0; i < json_len(arr); i++) {
        const char *v = json_get_string(json_at(arr, i), key);
        if (v && strcmp(v, value) == 0)
            return json_at(arr, i);
    }
    return NULL;
}

void json_remove(struct json *node, size_t i)
{
    if (!node || (node->kind != JSON_ARRAY && node->kind != JSON_OBJECT) || i >= node->count)
        return;
    memmove(&node->items[i], &node->items[i + 1], (node->count - i - 1) * sizeof *node->items);
    node->count--;
}
