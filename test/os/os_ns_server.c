/*
 * os_ns_server: the publishers of os_ns (the name server, services/ns). Its first argument
 * says which:
 *
 *   serve  (NsServer, class ostest.NsServer): first checks the name server's refusals: a
 *          Publish under another task's name is rcNsNotPublisher, and publishing endpoints
 *          until the table is full ends with rcNsTableFull (then it withdraws them). Then it
 *          publishes "echo" (ostest.Probe) and accepts every CM request for it onto a server
 *          end of its own. An Echo of "unpublish" withdraws "echo" before it answers.
 *          Probe.Stats reports in `idle` the SRV_* bits of what went as it should.
 *   mortal (NsMortal, class ostest.NsMortal): publishes "mortal" (ostest.Probe) and accepts
 *          requests for it; its client's Probe.Exit ends it, and its entry must go with it.
 *   static (NsStaticPub, class ostest.NsStaticPub): reaches the name server over init.yaml's
 *          static connection in the SDK's form with an id of its own, NSConnection (its policy
 *          lets it no CM.Connect; ns_create_named), publishes
 *          "static" (ostest.Probe) under its own name and accepts requests for it. Probe.Stats
 *          reports SRV_STATIC when it had the static connection and its Publish was rcOk.
 * It prints no result line: os_ns checks what it did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "ns_client.h"
#include "ns_publish.h"
#include "ns_table.h"
#include "probe_handlers.h"
#include "ostest/NsMortal.edl.h"
#include "ostest/NsServer.edl.h"
#include "ostest/NsStaticPub.edl.h"

#define MSG_MAX 1024u
#define SERVERS 4u /* channels served at once */

#define SRV_NOT_PUBLISHER 1u /* Publish under another's name: rcNsNotPublisher */
#define SRV_TABLE_FULL 2u    /* publishing until full ended with rcNsTableFull */
#define SRV_UNPUBLISHED 4u   /* Unpublish of "echo" returned rcOk */
#define SRV_STATIC 8u        /* NsStaticPub: published over Einit's static connection */
#define NS_STATIC_PUB_CONNECTION "NSConnection" /* its id in init.yaml */

static volatile uint32_t bits;
static const char *me = "os_ns_server";
static struct ns_session ns;

static Retcode echo(void *ctx, struct idl_seq data, struct idl_seq *back, uint64_t *served)
{
    (void)ctx;
    static const char unpublish[] = "unpublish";
    if (data.count == sizeof unpublish && memcmp(data.data, unpublish, sizeof unpublish) == 0 &&
        ns_unpublish(&ns, "echo") == rcOk)
        bits |= SRV_UNPUBLISHED;
    *back = data;
    *served = 0;
    return rcOk;
}

static Retcode stats(void *ctx, uint64_t *served, uint64_t *lost, uint32_t *idle, uint64_t *refused)
{
    (void)ctx;
    *served = 0;
    *lost = 0;
    *idle = bits;
    *refused = 0;
    return rcOk;
}

static const struct ostest_Probe_ops ops = {
    .Echo = echo, .Delay = probe_delay, .Exit = probe_exit, .Stats = stats};

static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    return ostest_Probe_dispatch(&ops, ctx, req, len, res, cap, res_len);
}

static struct ipc_server servers[SERVERS];
static _Alignas(8) uint8_t bufs[SERVERS][2][MSG_MAX];
static struct thread threads[SERVERS];
static uint32_t nservers;

static int serve_thread(void *arg)
{
    (void)ipc_serve(arg);
    return 0;
}

/* Accepts every request for `endpoint` with a server end of its own, served by a thread. */
static void serve_requests(const char *endpoint, uint32_t riid)
{
    char client[CM_NAME_MAX + 1], service[CM_SERVICE_MAX + 1];
    for (;;) {
        if (cm_listen(0, client, service) != rcOk) {
            core_thread_sleep(100);
            continue;
        }
        uint32_t h;
        if (strcmp(service, endpoint) != 0 || nservers == SERVERS) {
            (void)cm_drop(client, service);
            continue;
        }
        Retcode r = cm_accept(client, service, riid, kl_core_Types_InvalidHandleValue, &h);
        if (r != rcOk) {
            printf("%s: Accept of %s's \"%s\" returned %s\n", me, client, service, retcode_name(r));
            continue;
        }
        struct ipc_server *s = &servers[nservers];
        s->listener = h;
        s->dispatch = dispatch;
        s->buf[0] = bufs[nservers][0];
        s->buf[1] = bufs[nservers][1];
        s->cap = MSG_MAX;
        if (thread_create(&threads[nservers], serve_thread, s, THREAD_PRIO_DEFAULT, 0) == rcOk)
            nservers++;
        else
            printf("%s: no thread to serve %s\n", me, client);
    }
}

/* The name server's refusals, before anything of ours is published. */
static void check_refusals(const char *self)
{
    Retcode r = ns_publish(&ns, "Ns", "echo", "ostest.Probe");
    if (r == rcNsNotPublisher)
        bits |= SRV_NOT_PUBLISHER;
    else
        printf("%s: Publish under Ns's name returned %s\n", me, retcode_name(r));
    char ep[16];
    uint32_t n = 0;
    for (; n <= NS_ENTRIES_MAX; n++) {
        snprintf(ep, sizeof ep, "fill%u", n);
        r = ns_publish(&ns, self, ep, "ostest.Filler");
        if (r != rcOk)
            break;
    }
    if (r == rcNsTableFull && n > 0)
        bits |= SRV_TABLE_FULL;
    else
        printf("%s: filling the table: %u published, then %s\n", me, n, retcode_name(r));
    for (uint32_t i = 0; i < n; i++) {
        snprintf(ep, sizeof ep, "fill%u", i);
        (void)ns_unpublish(&ns, ep);
    }
}

/* Publishes (ns_publish.h), reporting an answer other than rcOk. */
static Retcode publish(const char *self, const char *endpoint)
{
    Retcode r = ns_publish_while_full(&ns, self, endpoint, "ostest.Probe");
    if (r != rcOk)
        printf("%s: Publish of \"%s\" returned %s\n", me, endpoint, retcode_name(r));
    return r;
}

int main(int argc, char **argv)
{
    me = argc > 0 ? argv[0] : me;
    bool mortal = argc > 1 && strcmp(argv[1], "mortal") == 0;
    bool is_static = argc > 1 && strcmp(argv[1], "static") == 0;
    const char *self = mortal ? "NsMortal" : is_static ? "NsStaticPub" : "NsServer";
    /* NsStaticPub's init description names its connection to the name server NSConnection, an
     * id of its own choosing (init.yaml): the name server serves it all the same. */
    Retcode r =
        is_static ? ns_create_named(&ns, NS_STATIC_PUB_CONNECTION, 5000) : ns_create(&ns, 5000);
    if (r != rcOk) {
        printf("%s: no channel to the name server: %s\n", me, retcode_name(r));
        return 1;
    }
    if (is_static) {
        uint32_t h;
        bool had = start_connection(NS_STATIC_PUB_CONNECTION, &h) == rcOk && h == ns.ch.handle;
        if (publish(self, "static") == rcOk && had)
            bits |= SRV_STATIC;
        serve_requests("static", ostest_NsStaticPub_EP_ns);
    } else if (mortal) {
        (void)publish(self, "mortal");
        serve_requests("mortal", ostest_NsMortal_EP_ns);
    } else {
        check_refusals(self);
        (void)publish(self, "echo");
        serve_requests("echo", ostest_NsServer_EP_ns);
    }
    return 1;
}
