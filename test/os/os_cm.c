/*
 * os_cm (class ostest.Cm): dynamic IPC channels through kl.core.CM, between processes found by
 * name (docs/connection-manager.md). Its server is os_cm_server's CmServer.
 *
 *   - A Listen nobody answers times out (rcTimeout); Accept and Drop of a request nobody made
 *     are rcNoConnectRequest.
 *   - Connect("CmServer", "echo") is accepted: the endpoint id is the server's, and messages
 *     flow over the new channel (Probe.Echo), each decided by the policy between the classes.
 *   - Connect for "refuse" is dropped (rcConnectDropped); for "ignore" it times out after its
 *     200 ms (rcTimeout); for "late" it times out after 1 s, and the server's Accept 1.5 s after
 *     its Listen finds no request (rcNoConnectRequest, reported by the server's Stats).
 *   - A second "echo" channel whose client end it closes: the server's Recv on that end
 *     returns rcClientGone within a second (counted in the server's Stats), and the first
 *     channel is still served.
 *   - The policy lets it ask only CmServer: a Connect to ProbeServer is denied by the KSM
 *     (rcSecurityDisallow) before any request is made.
 *   - Last, CmServer takes a request for "doomed" and ends: the waiting Connect wakes with
 *     rcServerGone, and a Connect after that finds no such server (rcNotFound).
 *
 * With the argument "bystander" (task CmBystander, class ostest.CmBystander) it is instead
 * os_attack_cm's bystander: it asks CmVictim for "bystander" until accepted while the
 * attacker's flood waits, echoes over the channel and prints one line.
 */
#include <stdio.h>
#include <string.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>

#include "handle_calls.h"
#include "ostest.h"
#include "ostest/CmServer.edl.h"
#include "ostest/CmVictim.edl.h"

#define SRV_DROP 1u /* os_cm_server.c */
#define SRV_LATE 2u

static uint64_t now_ms(void)
{
    uint64_t v[1] = {0};
    uint32_t n = 0;
    (void)ot_counters("time.monotonic_ns", v, 1, &n);
    return v[0] / 1000000u;
}

struct chan {
    struct ipc_channel ch;
    struct idl_client cl;
    _Alignas(8) uint8_t req[512], res[512];
};

static bool echo_over(struct chan *c, uint32_t handle, uint32_t riid)
{
    c->ch.handle = handle;
    c->ch.timeout_ms = 5000;
    ipc_client_init(&c->cl, &c->ch, riid, c->req, sizeof c->req, c->res, sizeof c->res);
    static const char hello[] = "over a channel made by CM";
    struct idl_seq back = {0};
    uint64_t served = 0;
    return OT_RC(ostest_Probe_Echo(&c->cl, (struct idl_seq){.data = hello, .count = sizeof hello},
                                   &back, &served),
                 rcOk) &&
           OT_TRUE(back.count == sizeof hello && memcmp(back.data, hello, sizeof hello) == 0);
}

static int bystander(void)
{
    for (int i = 0; i < 150; i++) {
        uint32_t h, riid;
        Retcode r = cm_connect("CmVictim", "bystander", 2000, &h, &riid);
        if (r == rcOk) {
            static struct chan c;
            ot_begin("os_cm");
            if (OT_EQ(riid, ostest_CmVictim_EP_cm) && echo_over(&c, h, riid)) {
                printf("os_cm: CmVictim accepted the bystander while the flood waited\n");
                return 0;
            }
            printf("os_cm: the bystander's channel to CmVictim failed\n");
            return 1;
        }
        core_thread_sleep(100); /* rcConnectDropped (the flood is not there yet), rcNotFound */
    }
    printf("os_cm: CmVictim never accepted the bystander\n");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bystander") == 0)
        return bystander();
    ot_begin("os_cm");
    char client[CM_NAME_MAX + 1], service[CM_SERVICE_MAX + 1];
    uint32_t h = 0, riid = 0;

    /* Nobody asks this process for anything. */
    OT_RC(cm_listen(100, client, service), rcTimeout);
    OT_RC(cm_accept("NoSuchClient", "echo", 1, kl_core_Types_InvalidHandleValue, &h),
          rcNoConnectRequest);
    OT_RC(cm_drop("NoSuchClient", "echo"), rcNoConnectRequest);
    OT_RC(cm_connect("CmServer", "", 100, &h, &riid), rcInvalidArgument);

    /* Accepted: messages flow over the new channel. */
    static struct chan echo;
    struct ipc_channel made;
    if (OT_RC(cm_connect_retry("CmServer", "echo", 5000, &made, &riid), rcOk) &&
        OT_EQ(riid, ostest_CmServer_EP_cm))
        echo_over(&echo, made.handle, riid);

    /* Refused, and unanswered. */
    OT_RC(cm_connect("CmServer", "refuse", 5000, &h, &riid), rcConnectDropped);
    uint64_t t0 = now_ms();
    OT_RC(cm_connect("CmServer", "ignore", 200, &h, &riid), rcTimeout);
    uint64_t waited = now_ms() - t0;
    OT_TRUE(waited >= 190 && waited < 2000);

    /* Answered too late: the client gave up, the server's Accept finds nothing. */
    OT_RC(cm_connect("CmServer", "late", 1000, &h, &riid), rcTimeout);
    uint64_t served = 0, lost = 0, refused = 0;
    uint32_t srv_bits = 0;
    for (int i = 0; i < 50 && !(srv_bits & SRV_LATE); i++) {
        core_thread_sleep(100); /* the server answers 1.5 s after it took the request */
        if (!OT_RC(ostest_Probe_Stats(&echo.cl, &served, &lost, &srv_bits, &refused), rcOk))
            break;
    }
    OT_TRUE(srv_bits & SRV_DROP);
    OT_TRUE(srv_bits & SRV_LATE);
    OT_EQ(lost, 0);

    /* A channel whose client end is closed: the server's Recv on its end returns rcClientGone
     * at once (its thread ends and the server counts it), not after some polling period. */
    static struct chan second;
    struct ipc_channel made2;
    if (OT_RC(cm_connect_retry("CmServer", "echo", 5000, &made2, &riid), rcOk) &&
        echo_over(&second, made2.handle, riid)) {
        OT_RC(hc_close(made2.handle), rcOk);
        t0 = now_ms();
        int polls = 0;
        for (; polls < 100 && lost == 0; polls++) {
            core_thread_sleep(10);
            if (!OT_RC(ostest_Probe_Stats(&echo.cl, &served, &lost, &srv_bits, &refused), rcOk))
                break;
        }
        OT_EQ(lost, 1);
        printf("os_cm: the server saw the closed channel's end after %u ms (%d polls)\n",
               (unsigned)(now_ms() - t0), polls);
        /* The first channel, still held, is still served. */
        OT_TRUE(echo_over(&echo, made.handle, ostest_CmServer_EP_cm));
    }

    /* The policy names whom it may ask: the KSM denies the rest. */
    OT_RC(cm_connect("ProbeServer", "probe", 100, &h, &riid), rcSecurityDisallow);

    /* A server that ends with the request waiting wakes its client. */
    OT_RC(cm_connect("CmServer", "doomed", 10000, &h, &riid), rcServerGone);
    /* Once the reaper is done with it, its name is gone too (until then: rcServerGone). */
    Retcode after = rcServerGone;
    for (int i = 0; i < 40 && after == rcServerGone; i++) {
        core_thread_sleep(50);
        after = cm_connect("CmServer", "echo", 100, &h, &riid);
    }
    OT_RC(after, rcNotFound);

    /* A server that never listens: the retrying connect keeps asking for about 5 s (the
     * bound <user/cm.h> gives, written out here so that a changed count shows), then gives up
     * with what CM said, not for ever. */
    t0 = now_ms();
    OT_RC(cm_connect_retry("CmServer", "echo", 100, &made, &riid), rcNotFound);
    waited = now_ms() - t0;
    OT_TRUE(waited >= 4500 && waited < 60000); /* a loaded host stretches each try */

    printf("os_cm: accepted, dropped, timed out both sides, client end gone, denied, server gone, "
           "retried\n");
    return ot_end();
}
