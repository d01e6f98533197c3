/*
 * pwr_off (class ostest.PowerOff, the power image test/os/power.yaml): powers the machine off
 * with kl.core.PM.Request(PowerShutdown) once the image's other programs are done, and the ctest
 * poweroff checks that QEMU then exits by itself (test/boot/poweroff.sh). Done means: pwr_fs
 * installed its volume (the file "pwr-done" opens) and the probe server answered something
 * (its Stats count requests, this program's own polls included), and then 20 more seconds:
 * pwr_cpus and os_attack_sched (real-time loops on every CPU for up to 10 s, waiting for each
 * other) need that long on a loaded host, and nothing else tells when they are done.
 * Its result line is printed before it asks, since nothing runs after; if the request returns,
 * it says so and the boot times out.
 */
#include <stdint.h>
#include <stdio.h>

#include <user/ipc.h>

#include "fs_calls.h"
#include "ostest.h"
#include "ostest/ProbeServer.edl.h"
#include "power_calls.h"
#include "time_calls.h"

#define WAIT_MS 180000u
#define POLL_MS 100u
#define LAST_LINES_MS 20000u

static uint64_t probe_served(void)
{
    static struct ipc_channel ch;
    static struct idl_client cl;
    static bool connected;
    static _Alignas(8) uint8_t req[256], res[256];
    if (!connected) {
        if (ipc_connect(&ch, "probe") != rcOk)
            return 0;
        ch.timeout_ms = 10000;
        ipc_client_init(&cl, &ch, ostest_ProbeServer_EP_probe, req, sizeof req, res, sizeof res);
        connected = true;
    }
    uint64_t served = 0, lost = 0, refused = 0;
    uint32_t idle = 0;
    return ostest_Probe_Stats(&cl, &served, &lost, &idle, &refused) == rcOk ? served : 0;
}

static bool others_done(void)
{
    uint32_t h = 0;
    if (fs_open("pwr-done", &h) != rcOk)
        return false;
    (void)fs_close(h);
    return probe_served() >= 1;
}

int main(void)
{
    ot_begin("pwr_off");
    uint32_t waited = 0;
    while (!others_done() && waited < WAIT_MS) {
        (void)sleep_ms(POLL_MS);
        waited += POLL_MS;
    }
    OT_TRUE(waited < WAIT_MS);
    (void)sleep_ms(LAST_LINES_MS);
    int status = ot_end();
    if (status != 0)
        return status;
    Retcode r = pm_request(kl_core_PM_PowerShutdown);
    printf("pwr_off: PM.Request(PowerShutdown) returned %s: the machine is still up\n",
           retcode_name(r));
    return 1;
}
