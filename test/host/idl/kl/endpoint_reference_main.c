/*
 * endpoint-reference <core-methods.tsv> <typedesc.json> <out.md>
 *
 * Writes the reference of every kl.core endpoint and method (id, parameters with their IDL
 * types, potentially dangerous or not, purpose, danger) as Markdown. Purpose and danger come
 * from the documentation (the TSV); ids and types from idlc's type description, so the page
 * shows what the kernel really accepts. The file is written to <out.md>.tmp and renamed, so a
 * failed run leaves no half-written page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completeness.h"
#include "hostlib/arena.h"
#include "hostlib/json.h"
#include "hostlib/textfile.h"
#include "spec_tsv.h"

/* Markdown table cells must not contain '|' or newlines. */
static void cell(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

static long endpoint_id(const struct json *td, const char *endpoint)
{
    const struct json *cls = json_find(json_get(td, "classes"), "name", CORE_CLASS);
    const struct json *e = json_find(json_get(cls, "endpoints"), "name", endpoint);
    const struct json *id = json_get(e, "id");
    return id && id->kind == JSON_NUMBER ? (long)id->integer : -1;
}

/* Writes a type without package qualifiers: "sequence<kl.core.IO.DmaFrame, 64>" reads as
 * "sequence<DmaFrame, 64>". A qualifier is a run of identifier characters ending in '.'. */
static void write_type(FILE *out, const char *type)
{
    while (*type) {
        size_t n = 0;
        while (type[n] == '_' || (type[n] >= 'a' && type[n] <= 'z') ||
               (type[n] >= 'A' && type[n] <= 'Z') || (type[n] >= '0' && type[n] <= '9') ||
               type[n] == '.')
            n++;
        if (n == 0) {
            fputc(*type++, out);
            continue;
        }
        size_t last = n;
        while (last > 0 && type[last - 1] != '.')
            last--;
        fwrite(type + last, 1, n - last, out);
        type += n;
    }
}

static void write_params(FILE *out, const struct spec_method *m, const struct json *method)
{
    const struct json *params = json_get(method, "params");
    for (size_t i = 0; i < m->nparams; i++) {
        const struct json *p = json_find(params, "name", m->params[i].name);
        const char *type = json_get_string(p, "type");
        fprintf(out, "%s`%s ", i ? ", " : "", m->params[i].dir);
        write_type(out, type ? type : "?");
        fprintf(out, " %s`", m->params[i].name);
    }
}

static void write_interface(FILE *out, const struct spec *spec, size_t first, const struct json *td)
{
    const struct spec_method *m0 = &spec->methods[first];
    const struct json *iface = json_find(json_get(td, "interfaces"), "name", m0->interface);
    fprintf(out, "## %s (%s)\n\n", m0->endpoint, m0->interface);
    fprintf(out, "Endpoint id %ld of %s; IDL: `idl/%s`.\n\n", endpoint_id(td, m0->endpoint),
            CORE_CLASS, json_get_string(iface, "file") ? json_get_string(iface, "file") : "?");
    fputs("| id | method | parameters | potentially dangerous | purpose |\n", out);
    fputs("| --- | --- | --- | --- | --- |\n", out);
    for (size_t i = first; i < spec->count; i++) {
        const struct spec_method *m = &spec->methods[i];
        if (strcmp(m->interface, m0->interface) != 0)
            break;
        const struct json *method = json_find(json_get(iface, "methods"), "name", m->method);
        const struct json *id = json_get(method, "id");
        if (id && id->kind == JSON_NUMBER)
            fprintf(out, "| %ld | %s | ", (long)id->integer, m->method);
        else
            fprintf(out, "| ? | %s | ", m->method);
        write_params(out, m, method);
        fprintf(out, " | %s | ", m->dangerous ? "**yes**" : "no");
        cell(out, m->purpose);
        fputs(" |\n", out);
    }
    int any = 0;
    for (size_t i = first; i < spec->count; i++) {
        const struct spec_method *m = &spec->methods[i];
        if (strcmp(m->interface, m0->interface) != 0)
            break;
        if (!m->dangerous)
            continue;
        if (!any)
            fputs("\nPotential danger:\n\n", out);
        any = 1;
        fprintf(out, "- **%s**: ", m->method);
        cell(out, m->danger);
        fputc('\n', out);
    }
    fputc('\n', out);
}

static int write_reference(FILE *out, const struct spec *spec, const struct json *td)
{
    size_t dangerous = 0, interfaces = 0;
    for (size_t i = 0; i < spec->count; i++) {
        dangerous += (size_t)spec->methods[i].dangerous;
        if (i == 0 || strcmp(spec->methods[i].interface, spec->methods[i - 1].interface))
            interfaces++;
    }
    fputs("# kl.core endpoint reference\n\n", out);
    fputs("Generated at build time by `endpoint-reference` (test/host/idl/kl/) from\n"
          "docs/spec/core-methods.tsv (purpose, danger) and idlc's type description of\n"
          "idl/kl/core/ (ids, parameter types). Do not edit: edit the IDL or the spec.\n\n",
          out);
    fprintf(out,
            "%zu interfaces, %zu methods, %zu of them potentially dangerous; plus the\n"
            "hypervisor endpoint, whose methods the documentation does not list.\n\n",
            interfaces, spec->count, dangerous);
    fputs("| endpoint | interface | methods | potentially dangerous |\n", out);
    fputs("| --- | --- | --- | --- |\n", out);
    for (size_t i = 0; i < spec->count; i++) {
        const struct spec_method *m = &spec->methods[i];
        if (i && strcmp(m->interface, spec->methods[i - 1].interface) == 0)
            continue;
        size_t n = 0, d = 0;
        for (size_t k = i; k < spec->count && strcmp(spec->methods[k].interface, m->interface) == 0;
             k++) {
            n++;
            d += (size_t)spec->methods[k].dangerous;
        }
        fprintf(out, "| %s | %s | %zu | %zu |\n", m->endpoint, m->interface, n, d);
    }
    for (size_t k = 0; k < completeness_undocumented_count; k++)
        fprintf(out, "| %s | %s | not documented | all |\n", completeness_undocumented[k].endpoint,
                completeness_undocumented[k].interface);
    fputc('\n', out);
    for (size_t i = 0; i < spec->count; i++)
        if (i == 0 || strcmp(spec->methods[i].interface, spec->methods[i - 1].interface))
            write_interface(out, spec, i, td);
    for (size_t k = 0; k < completeness_undocumented_count; k++) {
        const struct undocumented_endpoint *u = &completeness_undocumented[k];
        fprintf(out,
                "## %s (%s)\n\nEndpoint id %ld of %s. The documentation says its methods\n"
                "are potentially dangerous and only the vmapp program may use them, but does\n"
                "not list them: the IDL declares none, so a policy can only name and deny the\n"
                "endpoint.\n\n",
                u->endpoint, u->interface, endpoint_id(td, u->endpoint), CORE_CLASS);
    }
    return ferror(out) ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s <core-methods.tsv> <typedesc.json> <out.md>\n", argv[0]);
        return 2;
    }
    /* The input files and the JSON tree; everything else is the spec's (spec_free). */
    struct host_arena arena = {0};
    size_t tsv_len, td_len;
    char *tsv = host_read_file(&arena, argv[1], &tsv_len);
    char *text = tsv ? host_read_file(&arena, argv[2], &td_len) : NULL;
    if (!tsv || !text) {
        fprintf(stderr, "%s: %s\n", tsv ? argv[2] : argv[1], strerror(errno));
        host_free_all(&arena);
        return 2;
    }
    char err[256];
    struct spec spec;
    struct json *td = NULL;
    int status = 2;
    if (spec_parse(tsv, tsv_len, &spec, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        goto out_text;
    }
    td = json_parse(&arena, text, td_len, err, sizeof err);
    if (!td) {
        fprintf(stderr, "%s:%s\n", argv[2], err);
        goto out_spec;
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]) >= (int)sizeof tmp) {
        fprintf(stderr, "%s: path too long\n", argv[3]);
        goto out_spec;
    }
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
        goto out_spec;
    }
    int wrc = write_reference(out, &spec, td);
    if (fclose(out) != 0 || wrc != 0 || rename(tmp, argv[3]) != 0) {
        fprintf(stderr, "%s: cannot write: %s\n", argv[3], strerror(errno));
        remove(tmp);
        goto out_spec;
    }
    status = 0;
out_spec:
    spec_free(&spec);
out_text:
    host_free_all(&arena);
    return status;
}
