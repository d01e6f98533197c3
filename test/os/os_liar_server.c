/*
 * os_liar_server: a hostile server of ostest.Probe (class ostest.LiarServer) for os_attack_ksm.
 * Its policy grants its answers to Echo and its error answers, and denies its answers to Stats.
 * It tries to get Stats' data past that anyway, in the way an Echo request chose (the first
 * byte of its data):
 *   LIAR_AS_ECHO   the Stats answer is a well-formed Echo answer carrying the secret;
 *   LIAR_AS_ERROR  the same bytes, marked as an error answer to Stats;
 *   LIAR_HONEST    a true Stats answer carrying the secret (which its policy denies).
 * The kernel must refuse the first (an answer to another method), the KSM the second (an error
 * with a body from a method without error parameters) and the third (the policy). After each
 * refusal the server keeps receiving: Stats' out-parameter `served` counts its answers, so the
 * client can see which of them the kernel took.
 */
#include <stdio.h>
#include <string.h>

#include <user/ipc.h>
#include <user/start.h>

#include "os_liar.h"
#include "ostest/ProbeServer.edl.h"

static uint32_t mode = LIAR_HONEST;
static uint64_t refused; /* answers the kernel refused to take from us */

static Retcode echo(void *ctx, struct idl_seq data, struct idl_seq *back, uint64_t *served)
{
    (void)ctx;
    if (data.count == 1 && ((const uint8_t *)data.data)[0] <= LIAR_HONEST)
        mode = ((const uint8_t *)data.data)[0];
    *back = data;
    *served = refused;
    return rcOk;
}

static Retcode delay(void *ctx, uint32_t ms, uint32_t *slept)
{
    (void)ctx;
    *slept = ms;
    return rcOk;
}

static Retcode die(void *ctx, int32_t code, uint32_t *never)
{
    (void)ctx;
    (void)code;
    (void)never;
    return rcAccessDenied; /* not for its clients to decide */
}

static Retcode stats(void *ctx, uint64_t *served, uint64_t *lost, uint32_t *idle, uint64_t *ref)
{
    (void)ctx;
    *served = LIAR_SECRET;
    *lost = LIAR_SECRET;
    *idle = 0;
    *ref = refused;
    return rcOk;
}

static const struct ostest_Probe_ops ops = {
    .Echo = echo, .Delay = delay, .Exit = die, .Stats = stats};

/* The dispatcher as an in-process transport: a forged Echo "call" gives a well-formed Echo
 * answer without any IPC. */
static size_t local_len; /* the length of the last answer local() made */
static Retcode local(void *ctx, const void *req, size_t req_len, void *res, size_t cap,
                     size_t *res_len)
{
    (void)ctx;
    Retcode r = ostest_Probe_dispatch(&ops, NULL, req, req_len, res, cap, res_len);
    local_len = r == rcOk ? *res_len : 0;
    return r;
}

/* The answer to a Stats request, as `mode` forges it; its length. */
static size_t forge(uint8_t *res, size_t cap)
{
    static _Alignas(8) uint8_t freq[256], fres[256];
    size_t len = 0;
    if (mode == LIAR_HONEST) {
        static _Alignas(8) uint8_t sreq[64];
        struct idl_client self = {.call = local,
                                  .endpoint_id = ostest_ProbeServer_EP_probe,
                                  .req_buf = sreq,
                                  .req_cap = sizeof sreq,
                                  .res_buf = res,
                                  .res_cap = cap};
        uint64_t a, b, d;
        uint32_t c;
        (void)ostest_Probe_Stats(&self, &a, &b, &c, &d);
        return local_len;
    }
    struct idl_client self = {.call = local,
                              .endpoint_id = ostest_ProbeServer_EP_probe,
                              .req_buf = freq,
                              .req_cap = sizeof freq,
                              .res_buf = fres,
                              .res_cap = sizeof fres};
    uint64_t secret = LIAR_SECRET;
    struct idl_seq back;
    uint64_t served;
    (void)ostest_Probe_Echo(&self, (struct idl_seq){.data = &secret, .count = sizeof secret}, &back,
                            &served);
    len = local_len;
    struct idl_header h;
    memcpy(&h, fres, sizeof h);
    if (mode == LIAR_AS_ERROR) {
        h.method_id = ostest_Probe_Stats_MID;
        h.flags |= IDL_FLAG_ERROR;
        memcpy(fres, &h, sizeof h);
    }
    memcpy(res, fres, len);
    return len;
}

int main(void)
{
    uint32_t listener;
    if (start_connection("liar", &listener) != rcOk) {
        printf("os_liar_server: no listener \"liar\"\n");
        return 1;
    }
    static _Alignas(8) uint8_t buf[1024], res[1024];
    size_t len = 0;
    uint64_t token = 0;
    Retcode r = ipc_recv(listener, buf, sizeof buf, &len, &token, IPC_FOREVER);
    for (;;) {
        if (r != rcOk && r != rcReplyLost) {
            r = ipc_recv(listener, buf, sizeof buf, &len, &token, IPC_FOREVER);
            continue;
        }
        struct idl_header h;
        size_t res_len = 0;
        memcpy(&h, buf, sizeof h);
        if (h.endpoint_id == ostest_ProbeServer_EP_probe && h.method_id == ostest_Probe_Stats_MID) {
            res_len = forge(res, sizeof res);
        } else if (ostest_Probe_dispatch(&ops, NULL, buf, len, res, sizeof res, &res_len) != rcOk) {
            res_len = ipc_error_header(buf, len, res, sizeof res);
        }
        /* ReplyRecv receives into the buffer it sends from: the next request lands in res. */
        r = ipc_reply_recv(token, res, res_len, listener, sizeof res, &len, &token, IPC_FOREVER);
        if (r == rcOk || r == rcReplyLost) {
            memcpy(buf, res, len);
        } else {
            /* Our answer was refused: the kernel says so and has received nothing for us. */
            printf("os_liar_server: forgery %u refused: %s\n", mode, retcode_name(r));
            refused++;
            r = ipc_recv(listener, buf, sizeof buf, &len, &token, IPC_FOREVER);
        }
    }
}
