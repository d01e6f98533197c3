/*
 * os_audit_models (class ostest.AuditModels): the audit of HashSet, StaticMap and Regex methods
 * through the running KSM and the kernel's kss log (docs/policy-language.md, Audit). The
 * process asks the KSM questions of its own security interface (ostest.AuditQuery); ostest.psl
 * decides each with one method of am_set (HashSet), am_map or am_routes (StaticMap), am_re or am_quiet_re
 * (Regex) under the profile models_audit, and reads what the kss log holds of each question
 * (kl.core.Audit, its own reader) right after it:
 *
 *   Add(5)         granted; "am_set.add(5) granted" (kss "granted")
 *   Remove(9)      denied (9 is not in the table): the denial ("Remove: rule at ..."), without
 *                  am_set.remove (no "denied" in the kss of am_set)
 *   Has(5), Has(6) granted with "am_set.contains(5)=1"; denied with "am_set.contains(6)=0"
 *   Limit(10)      granted; "am_map.set(limit=10) granted"
 *   Commit         granted under the global profile (empty): no record at all
 *   Within(7)      granted; "am_map.get_uncommitted(limit)=10"
 *   Route(12)      granted; "am_routes.set([10,0]=12) granted" (a List<UInt8> key: its bytes)
 *   Via(12), Via(4) granted with "am_routes.get_uncommitted([10,0])=12"; denied with the same
 *                  record (4 was [10, 0]'s default, 3 is [10]'s)
 *   Name("okay")   granted; "am_re.match(^ok)=1" (emit "match"); Name("nope") denied, "=0"
 *   Quiet("okay")  granted, no record (am_quiet_re has no emit); Quiet("nope") the denial only
 *
 * A log that lost records meanwhile (the image's other tests deny many requests) proves
 * nothing either way: the questions are asked again.
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>

#include "handle_calls.h"
#include "ostest.h"
#include "ostest/AuditQuery.idl.h"

#define RECORD " AuditModels[ostest.AuditModels] -> kernel[security] security."

enum {
    ADD,
    REMOVE,
    HAS,
    HAS_NOT,
    LIMIT,
    COMMIT,
    WITHIN,
    ROUTE,
    VIA,
    VIA_NOT,
    NAME,
    NAME_NOT,
    QUIET,
    QUIET_NOT,
    NCASES
};

/* A question, its answer, and how many records of it the log must hold: with `has` in them
 * and without `has_not`. */
static const struct {
    const char *method;
    Retcode want;
    uint32_t records;
    const char *has, *has_not;
} cases[NCASES] = {
    [ADD] = {"Add", rcOk, 1, "; am_set.add(5) granted", NULL},
    [REMOVE] = {"Remove", rcSecurityDisallow, 1, "Remove: rule at ostest.psl:", "am_set."},
    [HAS] = {"Has", rcOk, 1, "; am_set.contains(5)=1", NULL},
    [HAS_NOT] = {"Has", rcSecurityDisallow, 1, "; am_set.contains(6)=0", NULL},
    [LIMIT] = {"Limit", rcOk, 1, "; am_map.set(limit=10) granted", NULL},
    [COMMIT] = {"Commit", rcOk, 0, NULL, NULL},
    [WITHIN] = {"Within", rcOk, 1, "; am_map.get_uncommitted(limit)=10", NULL},
    [ROUTE] = {"Route", rcOk, 1, "; am_routes.set([10,0]=12) granted", NULL},
    [VIA] = {"Via", rcOk, 1, "; am_routes.get_uncommitted([10,0])=12", NULL},
    [VIA_NOT] = {"Via", rcSecurityDisallow, 1, "; am_routes.get_uncommitted([10,0])=12", NULL},
    [NAME] = {"Name", rcOk, 1, "; am_re.match(^ok)=1", NULL},
    [NAME_NOT] = {"Name", rcSecurityDisallow, 1, "; am_re.match(^ok)=0", NULL},
    [QUIET] = {"Quiet", rcOk, 0, NULL, NULL},
    [QUIET_NOT] = {"Quiet", rcSecurityDisallow, 1, "Quiet: rule at ostest.psl:", "am_quiet_re."},
};

struct outcome {
    Retcode rc;
    uint32_t records;
    char line[200]; /* the last record of the question, from its method on */
};

static _Alignas(8) uint8_t req[256], res[256];

static Retcode ask(uint32_t sec, int c)
{
    struct ipc_channel ch = {.handle = sec, .timeout_ms = IPC_FOREVER};
    struct idl_client cl;
    ipc_client_init(&cl, &ch, 0, req, sizeof req, res, sizeof res);
    switch (c) {
    case ADD:
        return ostest_AuditQuery_Add(&cl, 5);
    case REMOVE:
        return ostest_AuditQuery_Remove(&cl, 9);
    case HAS:
        return ostest_AuditQuery_Has(&cl, 5);
    case HAS_NOT:
        return ostest_AuditQuery_Has(&cl, 6);
    case LIMIT:
        return ostest_AuditQuery_Limit(&cl, 10);
    case COMMIT:
        return ostest_AuditQuery_Commit(&cl, 0);
    case WITHIN:
        return ostest_AuditQuery_Within(&cl, 7);
    case ROUTE:
        return ostest_AuditQuery_Route(&cl, 12);
    case VIA:
        return ostest_AuditQuery_Via(&cl, 12);
    case VIA_NOT:
        return ostest_AuditQuery_Via(&cl, 4);
    case NAME:
        return ostest_AuditQuery_Name(&cl, "okay");
    case NAME_NOT:
        return ostest_AuditQuery_Name(&cl, "nope");
    case QUIET:
        return ostest_AuditQuery_Quiet(&cl, "okay");
    default:
        return ostest_AuditQuery_Quiet(&cl, "nope");
    }
}

/* Reads the log to its end; counts the records of this process's security.<method> (NULL: just
 * skip to the end). */
static void read_records(uint32_t log, const char *method, struct outcome *o, uint32_t *dropped)
{
    static char line[1100];
    char want[128];
    snprintf(want, sizeof want, "%s%s: ", RECORD, method ? method : "");
    while (ot_audit_read(log, line, sizeof line, dropped) == rcOk) {
        const char *m = strstr(line, want);
        if (method == NULL || m == NULL)
            continue;
        o->records++;
        snprintf(o->line, sizeof o->line, "%s", m + strlen(RECORD));
    }
}

int main(void)
{
    ot_begin("os_audit_models");
    uint32_t sec = 0, log = HANDLE_NONE;
    if (!OT_RC(core_security_connect(&sec), rcOk) || !OT_RC(ot_audit_open_kss(&log), rcOk))
        return ot_end();
    static struct outcome out[NCASES];
    bool whole = false;
    for (int attempt = 0; attempt < 6 && !whole; attempt++) {
        uint32_t dropped = 0;
        for (int c = 0; c < NCASES; c++) {
            out[c] = (struct outcome){0};
            read_records(log, NULL, &out[c], &dropped); /* to its end: only what follows counts */
            out[c].rc = ask(sec, c);
            read_records(log, cases[c].method, &out[c], &dropped);
        }
        whole = dropped == 0; /* else a record may be lost, or missing for that reason */
        if (!whole)
            printf("os_audit_models: kss lost %u records meanwhile, again\n", dropped);
    }
    OT_TRUE(whole);
    for (int c = 0; c < NCASES; c++) {
        bool ok = OT_RC(out[c].rc, cases[c].want);
        ok &= OT_EQ(out[c].records, cases[c].records);
        if (cases[c].has)
            ok &= OT_TRUE(strstr(out[c].line, cases[c].has) != NULL);
        if (cases[c].has_not)
            ok &= OT_TRUE(strstr(out[c].line, cases[c].has_not) == NULL);
        if (!ok || out[c].records != 0)
            printf("os_audit_models: %s (case %d): %u record(s)%s%s\n", cases[c].method, c,
                   out[c].records, out[c].records ? ": " : "", out[c].line);
    }
    OT_RC(ot_audit_close(log), rcOk);
    return ot_end();
}
