/*
 * The name server's table (services/ns, docs/connection-manager.md#the-name-server): which
 * server offers which endpoint, of which interface type. Pure C with no system calls, so that
 * the host tests (test/host/services/ns) run it as the name server does.
 *
 * Invariants: at most NS_ENTRIES_MAX entries; each entry's server is the task name of the
 * process that published it (the name the kernel gave the name server for the caller's
 * channel, never one the caller chose); (server, endpoint) pairs are unique; every string is
 * non-empty and NUL-terminated within its array.
 */
#ifndef NS_TABLE_H
#define NS_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define NS_ENTRIES_MAX 16u   /* published endpoints, all servers together */
#define NS_SERVER_MAX 64u    /* a task name and its NUL (kl.core.CM's ServerNameMax) */
#define NS_ENDPOINT_MAX 129u /* an endpoint name and its NUL (kl.core.CM's EndpointNameMax) */
#define NS_TYPE_MAX 129u     /* an interface name ("ostest.Probe") and its NUL */

struct ns_entry {
    bool used;
    uint32_t pid; /* the publisher's pid: a later process of the same name is not it */
    char server[NS_SERVER_MAX];
    char endpoint[NS_ENDPOINT_MAX];
    char type[NS_TYPE_MAX];
};

struct ns_table {
    struct ns_entry e[NS_ENTRIES_MAX];
};

void ns_table_init(struct ns_table *t);

/*
 * Publishes `endpoint` of interface `type` for `server`, on behalf of the caller (`caller`,
 * `caller_pid`: who the channel belongs to). rcNsNotPublisher when server is not the caller's
 * own name; rcInvalidArgument for an empty or over-long string; rcAlreadyExists when that
 * server already published that endpoint; rcNsTableFull when all NS_ENTRIES_MAX are in use.
 */
Retcode ns_table_publish(struct ns_table *t, const char *caller, uint32_t caller_pid,
                         const char *server, const char *endpoint, const char *type);

/* Removes the caller's entry for `endpoint`; rcNotFound when the caller published none. */
Retcode ns_table_unpublish(struct ns_table *t, const char *caller, const char *endpoint);

/*
 * The index-th entry (0, 1, ...) whose type is `type` (an empty type: every entry), in table
 * order: *server and *endpoint point into the table. rcNotFound past the last one.
 */
Retcode ns_table_enum(const struct ns_table *t, const char *type, uint32_t index,
                      const char **server, const char **endpoint);

/* Whether the process `pid` named `server` still lives. */
typedef bool (*ns_alive_fn)(void *ctx, const char *server, uint32_t pid);

/* Removes every entry whose publisher `alive` says has ended; returns how many it removed. */
uint32_t ns_table_prune(struct ns_table *t, ns_alive_fn alive, void *ctx);

#endif
