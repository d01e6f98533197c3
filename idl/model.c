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

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of key, or the empty slot where it would go (cap is a power of two, never full). */
static uint32_t name_slot(const struct name_index *ix, const char *key)
{
    uint32_t i = name_hash(key) & (ix->cap - 1);
    while (ix->keys[i] && strcmp(ix->keys[i], key) != 0)
        i = (i + 1) & (ix->cap - 1);
    return i;
}

void *name_index_get(const struct name_index *ix, const char *key)
{
    if (ix->n == 0)
        return NULL;
    uint32_t i = name_slot(ix, key);
    return ix->keys[i] ? ix->vals[i] : NULL;
}

void name_index_put(struct name_index *ix, const char *key, void *val)
{
    if (2 * (ix->n + 1) > ix->cap) { /* keep at most half full */
        struct name_index big = {0};
        big.cap = ix->cap ? 2 * ix->cap : 16;
        big.keys = xalloc(sizeof *big.keys * big.cap);
        big.vals = xalloc(sizeof *big.vals * big.cap);
        for (uint32_t i = 0; i < ix->cap; i++) {
            if (ix->keys[i]) {
                uint32_t j = name_slot(&big, ix->keys[i]);
                big.keys[j] = ix->keys[i];
                big.vals[j] = ix->vals[i];
                big.n++;
            }
        }
        *ix = big;
    }
    uint32_t i = name_slot(ix, key);
    if (!ix->keys[i]) {
        ix->keys[i] = key;
        ix->n++;
    }
    ix->vals[i] = val;
}

struct package *model_find_package(struct model *m, const char *name)
{
    return name_index_get(&m->pkg_index, name);
}

struct unit *model_find_unit(struct model *m, const char *name)
{
    return name_index_get(&m->unit_index, name);
}

struct decl *package_find_decl(struct package *p, const char *name)
{
    return name_index_get(&p->decl_index, name);
}

const struct type *type_strip(const struct type *t)
{
    while (t->kind == TY_NAMED && t->decl && t->decl->kind == D_TYPEDEF) {
        if (t->decl->stripped)
            return t->decl->stripped;
        t = t->decl->type;
    }
    return t;
}

enum wire_kind type_wire_kind(const struct type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_HANDLE:
        return WK_HANDLE;
    case TY_STRING:
        return WK_STRING;
    case TY_BYTES:
        return WK_SEQ;
    case TY_SEQ:
        if (type_strip(t->elem)->kind == TY_STRING)
            return WK_SEQSTR;
        return type_is_var(t->elem) ? WK_SEQNEST : WK_SEQ;
    default:
        return type_is_var(t) ? WK_NESTED : WK_PLAIN;
    }
}

/* Both walk only the array levels written in place (bounded by the parser); named types
 * carry their answer, computed once by resolve.c. */
bool type_is_var(const struct type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_STRING:
    case TY_BYTES:
    case TY_SEQ:
        return true;
    case TY_ARRAY:
        return type_is_var(t->elem);
    case TY_NAMED:
        return t->decl && t->decl->var;
    default:
        return false;
    }
}

bool type_has_union(const struct type *t)
{
    t = type_strip(t);
    if (t->kind == TY_ARRAY)
        return type_has_union(t->elem);
    return t->kind == TY_NAMED && t->decl && t->decl->has_union;
}

/* Walks only the array/sequence levels written in place (bounded by the parser). */
int type_seq_levels(const struct type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_SEQ: {
        int inner = type_seq_levels(t->elem);
        return type_wire_kind(t) == WK_SEQNEST ? inner + 1 : inner;
    }
    case TY_ARRAY:
        return type_seq_levels(t->elem);
    case TY_NAMED:
        return t->decl ? t->decl->seq_levels : 0;
    default:
        return 0;
    }
}
