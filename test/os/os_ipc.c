/*
 * os_ipc: IPC round trips against os_probe_server, call timeouts, refused messages, a Recv
 * timeout (reported by the server), and that a server is not stuck after its client gave up
 * (our own timed-out call) or died (os_client_death dies in the middle of a call on
 * VictimServer, whose channel "victim" we share).
 */
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>

#include "ostest.h"
#include "ostest/ProbeServer.edl.h"

#define MSG_MAX 8192u

static _Alignas(8) uint8_t req[MSG_MAX], res[MSG_MAX];
static uint8_t data[ostest_Probe_DataMax];
static struct ipc_channel ch;
static struct idl_client cl;

static void round_trips(void)
{
    static const uint32_t sizes[] = {0, 1, 7, 8, 100, 1000, 4095, 4096};
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint32_t n = sizes[i];
        for (uint32_t k = 0; k < n; k++)
            data[k] = (uint8_t)(k * 7 + i);
        struct idl_seq back = {0};
        uint64_t served = 0;
        if (!OT_RC(
                ostest_Probe_Echo(&cl, (struct idl_seq){.data = data, .count = n}, &back, &served),
                rcOk))
            continue;
        OT_EQ(back.count, n);
        OT_TRUE(back.count != n || n == 0 || memcmp(back.data, data, n) == 0);
    }
    /* Many small ones: the count the server reports grows by one per call. */
    uint64_t first = 0, last = 0;
    int ok = 1;
    for (int i = 0; i < 200 && ok; i++) {
        struct idl_seq back;
        uint64_t served;
        ok = ostest_Probe_Echo(&cl, (struct idl_seq){.data = data, .count = 16}, &back, &served) ==
             rcOk;
        if (i == 0)
            first = served;
        last = served;
    }
    OT_TRUE(ok);
    OT_TRUE(last >= first + 199);
    /* Too long for the interface: refused before it is sent. */
    struct idl_seq back;
    uint64_t served;
    static uint8_t big[ostest_Probe_DataMax + 1];
    OT_RC(
        ostest_Probe_Echo(&cl, (struct idl_seq){.data = big, .count = sizeof big}, &back, &served),
        rcBadMessage);
}

static void refused_messages(void)
{
    /* A method or an endpoint the server's class does not have: the KSM refuses it before the
     * server sees it (no policy can grant what the class's EDL does not declare). */
    struct idl_header h = {
        .endpoint_id = ostest_ProbeServer_EP_probe, .method_id = 77, .fixed_size = 0};
    size_t len = 0;
    OT_RC(ipc_call(ch.handle, &h, sizeof h, res, sizeof res, &len, 2000), rcSecurityDisallow);
    h.endpoint_id = 9;
    h.method_id = 0;
    OT_RC(ipc_call(ch.handle, &h, sizeof h, res, sizeof res, &len, 2000), rcSecurityDisallow);
    /* Shorter than a header: the kernel refuses it. */
    OT_RC(ipc_call(ch.handle, &h, 3, res, sizeof res, &len, 2000), rcBadMessage);
    /* A granted method whose body the server cannot decode (Echo without its fixed part): the
     * server's dispatcher answers with a bare error header, twice. */
    for (int i = 0; i < 2; i++) {
        h.endpoint_id = ostest_ProbeServer_EP_probe;
        h.method_id = ostest_Probe_Echo_MID;
        Retcode r = ipc_call(ch.handle, &h, sizeof h, res, sizeof res, &len, 2000);
        OT_RC(r, rcOk);
        if (r == rcOk) {
            struct idl_header back;
            OT_EQ(len, sizeof back);
            memcpy(&back, res, sizeof back);
            OT_EQ(back.flags, IDL_FLAG_RESPONSE | IDL_FLAG_ERROR);
        }
    }
    /* Bad buffers are the kernel's to refuse, not a crash of this process. */
    OT_FAILS(ipc_call(ch.handle, (void *)16, 64, res, sizeof res, &len, 2000));
    OT_FAILS(ipc_call(ch.handle, &h, sizeof h, (void *)0xFFFF800000001000ull, 4096, &len, 2000));
    /* A handle this process does not have. */
    OT_FAILS(ipc_call(0xFFFFu, &h, sizeof h, res, sizeof res, &len, 2000));
    /* The reply does not fit the response buffer. */
    struct idl_seq back;
    uint64_t served;
    struct idl_client small = cl;
    small.res_cap = 64;
    OT_RC(ostest_Probe_Echo(&small, (struct idl_seq){.data = data, .count = 1000}, &back, &served),
          rcBufferTooSmall);
}

static void timeouts(void)
{
    uint32_t slept = 0;
    /* The server's delay is 30 times the timeout: on a loaded host a virtual CPU can stand still
     * for hundreds of milliseconds, and the timeout must still fire first. */
    ch.timeout_ms = 100;
    OT_RC(ostest_Probe_Delay(&cl, 3000, &slept), rcTimeout);
    ch.timeout_ms = IPC_FOREVER;
    /* The server is busy for the rest of the 3 s, then serves us again. */
    OT_RC(ostest_Probe_Delay(&cl, 1, &slept), rcOk);
    OT_EQ(slept, 1);
}

/* One call on "idle": the server's watcher answers it with a ReplyRecv whose 50 ms receive then
 * times out (bit 4 of its Stats idle field); our call must get its answer regardless. */
static void reply_recv_timeout(void)
{
    static _Alignas(8) uint8_t ireq[MSG_MAX], ires[MSG_MAX];
    struct ipc_channel ich;
    struct idl_client icl;
    if (!OT_RC(ipc_connect(&ich, "idle"), rcOk))
        return;
    ipc_client_init(&icl, &ich, ostest_ProbeServer_EP_probe, ireq, sizeof ireq, ires, sizeof ires);
    ich.timeout_ms = 10000;
    struct idl_seq back;
    uint64_t served = 0, lost = 0, refused = 0;
    uint32_t idle = 0;
    OT_RC(ostest_Probe_Echo(&icl, (struct idl_seq){.data = data, .count = 3}, &back, &served),
          rcOk);
    OT_EQ(back.count, 3);
    Retcode r = rcOk;
    for (int i = 0; i < 50 && r == rcOk && idle != 7; i++) {
        core_thread_sleep(100);
        r = ostest_Probe_Stats(&cl, &served, &lost, &idle, &refused);
    }
    OT_RC(r, rcOk);
    OT_EQ(idle, 7);
}

int main(void)
{
    ot_begin("os_ipc");
    if (!OT_RC(ipc_connect(&ch, "probe"), rcOk))
        return ot_end();
    ipc_client_init(&cl, &ch, ostest_ProbeServer_EP_probe, req, sizeof req, res, sizeof res);
    round_trips();
    refused_messages();
    timeouts();
    uint64_t served = 0, lost = 0, refused = 0;
    uint32_t idle = 0;
    Retcode sr = ostest_Probe_Stats(&cl, &served, &lost, &idle, &refused);
    OT_RC(sr, rcOk);
    OT_TRUE(lost >= 1);    /* our timed-out call */
    OT_TRUE(refused >= 2); /* the two undecodable Echo requests */
    OT_TRUE(served >= 200);
    /* The server's Recv and ReplyRecv(token 0) timeouts (50 ms each, long over by now unless
     * the host is very slow): wait for both before calling on "idle", or that call would be
     * the request the second one receives. */
    for (int i = 0; i < 50 && sr == rcOk && idle != 3; i++) {
        core_thread_sleep(100);
        sr = ostest_Probe_Stats(&cl, &served, &lost, &idle, &refused);
    }
    if (OT_EQ(idle, 3))
        reply_recv_timeout();

    /* os_client_death dies inside a 10 s call on VictimServer (it starts with us and dies about
     * 1 s after its call went out): once that call is over, the server has a lost reply and
     * still answers. Our Stats call waits behind the Delay; ask again for a while in case we
     * got in before it. */
    core_thread_sleep(1000);
    static _Alignas(8) uint8_t vreq[MSG_MAX], vres[MSG_MAX];
    struct ipc_channel vch;
    struct idl_client vcl;
    if (OT_RC(ipc_connect(&vch, "victim"), rcOk)) {
        ipc_client_init(&vcl, &vch, ostest_ProbeServer_EP_probe, vreq, sizeof vreq, vres,
                        sizeof vres);
        vch.timeout_ms = 20000;
        Retcode r = rcOk;
        lost = 0;
        for (int i = 0; i < 60 && r == rcOk && lost == 0; i++) { /* 30 s, for a loaded host */
            r = ostest_Probe_Stats(&vcl, &served, &lost, &idle, &refused);
            if (lost == 0)
                core_thread_sleep(500);
        }
        OT_RC(r, rcOk);
        OT_EQ(lost, 1);
        struct idl_seq back;
        OT_RC(ostest_Probe_Echo(&vcl, (struct idl_seq){.data = data, .count = 5}, &back, &served),
              rcOk);
    }
    return ot_end();
}
