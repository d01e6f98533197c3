/*
 * os_audit: the kss log from user mode (kl.core.Audit, kern/core/audit.c). Opening names only
 * "kss" ("core" is refused as not kept, anything else as unknown); a denial this process
 * provokes (io.IO.RegisterPort, refused by a rule of ostest.psl) comes back as one line with
 * its task, class, method and the rule's place; an empty log says rcNotFound; a closed handle,
 * or a handle of another kind, reads nothing.
 *
 * The image's other tests deny hundreds of requests at the same time (os_ksm_load) and Read
 * takes records for everyone, so the check drains the log, provokes its denial and looks for
 * it at once; if the ring lost records meanwhile (outDropMsgs), it tries again.
 */
#include <stdint.h>
#include <string.h>

#include <user/core.h>
#include <user/start.h>

#include "ostest.h"

#define CL(ep, cap)                                                                          \
    CORE_CLIENT(cl, kl_core_Core_EP_##ep, cap);                                              \
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

/* One record as a NUL-terminated line in line[cap]; *dropped adds the losses reported. */
static Retcode audit_read(uint32_t h, char *line, size_t cap, uint32_t *dropped)
{
    CL(audit_Audit, CORE_MSG_MEDIUM);
    struct idl_seq msg = {0};
    uint32_t drop = 0;
    Retcode r = core_result(kl_core_Audit_Read(&cl, core_handle_arg(h), &msg, &drop, &rc), &rc);
    line[0] = 0;
    if (r == rcOk) {
        size_t n = msg.count < cap - 1 ? msg.count : cap - 1;
        memcpy(line, msg.data, n);
        line[n] = 0;
        *dropped += drop;
    }
    return r;
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
    OT_RC(audit_open("core", &h), rcNotSupported);
    OT_RC(audit_open("nope", &h), rcNotFound);
    OT_RC(audit_open("", &h), rcNotFound);
}

static void own_denial_is_logged(uint32_t h)
{
    static char line[1100];
    bool found = false;
    for (int attempt = 0; attempt < 5 && !found; attempt++) {
        uint32_t dropped = 0;
        while (audit_read(h, line, sizeof line, &dropped) == rcOk) {
        }
        OT_RC(register_port_0x60(), rcSecurityDisallow);
        dropped = 0;
        Retcode r;
        while (!found && (r = audit_read(h, line, sizeof line, &dropped)) == rcOk)
            found = strstr(line, " denied rcSecurityDisallow sid ") != NULL &&
                    strstr(line, "request Audit[ostest.Audit] -> kernel[kl.core.Core] io.IO.RegisterPort: rule at "
                                 "ostest.psl:") != NULL;
        if (!found && dropped == 0)
            break; /* nothing was lost, yet it is not there: a real failure */
    }
    OT_TRUE(found);
    if (!found)
        ot_check(false, __LINE__, "last line read", "%s", line);
    OT_TRUE(strncmp(line, "seq=", 4) == 0);
}

int main(void)
{
    ot_begin("os_audit");
    names();
    uint32_t h = 0;
    if (!OT_RC(audit_open("kss", &h), rcOk))
        return ot_end();
    own_denial_is_logged(h);
    /* Reading on until the log is empty ends with rcNotFound (the other tests may add records
     * meanwhile, so this reads until it is, however long that takes). */
    static char line[1100];
    uint32_t dropped = 0;
    Retcode r;
    while ((r = audit_read(h, line, sizeof line, &dropped)) == rcOk) {
    }
    OT_RC(r, rcNotFound);
    /* Not an audit log: the kernel handle. Then a closed one. */
    OT_FAILS(audit_read(core_handle(), line, sizeof line, &dropped));
    OT_RC(audit_close(h), rcOk);
    OT_FAILS(audit_read(h, line, sizeof line, &dropped));
    OT_FAILS(audit_close(h));
    return ot_end();
}
