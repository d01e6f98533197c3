/*
 * TSV reader for the kl.core method list. Each line is split on tabs into exactly 7 columns
 * (the danger column may be empty); a malformed line is an error, never skipped, so that a
 * damaged spec cannot make the completeness test pass by checking less.
 */
#include "spec_tsv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_COLUMNS 7

static const char *const header[SPEC_COLUMNS] = {
    "interface", "endpoint", "method", "parameters", "potentially_dangerous", "purpose", "danger",
};

static void set_err(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "line %zu: ", line);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Splits "[in] a, [out] rc" into params. Returns 0 or -1 (message in err). */
static int parse_params(struct spec_method *m, const char *s, char *err, size_t errlen)
{
    size_t cap = 0;
    while (*s) {
        const char *dir;
        size_t skip;
        if (strncmp(s, "[in] ", 5) == 0) {
            dir = "in";
            skip = 5;
        } else if (strncmp(s, "[out] ", 6) == 0) {
            dir = "out";
            skip = 6;
        } else {
            set_err(err, errlen, m->line, "parameter must start with [in] or [out]: '%s'", s);
            return -1;
        }
        s += skip;
        size_t n = strcspn(s, ",");
        if (n == 0) {
            set_err(err, errlen, m->line, "parameter without a name");
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                set_err(err, errlen, m->line, "bad character '%c' in a parameter name", c);
                return -1;
            }
        }
        if (m->nparams == cap) {
            cap = cap ? cap * 2 : 8;
            struct spec_param *p = realloc(m->params, cap * sizeof *p);
            if (!p) {
                set_err(err, errlen, m->line, "out of memory");
                return -1;
            }
            m->params = p;
        }
        struct spec_param *p = &m->params[m->nparams];
        p->name = dup_range(s, n);
        p->dir = dup_range(dir, strlen(dir));
        if (!p->name || !p->dir) {
            free(p->name);
            free(p->dir);
            set_err(err, errlen, m->line, "out of memory");
            return -1;
        }
        m->nparams++;
        s += n;
        if (*s == ',') {
            if (s[1] != ' ') {
                set_err(err, errlen, m->line, "parameters must be separated by ', '");
                return -1;
            }
            s += 2;
        }
    }
    if (m->nparams == 0) {
        set_err(err, errlen, m->line, "method without parameters");
        return -1;
    }
    return 0;
}

static void method_free(struct spec_method *m)
{
    for (size_t i = 0; i < m->nparams; i++) {
        free(m->params[i].name);
        free(m->params[i].dir);
    }
    free(m->params);
    free(m->interface);
    free(m->endpoint);
    free(m->method);
    free(m->purpose);
    free(m->danger);
}

int spec_parse(const char *text, size_t len, struct spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0, line = 0, pos = 0;
    int have_header = 0;
    while (pos < len) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n')
            eol++;
        line++;
        size_t end = eol;
        if (end > pos && text[end - 1] == '\r')
            end--;
        const char *col[SPEC_COLUMNS];
        size_t colLen[SPEC_COLUMNS], ncol = 0;
        size_t c = pos;
        int too_many = 0;
        for (;;) {
            size_t t = c;
            while (t < end && text[t] != '\t')
                t++;
            if (ncol == SPEC_COLUMNS) {
                too_many = 1;
                break;
            }
            col[ncol] = text + c;
            colLen[ncol] = t - c;
            ncol++;
            if (t >= end)
                break;
            c = t + 1;
        }
        pos = eol + 1;
        if (ncol == 1 && colLen[0] == 0)
            continue; /* empty line */
        if (too_many || ncol != SPEC_COLUMNS) {
            set_err(err, errlen, line, "expected %d tab-separated columns", SPEC_COLUMNS);
            goto bad;
        }
        if (!have_header) {
            have_header = 1;
            for (size_t i = 0; i < SPEC_COLUMNS; i++)
                if (colLen[i] != strlen(header[i]) || memcmp(col[i], header[i], colLen[i]) != 0) {
                    set_err(err, errlen, line, "header column %zu must be '%s'", i + 1, header[i]);
                    goto bad;
                }
            continue;
        }
        if (out->count == cap) {
            cap = cap ? cap * 2 : 64;
            struct spec_method *ms = realloc(out->methods, cap * sizeof *ms);
            if (!ms) {
                set_err(err, errlen, line, "out of memory");
                goto bad;
            }
            out->methods = ms;
        }
        struct spec_method *m = &out->methods[out->count];
        memset(m, 0, sizeof *m);
        m->line = line;
        out->count++;
        m->interface = dup_range(col[0], colLen[0]);
        m->endpoint = dup_range(col[1], colLen[1]);
        m->method = dup_range(col[2], colLen[2]);
        char *params = dup_range(col[3], colLen[3]);
        m->purpose = dup_range(col[5], colLen[5]);
        m->danger = dup_range(col[6], colLen[6]);
        if (!m->interface || !m->endpoint || !m->method || !params || !m->purpose || !m->danger) {
            free(params);
            set_err(err, errlen, line, "out of memory");
            goto bad;
        }
        if (!*m->interface || !*m->endpoint || !*m->method) {
            free(params);
            set_err(err, errlen, line, "empty interface, endpoint or method");
            goto bad;
        }
        if (colLen[4] == 3 && memcmp(col[4], "yes", 3) == 0) {
            m->dangerous = 1;
        } else if (colLen[4] == 2 && memcmp(col[4], "no", 2) == 0) {
            m->dangerous = 0;
        } else {
            free(params);
            set_err(err, errlen, line, "potentially_dangerous must be yes or no");
            goto bad;
        }
        int rc = parse_params(m, params, err, errlen);
        free(params);
        if (rc)
            goto bad;
    }
    if (!have_header) {
        set_err(err, errlen, line ? line : 1, "no header line");
        goto bad;
    }
    return 0;
bad:
    spec_free(out);
    return -1;
}

void spec_free(struct spec *spec)
{
    for (size_t i = 0; i < spec->count; i++)
        method_free(&spec->methods[i]);
    free(spec->methods);
    spec->methods = NULL;
    spec->count = 0;
}
