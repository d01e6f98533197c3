/*
 * os_client_death: dies while a call of its own is in the server (its own os_probe_server,
 * "VictimServer", channel "victim"): a thread calls Delay(10000); the main thread waits until
 * that thread is about to call, then ends the process 1 s later (the call is then in the server
 * even on a slow, loaded TCG guest, and the 10 s Delay is still running: with 3 s, a loaded
 * UBSan guest once woke the main thread only after the call had returned). os_ipc, also a client of VictimServer, then checks that the server counted the
 * lost reply and still answers. Prints its own line first,
 * since it cannot report afterwards.
 */
#include <stdio.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/thread.h>

#include "ostest/ProbeServer.edl.h"

static volatile int calling; /* set by the caller thread right before its call */

static int caller(void *arg)
{
    struct idl_client *cl = arg;
    uint32_t slept;
    calling = 1;
    ostest_Probe_Delay(cl, 10000, &slept);
    printf("os_client_death: FAIL: the call returned before the process ended\n");
    return 1;
}

int main(void)
{
    static _Alignas(8) uint8_t req[512], res[512];
    static struct ipc_channel ch;
    static struct idl_client cl;
    if (ipc_connect(&ch, "victim") != rcOk) {
        printf("os_client_death: 0 passed, 1 failed (no channel \"victim\")\n");
        return 1;
    }
    ipc_client_init(&cl, &ch, ostest_ProbeServer_EP_probe, req, sizeof req, res, sizeof res);
    struct thread t;
    if (thread_create(&t, caller, &cl, THREAD_PRIO_DEFAULT, 0) != rcOk) {
        printf("os_client_death: 0 passed, 1 failed (Thread.Create)\n");
        return 1;
    }
    /* Not a wall-clock guess about when the thread runs: first see it reach the call. */
    for (int i = 0; i < 200 && !calling; i++)
        core_thread_sleep(10);
    if (!calling) {
        printf("os_client_death: 0 passed, 1 failed (the caller thread never ran)\n");
        return 1;
    }
    core_thread_sleep(1000);
    printf("os_client_death: 1 passed, 0 failed (ending with a call pending)\n");
    return 0;
}
