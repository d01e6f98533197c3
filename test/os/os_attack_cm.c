/*
 * os_attack_cm (class ostest.AttackCm): the abuse the danger text of kl.core.CM.Connect names,
 * "creates a load on a server by sending a large number of requests to create an IPC channel",
 * by a plausible untrusted program that may ask for channels (test/os/policy/ostest.psl grants it
 * CM.Connect to CmVictim only, its own threads, its C library, the counters and Stats on
 * CmVictim's static channel; not Listen, Accept or Drop, nothing else):
 *
 *   FLOODERS threads each ask CmVictim for "flood" and wait; CmVictim takes them with Listen and
 *   never answers. Once CmVictim has seen CM_CLIENT_PENDING_MAX of them waiting, the main thread
 *   asks TRIES more times: every request is refused at once with rcTooManyConnectRequests and its
 *   kernel-memory account does not grow (a refused request holds nothing). Meanwhile the
 *   bystander (CmBystander, another process) is accepted by CmVictim: the attacker's requests
 *   took only their own share of the server's queue. Then it terminates its flooders while they
 *   wait: their requests go with them, and a new request is taken again (it waits, and times
 *   out, instead of being refused).
 */
#include <stdio.h>

#include <user/cm.h>
#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "ostest.h"
#include "ostest/CmVictim.edl.h"

#define FLOODERS 4u           /* = CM_CLIENT_PENDING_MAX (kern/ipc/cm.h) */
#define CLIENT_PENDING_MAX 4u /* kern/ipc/cm.h */
#define TRIES 200u
#define FLOOD_MS 30000u /* longer than the test: the flooders end by Thread.Terminate */

static volatile Retcode flood_rc[FLOODERS];

static int flooder(void *arg)
{
    uint32_t i = (uint32_t)(uintptr_t)arg, h, riid;
    flood_rc[i] = cm_connect("CmVictim", "flood", FLOOD_MS, &h, &riid);
    return 0;
}

static uint64_t kmem_used(void)
{
    uint64_t v[1] = {0};
    uint32_t n = 0;
    (void)ot_counters("task.kmem_used", v, 1, &n);
    return v[0];
}

static struct ipc_channel ch;
static struct idl_client cl;

/* CmVictim's Stats: the floods it has seen waiting, the bystanders it accepted. */
static bool victim_stats(uint32_t *floods, uint64_t *bystanders)
{
    uint64_t served, lost;
    return ostest_Probe_Stats(&cl, &served, &lost, floods, bystanders) == rcOk;
}

int main(void)
{
    ot_begin("os_attack_cm");
    static _Alignas(8) uint8_t req[256], res[256];
    if (!OT_RC(ipc_connect(&ch, "cmvictim"), rcOk))
        return ot_end();
    ch.timeout_ms = 5000;
    ipc_client_init(&cl, &ch, ostest_CmVictim_EP_cm, req, sizeof req, res, sizeof res);

    static struct thread t[FLOODERS];
    for (uint32_t i = 0; i < FLOODERS; i++) {
        flood_rc[i] = rcFail;
        OT_RC(thread_create(&t[i], flooder, (void *)(uintptr_t)i, THREAD_PRIO_DEFAULT, 0), rcOk);
    }
    /* Wait until the victim has taken all of them (each waits for an answer that never comes). */
    uint32_t floods = 0;
    uint64_t bystanders = 0;
    for (int i = 0; i < 100 && floods < CLIENT_PENDING_MAX; i++) {
        core_thread_sleep(20);
        (void)victim_stats(&floods, &bystanders);
    }
    bool ok = OT_EQ(floods, CLIENT_PENDING_MAX);

    /* The flood itself: every further request is refused at once and costs nothing kept. */
    uint64_t before = kmem_used();
    uint32_t refused = 0;
    Retcode last = rcOk;
    for (uint32_t i = 0; i < TRIES; i++) {
        uint32_t h, riid;
        last = cm_connect("CmVictim", "flood", FLOOD_MS, &h, &riid);
        if (last != rcTooManyConnectRequests)
            break;
        refused++;
    }
    uint64_t after = kmem_used();
    printf("os_attack_cm: %u requests waiting, then %u of %u refused with %s; kernel memory "
           "%llu -> %llu bytes\n",
           floods, refused, TRIES, retcode_name(last), (unsigned long long)before,
           (unsigned long long)after);
    ok &= OT_EQ(refused, TRIES);
    ok &= OT_EQ(after, before);

    /* The server still takes others' requests: the bystander is accepted while ours wait. */
    for (int i = 0; i < 250 && bystanders == 0; i++) {
        core_thread_sleep(20);
        (void)victim_stats(&floods, &bystanders);
    }
    ok &= OT_TRUE(bystanders >= 1);
    bool waiting = true;
    for (uint32_t i = 0; i < FLOODERS; i++)
        waiting &= flood_rc[i] == rcFail; /* none answered yet */
    ok &= OT_TRUE(waiting);

    /* Flooders that end while they wait take their requests with them. */
    for (uint32_t i = 0; i < FLOODERS; i++) {
        CORE_CLIENT(tc, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        ok &= OT_RC(
            core_result(kl_core_Thread_Terminate(&tc, core_handle_arg(t[i].handle), 9, &rc), &rc),
            rcOk);
        int code;
        ok &= OT_RC(thread_join(&t[i], 5000, &code), rcOk);
    }
    uint32_t h, riid;
    ok &= OT_RC(cm_connect("CmVictim", "flood", 100, &h, &riid), rcTimeout);
    ot_attack("kl.core.CM.Connect", ok);
    return ot_end();
}
