/*
 * Diagnostics, C string output and allocation helpers shared by the parser, the emitter and the
 * tool. Allocation failure ends the host tool: there is no partial result worth keeping, and the
 * output file is only renamed into place after a complete write.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hostlib/diag.h"
#include "initcfg.h"

static _Noreturn void out_of_memory(void)
{
    host_out_of_memory("einit-compile");
}

void *initcfg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        out_of_memory();
    return p;
}

void *initcfg_xrealloc(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        out_of_memory();
    size_t bytes = n * size;
    void *q = realloc(p, bytes != 0 ? bytes : 1);
    if (q == NULL)
        out_of_memory();
    return q;
}

char *initcfg_xstrdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        out_of_memory();
    return d;
}

void initcfg_diag_add(struct initcfg_diags *diags, struct initcfg_pos pos, const char *fmt, ...)
{
    if (diags->count == diags->cap) {
        diags->cap = diags->cap ? diags->cap * 2 : 8;
        diags->items = initcfg_xrealloc(diags->items, diags->cap, sizeof(*diags->items));
    }
    struct initcfg_diag *d = &diags->items[diags->count++];
    d->pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof(d->message), fmt, ap);
    va_end(ap);
}

void initcfg_diags_free(struct initcfg_diags *diags)
{
    free(diags->items);
    diags->items = NULL;
    diags->count = diags->cap = 0;
}

void initcfg_diags_print(FILE *f, const char *filename, const struct initcfg_diags *diags)
{
    for (size_t i = 0; i < diags->count; i++)
        host_diag_at(f, filename, (int)diags->items[i].pos.line, (int)diags->items[i].pos.column,
                     "error", "%s", diags->items[i].message);
}

void initcfg_put_c_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '?')
            fputs("\\?", f); /* never form a trigraph */
        else if (*p >= 0x20 && *p < 0x7f)
            fputc(*p, f);
        else
            fprintf(f, "\\%03o", *p); /* three digits: the escape ends here, whatever follows */
    }
    fputc('"', f);
}
