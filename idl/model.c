/* Lookups over the model and the growable-array helper. */
#include "model.h"

#include <string.h>

#include "diag.h"

void *vec_push(void *pp, int *n, size_t elem)
{
    void **p = pp;
    /* Capacity is the next power of two >= n: grow when n reaches it. */
    int cap = 1;
    while (cap < *n)
        cap *= 2;
    if (*p == NULL || *n == cap)
        *p = xrealloc(*p, elem * (size_t)(*n == 0 ? 1 : cap * 2));
    void *slot = (char *)*p + elem * (size_t)*n;
    memset(slot, 0, elem);
    (*n)++;
    return slot;
}

struct package *model_find_package(struct model *m, const char *name)
{
    for (int i = 0; i < m->npkgs; i++)
        if (strcmp(m->pkgs[i]->name, name) == 0)
            return m->pkgs[i];
    return NULL;
}

struct unit *model_find_unit(struct model *m, const char *name)
{
    for (int i = 0; i < m->nunits; i++)
        if (strcmp(m->units[i]->name, name) == 0)
            return m->units[i];
    return NULL;
}

struct decl *package_find_decl(struct package *p, const char *name)
{
    for (int i = 0; i < p->ndecls; i++)
        if (strcmp(p->decls[i]->name, name) == 0)
            return p->decls[i];
    return NULL;
}

const struct type *type_strip(const struct type *t)
{
    while (t->kind == TY_NAMED && t->decl && t->decl->kind == D_TYPEDEF)
        t = t->decl->type;
    return t;
}

enum wire_kind type_wire_kind(const struct type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_HANDLE: return WK_HANDLE;
    case TY_STRING: return WK_STRING;
    case TY_BYTES: return WK_SEQ;
    case TY_SEQ: return type_strip(t->elem)->kind == TY_STRING ? WK_SEQSTR : WK_SEQ;
    default: return WK_PLAIN;
    }
}
