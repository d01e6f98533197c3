/*
 * The machine-readable type description (format: /work/plan/typedesc.md, docs/idl-languages.md):
 * every constant, type, interface, method and parameter with its offset and size in the
 * fixed part, and every class's endpoints with their ids. The policy compiler resolves
 * `message.field` with it; tests drive round trips with it.
 */
#include <string.h>

#include "diag.h"
#include "gen.h"
#include "output.h"
#include "resolve.h"
#include "runtime/bastion_idl.h"

/* The type as written, e.g. "string<256>", "sequence<DmaFrame, 16>", "Retcode", appended
 * to one buffer so that nested arrays cost time linear in the text's length. */
static void type_text_to(struct sbuf *b, const struct type *t)
{
    switch (t->kind) {
    case TY_INT:
        sb_printf(b, "%s", t->int_name);
        return;
    case TY_HANDLE:
        sb_printf(b, "Handle");
        return;
    case TY_STRING:
        sb_printf(b, "string<%llu>", (unsigned long long)t->bound);
        return;
    case TY_BYTES:
        sb_printf(b, "bytes<%llu>", (unsigned long long)t->bound);
        return;
    case TY_SEQ:
    case TY_ARRAY:
        sb_printf(b, "%s<", t->kind == TY_SEQ ? "sequence" : "array");
        type_text_to(b, t->elem); /* depth bounded by the parser */
        sb_printf(b, ", %llu>", (unsigned long long)t->bound);
        return;
    case TY_NAMED:
        sb_printf(b, "%s", t->decl->qname);
        return;
    }
}

static char *type_text(const struct type *t)
{
    struct sbuf b = {0};
    type_text_to(&b, t);
    return b.s;
}

static const char *type_kind(const struct type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case TY_INT:
        return "scalar";
    case TY_HANDLE:
        return "handle";
    case TY_STRING:
        return "string";
    case TY_BYTES:
        return "bytes";
    case TY_SEQ:
        return "sequence";
    case TY_ARRAY:
        return "array";
    case TY_NAMED:
        return t->decl->kind == D_UNION ? "union" : "struct";
    }
    return "?";
}

static void emit_type_extras(struct sbuf *b, const struct type *t)
{
    const struct type *s = type_strip(t);
    if (s->kind == TY_INT)
        sb_printf(b, ", \"signed\": %s", s->is_signed ? "true" : "false");
    if (s->kind == TY_ARRAY)
        sb_printf(b, ", \"element_type\": \"%s\", \"count\": %llu", type_text(s->elem),
                  (unsigned long long)s->bound);
}

static void emit_decl(struct sbuf *b, const struct decl *d, bool first)
{
    sb_printf(b, "%s\n    { \"name\": \"%s\", ", first ? "" : ",", d->qname);
    switch (d->kind) {
    case D_TYPEDEF:
        sb_printf(b,
                  "\"kind\": \"typedef\", \"type\": \"%s\", \"resolved_kind\": \"%s\", \"size\": "
                  "%u, \"align\": %u",
                  type_text(d->type), type_kind(d->type), d->size, d->align);
        emit_type_extras(b, d->type);
        break;
    case D_STRUCT:
    case D_UNION:
        sb_printf(b, "\"kind\": \"%s\", \"size\": %u, \"align\": %u",
                  d->kind == D_STRUCT ? "struct" : "union", d->size, d->align);
        if (d->kind == D_UNION)
            sb_printf(b, ", \"tag_offset\": 0, \"payload_offset\": %u", d->payload_offset);
        sb_printf(b, ", \"fields\": [");
        for (int i = 0; i < d->nfields; i++) {
            const struct field *f = &d->fields[i];
            uint32_t size, align; /* a string, bytes or sequence: its arena descriptor */
            type_wire_layout(f->type, &size, &align);
            sb_printf(b, "%s\n        { \"name\": \"%s\", ", i ? "," : "", f->name);
            if (d->kind == D_UNION)
                sb_printf(b, "\"tag\": %d, ", i);
            sb_printf(b, "\"type\": \"%s\", \"kind\": \"%s\", \"offset\": %u, \"size\": %u",
                      type_text(f->type), type_kind(f->type), f->offset, size);
            emit_type_extras(b, f->type);
            const struct type *s = type_strip(f->type);
            if (s->kind == TY_STRING || s->kind == TY_BYTES || s->kind == TY_SEQ)
                sb_printf(b, ", \"bound\": %llu", (unsigned long long)s->bound);
            sb_printf(b, " }");
        }
        sb_printf(b, " ]");
        break;
    case D_CONST:
        break;
    }
    if (d->doc) {
        sb_printf(b, ", \"doc\": ");
        sb_json_string(b, d->doc);
    }
    sb_printf(b, " }");
}

static void emit_param(struct sbuf *b, const struct param *p, bool first)
{
    static const char *const dirs[] = {"in", "out", "error"};
    sb_printf(b,
              "%s\n            { \"name\": \"%s\", \"dir\": \"%s\", \"type\": \"%s\", \"kind\": "
              "\"%s\", "
              "\"offset\": %u, \"size\": %u",
              first ? "" : ",", p->name, dirs[p->dir], type_text(p->type), type_kind(p->type),
              p->offset, p->size);
    emit_type_extras(b, p->type);
    if (p->wk == WK_STRING || p->wk == WK_SEQ || p->wk == WK_SEQSTR || p->wk == WK_SEQNEST) {
        uint32_t es, ea, bd, sbd;
        param_arena_elem(p, &es, &ea, &bd, &sbd);
        const struct type *t = type_strip(p->type);
        const char *et = p->wk == WK_STRING || t->kind == TY_BYTES ? "UInt8" : type_text(t->elem);
        sb_printf(b,
                  ", \"bound\": %u, \"arena\": { \"element_type\": \"%s\", \"element_size\": %u, "
                  "\"element_align\": %u, \"max_count\": %u, \"terminated\": %s",
                  bd, et, es, ea, p->wk == WK_STRING ? bd + 1 : bd,
                  p->wk == WK_STRING ? "true" : "false");
        if (p->wk == WK_SEQSTR)
            sb_printf(b, ", \"string_bound\": %u", sbd);
        if (p->wk == WK_SEQNEST) /* each element's descriptors point elsewhere in the arena */
            sb_printf(b, ", \"nested\": true");
        sb_printf(b, " }");
    }
    sb_printf(b, " }");
}

void gen_json(struct model *m, const char *path)
{
    struct sbuf *b = xalloc(sizeof *b);
    sb_printf(b, "{\n  \"format\": \"bastion-typedesc\", \"version\": 1,\n");
    sb_printf(b,
              "  \"limits\": { \"header_size\": %u, \"message_max\": %u, \"handles_max\": %u },\n",
              IDL_HEADER_SIZE, IDL_MESSAGE_MAX, IDL_HANDLES_MAX);

    sb_printf(b, "  \"constants\": [");
    bool first = true;
    for (int i = 0; i < m->npkgs; i++)
        for (int j = 0; j < m->pkgs[i]->ndecls; j++) {
            struct decl *d = m->pkgs[i]->decls[j];
            if (d->kind != D_CONST)
                continue;
            sb_printf(b, "%s\n    { \"name\": \"%s\", \"type\": \"%s\", \"value\": %lld",
                      first ? "" : ",", d->qname, type_text(d->type), (long long)d->value);
            if (d->doc) {
                sb_printf(b, ", \"doc\": ");
                sb_json_string(b, d->doc);
            }
            sb_printf(b, " }");
            first = false;
        }
    sb_printf(b, " ],\n  \"types\": [");
    first = true;
    for (int i = 0; i < m->npkgs; i++)
        for (int j = 0; j < m->pkgs[i]->ndecls; j++) {
            struct decl *d = m->pkgs[i]->decls[j];
            if (d->kind == D_CONST)
                continue;
            emit_decl(b, d, first);
            first = false;
        }

    sb_printf(b, " ],\n  \"interfaces\": [");
    first = true;
    for (int i = 0; i < m->npkgs; i++) {
        struct package *p = m->pkgs[i];
        if (!p->has_interface)
            continue;
        char *cpre = xstrdup(p->name);
        for (char *c = cpre; *c; c++)
            if (*c == '.')
                *c = '_';
        sb_printf(b, "%s\n    { \"name\": \"%s\", \"file\": ", first ? "" : ",", p->name);
        sb_json_string(b, p->path);
        sb_printf(b, ", \"c_prefix\": \"%s\",\n      \"endpoints\": [", cpre);
        first = false;
        bool efirst = true;
        for (int u = 0; u < m->nunits; u++) {
            if (!m->units[u]->is_class)
                continue;
            struct flat_endpoint *eps;
            int n = unit_endpoints(m->units[u], &eps);
            for (int e = 0; e < n; e++) {
                if (eps[e].pkg != p)
                    continue;
                sb_printf(b, "%s { \"class\": \"%s\", \"name\": \"%s\", \"id\": %d }",
                          efirst ? "" : ",", m->units[u]->name, eps[e].path, e);
                efirst = false;
            }
        }
        sb_printf(b, " ],\n      \"methods\": [");
        for (int k = 0; k < p->nmethods; k++) {
            struct method *mt = &p->methods[k];
            sb_printf(b, "%s\n        { \"id\": %d, \"name\": \"%s\", \"doc\": ", k ? "," : "", k,
                      mt->name);
            sb_json_string(b, mt->doc);
            sb_printf(b, ",\n          \"params\": [");
            for (int q = 0; q < mt->nparams; q++)
                emit_param(b, &mt->params[q], q == 0);
            sb_printf(b, " ]");
            static const char *const parts[] = {"request", "response", "error"};
            for (int part = 0; part < NPARTS; part++)
                sb_printf(b,
                          ",\n          \"%s\": { \"fixed_size\": %u, \"handles\": %u, "
                          "\"arena_max\": %llu }",
                          parts[part], mt->fixed_size[part], mt->handles[part],
                          (unsigned long long)mt->arena_max[part]);
            sb_printf(b, " }");
        }
        sb_printf(b, " ] }");
    }

    for (int pass = 0; pass < 2; pass++) {
        sb_printf(b, " ],\n  \"%s\": [", pass == 0 ? "components" : "classes");
        first = true;
        for (int u = 0; u < m->nunits; u++) {
            struct unit *un = m->units[u];
            if (un->is_class != (pass == 1))
                continue;
            sb_printf(b, "%s\n    { \"name\": \"%s\", \"file\": ", first ? "" : ",", un->name);
            sb_json_string(b, un->path);
            first = false;
            if (un->security)
                sb_printf(b, ", \"security\": \"%s\"", un->security);
            if (pass == 1) {
                struct flat_endpoint *eps;
                int n = unit_endpoints(un, &eps);
                sb_printf(b, ",\n      \"endpoints\": [");
                for (int e = 0; e < n; e++)
                    sb_printf(b,
                              "%s\n        { \"id\": %d, \"name\": \"%s\", \"interface\": \"%s\" }",
                              e ? "," : "", e, eps[e].path, eps[e].pkg->name);
                sb_printf(b, " ]");
            } else {
                sb_printf(b, ",\n      \"endpoints\": [");
                for (int e = 0; e < un->neps; e++)
                    sb_printf(b, "%s { \"name\": \"%s\", \"interface\": \"%s\" }", e ? "," : "",
                              un->eps[e].name, un->eps[e].pkg->name);
                sb_printf(b, " ]");
            }
            sb_printf(b, ",\n      \"components\": [");
            for (int e = 0; e < un->ninsts; e++)
                sb_printf(b, "%s { \"name\": \"%s\", \"component\": \"%s\" }", e ? "," : "",
                          un->insts[e].name, un->insts[e].comp);
            sb_printf(b, " ] }");
        }
    }
    sb_printf(b, " ]\n}\n");
    output_add(path, b);
}
