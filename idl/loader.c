/* Finds, reads and parses description files and the packages/components they refer to. */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "hostlib/textfile.h"
#include "output.h"
#include "parser.h"

char *read_file_or_die(const char *path, struct loc at)
{
    size_t n;
    char *buf = host_read_file(diag_arena(), path, &n);
    if (!buf) {
        if (at.file)
            diag_error(at, "cannot open '%s': %s", path, strerror(errno));
        diag_fatal("cannot open '%s': %s", path, strerror(errno));
    }
    /* The lexer reads up to the first NUL: one inside the file would silently end it. */
    size_t nul = strlen(buf);
    if (nul != n) {
        struct loc at = {xstrdup(path), 1, 1};
        host_text_pos(buf, nul, &at.line, &at.col);
        diag_error(at, "invalid byte: NUL (0x00) inside the file");
    }
    return buf;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The file name (without directory and extension) must be the last part of the package. */
static void check_file_name(struct package *p)
{
    const char *base = strrchr(p->path, '/');
    base = base ? base + 1 : p->path;
    const char *last = strrchr(p->name, '.');
    last = last ? last + 1 : p->name;
    size_t n = strlen(base) - 4;
    if (strlen(last) != n || strncmp(base, last, n) != 0)
        diag_error(p->loc, "package '%s' must be in a file named '%s.idl'", p->name, last);
}

void load_file(struct model *m, const char *path)
{
    struct loc none = {0};
    if (ends_with(path, ".idl")) {
        struct package *p = parse_idl(m, path, read_file_or_die(path, none));
        check_file_name(p);
        p->generate = true;
    } else if (ends_with(path, ".edl") || ends_with(path, ".cdl")) {
        int before = m->nunits;
        parse_unit_file(m, path, read_file_or_die(path, none), ends_with(path, ".edl"));
        for (int i = before; i < m->nunits; i++)
            m->units[i]->generate = true;
    } else {
        diag_fatal("'%s': unknown file type (expected .idl, .edl or .cdl)", path);
    }
}

/*
 * The file of a.b.C with extension ext (".idl", ".cdl"): <inc>/a/b/C<ext> in each include dir,
 * in order, then <flat>/C<ext> in each flat dir (the KasperskyOS SDK keeps an example's
 * descriptions in one resources folder and names the package prefix in its build, NK_MODULE).
 * Returns the first that exists, or NULL; *tried lists every path looked at, for the error.
 */
static char *find_description(struct model *m, const char *qname, const char *ext,
                              struct sbuf *tried)
{
    char *rel = xprintf("%s%s", qname, ext);
    for (char *c = rel; *c && c < rel + strlen(qname); c++)
        if (*c == '.')
            *c = '/';
    const char *last = strrchr(qname, '.');
    last = last ? last + 1 : qname;
    for (int i = 0; i < m->ninclude + m->nflat; i++) {
        char *full = i < m->ninclude ? xprintf("%s/%s", m->include_dirs[i], rel)
                                     : xprintf("%s/%s%s", m->flat_dirs[i - m->ninclude], last, ext);
        FILE *f = fopen(full, "rb");
        if (f) {
            fclose(f);
            return full;
        }
        sb_printf(tried, "%s%s", tried->n ? ", " : "", full);
    }
    return NULL;
}

/* The end of a "not found" error: every path tried, or that there was nowhere to look. */
static const char *tried_text(const struct sbuf *tried)
{
    return tried->n ? xprintf("tried %s", tried->s) : "no -I or -F directory to look in";
}

/* Reads the file of package a.b.C (find_description; is_import picks the error text). */
static struct package *parse_package_by_name(struct model *m, const char *name, struct loc loc,
                                             bool is_import)
{
    struct sbuf tried = {0};
    char *path = find_description(m, name, ".idl", &tried);
    if (!path) {
        if (is_import)
            diag_error(loc, "cannot find package '%s': %s", name, tried_text(&tried));
        diag_error(loc, "unknown interface '%s': %s", name, tried_text(&tried));
    }
    struct package *q = parse_idl(m, path, read_file_or_die(path, loc));
    check_file_name(q);
    if (strcmp(q->name, name) != 0)
        diag_error(q->loc, "file for package '%s' declares package '%s'", name, q->name);
    return q;
}

/* level: packages on the import path to p, p included (bounded: the walk recurses). */
static void visit_package(struct model *m, struct package *p, int level)
{
    if (level > IDL_NESTING_MAX)
        nesting_too_deep(p->loc, "imports");
    p->visit = 1;
    for (int i = 0; i < p->nimports; i++) {
        struct import *im = &p->imports[i];
        struct package *q = model_find_package(m, im->name);
        if (!q)
            q = parse_package_by_name(m, im->name, im->loc, true);
        if (q->visit == 1)
            diag_error(im->loc, "cyclic import: '%s' imports '%s', which imports it back", p->name,
                       q->name);
        im->pkg = q;
        if (q->visit == 0)
            visit_package(m, q, level + 1);
    }
    p->visit = 2;
}

static struct package *need_package(struct model *m, const char *name, struct loc loc)
{
    struct package *q = model_find_package(m, name);
    if (q)
        return q;
    q = parse_package_by_name(m, name, loc, false);
    visit_package(m, q, 1);
    return q;
}

/* Also computes u->depth (levels of instances, u included), which bounds every later walk. */
static void visit_unit(struct model *m, struct unit *u, int level)
{
    if (level > IDL_NESTING_MAX)
        nesting_too_deep(u->loc, "component instances");
    u->visit = 1;
    u->depth = 1;
    for (int i = 0; i < u->neps; i++) {
        u->eps[i].pkg = need_package(m, u->eps[i].iface, u->eps[i].loc);
        if (!u->eps[i].pkg->has_interface)
            diag_error(u->eps[i].loc, "package '%s' declares no interface", u->eps[i].iface);
    }
    if (u->security)
        need_package(m, u->security, u->loc);
    for (int i = 0; i < u->ninsts; i++) {
        struct instance *in = &u->insts[i];
        struct unit *c = model_find_unit(m, in->comp);
        if (!c) {
            struct sbuf tried = {0};
            char *path = find_description(m, in->comp, ".cdl", &tried);
            if (!path)
                diag_error(in->loc, "unknown component '%s': not in the files loaded; %s", in->comp,
                           tried_text(&tried));
            parse_unit_file(m, path, read_file_or_die(path, in->loc), false);
            c = model_find_unit(m, in->comp);
            if (!c)
                diag_error(in->loc, "'%s' does not define component '%s'", path, in->comp);
        }
        if (c->is_class)
            diag_error(in->loc, "'%s' is a process class, not a component", in->comp);
        if (c->visit == 1)
            diag_error(in->loc, "component '%s' contains itself", in->comp);
        in->unit = c;
        if (c->visit == 0)
            visit_unit(m, c, level + 1);
        if (c->depth >= u->depth)
            u->depth = c->depth + 1;
        if (u->depth > IDL_NESTING_MAX)
            nesting_too_deep(in->loc, "component instances");
    }
    u->visit = 2;
}

void load_dependencies(struct model *m)
{
    for (int i = 0; i < m->npkgs; i++)
        if (m->pkgs[i]->visit == 0)
            visit_package(m, m->pkgs[i], 1);
    for (int i = 0; i < m->nunits; i++)
        if (m->units[i]->visit == 0)
            visit_unit(m, m->units[i], 1);
}
