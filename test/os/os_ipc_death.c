/*
 * os_ipc_death: server death. Asks its own os_probe_server ("DyingServer", channel "dying") to
 * exit in the middle of the call: the pending call and every later one get rcPeerClosed, and
 * this process goes on.
 */
#include <user/core.h>
#include <user/ipc.h>

#include "ostest.h"
#include "ostest/ProbeServer.edl.h"

#define MSG_MAX 512u

int main(void)
{
    ot_begin("os_ipc_death");
    static _Alignas(8) uint8_t req[MSG_MAX], res[MSG_MAX];
    struct ipc_channel ch;
    struct idl_client cl;
    if (!OT_RC(ipc_connect(&ch, "dying"), rcOk))
        return ot_end();
    ipc_client_init(&cl, &ch, ostest_ProbeServer_EP_probe, req, sizeof req, res, sizeof res);
    uint32_t slept = 0, never = 0;
    OT_RC(ostest_Probe_Delay(&cl, 1, &slept), rcOk); /* it is alive */
    OT_RC(ostest_Probe_Exit(&cl, 7, &never), rcPeerClosed);
    OT_RC(ostest_Probe_Delay(&cl, 1, &slept), rcPeerClosed);
    ch.timeout_ms = 500; /* a dead server must not make a call wait for its timeout either */
    OT_RC(ostest_Probe_Delay(&cl, 1, &slept), rcPeerClosed);
    return ot_end();
}
