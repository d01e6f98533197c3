/*
 * os_ipc_many: one of several clients that share os_probe_server's listener "probe" at once
 * (test/os/init.yaml starts it four times). Each sends its own pattern and checks that only its
 * own bytes come back. Arguments: <id> <count>. Result name: os_ipc_many<id>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/ipc.h>

#include "ostest.h"
#include "ostest/ProbeServer.edl.h"

#define MSG_MAX 8192u

int main(int argc, char **argv)
{
    static char name[32];
    long id = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    long count = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    snprintf(name, sizeof name, "os_ipc_many%ld", id);
    ot_begin(name);

    static _Alignas(8) uint8_t req[MSG_MAX], res[MSG_MAX];
    static uint8_t data[512];
    struct ipc_channel ch;
    struct idl_client cl;
    if (!OT_RC(ipc_connect(&ch, "probe"), rcOk))
        return ot_end();
    ipc_client_init(&cl, &ch, ostest_ProbeServer_EP_probe, req, sizeof req, res, sizeof res);

    long good = 0, bad = 0;
    for (long i = 0; i < count; i++) {
        uint32_t n = (uint32_t)(1 + (i * 37 + id * 11) % sizeof data);
        for (uint32_t k = 0; k < n; k++)
            data[k] = (uint8_t)(id * 50 + k + i);
        struct idl_seq back = {0};
        uint64_t served = 0;
        Retcode r =
            ostest_Probe_Echo(&cl, (struct idl_seq){.data = data, .count = n}, &back, &served);
        if (r == rcOk && back.count == n && memcmp(back.data, data, n) == 0)
            good++;
        else
            bad++;
    }
    OT_EQ(good, count);
    OT_EQ(bad, 0);
    return ot_end();
}
