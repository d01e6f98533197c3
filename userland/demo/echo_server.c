/*
 * echo_server: serves echo.Echo on the listener Einit made for the channel "echo". Every client
 * of "echo" (init.yaml: EchoClient1, EchoClient2, Untrusted) reaches this one listener, so one
 * thread answers them all, in arrival order. Shutdown stops it; the demo policy lets no class
 * call it (the untrusted program tries).
 */
#include <stdio.h>
#include <stdlib.h>

#include <user/ipc.h>
#include <user/start.h>

#include "echo/Server.edl.h"

#define ECHO_MSG_MAX 1024u

struct echo_state {
    const char *me;
    uint64_t served;
    int verbose;
    struct ipc_server *srv;
};

static Retcode echo(void *ctx, const char *text, const char **reply, uint64_t *served)
{
    struct echo_state *st = ctx;
    if (st->verbose)
        printf("%s: echo \"%s\"\n", st->me, text);
    *reply = text; /* a view into the request: copied into the reply after we return */
    *served = st->served++;
    return rcOk;
}

static Retcode echo_shutdown(void *ctx, uint64_t *served)
{
    struct echo_state *st = ctx;
    printf("%s: asked to shut down\n", st->me);
    *served = st->served;
    st->srv->stop = true; /* ipc_serve returns after this reply */
    return rcOk;
}

static const struct echo_Echo_ops echo_ops = {.Echo = echo, .Shutdown = echo_shutdown};

/* Routes by endpoint id (echo.Server has one endpoint) to the generated dispatcher. */
static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK || h.endpoint_id != echo_Server_EP_echo)
        return rcBadMessage;
    return echo_Echo_dispatch(&echo_ops, ctx, req, len, res, cap, res_len);
}

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    static _Alignas(8) uint8_t buf[2][ECHO_MSG_MAX];
    struct echo_state st = {.me = argc > 0 ? argv[0] : "echo_server",
                            .verbose = getenv("ECHO_VERBOSE") != NULL};
    struct ipc_server srv = {
        .dispatch = dispatch,
        .ctx = &st,
        .buf = {buf[0], buf[1]},
        .cap = sizeof buf[0],
    };
    st.srv = &srv;
    if (start_connection("echo", &srv.listener) != rcOk) {
        printf("%s: no listener named \"echo\" (does a client in init.yaml connect to it?)\n",
               st.me);
        return 1;
    }
    printf("%s: serving echo.Echo on channel \"echo\"\n", st.me);
    Retcode r = ipc_serve(&srv);
    printf("%s: stopped after %llu requests: %s\n", st.me, (unsigned long long)srv.served,
           retcode_name(r));
    return r == rcOk ? 0 : 1;
}
