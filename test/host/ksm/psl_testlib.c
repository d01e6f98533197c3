/* Test helpers (see psl_testlib.h). */
#include "psl_testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct typedesc *psl_test_td(void)
{
    static struct typedesc td;
    static int loaded;
    if (!loaded) {
        if (td_load_file(&td, KL_CORE_TYPEDESC) || td_load_file(&td, PSL_TEST_TYPEDESC))
            abort();
        loaded = 1;
    }
    return &td;
}

struct ksm_table *psl_test_compile(const char *text, struct policy **p, char **diag)
{
    size_t n;
    FILE *f = open_memstream(diag, &n);
    psl_diag_reset(f);
    struct ksm_table *t = pslc_compile_text(psl_test_td(), "test.psl", text, p);
    fclose(f);
    psl_diag_reset(stderr);
    return t;
}

struct ksm_table *psl_test_policy(const char *path, struct policy **p)
{
    psl_diag_reset(NULL);
    struct ksm_table *t = pslc_compile_file(psl_test_td(), NULL, 0, path, p);
    if (!t) {
        fprintf(stderr, "%s does not compile\n", path);
        abort();
    }
    return t;
}

int psl_test_class(const struct policy *p, const char *name)
{
    return policy_class_id(p, name);
}

static const struct td_method *find(const struct policy *p, int event, const char *cls,
                                    const char *ep, const char *method, uint32_t *ep_id,
                                    uint32_t *m_id)
{
    const struct td_class *c = td_class(p->td, cls);
    const struct td_iface *it = NULL;
    if (!c)
        abort();
    if (event == KSM_EV_SECURITY) {
        it = c->security;
        *ep_id = KSM_SECURITY_ENDPOINT;
    } else {
        for (int e = 0; e < c->nendpoints; e++)
            if (!strcmp(c->endpoints[e].name, ep)) {
                it = c->endpoints[e].iface;
                *ep_id = (uint32_t)e;
            }
    }
    if (!it)
        abort();
    int id;
    const struct td_method *m = td_method(it, method, &id);
    if (!m)
        abort();
    *m_id = (uint32_t)id;
    return m;
}

static int part(int event)
{
    return event == KSM_EV_RESPONSE ? TD_OUT : event == KSM_EV_ERROR ? TD_ERR : TD_IN;
}

size_t psl_test_msg(const struct policy *p, int event, const char *cls, const char *ep,
                    const char *method, uint8_t *buf, uint32_t *ep_id, uint32_t *m_id)
{
    const struct td_method *m = find(p, event, cls, ep, method, ep_id, m_id);
    size_t len = KSM_HEADER_SIZE + m->fixed_size[part(event)];
    memset(buf, 0, len);
    return len;
}

void psl_test_set(const struct policy *p, int event, const char *cls, const char *ep,
                  const char *method, uint8_t *buf, const char *path, uint64_t value)
{
    uint32_t e, mid;
    const struct td_method *m = find(p, event, cls, ep, method, &e, &mid);
    char *dup = strdup(path), *save = NULL;
    char *name = strtok_r(dup, ".", &save);
    const struct td_param *par = NULL;
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].dir == part(event) && !strcmp(m->params[i].name, name))
            par = &m->params[i];
    if (!par)
        abort();
    uint32_t off = KSM_HEADER_SIZE + par->offset, size = par->size;
    const char *type = par->type;
    while ((name = strtok_r(NULL, ".", &save))) {
        const struct json *st = td_struct(p->td, type);
        const struct json *f = json_find(json_get(st, "fields"), "name", name);
        if (!f)
            abort();
        off += (uint32_t)json_get_int(f, "offset", 0);
        size = (uint32_t)json_get_int(f, "size", 0);
        type = json_get_string(f, "type");
    }
    for (uint32_t i = 0; i < size; i++)
        buf[off + i] = (uint8_t)(value >> (8 * i));
    free(dup);
}

/* pslc is a short-lived host tool that keeps its syntax tree and tables until exit (no frees):
 * leak reports would only list that by design. Memory errors are still caught by ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
