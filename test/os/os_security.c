/*
 * os_security: the security interface (Handle.SecurityConnect, kern/security/sec_iface.c). The
 * process asks the KSM questions of its own class's security interface (ostest.SecQuery) and
 * the policy's `security` rules answer: Check(1) granted, Check(2) denied by its condition,
 * Other() denied by default; a malformed message is refused before any decision; a second
 * connection works the same.
 */
#include <stdint.h>

#include <user/core.h>
#include <user/ipc.h>

#include "ostest.h"
#include "ostest/SecQuery.idl.h"

static _Alignas(8) uint8_t req[256], res[256];

static void ask(uint32_t handle)
{
    struct ipc_channel ch = {.handle = handle, .timeout_ms = IPC_FOREVER};
    struct idl_client cl;
    ipc_client_init(&cl, &ch, 0, req, sizeof req, res, sizeof res);
    OT_RC(ostest_SecQuery_Check(&cl, 1), rcOk);
    OT_RC(ostest_SecQuery_Check(&cl, 2), rcSecurityDisallow);
    OT_RC(ostest_SecQuery_Check(&cl, 0xFFFFFFFFu), rcSecurityDisallow);
    OT_RC(ostest_SecQuery_Other(&cl, 5), rcSecurityDisallow);
    OT_RC(ostest_SecQuery_Check(&cl, 1), rcOk); /* a denial changes nothing for the next */
}

int main(void)
{
    ot_begin("os_security");
    uint32_t h1 = 0, h2 = 0;
    if (!OT_RC(core_security_connect(&h1), rcOk))
        return ot_end();
    OT_TRUE(h1 != 0);
    ask(h1);

    /* Not an IPC request: a header whose sizes do not add up to the length. */
    _Alignas(8) uint8_t bad[32] = {0};
    bad[8] = 64; /* fixed_size 64, but only 8 bytes follow the header */
    size_t got = 0;
    OT_RC(ipc_call(h1, bad, sizeof bad, res, sizeof res, &got, IPC_FOREVER), rcBadMessage);
    /* A response buffer too small for even the header. */
    OT_RC(ipc_call(h1, req, 24, res, 8, &got, IPC_FOREVER), rcBufferTooSmall);

    OT_RC(core_security_connect(&h2), rcOk);
    OT_TRUE(h2 != 0 && h2 != h1);
    ask(h2);
    return ot_end();
}
