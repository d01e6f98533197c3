/*
 * os_cm_server: the servers of the kl.core.CM tests, which take connection requests with
 * CM.Listen and answer them by their endpoint name. Its first argument says which:
 *
 *   serve  (CmServer, class ostest.CmServer; os_cm's server): "echo" is accepted with a server
 *          end of its own, served (ostest.Probe) by a thread of its own; "refuse" is dropped;
 *          "ignore" is left unanswered (its client times out); "late" is accepted only after
 *          its client's 1 s is over, which must fail with rcNoConnectRequest; "doomed"
 *          makes it end without an answer, so that its client wakes with rcServerGone (os_cm
 *          asks for it last). Probe.Stats on an accepted channel reports in `idle` the SRV_*
 *          bits of what went as it should, and in `lost` how many accepted channels ended
 *          because their client end was gone (Recv's rcClientGone).
 *   victim (CmVictim, class ostest.CmVictim; os_attack_cm's target): leaves every "flood"
 *          request unanswered (they wait for the attacker's timeouts), and accepts a
 *          "bystander" once it has seen CM_CLIENT_PENDING_MAX floods waiting (before: drops it,
 *          and the bystander asks again). Probe.Stats on its static channel "cmvictim" reports
 *          the floods seen in `idle` and the bystanders accepted in `refused`.
 * It prints no result line: its clients check what it did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "probe_handlers.h"
#include "ostest/CmServer.edl.h"
#include "ostest/CmVictim.edl.h"

#define MSG_MAX 1024u
#define SERVERS 4u           /* channels served at once */
#define CLIENT_PENDING_MAX 4 /* kern/ipc/cm.h CM_CLIENT_PENDING_MAX */

#define SRV_DROP 1u /* Drop of "refuse" returned rcOk */
#define SRV_LATE 2u /* Accept of "late" after its client gave up: rcNoConnectRequest */

static volatile uint32_t bits, floods, bystanders;
static uint32_t clients_gone; /* accepted channels whose serving ended with rcClientGone */
static const char *me = "os_cm_server";

static Retcode echo(void *ctx, struct idl_seq data, struct idl_seq *back, uint64_t *served)
{
    (void)ctx;
    *back = data;
    *served = 0;
    return rcOk;
}

static Retcode stats(void *ctx, uint64_t *served, uint64_t *lost, uint32_t *idle, uint64_t *refused)
{
    (void)ctx;
    *served = 0;
    *lost = __atomic_load_n(&clients_gone, __ATOMIC_RELAXED);
    *idle = floods != 0 ? floods : bits;
    *refused = bystanders;
    return rcOk;
}

static const struct ostest_Probe_ops ops = {
    .Echo = echo, .Delay = probe_delay, .Exit = probe_exit, .Stats = stats};

/* Every endpoint here is an ostest.Probe: the header's endpoint id is the server's business
 * (the riid Accept gave), the interface's methods are the same. */
static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    return ostest_Probe_dispatch(&ops, ctx, req, len, res, cap, res_len);
}

static struct ipc_server servers[SERVERS];
static _Alignas(8) uint8_t bufs[SERVERS][2][MSG_MAX];
static uint32_t nservers;

/* Serves until the channel ends: an accepted channel's when its client end is gone. */
static int serve_thread(void *arg)
{
    Retcode r = ipc_serve(arg);
    if (r == rcClientGone)
        __atomic_add_fetch(&clients_gone, 1, __ATOMIC_RELAXED);
    else
        printf("%s: serving a channel ended with %s\n", me, retcode_name(r));
    return 0;
}

/* Serves handle (a server end or listener) in a thread of its own. */
static void serve(uint32_t handle)
{
    if (nservers == SERVERS) {
        printf("%s: no room to serve another channel\n", me);
        return;
    }
    struct ipc_server *s = &servers[nservers];
    s->listener = handle;
    s->dispatch = dispatch;
    s->buf[0] = bufs[nservers][0];
    s->buf[1] = bufs[nservers][1];
    s->cap = MSG_MAX;
    nservers++;
    static struct thread t[SERVERS];
    if (thread_create(&t[nservers - 1], serve_thread, s, THREAD_PRIO_DEFAULT, 0) != rcOk)
        printf("%s: no thread to serve a channel\n", me);
}

static void accept_and_serve(const char *client, const char *service, uint32_t riid)
{
    uint32_t h;
    Retcode r = cm_accept(client, service, riid, kl_core_Types_InvalidHandleValue, &h);
    if (r == rcOk)
        serve(h);
    else
        printf("%s: Accept of %s's \"%s\" returned %s\n", me, client, service, retcode_name(r));
}

static void run_serve(void)
{
    char client[CM_NAME_MAX + 1], service[CM_SERVICE_MAX + 1];
    for (;;) {
        Retcode r = cm_listen(0, client, service);
        if (r != rcOk) {
            printf("%s: Listen returned %s\n", me, retcode_name(r));
            core_thread_sleep(100);
            continue;
        }
        if (strcmp(service, "echo") == 0) {
            accept_and_serve(client, service, ostest_CmServer_EP_cm);
        } else if (strcmp(service, "refuse") == 0) {
            if (cm_drop(client, service) == rcOk)
                bits |= SRV_DROP;
        } else if (strcmp(service, "late") == 0) {
            core_thread_sleep(1500); /* its client waits 1 s */
            uint32_t h;
            if (cm_accept(client, service, ostest_CmServer_EP_cm, kl_core_Types_InvalidHandleValue,
                          &h) == rcNoConnectRequest)
                bits |= SRV_LATE;
        } else if (strcmp(service, "doomed") == 0) {
            printf("%s: took %s's request for \"%s\" and ends without an answer\n", me, client,
                   service);
            exit(0);
        }
        /* "ignore" and anything else: left to its client's timeout. */
    }
}

static void run_victim(void)
{
    uint32_t stat;
    if (start_connection("cmvictim", &stat) == rcOk)
        serve(stat);
    char client[CM_NAME_MAX + 1], service[CM_SERVICE_MAX + 1];
    for (;;) {
        if (cm_listen(0, client, service) != rcOk) {
            core_thread_sleep(100);
            continue;
        }
        if (strcmp(service, "flood") == 0) {
            floods++; /* left waiting: the attacker's requests fill only its own share */
        } else if (strcmp(service, "bystander") == 0) {
            if (floods < CLIENT_PENDING_MAX) {
                (void)cm_drop(client, service); /* not yet: it asks again */
                continue;
            }
            accept_and_serve(client, service, ostest_CmVictim_EP_cm);
            bystanders++;
        }
    }
}

int main(int argc, char **argv)
{
    me = argc > 0 ? argv[0] : me;
    const char *mode = argc > 1 ? argv[1] : "serve";
    if (strcmp(mode, "victim") == 0)
        run_victim();
    else
        run_serve();
    return 1;
}
