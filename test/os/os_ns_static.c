/*
 * os_ns_static (class ostest.NsStatic): the name server in the SDK's form. init.yaml gives this
 * program and its publisher NsStaticPub (os_ns_server static) the static connection as the
 * SDK's init descriptions write it (`- {target: kl.core.NameServer, id: kl.core.NameServer}`),
 * and the policy names the name server as the SDK's policies do (`dst=kl.core.NameServer`).
 * Neither may CM.Connect to the name server, so whatever they do there went over Einit's
 * channel, which Einit made a server end of its own in the name server, bound to each one's
 * task name.
 *
 *   - ns_create takes the static connection (the start block's "kl.core.NameServer").
 *   - A Publish under NsStaticPub's name over this program's own end is rcNsNotPublisher: its
 *     end is bound to its own name. Under its own name it is rcOk (then withdrawn): the policy
 *     lets it publish, the refusal above was the name server's.
 *   - It finds NsStaticPub's "static" (ostest.Probe) by enumeration, connects with
 *     ns_connect_service (CM.Connect to NsStaticPub), and Echo flows with NsStaticPub's
 *     endpoint id; NsStaticPub reports (Probe.Stats) that it published over its static end.
 *   - When this program ends, the name server ends its session (expected.txt).
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>

#include "ns_client.h"
#include "ns_publish.h"
#include "ostest.h"
#include "ostest/NsStaticPub.edl.h"

#define SRV_STATIC 8u /* os_ns_server.c */

static struct ns_session ns;

static Retcode publish(const char *server, const char *endpoint)
{
    return ns_publish_while_full(&ns, server, endpoint, "ostest.Filler");
}

/* Waits up to 5 s until `server` has an ostest.Probe endpoint listed. */
static bool wait_listed(const char *server)
{
    char sv[64], ep[129];
    for (int i = 0; i < 50; i++) {
        for (uint32_t k = 0; ns_enum_services(&ns, "ostest.Probe", k, sv, ep) == rcOk; k++)
            if (strcmp(sv, server) == 0)
                return true;
        core_thread_sleep(100);
    }
    return false;
}

int main(void)
{
    ot_begin("os_ns_static");
    uint32_t h = 0;
    if (!OT_RC(start_connection(NS_CONNECTION_ID, &h), rcOk) ||
        !OT_RC(ns_create(&ns, 5000), rcOk) || !OT_EQ(ns.ch.handle, h))
        return ot_end();

    /* Its own end is bound to its own name. */
    bool ok = OT_RC(publish("NsStaticPub", "forged"), rcNsNotPublisher);
    if (OT_RC(publish("NsStatic", "mine"), rcOk))
        OT_RC(ns_unpublish(&ns, "mine"), rcOk);
    else
        ok = false;

    /* The publisher's endpoint: found, connected through CM, messages flow. */
    struct ipc_channel ch;
    struct idl_client cl;
    static _Alignas(8) uint8_t req[512], res[512];
    uint32_t riid = 0;
    if (OT_TRUE(wait_listed("NsStaticPub")) &&
        OT_RC(ns_connect_service(&ns, "ostest.Probe", "NsStaticPub", 5000, &h, &riid), rcOk) &&
        OT_EQ(riid, ostest_NsStaticPub_EP_ns)) {
        ch.handle = h;
        ch.timeout_ms = 5000;
        ipc_client_init(&cl, &ch, riid, req, sizeof req, res, sizeof res);
        static const char text[] = "found over the static connection";
        struct idl_seq back = {0};
        uint64_t served = 0, lost = 0, refused = 0;
        uint32_t bits = 0;
        OT_RC(ostest_Probe_Echo(&cl, (struct idl_seq){.data = text, .count = sizeof text}, &back,
                                &served),
              rcOk);
        OT_TRUE(back.count == sizeof text && memcmp(back.data, text, sizeof text) == 0);
        OT_RC(ostest_Probe_Stats(&cl, &served, &lost, &bits, &refused), rcOk);
        ok = OT_TRUE(bits & SRV_STATIC) && ok;
    } else {
        ok = false;
    }

    if (ok)
        printf("os_ns_static: refused under NsStaticPub's name, published under its own, found "
               "NsStaticPub and connected\n");
    return ot_end();
}
