/* The name server's table: see ns_table.h. */
#include "ns_table.h"

#include <string.h>

void ns_table_init(struct ns_table *t)
{
    memset(t, 0, sizeof *t);
}

/* A non-empty string that fits in cap bytes with its NUL. */
static bool fits(const char *s, size_t cap)
{
    return s != NULL && s[0] != 0 && strnlen(s, cap) < cap;
}

Retcode ns_table_publish(struct ns_table *t, const char *caller, uint32_t caller_pid,
                         const char *server, const char *endpoint, const char *type)
{
    if (!fits(server, NS_SERVER_MAX) || !fits(endpoint, NS_ENDPOINT_MAX) ||
        !fits(type, NS_TYPE_MAX) || !fits(caller, NS_SERVER_MAX))
        return rcInvalidArgument;
    if (strcmp(server, caller) != 0)
        return rcNsNotPublisher;
    struct ns_entry *free_slot = NULL;
    for (uint32_t i = 0; i < NS_ENTRIES_MAX; i++) {
        struct ns_entry *e = &t->e[i];
        if (!e->used) {
            if (free_slot == NULL)
                free_slot = e;
        } else if (strcmp(e->server, server) == 0 && strcmp(e->endpoint, endpoint) == 0) {
            return rcAlreadyExists;
        }
    }
    if (free_slot == NULL)
        return rcNsTableFull;
    free_slot->used = true;
    free_slot->pid = caller_pid;
    strcpy(free_slot->server, server);
    strcpy(free_slot->endpoint, endpoint);
    strcpy(free_slot->type, type);
    return rcOk;
}

Retcode ns_table_unpublish(struct ns_table *t, const char *caller, const char *endpoint)
{
    if (caller == NULL || endpoint == NULL)
        return rcInvalidArgument;
    for (uint32_t i = 0; i < NS_ENTRIES_MAX; i++) {
        struct ns_entry *e = &t->e[i];
        if (e->used && strcmp(e->server, caller) == 0 && strcmp(e->endpoint, endpoint) == 0) {
            memset(e, 0, sizeof *e);
            return rcOk;
        }
    }
    return rcNotFound;
}

Retcode ns_table_enum(const struct ns_table *t, const char *type, uint32_t index,
                      const char **server, const char **endpoint)
{
    if (type == NULL)
        return rcInvalidArgument;
    for (uint32_t i = 0; i < NS_ENTRIES_MAX; i++) {
        const struct ns_entry *e = &t->e[i];
        if (!e->used || (type[0] != 0 && strcmp(e->type, type) != 0))
            continue;
        if (index-- == 0) {
            *server = e->server;
            *endpoint = e->endpoint;
            return rcOk;
        }
    }
    return rcNotFound;
}

uint32_t ns_table_prune(struct ns_table *t, ns_alive_fn alive, void *ctx)
{
    uint32_t removed = 0;
    for (uint32_t i = 0; i < NS_ENTRIES_MAX; i++) {
        struct ns_entry *e = &t->e[i];
        if (e->used && !alive(ctx, e->server, e->pid)) {
            memset(e, 0, sizeof *e);
            removed++;
        }
    }
    return removed;
}
