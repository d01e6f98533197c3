/* Enumeration of the (class, endpoint, method) triples a selection covers. */
#include "scope.h"

#include <string.h>

#include "ksm_table.h"

int scope_server(const struct scope *s)
{
    return (s->event == KSM_EV_EXECUTE || s->event == KSM_EV_REQUEST) ? s->dst : s->src;
}

int scope_peer(const struct scope *s)
{
    if (s->event == KSM_EV_SECURITY)
        return s->src;
    return (s->event == KSM_EV_EXECUTE || s->event == KSM_EV_REQUEST) ? s->src : s->dst;
}

const struct td_iface *scope_iface(const struct policy *p, int c, int ep)
{
    const struct td_class *tc = p->classes[c].td;
    if (ep == SCOPE_EP_SECURITY)
        return tc->security;
    return ep >= 0 && ep < tc->nendpoints ? tc->endpoints[ep].iface : NULL;
}

const char *scope_ep_name(const struct policy *p, int c, int ep)
{
    if (ep == SCOPE_EP_SECURITY)
        return "security";
    return p->classes[c].td->endpoints[ep].name;
}

bool scope_in_component(const struct policy *p, int c, int ep, const char *name)
{
    if (ep < 0)
        return false;
    const struct td_endpoint *e = &p->classes[c].td->endpoints[ep];
    for (int d = 0; d < e->ncomps; d++)
        if (!strcmp(e->comps[d], name))
            return true;
    return false;
}

bool scope_endpoint_selected(const struct policy *p, const struct scope *s, int c, int ep)
{
    if (s->endpoint && strcmp(s->endpoint, scope_ep_name(p, c, ep)))
        return false;
    if (s->iface) {
        const struct td_iface *it = scope_iface(p, c, ep);
        if (!it || strcmp(s->iface, it->name))
            return false;
    }
    for (const struct component_sel *k = s->component; k; k = k->parent)
        if (!scope_in_component(p, c, ep, k->name))
            return false;
    return true;
}

int scope_each(const struct policy *p, const struct scope *s, scope_fn fn, void *ctx)
{
    int count = 0, server = scope_server(s);
    for (int c = 0; c < p->nclasses; c++) {
        if (server >= 0 && c != server)
            continue;
        if (s->event == KSM_EV_EXECUTE) {
            if (fn)
                fn(ctx, c, SCOPE_EP_EXEC, -1, NULL);
            count++;
            continue;
        }
        const struct td_class *tc = p->classes[c].td;
        int first = s->event == KSM_EV_SECURITY ? SCOPE_EP_SECURITY : 0;
        int last = s->event == KSM_EV_SECURITY ? SCOPE_EP_SECURITY : tc->nendpoints - 1;
        for (int e = first; e <= last; e++) {
            const struct td_iface *it = scope_iface(p, c, e);
            if (!it)
                continue;
            if (!scope_endpoint_selected(p, s, c, e))
                continue;
            for (int m = 0; m < it->nmethods; m++) {
                if (s->method && strcmp(s->method, it->methods[m].name))
                    continue;
                if (fn)
                    fn(ctx, c, e, m, it);
                count++;
            }
        }
    }
    return count;
}
