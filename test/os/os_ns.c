/*
 * os_ns (class ostest.Ns): the name server (services/ns, docs/connection-manager.md): a client
 * finds servers by interface and connects to them through kl.core.CM. Its publishers are
 * os_ns_server's NsServer and NsMortal.
 *
 *   - A second channel to the name server from this process is dropped (rcConnectDropped).
 *   - Its own Publish is denied by the policy (rcSecurityDisallow): clients may only enumerate.
 *   - It finds NsServer's "echo" (ostest.Probe) by enumeration, connects with
 *     ns_connect_service (CM.Connect), and Echo flows with NsServer's endpoint id.
 *   - NsServer reports (Probe.Stats) that its Publish under another's name was
 *     rcNsNotPublisher and that filling the table ended with rcNsTableFull.
 *   - An Echo of "unpublish" makes NsServer withdraw "echo": enumeration no longer lists it.
 *   - It finds NsMortal's "mortal", connects, and ends it with Probe.Exit: once it is gone,
 *     enumeration no longer lists it, and the name server frees the channel it served it on
 *     (its line, checked by expected.txt).
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>

#include "ns_client.h"
#include "ostest.h"
#include "ostest/NsMortal.edl.h"
#include "ostest/NsServer.edl.h"

#define SRV_NOT_PUBLISHER 1u /* os_ns_server.c */
#define SRV_TABLE_FULL 2u
#define SRV_UNPUBLISHED 4u

static struct ns_session ns;

/* Whether `server` has an ostest.Probe endpoint listed now. */
static bool listed(const char *server)
{
    char sv[64], ep[129];
    for (uint32_t i = 0; ns_enum_services(&ns, "ostest.Probe", i, sv, ep) == rcOk; i++)
        if (strcmp(sv, server) == 0)
            return true;
    return false;
}

/* Waits up to 5 s until `server` is listed (want) or not (!want). */
static bool wait_listed(const char *server, bool want)
{
    for (int i = 0; i < 50; i++) {
        if (listed(server) == want)
            return true;
        core_thread_sleep(100);
    }
    return false;
}

struct chan {
    struct ipc_channel ch;
    struct idl_client cl;
    _Alignas(8) uint8_t req[512], res[512];
};

static void bind(struct chan *c, uint32_t handle, uint32_t riid)
{
    c->ch.handle = handle;
    c->ch.timeout_ms = 5000;
    ipc_client_init(&c->cl, &c->ch, riid, c->req, sizeof c->req, c->res, sizeof c->res);
}

static bool echo_over(struct chan *c, const char *text)
{
    struct idl_seq back = {0};
    uint64_t served = 0;
    size_t n = strlen(text) + 1;
    return OT_RC(ostest_Probe_Echo(&c->cl, (struct idl_seq){.data = text, .count = n}, &back,
                                   &served),
                 rcOk) &&
           OT_TRUE(back.count == n && memcmp(back.data, text, n) == 0);
}

int main(void)
{
    ot_begin("os_ns");
    if (!OT_RC(ns_create(&ns, 5000), rcOk))
        return ot_end();

    /* One channel a process: a second request from this one is dropped. */
    static struct ns_session again;
    OT_RC(ns_create(&again, 5000), rcConnectDropped);

    /* Clients enumerate; the policy lets only servers publish. */
    OT_RC(ns_publish(&ns, "Ns", "mine", "ostest.Probe"), rcSecurityDisallow);

    /* Found by interface, connected through CM, messages flow. */
    static struct chan echo;
    uint32_t h = 0, riid = 0;
    if (OT_TRUE(wait_listed("NsServer", true)) &&
        OT_RC(ns_connect_service(&ns, "ostest.Probe", "NsServer", 5000, &h, &riid), rcOk) &&
        OT_EQ(riid, ostest_NsServer_EP_ns)) {
        bind(&echo, h, riid);
        echo_over(&echo, "found through the name server");
        uint64_t served = 0, lost = 0, refused = 0;
        uint32_t srv_bits = 0;
        OT_RC(ostest_Probe_Stats(&echo.cl, &served, &lost, &srv_bits, &refused), rcOk);
        OT_TRUE(srv_bits & SRV_NOT_PUBLISHER);
        OT_TRUE(srv_bits & SRV_TABLE_FULL);

        /* Unpublish hides it; the channel already made stays. */
        echo_over(&echo, "unpublish");
        OT_RC(ostest_Probe_Stats(&echo.cl, &served, &lost, &srv_bits, &refused), rcOk);
        OT_TRUE(srv_bits & SRV_UNPUBLISHED);
        OT_TRUE(!listed("NsServer"));
        OT_RC(ns_connect_service(&ns, "ostest.Probe", "NsServer", 1000, &h, &riid), rcNotFound);
    }

    /* A publisher that ends disappears. */
    static struct chan mortal;
    if (OT_TRUE(wait_listed("NsMortal", true)) &&
        OT_RC(ns_connect_service(&ns, "ostest.Probe", "NsMortal", 5000, &h, &riid), rcOk) &&
        OT_EQ(riid, ostest_NsMortal_EP_ns)) {
        bind(&mortal, h, riid);
        uint32_t never = 0;
        Retcode r = ostest_Probe_Exit(&mortal.cl, 0, &never);
        OT_TRUE(r != rcOk); /* it ended without an answer */
        OT_TRUE(wait_listed("NsMortal", false));
    }

    printf("os_ns: found, connected, unpublished, publisher gone\n");
    return ot_end();
}
