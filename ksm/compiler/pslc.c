/* The passes of pslc in order: parse (with includes), resolve/type-check, compile. */
#include "pslc.h"

static struct ksm_table *finish(struct policy *p)
{
    if (psl_errors())
        return NULL;
    if (psl_resolve(p))
        return NULL;
    return psl_compile(p);
}

struct ksm_table *pslc_compile_file(const struct typedesc *td, char **incs, int ninc,
                                    const char *path, struct policy **out_policy)
{
    struct policy *p = psl_alloc(sizeof *p);
    p->td = td;
    p->include_dirs = incs;
    p->ninclude_dirs = ninc;
    *out_policy = p;
    psl_parse_file(p, path);
    return finish(p);
}

struct ksm_table *pslc_compile_text(const struct typedesc *td, const char *name, const char *text,
                                    struct policy **out_policy)
{
    struct policy *p = psl_alloc(sizeof *p);
    p->td = td;
    *out_policy = p;
    psl_parse_text(p, name, text);
    return finish(p);
}
