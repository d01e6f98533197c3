/* Reads idlc's JSON type description into the model pslc resolves names against. */
#include "typedesc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hostlib/diag.h"
#include "hostlib/textfile.h"

static const struct json *arr(const struct json *o, const char *k)
{
    const struct json *v = json_get(o, k);
    return v && v->kind == JSON_ARRAY ? v : NULL;
}

const struct td_iface *td_iface(const struct typedesc *td, const char *name)
{
    for (int i = 0; i < td->nifaces; i++)
        if (!strcmp(td->ifaces[i]->name, name))
            return td->ifaces[i];
    return NULL;
}

const struct td_class *td_class(const struct typedesc *td, const char *name)
{
    for (int i = 0; i < td->nclasses; i++)
        if (!strcmp(td->classes[i]->name, name))
            return td->classes[i];
    return NULL;
}

const struct td_method *td_method(const struct td_iface *i, const char *name, int *id)
{
    for (int m = 0; m < i->nmethods; m++)
        if (!strcmp(i->methods[m].name, name)) {
            if (id)
                *id = m;
            return &i->methods[m];
        }
    return NULL;
}

static const struct json *td_named(const struct typedesc *td, const char *name, const char *want)
{
    for (int hops = 0; hops < 16 && name; hops++) {
        const struct json *t = NULL;
        for (int i = 0; i < td->ntypes && !t; i++)
            if (!strcmp(json_get_string(td->types[i], "name") ? json_get_string(td->types[i], "nam"
                                                                                              "e")
                                                              : "",
                        name))
                t = td->types[i];
        if (!t)
            return NULL;
        const char *kind = json_get_string(t, "kind");
        if (kind && !strcmp(kind, want))
            return t;
        if (!kind || strcmp(kind, "typedef"))
            return NULL;
        name = json_get_string(t, "type");
    }
    return NULL;
}

static const struct json *component(const struct typedesc *td, const char *name)
{
    for (int i = td->ncomponents - 1; i >= 0; i--)
        if (name && json_get_string(td->components[i], "name") &&
            !strcmp(json_get_string(td->components[i], "name"), name))
            return td->components[i];
    return NULL;
}

/* Records in the endpoints of c below the instance path `prefix` (depth d, its CDL names in
 * stack[0..d]) the components they lie in. idlc bounds nesting, and so does this (64). */
static void place_components(const struct typedesc *td, struct td_class *c, const char *prefix,
                             const struct json *instances, const char **stack, int d)
{
    for (size_t i = 0; d < 64 && i < json_len(instances); i++) {
        const struct json *ji = json_at(instances, i);
        const char *inst = json_get_string(ji, "name"), *type = json_get_string(ji, "component");
        if (!inst || !type)
            continue;
        char *path = prefix ? psl_fmt("%s.%s", prefix, inst) : psl_strdup(inst);
        size_t len = strlen(path);
        stack[d] = type;
        for (int e = 0; e < c->nendpoints; e++) {
            struct td_endpoint *ep = &c->endpoints[e];
            if (strncmp(ep->name, path, len) || ep->name[len] != '.' || ep->ncomps != d)
                continue;
            ep->comps = psl_alloc(sizeof *ep->comps * (size_t)(d + 1));
            memcpy(ep->comps, stack, sizeof *ep->comps * (size_t)(d + 1));
            ep->ncomps = d + 1;
        }
        const struct json *def = component(td, type);
        if (def && arr(def, "components"))
            place_components(td, c, path, arr(def, "components"), stack, d + 1);
    }
}

const struct json *td_struct(const struct typedesc *td, const char *name)
{
    return td_named(td, name, "struct");
}

const struct json *td_union(const struct typedesc *td, const char *name)
{
    return td_named(td, name, "union");
}

int td_load_text(struct typedesc *td, const char *name, const char *text)
{
    char err[200];
    struct json *root = json_parse(psl_arena(), text, strlen(text), err, sizeof err);
    if (!root) {
        host_diag_in(stderr, name, "error", "invalid JSON: %s", err);
        return -1;
    }
    const char *fmt = json_get_string(root, "format");
    if (!fmt || strcmp(fmt, "bastion-typedesc")) {
        host_diag_in(stderr, name, "error", "not a bastion-typedesc file");
        return -1;
    }
    const struct json *a;
    if ((a = arr(root, "types")))
        for (size_t i = 0; i < json_len(a); i++) {
            td->types = psl_realloc(td->types, sizeof *td->types * (size_t)(td->ntypes + 1));
            td->types[td->ntypes++] = json_at(a, i);
        }
    if ((a = arr(root, "components")))
        for (size_t i = 0; i < json_len(a); i++) {
            td->components =
                psl_realloc(td->components, sizeof *td->components * (size_t)(td->ncomponents + 1));
            td->components[td->ncomponents++] = json_at(a, i);
        }
    if ((a = arr(root, "interfaces"))) {
        td->ifaces = psl_realloc(td->ifaces, sizeof *td->ifaces * (td->nifaces + json_len(a)));
        for (size_t i = 0; i < json_len(a); i++) {
            const struct json *ji = json_at(a, i);
            const char *nm = json_get_string(ji, "name");
            if (!nm || td_iface(td, nm))
                continue; /* the same package from two descriptions is the same interface */
            struct td_iface *it = psl_alloc(sizeof *it);
            td->ifaces[td->nifaces++] = it;
            it->name = nm;
            const struct json *ms = arr(ji, "methods");
            it->nmethods = (int)json_len(ms);
            it->methods = psl_alloc(sizeof *it->methods * (size_t)(it->nmethods + 1));
            for (int m = 0; m < it->nmethods; m++) {
                const struct json *jm = json_at(ms, (size_t)m);
                struct td_method *mt = &it->methods[m];
                mt->name = json_get_string(jm, "name") ? json_get_string(jm, "name") : "";
                static const char *const parts[] = {"request", "response", "error"};
                for (int p = 0; p < 3; p++)
                    mt->fixed_size[p] =
                        (uint32_t)json_get_int(json_get(jm, parts[p]), "fixed_size", 0);
                const struct json *ps = arr(jm, "params");
                mt->nparams = (int)json_len(ps);
                mt->params = psl_alloc(sizeof *mt->params * (size_t)(mt->nparams + 1));
                for (int q = 0; q < mt->nparams; q++) {
                    const struct json *jp = json_at(ps, (size_t)q);
                    struct td_param *pp = &mt->params[q];
                    pp->name = json_get_string(jp, "name") ? json_get_string(jp, "name") : "";
                    pp->kind = json_get_string(jp, "kind") ? json_get_string(jp, "kind") : "";
                    pp->type = json_get_string(jp, "type") ? json_get_string(jp, "type") : "";
                    const char *dir = json_get_string(jp, "dir");
                    pp->dir = !dir                    ? TD_IN
                              : !strcmp(dir, "out")   ? TD_OUT
                              : !strcmp(dir, "error") ? TD_ERR
                                                      : TD_IN;
                    pp->offset = (uint32_t)json_get_int(jp, "offset", 0);
                    pp->size = (uint32_t)json_get_int(jp, "size", 0);
                    pp->is_signed = json_get_bool(jp, "signed");
                }
            }
        }
    }
    if ((a = arr(root, "classes"))) {
        td->classes = psl_realloc(td->classes, sizeof *td->classes * (td->nclasses + json_len(a)));
        for (size_t i = 0; i < json_len(a); i++) {
            const struct json *jc = json_at(a, i);
            const char *nm = json_get_string(jc, "name");
            if (!nm || td_class(td, nm))
                continue;
            struct td_class *c = psl_alloc(sizeof *c);
            td->classes[td->nclasses++] = c;
            c->name = nm;
            const struct json *eps = arr(jc, "endpoints");
            c->nendpoints = (int)json_len(eps);
            c->endpoints = psl_alloc(sizeof *c->endpoints * (size_t)(c->nendpoints + 1));
            for (int e = 0; e < c->nendpoints; e++) {
                const struct json *je = json_at(eps, (size_t)e);
                int id = (int)json_get_int(je, "id", e);
                if (id != e) {
                    host_diag_in(stderr, name, "error",
                                 "class %s: endpoint ids are not 0..n-1 in order", nm);
                    return -1;
                }
                c->endpoints[e].name =
                    json_get_string(je, "name") ? json_get_string(je, "name") : "";
                const char *in = json_get_string(je, "interface");
                c->endpoints[e].iface = in ? td_iface(td, in) : NULL;
                if (!c->endpoints[e].iface) {
                    host_diag_in(stderr, name, "error",
                                 "class %s: endpoint %s: interface %s is not described", nm,
                                 c->endpoints[e].name, in ? in : "(none)");
                    return -1;
                }
            }
            const char *sec = json_get_string(jc, "security");
            c->security = sec ? td_iface(td, sec) : NULL;
            const char *stack[64];
            if (arr(jc, "components"))
                place_components(td, c, NULL, arr(jc, "components"), stack, 0);
        }
    }
    return 0;
}

int td_load_file(struct typedesc *td, const char *path)
{
    char *buf = host_read_file(psl_arena(), path, NULL);
    if (!buf) {
        host_diag_in(stderr, path, "error", "cannot open type description");
        return -1;
    }
    return td_load_text(td, path, buf);
}

int td_int_elements(const char *kind, const char *type, uint32_t *size, bool *is_signed,
                    uint32_t *count)
{
    unsigned bits = 8, n = 0;
    char sg = 'U';
    int ok;
    if (!strcmp(kind, "bytes"))
        ok = sscanf(type, "bytes<%u>", &n) == 1;
    else if (!strcmp(kind, "sequence") || !strcmp(kind, "array"))
        ok = sscanf(type, "%*[a-z]<%cInt%u, %u>", &sg, &bits, &n) == 3;
    else
        ok = 0;
    if (!ok || (sg != 'U' && sg != 'S') || (bits != 8 && bits != 16 && bits != 32 && bits != 64) ||
        n == 0)
        return -1;
    *size = bits / 8;
    *is_signed = sg == 'S';
    *count = n;
    return 0;
}

const struct json *td_struct_elements(const struct typedesc *td, const char *kind, const char *type,
                                      uint32_t *size, uint32_t *align, uint32_t *count)
{
    char name[256];
    unsigned n = 0;
    if (!(!strcmp(kind, "sequence") && sscanf(type, "sequence<%255[^,], %u>", name, &n) == 2) &&
        !(!strcmp(kind, "array") && sscanf(type, "array<%255[^,], %u>", name, &n) == 2))
        return NULL;
    if (n == 0)
        return NULL;
    const struct json *st = td_struct(td, name);
    if (!st)
        st = td_union(td, name); /* its kind says which: read through element_field */
    int64_t sz = st ? json_get_int(st, "size", 0) : 0, al = st ? json_get_int(st, "align", 1) : 1;
    if (!st || sz <= 0 || sz > 65535 || al <= 0 || al > 8)
        return NULL;
    *size = (uint32_t)sz;
    *align = (uint32_t)al;
    *count = n;
    return st;
}

int td_nested_seq_elements(const char *kind, const char *type, char ekind[16], char etype[256],
                           uint32_t *count)
{
    size_t klen = strlen(kind), tlen = strlen(type);
    if ((strcmp(kind, "sequence") && strcmp(kind, "array")) || strncmp(type, kind, klen) ||
        type[klen] != '<' || tlen < klen + 2 || type[tlen - 1] != '>')
        return -1;
    const char *in = type + klen + 1, *comma = strrchr(type, ',');
    unsigned n = 0;
    char end = 0;
    if (!comma || comma < in || (size_t)(comma - in) >= 256 ||
        sscanf(comma, ", %u%c", &n, &end) != 2 || end != '>' || n == 0)
        return -1;
    memcpy(etype, in, (size_t)(comma - in));
    etype[comma - in] = 0;
    if (!strncmp(etype, "sequence<", 9))
        strcpy(ekind, "sequence");
    else if (!strncmp(etype, "bytes<", 6))
        strcpy(ekind, "bytes");
    else if (!strncmp(etype, "array<", 6))
        strcpy(ekind, "array"); /* in place in each element: element_size = length * size */
    else
        return -1;
    *count = n;
    return 0;
}
