/* What a binding or match section selects: enumerated over the classes the policy uses. */
#ifndef PSL_SCOPE_H
#define PSL_SCOPE_H

#include "model.h"

#define SCOPE_EP_EXEC (-2)     /* execute events: no endpoint */
#define SCOPE_EP_SECURITY (-1) /* the class's security interface */

/* server: class whose endpoint the event concerns (dst of execute/request, src otherwise). */
int scope_server(const struct scope *s);
int scope_peer(const struct scope *s);

/* Calls fn for every (server class, endpoint, method) the scope selects; returns the count. */
typedef void (*scope_fn)(void *ctx, int server, int ep, int method, const struct td_iface *iface);
int scope_each(const struct policy *p, const struct scope *s, scope_fn fn, void *ctx);

/* Whether endpoint ep (or SCOPE_EP_SECURITY) of class c passes the scope's endpoint=,
 * component= and interface= selectors. */
bool scope_endpoint_selected(const struct policy *p, const struct scope *s, int c, int ep);

/* Whether endpoint ep of class c lies in a component `name` (the CDL name of an instance it
 * lies in, at any depth). */
bool scope_in_component(const struct policy *p, int c, int ep, const char *name);

/* The interface of endpoint ep (or SCOPE_EP_SECURITY) of class c; NULL if none. */
const struct td_iface *scope_iface(const struct policy *p, int c, int ep);
const char *scope_ep_name(const struct policy *p, int c, int ep);

#endif
