/* Text buffers and the temp-file-then-rename commit of all outputs (output.h). */
#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

struct out_file {
    char *path;
    struct sbuf *content;
};
static struct out_file *outs;
static int nouts;

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->n + (size_t)n + 1 > cap)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->n += (size_t)n;
}

void sb_json_string(struct sbuf *b, const char *s)
{
    if (!s) {
        sb_printf(b, "null");
        return;
    }
    sb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c == '\n')
            sb_printf(b, "\\n");
        else if (c == '\t')
            sb_printf(b, "\\t");
        else if (c < 0x20)
            sb_printf(b, "\\u%04x", c);
        else
            sb_printf(b, "%c", c);
    }
    sb_printf(b, "\"");
}

void output_add(const char *path, struct sbuf *content)
{
    struct out_file *o = VEC_PUSH(outs, nouts);
    o->path = xstrdup(path);
    o->content = content;
}

void output_reset(void)
{
    outs = NULL;
    nouts = 0;
}

static void make_parent_dirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            diag_fatal("cannot create directory '%s': %s", p, strerror(errno));
        *s = '/';
    }
}

void output_commit(void)
{
    char **tmps = xalloc(sizeof(char *) * (size_t)(nouts + 1));
    int written = 0;
    for (int i = 0; i < nouts; i++) {
        make_parent_dirs(outs[i].path);
        tmps[i] = xprintf("%s.tmp%ld", outs[i].path, (long)getpid());
        FILE *f = fopen(tmps[i], "wb");
        bool ok = f && fwrite(outs[i].content->s ? outs[i].content->s : "", 1, outs[i].content->n,
                              f) == outs[i].content->n;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok) {
            int err = errno;
            for (int j = 0; j <= i; j++)
                remove(tmps[j]);
            diag_fatal("cannot write '%s': %s", outs[i].path, strerror(err));
        }
        written++;
    }
    for (int i = 0; i < written; i++) {
        if (rename(tmps[i], outs[i].path) != 0) {
            int err = errno;
            for (int j = i; j < written; j++)
                remove(tmps[j]);
            diag_fatal("cannot rename to '%s': %s", outs[i].path, strerror(err));
        }
    }
    output_reset();
}
