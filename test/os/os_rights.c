/*
 * os_rights: every handle right restricts what its name says (<bastion/rights.h>,
 * docs/handles-and-rights.md), checked with handles narrowed by Handle.Copy (class
 * ostest.Rights):
 *   - MdlGetSize needs HR_READ: a map-and-write-only copy of a buffer's handle is refused;
 *   - closing one's own handle needs no right (FS.Close, Audit.Close work on a copy with none),
 *     while reading through that copy is refused;
 *   - the execute bit the kernel no longer defines is in no buffer handle, and a copy cannot
 *     ask for it;
 *   - tagging a copy with a badge needs HR_BADGE_TAG on the badge's handle: a copy of the
 *     badge without it tags nothing (rcAccessDenied), the badge itself does.
 */
#include <stdint.h>
#include <string.h>

#include <user/core.h>
#include <user/start.h>
#include <user/vmm.h>
#include <bastion/vmm.h>

#include "handle_calls.h"
#include "ostest.h"
#include <bastion/rights.h>

#define H(v) core_handle_arg(v)
#define PAGE 4096ull
/* General bit 2 names no right any more (execute): no buffer handle carries it. */
#define OLD_EXECUTE (1u << 2)

static Retcode copy(uint32_t from, uint32_t rights, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    Retcode r = core_result(
        kl_core_Handle_Copy(&cl, H(from), rights, H(kl_core_Types_InvalidHandleValue), &h, &rc),
        &rc);
    *out = h.handle;
    return r;
}

static void mdl_get_size_needs_read(void)
{
    uint32_t h = 0, no_read = 0;
    uint64_t size = 0;
    if (!OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &h), rcOk))
        return;
    OT_RC(core_mdl_get_size(h, &size), rcOk);
    OT_EQ(size, PAGE);
    if (OT_RC(copy(h, HR_MEMORY_MAP | HR_WRITE, &no_read), rcOk)) {
        size = 0;
        OT_RC(core_mdl_get_size(no_read, &size), rcAccessDenied);
        OT_EQ(size, 0);
    }
    uint32_t x = 0;
    OT_RC(copy(h, HR_READ | OLD_EXECUTE, &x), rcAccessDenied);
}

static void close_needs_no_right(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_audit_Audit, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t log = {0};
    if (!OT_RC(core_result(kl_core_Audit_Open(&cl, "kss", &log, &rc), &rc), rcOk))
        return;
    OT_EQ(log.rights, HR_READ | HR_BASIC);
    uint32_t none = 0;
    if (OT_RC(copy(log.handle, HR_NONE, &none), rcOk)) {
        struct idl_seq msg = {0};
        uint32_t drop = 0;
        OT_RC(core_result(kl_core_Audit_Read(&cl, H(none), &msg, &drop, &rc), &rc), rcAccessDenied);
        OT_RC(core_result(kl_core_Audit_Close(&cl, H(none), &rc), &rc), rcOk);
    }
    /* A handle of another kind is not closed as an audit log. */
    OT_RC(core_result(kl_core_Audit_Close(&cl, H(core_handle()), &rc), &rc), rcBadHandle);
    OT_RC(core_result(kl_core_Audit_Close(&cl, log, &rc), &rc), rcOk);

    CORE_CLIENT(fcl, kl_core_Core_EP_fs_FS, CORE_MSG_MEDIUM);
    idl_handle_t f = {0};
    if (OT_RC(core_result(kl_core_FS_Open(&fcl, "os_rights", &f, &rc), &rc), rcOk)) {
        if (OT_RC(copy(f.handle, HR_NONE, &none), rcOk))
            OT_RC(core_result(kl_core_FS_Close(&fcl, H(none), &rc), &rc), rcOk);
        OT_RC(core_result(kl_core_FS_Close(&fcl, f, &rc), &rc), rcOk);
    }
}

static void badge_tag_needs_its_right(void)
{
    uint32_t badge = HANDLE_NONE, untagging = HANDLE_NONE, buf = 0, out = HANDLE_NONE;
    if (!OT_RC(hc_badge(HANDLE_NONE, 7, &badge), rcOk))
        return;
    if (!OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_WRITE, &buf), rcOk))
        return;
    if (OT_RC(copy(badge, HR_BASIC, &untagging), rcOk))
        OT_RC(hc_copy(buf, HR_READ, untagging, &out), rcAccessDenied);
    OT_RC(hc_copy(buf, HR_READ, badge, &out), rcOk);
}

int main(void)
{
    ot_begin("os_rights");
    /* Start after the image's timing-sensitive IPC tests are past their first seconds (every
     * call here is a decision of the KSM, which they share). */
    core_thread_sleep(2000);
    mdl_get_size_needs_read();
    close_needs_no_right();
    badge_tag_needs_its_right();
    return ot_end();
}
