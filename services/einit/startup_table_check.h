/*
 * einit_table_check: Einit's own look at its start-up table before acting on it.
 *
 * einit-compile already guarantees every invariant listed in startup_table.h; this re-checks
 * them at run time so that a table built by another tool, an old table, or a corrupted image
 * stops Einit with a named error instead of an out-of-bounds read. Pure and freestanding (no
 * libc), host-tested in test/host/services/einit.
 */
#ifndef BASTION_EINIT_STARTUP_TABLE_CHECK_H
#define BASTION_EINIT_STARTUP_TABLE_CHECK_H

#include <bastion/retcode.h>

#include "startup_table.h"

/* Where a check failed, for Einit's message: entry index (or UINT32_MAX for the table itself or
 * a listener) and a short reason. */
struct einit_check_failure {
    uint32_t entry;
    uint32_t listener;
    const char *reason;
};

/*
 * rcOk, or:
 *   rcInvalidArgument  t is NULL;
 *   rcBadFormat        wrong magic or version, a NULL string or array, a count that does not
 *                      match its pointer, a connection whose listener belongs to another server
 *                      or has another id;
 *   rcOutOfRange       a count, string length or index beyond startup_table.h's limits, or a
 *                      zero limit;
 *   rcAlreadyExists    two entries with one task name, two connections of one entry with one
 *                      id, or two listeners for the same (server, id).
 * `why` may be NULL; when not, it is filled on failure.
 */
Retcode einit_table_check(const struct einit_startup_table *t, struct einit_check_failure *why);

#endif
