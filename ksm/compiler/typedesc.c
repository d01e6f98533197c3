/* Reads idlc's JSON type description into the model pslc resolves names against. */
#include "typedesc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static const struct json *arr(const struct json *o, const char *k)
{
    const struct json *v = json_get(o, k);
    return v && v->kind == J_ARRAY ? v : NULL;
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

const struct json *td_struct(const struct typedesc *td, const char *name)
{
    for (int hops = 0; hops < 16 && name; hops++) {
        const struct json *t = NULL;
        for (int i = 0; i < td->ntypes && !t; i++)
            if (!strcmp(json_str(td->types[i], "name") ? json_str(td->types[i], "name") : "", name))
                t = td->types[i];
        if (!t)
            return NULL;
        const char *kind = json_str(t, "kind");
        if (kind && !strcmp(kind, "struct"))
            return t;
        if (!kind || strcmp(kind, "typedef"))
            return NULL;
        name = json_str(t, "type");
    }
    return NULL;
}

int td_load_text(struct typedesc *td, const char *name, const char *text)
{
    char *err = NULL;
    struct json *root = json_parse(text, &err);
    if (!root) {
        fprintf(stderr, "%s: error: invalid JSON: %s\n", name, err);
        return -1;
    }
    const char *fmt = json_str(root, "format");
    if (!fmt || strcmp(fmt, "bastion-typedesc")) {
        fprintf(stderr, "%s: error: not a bastion-typedesc file\n", name);
        return -1;
    }
    const struct json *a;
    if ((a = arr(root, "types")))
        for (int i = 0; i < a->n; i++) {
            td->types = psl_realloc(td->types, sizeof *td->types * (size_t)(td->ntypes + 1));
            td->types[td->ntypes++] = a->items[i];
        }
    if ((a = arr(root, "interfaces"))) {
        td->ifaces = psl_realloc(td->ifaces, sizeof *td->ifaces * (size_t)(td->nifaces + a->n));
        for (int i = 0; i < a->n; i++) {
            const struct json *ji = a->items[i];
            const char *nm = json_str(ji, "name");
            if (!nm || td_iface(td, nm))
                continue; /* the same package from two descriptions is the same interface */
            struct td_iface *it = psl_alloc(sizeof *it);
            td->ifaces[td->nifaces++] = it;
            it->name = nm;
            const struct json *ms = arr(ji, "methods");
            it->nmethods = ms ? ms->n : 0;
            it->methods = psl_alloc(sizeof *it->methods * (size_t)(it->nmethods + 1));
            for (int m = 0; m < it->nmethods; m++) {
                const struct json *jm = ms->items[m];
                struct td_method *mt = &it->methods[m];
                mt->name = json_str(jm, "name") ? json_str(jm, "name") : "";
                static const char *const parts[] = {"request", "response", "error"};
                for (int p = 0; p < 3; p++)
                    mt->fixed_size[p] = (uint32_t)json_int(json_get(jm, parts[p]), "fixed_size", 0);
                const struct json *ps = arr(jm, "params");
                mt->nparams = ps ? ps->n : 0;
                mt->params = psl_alloc(sizeof *mt->params * (size_t)(mt->nparams + 1));
                for (int q = 0; q < mt->nparams; q++) {
                    const struct json *jp = ps->items[q];
                    struct td_param *pp = &mt->params[q];
                    pp->name = json_str(jp, "name") ? json_str(jp, "name") : "";
                    pp->kind = json_str(jp, "kind") ? json_str(jp, "kind") : "";
                    pp->type = json_str(jp, "type") ? json_str(jp, "type") : "";
                    const char *dir = json_str(jp, "dir");
                    pp->dir = !dir ? TD_IN : !strcmp(dir, "out") ? TD_OUT : !strcmp(dir, "error") ? TD_ERR : TD_IN;
                    pp->offset = (uint32_t)json_int(jp, "offset", 0);
                    pp->size = (uint32_t)json_int(jp, "size", 0);
                    pp->is_signed = json_bool(jp, "signed");
                }
            }
        }
    }
    if ((a = arr(root, "classes"))) {
        td->classes = psl_realloc(td->classes, sizeof *td->classes * (size_t)(td->nclasses + a->n));
        for (int i = 0; i < a->n; i++) {
            const struct json *jc = a->items[i];
            const char *nm = json_str(jc, "name");
            if (!nm || td_class(td, nm))
                continue;
            struct td_class *c = psl_alloc(sizeof *c);
            td->classes[td->nclasses++] = c;
            c->name = nm;
            const struct json *eps = arr(jc, "endpoints");
            c->nendpoints = eps ? eps->n : 0;
            c->endpoints = psl_alloc(sizeof *c->endpoints * (size_t)(c->nendpoints + 1));
            for (int e = 0; e < c->nendpoints; e++) {
                const struct json *je = eps->items[e];
                int id = (int)json_int(je, "id", e);
                if (id != e) {
                    fprintf(stderr, "%s: error: class %s: endpoint ids are not 0..n-1 in order\n", name, nm);
                    return -1;
                }
                c->endpoints[e].name = json_str(je, "name") ? json_str(je, "name") : "";
                const char *in = json_str(je, "interface");
                c->endpoints[e].iface = in ? td_iface(td, in) : NULL;
                if (!c->endpoints[e].iface) {
                    fprintf(stderr, "%s: error: class %s: endpoint %s: interface %s is not described\n", name, nm,
                            c->endpoints[e].name, in ? in : "(none)");
                    return -1;
                }
            }
            const char *sec = json_str(jc, "security");
            c->security = sec ? td_iface(td, sec) : NULL;
        }
    }
    return 0;
}

int td_load_file(struct typedesc *td, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: error: cannot open type description\n", path);
        return -1;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0, r;
    do {
        if (n + 4096 + 1 > cap) {
            cap = (n + 4096 + 1) * 2;
            buf = psl_realloc(buf, cap);
        }
        r = fread(buf + n, 1, 4096, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = 0;
    return td_load_text(td, path, buf);
}
