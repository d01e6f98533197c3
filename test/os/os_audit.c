/*
 * os_audit: the kernel's logs from user mode (kl.core.Audit, kern/klcore/Audit.c). Opening names
 * "kss" or "core" (anything else is unknown); a denial this process
 * provokes (io.IO.RegisterPort, refused by a rule of ostest.psl) comes back as one line with
 * its task, class, method and the rule's place; an empty log says rcNotFound; a closed handle,
 * or a handle of another kind, reads nothing.
 *
 * The image's other tests deny hundreds of requests at the same time (os_ksm_load), so the
 * check reads its reader to the end, provokes its denial and looks for it at once; if the ring
 * lost records meanwhile (outDropMsgs), it tries again.
 *
 * Every reader has its own cursor: two readers of this process both find the denial, and a
 * drainer (a child of class ostest.AuditDrainer, this program with argument "drain") that
 * reads the log the whole time takes nothing from this process's reader:
 * the abuse of Audit.Read ("extracts messages so that they are not received by another
 * process") is stopped.
 *
 * The core log (security/core_log.h): the drainer's start (by this process) and its normal end
 * with its exit code come back as lines of it; the drainer's class may read kss but not core
 * (its policy asserts the name), so its Open("core") is rcSecurityDisallow.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/start.h>

#include "ostest.h"
#include "spawn.h"

#define CL(ep, cap)                             \
    CORE_CLIENT(cl, kl_core_Core_EP_##ep, cap); \
    kl_core_Types_Retcode rc = rcFail

static Retcode audit_open(const char *name, uint32_t *h)
{
    CL(audit_Audit, CORE_MSG_SMALL);
    idl_handle_t out = {0, 0};
    Retcode r = core_result(kl_core_Audit_Open(&cl, name, &out, &rc), &rc);
    *h = out.handle;
    return r;
}

static Retcode audit_close(uint32_t h)
{
    CL(audit_Audit, CORE_MSG_SMALL);
    return core_result(kl_core_Audit_Close(&cl, core_handle_arg(h), &rc), &rc);
}

static Retcode register_port_0x60(void)
{
    CL(io_IO, CORE_MSG_SMALL);
    idl_handle_t res = {0, 0};
    return core_result(kl_core_IO_RegisterPort(&cl, 0x60, 1, &res, &rc), &rc);
}

static void names(void)
{
    uint32_t h = 0;
    if (OT_RC(audit_open("core", &h), rcOk))
        OT_RC(audit_close(h), rcOk);
    OT_RC(audit_open("nope", &h), rcNotFound);
    OT_RC(audit_open("", &h), rcNotFound);
}

/* Reads h to its end, provokes a denial and reads until it is found: its record number, or
 * ~0 if it was not found (a failure already reported). */
static uint64_t own_denial_is_logged(uint32_t h)
{
    static char line[1100];
    bool found = false;
    for (int attempt = 0; attempt < 5 && !found; attempt++) {
        uint32_t dropped = 0;
        while (ot_audit_read(h, line, sizeof line, &dropped) == rcOk) {
        }
        OT_RC(register_port_0x60(), rcSecurityDisallow);
        dropped = 0;
        Retcode r;
        while (!found && (r = ot_audit_read(h, line, sizeof line, &dropped)) == rcOk)
            found = strstr(line, " denied rcSecurityDisallow sid ") != NULL &&
                    strstr(line, "request Audit[ostest.Audit] -> kernel[kl.core.Core] "
                                 "io.IO.RegisterPort: rule at "
                                 "ostest.psl:") != NULL;
        if (!found && dropped == 0)
            break; /* nothing was lost, yet it is not there: a real failure */
    }
    OT_TRUE(found);
    if (!found) {
        ot_check(false, __LINE__, "last line read", "%s", line);
        return ~0ull;
    }
    OT_TRUE(strncmp(line, "seq=", 4) == 0);
    return strtoul(line + 4, NULL, 10);
}

/* Reads h until record seq (true) or the end (false); *dropped: records lost to h meanwhile. */
static bool reader_finds(uint32_t h, uint64_t seq, uint32_t *dropped)
{
    static char line[1100];
    *dropped = 0;
    while (ot_audit_read(h, line, sizeof line, dropped) == rcOk)
        if (strtoul(line + 4, NULL, 10) == seq)
            return true;
    return false;
}

/* Two readers of one process: both see the same record; reading one moves only its cursor. A
 * second reader that lost records (other programs' denials overran its cursor in the ring)
 * tries with a new denial; one that lost none and still misses the record is a failure. */
static bool two_readers(uint32_t a)
{
    uint32_t b = 0;
    if (!OT_RC(audit_open("kss", &b), rcOk))
        return false;
    bool both = false;
    for (int attempt = 0; attempt < 5 && !both; attempt++) {
        uint64_t seq = own_denial_is_logged(a);
        uint32_t dropped = 0;
        both = seq != ~0ull && reader_finds(b, seq, &dropped);
        if (!both && (seq == ~0ull || dropped == 0))
            break;
    }
    OT_TRUE(both);
    OT_RC(audit_close(b), rcOk);
    return both;
}

/* The attacker: reads the log for about a second, well past the parent's check, pausing a
 * millisecond between Reads (each is a decision of the KSM, which the other tests need too).
 * Exit status 0 if it read records. */
static int drain(void)
{
    uint32_t h = 0;
    if (audit_open("kss", &h) != rcOk)
        return 2;
    uint32_t core = 0;
    if (audit_open("core", &core) != rcSecurityDisallow)
        return 3; /* its class may not read the core log */
    static char line[1100];
    uint64_t taken = 0;
    for (int round = 0; round < 600; round++) {
        uint32_t dropped = 0;
        if (ot_audit_read(h, line, sizeof line, &dropped) == rcOk)
            taken++;
        else
            core_thread_sleep(1);
    }
    printf("os_audit: the drainer read %llu records\n", (unsigned long long)taken);
    return taken > 0 ? 0 : 1;
}

/* Reads the core log reader h to its end; found[i] is set when a line held want[i]. */
static void core_log_scan(uint32_t h, const char *const *want, bool *found, int n)
{
    static char line[1100];
    uint32_t dropped = 0;
    while (ot_audit_read(h, line, sizeof line, &dropped) == rcOk)
        for (int i = 0; i < n; i++)
            if (strstr(line, want[i]) != NULL) {
                found[i] = true;
                printf("os_audit: core log: %s\n", strchr(line, ' ') + 1);
            }
    if (dropped != 0)
        printf("os_audit: core log: %u records lost before they were read\n", dropped);
}

/* A drainer runs meanwhile in another process; this process's reader still finds its own
 * denial, and this process is still served afterwards. The attack counts as stopped only if
 * the two readers above saw the same record too (a race with the drainer may miss a take). */
static void drainer_takes_nothing(uint32_t h, bool readers_ok)
{
    uint32_t task = 0;
    uint32_t core = 0;
    bool seen[2] = {false, false};
    if (OT_RC(audit_open("core", &core), rcOk))
        core_log_scan(core, NULL, seen, 0); /* to its end: only what follows counts */
    if (!OT_RC(spawn("AuditDrainer", "ostest.AuditDrainer", "os_audit", "drain", 0, &task), rcOk))
        return;
    core_thread_sleep(100); /* let it start draining */
    /* The core log saw it start (by us), and later end normally. Each is read soon after it
     * happened: the ring holds 128 records, and the image's other tests start and end
     * processes meanwhile. */
    static const char *const want[2] = {" name=AuditDrainer class=ostest.AuditDrainer by=",
                                        " name=AuditDrainer class=ostest.AuditDrainer reason=exit "
                                        "code=0"};
    core_log_scan(core, want, seen, 2);
    bool found = own_denial_is_logged(h) != ~0ull;
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    bool drained = OT_RC(spawn_wait(task, 10000, &why, &info), rcOk) && OT_EQ(info.u.exitCode, 0);
    core_log_scan(core, want, seen, 2);
    bool served = OT_RC(register_port_0x60(), rcSecurityDisallow);
    OT_TRUE(seen[0]);
    OT_TRUE(seen[1]);
    OT_RC(audit_close(core), rcOk);
    if (readers_ok && found && drained && served)
        ot_attack("kl.core.Audit.Read", true);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "drain") == 0)
        return drain();
    ot_begin("os_audit");
    names();
    uint32_t h = 0;
    if (!OT_RC(audit_open("kss", &h), rcOk))
        return ot_end();
    own_denial_is_logged(h);
    drainer_takes_nothing(h, two_readers(h));
    /* Reading on until the log is empty ends with rcNotFound (the other tests may add records
     * meanwhile, so this reads until it is, however long that takes). */
    static char line[1100];
    uint32_t dropped = 0;
    Retcode r;
    while ((r = ot_audit_read(h, line, sizeof line, &dropped)) == rcOk) {
    }
    OT_RC(r, rcNotFound);
    /* Not an audit log: the kernel handle. Then a closed one. */
    OT_FAILS(ot_audit_read(core_handle(), line, sizeof line, &dropped));
    OT_RC(audit_close(h), rcOk);
    OT_FAILS(ot_audit_read(h, line, sizeof line, &dropped));
    OT_FAILS(audit_close(h));
    return ot_end();
}
