/*
 * The TCP echo of the stack's tests (tcp_echo.h): server and client callbacks over lwIP's raw
 * API. The server opens its receive window only for what it has written back, so the sender
 * is paced by the echo and nothing is dropped for want of memory.
 */
#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/tcp.h"

#include "tcp_echo.h"

uint8_t tcp_echo_stream_byte(uint32_t i)
{
    return (uint8_t)(i ^ (i >> 8) ^ (i >> 16) * 7u);
}

/* ---- The server ---- */

static void server_flush(struct tcp_echo_server *srv, struct tcp_pcb *pcb)
{
    while (srv->pending) {
        u16_t n = srv->pending->len;
        if (n > tcp_sndbuf(pcb))
            n = tcp_sndbuf(pcb);
        if (n == 0 || tcp_write(pcb, srv->pending->payload, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        tcp_recved(pcb, n);
        srv->echoed += n;
        srv->pending = pbuf_free_header(srv->pending, n);
    }
    tcp_output(pcb);
    if (!srv->pending && srv->peer_closed && !srv->closed) {
        srv->closed = true;
        tcp_close(pcb);
    }
}

static err_t server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct tcp_echo_server *srv = arg;
    (void)err;
    if (!p)
        srv->peer_closed = true;
    else if (srv->pending)
        pbuf_cat(srv->pending, p);
    else
        srv->pending = p;
    server_flush(srv, pcb);
    return ERR_OK;
}

static err_t server_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)len;
    server_flush(arg, pcb);
    return ERR_OK;
}

static err_t server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tcp_echo_server *srv = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    srv->accepted++;
    tcp_arg(pcb, srv);
    tcp_recv(pcb, server_recv);
    tcp_sent(pcb, server_sent);
    return ERR_OK;
}

struct tcp_pcb *tcp_echo_listen(struct tcp_echo_server *srv, u16_t port)
{
    memset(srv, 0, sizeof *srv);
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb)
        return NULL;
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        tcp_close(pcb);
        return NULL;
    }
    struct tcp_pcb *listener = tcp_listen(pcb);
    if (!listener) {
        tcp_close(pcb);
        return NULL;
    }
    tcp_arg(listener, srv);
    tcp_accept(listener, server_accept);
    return listener;
}

/* ---- The client ---- */

static void client_send(struct tcp_echo_client *cl, struct tcp_pcb *pcb)
{
    uint8_t chunk[2048];
    while (cl->sent < cl->total) {
        uint32_t n = cl->total - cl->sent;
        if (n > sizeof chunk)
            n = sizeof chunk;
        if (n > tcp_sndbuf(pcb))
            n = tcp_sndbuf(pcb);
        if (n == 0)
            break;
        for (uint32_t i = 0; i < n; i++)
            chunk[i] = tcp_echo_stream_byte(cl->sent + i);
        if (tcp_write(pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        cl->sent += n;
    }
    tcp_output(pcb);
}

static err_t client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tcp_echo_client *cl = arg;
    cl->connected = err == ERR_OK;
    client_send(cl, pcb);
    return ERR_OK;
}

static err_t client_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)len;
    client_send(arg, pcb);
    return ERR_OK;
}

static err_t client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct tcp_echo_client *cl = arg;
    (void)err;
    if (!p) { /* the server closed before everything came back */
        cl->done = true;
        return ERR_OK;
    }
    for (struct pbuf *q = p; q; q = q->next) {
        const uint8_t *b = q->payload;
        for (u16_t i = 0; i < q->len; i++, cl->received++) {
            if (b[i] != tcp_echo_stream_byte(cl->received) && cl->mismatches++ == 0)
                cl->first_mismatch = cl->received;
        }
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (cl->received >= cl->total) {
        tcp_close(pcb);
        cl->pcb = NULL;
        cl->done = true;
    }
    return ERR_OK;
}

static void client_error(void *arg, err_t err)
{
    struct tcp_echo_client *cl = arg;
    cl->error = err;
    cl->pcb = NULL; /* lwIP has freed it */
    cl->done = true;
}

bool tcp_echo_connect(struct tcp_echo_client *cl, const ip_addr_t *addr, u16_t port, uint32_t total)
{
    memset(cl, 0, sizeof *cl);
    cl->total = total;
    cl->pcb = tcp_new();
    if (!cl->pcb)
        return false;
    tcp_arg(cl->pcb, cl);
    tcp_recv(cl->pcb, client_recv);
    tcp_sent(cl->pcb, client_sent);
    tcp_err(cl->pcb, client_error);
    if (tcp_connect(cl->pcb, addr, port, client_connected) != ERR_OK) {
        tcp_abort(cl->pcb);
        cl->pcb = NULL;
        return false;
    }
    return true;
}
