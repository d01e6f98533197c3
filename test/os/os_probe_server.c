/*
 * os_probe_server: the server side of the IPC tests: ostest.Probe on the channel named by its
 * first argument (default "probe"; init.yaml gives VictimServer "victim", DyingServer "dying").
 * A second thread checks the receive timeouts on the channel "idle": a Recv and a ReplyRecv
 * with token 0 while nobody calls, then, after answering the one call IpcTest makes on it, a
 * ReplyRecv whose receive half times out. Stats reports how far it got (IDLE_* bits).
 */
#include <stdio.h>
#include <stdlib.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/thread.h>

#include "probe_handlers.h"
#include "ostest/ProbeServer.edl.h"

#define PROBE_MSG_MAX 8192u

static struct ipc_server srv;
static volatile uint32_t idle_timeout;

#define IDLE_RECV 1u        /* Recv(50 ms) on the silent channel gave rcTimeout */
#define IDLE_REPLY_RECV0 2u /* ReplyRecv(token 0, 50 ms) likewise */
#define IDLE_REPLY_RECV 4u  /* ReplyRecv(answer, 50 ms) gave rcTimeout after the answer went out */

static Retcode echo(void *ctx, struct idl_seq data, struct idl_seq *back, uint64_t *served)
{
    (void)ctx;
    *back = data; /* a view into the request: copied into the reply */
    *served = srv.served;
    return rcOk;
}

static Retcode die(void *ctx, int32_t code, uint32_t *never)
{
    (void)ctx;
    (void)never;
    printf("%s: exiting with %d on request (server death test)\n", start_argv()[0], (int)code);
    exit(code);
}

static Retcode stats(void *ctx, uint64_t *served, uint64_t *lost, uint32_t *idle, uint64_t *refused)
{
    (void)ctx;
    *served = srv.served;
    *lost = srv.lost;
    *idle = idle_timeout;
    *refused = srv.refused;
    return rcOk;
}

static const struct ostest_Probe_ops ops = {
    .Echo = echo, .Delay = probe_delay, .Exit = die, .Stats = stats};

static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK || h.endpoint_id != ostest_ProbeServer_EP_probe)
        return rcBadMessage;
    return ostest_Probe_dispatch(&ops, ctx, req, len, res, cap, res_len);
}

static int idle_watch(void *arg)
{
    uint32_t idle = (uint32_t)(uintptr_t)arg;
    static _Alignas(8) uint8_t buf[256], res[256];
    size_t len = 0, res_len = 0;
    uint64_t token = 0;
    Retcode r = ipc_recv(idle, buf, sizeof buf, &len, &token, 50);
    if (r != rcTimeout) {
        printf("%s: Recv with a 50 ms timeout on \"idle\" returned %s\n", start_argv()[0],
               retcode_name(r));
        return 0;
    }
    idle_timeout |= IDLE_RECV;
    r = ipc_reply_recv(0, buf, 0, idle, sizeof buf, &len, &token, 50);
    if (r != rcTimeout) {
        printf("%s: ReplyRecv(0) with a 50 ms timeout on \"idle\" returned %s\n", start_argv()[0],
               retcode_name(r));
        return 0;
    }
    idle_timeout |= IDLE_REPLY_RECV0;
    /* IpcTest calls once, after it has seen the two bits above. */
    r = ipc_recv(idle, buf, sizeof buf, &len, &token, IPC_FOREVER);
    if (r == rcOk)
        r = dispatch(NULL, buf, len, res, sizeof res, &res_len);
    if (r == rcOk)
        r = ipc_reply_recv(token, res, res_len, idle, sizeof buf, &len, &token, 50);
    if (r == rcTimeout)
        idle_timeout |= IDLE_REPLY_RECV;
    else
        printf("%s: ReplyRecv with a 50 ms timeout after an answer returned %s\n", start_argv()[0],
               retcode_name(r));
    return 0;
}

int main(int argc, char **argv)
{
    static _Alignas(8) uint8_t buf[2][PROBE_MSG_MAX];
    const char *me = argc > 0 ? argv[0] : "os_probe_server";
    srv.dispatch = dispatch;
    srv.buf[0] = buf[0];
    srv.buf[1] = buf[1];
    srv.cap = PROBE_MSG_MAX;
    const char *channel = argc > 1 ? argv[1] : "probe";
    if (start_connection(channel, &srv.listener) != rcOk) {
        printf("%s: no listener \"%s\"\n", me, channel);
        return 1;
    }
    uint32_t idle;
    struct thread t;
    if (start_connection("idle", &idle) == rcOk)
        thread_create(&t, idle_watch, (void *)(uintptr_t)idle, THREAD_PRIO_DEFAULT, 0);
    printf("%s: serving ostest.Probe on \"%s\"\n", me, channel);
    Retcode r = ipc_serve(&srv);
    printf("%s: ipc_serve ended: %s\n", me, retcode_name(r));
    return 1;
}
