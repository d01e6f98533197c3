/* Recursive-descent JSON reader (depth-limited, so a hostile file cannot exhaust the stack). */
#include "json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct jp {
    const char *s, *p;
    char *err;
};

static void ws(struct jp *j)
{
    while (*j->p && isspace((unsigned char)*j->p))
        j->p++;
}

static struct json *fail(struct jp *j, const char *what)
{
    if (!j->err)
        j->err = psl_fmt("%s at byte %ld", what, (long)(j->p - j->s));
    return NULL;
}

static char *pstring(struct jp *j)
{
    j->p++; /* opening quote */
    char *buf = NULL;
    int n = 0, cap = 0;
    while (*j->p && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            char e = *j->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u':
                for (int i = 0; i < 4; i++)
                    if (!isxdigit((unsigned char)*j->p++))
                        return (char *)fail(j, "bad \\u escape");
                c = '?'; /* names are ASCII; docs may lose non-ASCII characters */
                break;
            case '"': case '\\': case '/': c = e; break;
            default: return (char *)fail(j, "bad escape");
            }
        }
        *PSL_PUSH(buf, n, cap) = c;
    }
    if (*j->p != '"')
        return (char *)fail(j, "unterminated string");
    j->p++;
    *PSL_PUSH(buf, n, cap) = 0;
    return buf;
}

static struct json *pvalue(struct jp *j, int depth)
{
    if (depth > 64)
        return fail(j, "nesting too deep");
    ws(j);
    struct json *v = psl_alloc(sizeof *v);
    char c = *j->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        v->kind = c == '{' ? J_OBJECT : J_ARRAY;
        j->p++;
        int cap = 0, kcap = 0, kn = 0;
        ws(j);
        if (*j->p == close) {
            j->p++;
            return v;
        }
        for (;;) {
            ws(j);
            if (v->kind == J_OBJECT) {
                if (*j->p != '"')
                    return fail(j, "expected key");
                char *k = pstring(j);
                if (!k)
                    return NULL;
                *PSL_PUSH(v->keys, kn, kcap) = k;
                ws(j);
                if (*j->p++ != ':')
                    return fail(j, "expected ':'");
            }
            struct json *item = pvalue(j, depth + 1);
            if (!item)
                return NULL;
            *PSL_PUSH(v->items, v->n, cap) = item;
            ws(j);
            if (*j->p == ',') {
                j->p++;
                continue;
            }
            if (*j->p == close) {
                j->p++;
                return v;
            }
            return fail(j, "expected ',' or end of container");
        }
    }
    if (c == '"') {
        v->kind = J_STRING;
        v->s = pstring(j);
        return v->s ? v : NULL;
    }
    if (c == '-' || isdigit((unsigned char)c)) {
        char *end;
        v->kind = J_INT;
        v->i = strtoll(j->p, &end, 10);
        if (end == j->p || *end == '.' || *end == 'e' || *end == 'E')
            return fail(j, "expected an integer");
        j->p = end;
        return v;
    }
    if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
        v->kind = J_BOOL;
        v->b = *j->p == 't';
        j->p += v->b ? 4 : 5;
        return v;
    }
    if (!strncmp(j->p, "null", 4)) {
        j->p += 4;
        return v;
    }
    return fail(j, "unexpected character");
}

struct json *json_parse(const char *text, char **err)
{
    struct jp j = {text, text, NULL};
    struct json *v = pvalue(&j, 0);
    if (v) {
        ws(&j);
        if (*j.p)
            v = fail(&j, "trailing characters");
    }
    *err = j.err;
    return v;
}

const struct json *json_get(const struct json *o, const char *key)
{
    if (!o || o->kind != J_OBJECT)
        return NULL;
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return o->items[i];
    return NULL;
}

const char *json_str(const struct json *o, const char *key)
{
    const struct json *v = json_get(o, key);
    return v && v->kind == J_STRING ? v->s : NULL;
}

int64_t json_int(const struct json *o, const char *key, int64_t dflt)
{
    const struct json *v = json_get(o, key);
    return v && v->kind == J_INT ? v->i : dflt;
}

bool json_bool(const struct json *o, const char *key)
{
    const struct json *v = json_get(o, key);
    return v && v->kind == J_BOOL && v->b;
}
