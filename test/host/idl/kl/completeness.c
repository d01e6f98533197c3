/*
 * Compares the documented method list with the type description. Both sides are small
 * (hundreds of entries), so every look-up is a linear scan: clarity over speed.
 */
#include "completeness.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct undocumented_endpoint completeness_undocumented[] = {
    /* "Methods of the hypervisor.Hypervisor endpoint (kl.core.Hypervisor interface) are
     * potentially dangerous" - and the documentation lists none of them. */
    {"hypervisor.Hypervisor", "kl.core.Hypervisor"},
};
const size_t completeness_undocumented_count =
    sizeof completeness_undocumented / sizeof completeness_undocumented[0];

struct checker {
    completeness_report_fn report;
    void *ctx;
    size_t problems;
};

static void problem(struct checker *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->problems++;
    if (c->report)
        c->report(c->ctx, msg);
}

static int str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const struct json *find_interface(const struct json *td, const char *name)
{
    return json_find(json_get(td, "interfaces"), "name", name);
}

/* Is `endpoint` of the core class bound to interface `iface`, both in the interface's
 * "endpoints" and in the class's "endpoints"? Reports what is missing. */
static void check_endpoint(struct checker *c, const struct json *td, const struct json *iface,
                           const char *iface_name, const char *endpoint, size_t line)
{
    int in_iface = 0;
    const struct json *eps = json_get(iface, "endpoints");
    for (size_t i = 0; i < json_len(eps); i++) {
        const struct json *e = json_at(eps, i);
        if (str_eq(json_get_string(e, "class"), CORE_CLASS) &&
            str_eq(json_get_string(e, "name"), endpoint))
            in_iface = 1;
    }
    if (!in_iface)
        problem(c, "spec line %zu: %s: not bound to endpoint %s of %s", line, iface_name, endpoint,
                CORE_CLASS);
    const struct json *cls = json_find(json_get(td, "classes"), "name", CORE_CLASS);
    const struct json *ce = json_find(json_get(cls, "endpoints"), "name", endpoint);
    if (cls && !ce)
        problem(c, "spec line %zu: class %s has no endpoint %s", line, CORE_CLASS, endpoint);
    else if (ce && !str_eq(json_get_string(ce, "interface"), iface_name))
        problem(c, "spec line %zu: endpoint %s of %s has interface %s, documented %s", line,
                endpoint, CORE_CLASS, json_get_string(ce, "interface"), iface_name);
}

/* idlc writes a type as resolved ("kl.core.Types.Retcode"); a hand-written description may
 * leave it unqualified. Either names the Retcode typedef. */
static int is_retcode(const char *type)
{
    if (!type)
        return 0;
    const char *dot = strrchr(type, '.');
    return strcmp(dot ? dot + 1 : type, "Retcode") == 0;
}

static void check_params(struct checker *c, const struct spec_method *m, const char *where,
                         const struct json *params)
{
    size_t n = json_len(params);
    int all_there = 1;
    for (size_t i = 0; i < m->nparams; i++) {
        const struct spec_param *sp = &m->params[i];
        const struct json *p = json_find(params, "name", sp->name);
        if (!p) {
            problem(c, "%s: parameter [%s] %s is missing", where, sp->dir, sp->name);
            all_there = 0;
            continue;
        }
        const char *dir = json_get_string(p, "dir");
        if (!str_eq(dir, sp->dir)) {
            problem(c, "%s: parameter %s is '%s', documented [%s]", where, sp->name,
                    dir ? dir : "(none)", sp->dir);
        }
        if (strcmp(sp->name, "rc") == 0 && !is_retcode(json_get_string(p, "type")))
            problem(c, "%s: parameter rc has type %s, expected Retcode", where,
                    json_get_string(p, "type") ? json_get_string(p, "type") : "(none)");
    }
    for (size_t j = 0; j < n; j++) {
        const char *name = json_get_string(json_at(params, j), "name");
        int documented = 0;
        for (size_t i = 0; i < m->nparams; i++)
            if (str_eq(name, m->params[i].name))
                documented = 1;
        if (!documented) {
            problem(c, "%s: parameter %s is not documented", where, name ? name : "(unnamed)");
            all_there = 0;
        }
    }
    /* Order is only meaningful once the two sets are equal; otherwise the messages above say
     * what to fix first. */
    if (!all_there || n != m->nparams)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *name = json_get_string(json_at(params, i), "name");
        if (!str_eq(name, m->params[i].name)) {
            problem(c, "%s: parameter %zu is %s, documented order has %s there", where, i + 1, name,
                    m->params[i].name);
            return;
        }
    }
}

static int is_documented_method(const struct spec *spec, const char *iface, const char *method)
{
    for (size_t i = 0; i < spec->count; i++)
        if (str_eq(spec->methods[i].interface, iface) && str_eq(spec->methods[i].method, method))
            return 1;
    return 0;
}

/* Index of the first spec row with this interface (and endpoint, when given). */
static size_t first_row(const struct spec *spec, const char *iface, const char *endpoint)
{
    for (size_t i = 0; i < spec->count; i++)
        if (str_eq(spec->methods[i].interface, iface) &&
            (!endpoint || str_eq(spec->methods[i].endpoint, endpoint)))
            return i;
    return spec->count;
}

static void check_core_class(struct checker *c, const struct spec *spec, const struct json *td)
{
    const struct json *cls = json_find(json_get(td, "classes"), "name", CORE_CLASS);
    if (!cls) {
        problem(c, "class %s is missing (Core.edl not described)", CORE_CLASS);
        return;
    }
    const struct json *eps = json_get(cls, "endpoints");
    for (size_t i = 0; i < json_len(eps); i++) {
        const char *name = json_get_string(json_at(eps, i), "name");
        int known = 0;
        for (size_t k = 0; k < spec->count && !known; k++)
            known = str_eq(spec->methods[k].endpoint, name);
        for (size_t k = 0; k < completeness_undocumented_count && !known; k++)
            known = str_eq(completeness_undocumented[k].endpoint, name);
        if (!known)
            problem(c, "class %s: endpoint %s is not documented", CORE_CLASS,
                    name ? name : "(unnamed)");
    }
    for (size_t k = 0; k < completeness_undocumented_count; k++) {
        const struct undocumented_endpoint *u = &completeness_undocumented[k];
        const struct json *ce = json_find(eps, "name", u->endpoint);
        if (!ce) {
            problem(c, "class %s: documented endpoint %s is missing", CORE_CLASS, u->endpoint);
            continue;
        }
        if (!str_eq(json_get_string(ce, "interface"), u->interface))
            problem(c, "class %s: endpoint %s must have interface %s", CORE_CLASS, u->endpoint,
                    u->interface);
        const struct json *iface = find_interface(td, u->interface);
        if (!iface)
            problem(c, "interface %s is missing", u->interface);
        else if (json_len(json_get(iface, "methods")) != 0)
            problem(c, "interface %s: the documentation lists no methods, the IDL has %zu",
                    u->interface, json_len(json_get(iface, "methods")));
    }
}

size_t completeness_check(const struct spec *spec, const struct json *td,
                          completeness_report_fn report, void *ctx)
{
    struct checker c = {.report = report, .ctx = ctx};
    if (!str_eq(json_get_string(td, "format"), "bastion-typedesc") || !json_get(td, "interfaces")) {
        problem(&c, "not a bastion type description (format/interfaces missing)");
        return c.problems;
    }
    if (spec->count == 0)
        problem(&c, "the spec lists no methods");

    for (size_t i = 0; i < spec->count; i++) {
        const struct spec_method *m = &spec->methods[i];
        const struct json *iface = find_interface(td, m->interface);
        if (!iface) {
            if (first_row(spec, m->interface, NULL) == i)
                problem(&c, "spec line %zu: interface %s is missing", m->line, m->interface);
            continue;
        }
        if (first_row(spec, m->interface, m->endpoint) == i)
            check_endpoint(&c, td, iface, m->interface, m->endpoint, m->line);

        char where[256];
        snprintf(where, sizeof where, "spec line %zu: %s.%s", m->line, m->interface, m->method);
        const struct json *method = json_find(json_get(iface, "methods"), "name", m->method);
        if (!method) {
            problem(&c, "%s: method is missing", where);
            continue;
        }
        const char *doc = json_get_string(method, "doc");
        if (!doc || !*doc)
            problem(&c, "%s: method has no doc comment", where);
        check_params(&c, m, where, json_get(method, "params"));
    }

    /* Methods the IDL adds to a documented interface. */
    for (size_t i = 0; i < spec->count; i++) {
        const struct spec_method *m = &spec->methods[i];
        if (first_row(spec, m->interface, NULL) != i)
            continue;
        const struct json *methods = json_get(find_interface(td, m->interface), "methods");
        for (size_t j = 0; j < json_len(methods); j++) {
            const char *name = json_get_string(json_at(methods, j), "name");
            if (!is_documented_method(spec, m->interface, name))
                problem(&c, "%s.%s: method is not documented", m->interface,
                        name ? name : "(unnamed)");
        }
    }

    check_core_class(&c, spec, td);
    return c.problems;
}
