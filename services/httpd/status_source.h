/*
 * Where the status page's data comes from: one snapshot of the system per page. Two
 * implementations: status_source_bastion.c reads Bastion's kernel (the process list and
 * per-class counts under /.kernel/, Profiler counters, the kss audit log) and
 * status_source_fake.c gives fixed data for the host build and its tests.
 */
#ifndef HTTPD_STATUS_SOURCE_H
#define HTTPD_STATUS_SOURCE_H

#include <stdint.h>

#include <bastion/retcode.h>
#include <user/security_table.h>
#include <user/task_table.h>

#define STATUS_AUDIT_KEEP 16    /* the most recent audit records the server keeps */
#define STATUS_AUDIT_TEXT 256   /* bytes kept of one record's line */
#define STATUS_PROBLEM_TEXT 160 /* what could not be read, for the page */

struct status_snapshot {
    uint64_t uptime_ns;
    uint64_t free_bytes;
    uint64_t decisions, denials; /* Profiler ksm.decisions, ksm.denials */
    struct task_table tasks;
    struct security_table security;
    uint32_t audit_count;   /* records in audit[], oldest first */
    uint64_t audit_dropped; /* records the ring lost before the server read them */
    char audit[STATUS_AUDIT_KEEP][STATUS_AUDIT_TEXT];
    /* "" when every part was read; else which parts failed and why (the page says so and shows
     * the rest). */
    char problem[STATUS_PROBLEM_TEXT];
};

/* Prepares the source (the audit reader); called once before the first snapshot. */
Retcode status_source_open(void);

/* Fills *s with the system as it is now. A part that cannot be read leaves its fields empty
 * and is named in s->problem; the call itself returns rcOk then, since a page with part of the
 * data is more use than none. */
Retcode status_source_snapshot(struct status_snapshot *s);

/* Milliseconds on a clock that never goes back, for the server's timeouts. */
uint64_t status_source_now_ms(void);

#endif
