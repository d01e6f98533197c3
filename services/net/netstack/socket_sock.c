/* One socket of the stack over lwIP's raw API (socket_sock.h). */
#include <string.h>

#include "lwip/def.h"
#include "lwip/ip4_addr.h"
#include "lwip/priv/tcp_priv.h"

#include "net/Socket.idl.h"
#include "socket_sock.h"

static void to_ip(uint32_t address, ip_addr_t *ip)
{
    ip_addr_set_ip4_u32(ip, lwip_htonl(address));
}

static uint32_t from_ip(const ip_addr_t *ip)
{
    return lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(ip)));
}

static Retcode from_err(err_t e)
{
    switch (e) {
    case ERR_OK:
        return rcOk;
    case ERR_MEM:
    case ERR_BUF:
        return rcOutOfMemory;
    case ERR_USE:
        return rcAddressInUse;
    case ERR_ISCONN:
        return rcAlreadyExists;
    case ERR_RTE:
        return rcNotFound; /* no route to the address */
    case ERR_RST:
    case ERR_ABRT:
    case ERR_CLSD:
        return rcConnectionReset;
    case ERR_CONN:
        return rcNotConnected;
    case ERR_TIMEOUT:
        return rcTimeout;
    case ERR_VAL:
    case ERR_ARG:
        return rcInvalidArgument;
    default:
        return rcFail;
    }
}

/* ---- lwIP's callbacks: they only record; socket_server_poll() answers the waiting calls ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct sock *s = arg;
    (void)err;
    if (p == NULL) {
        s->rx_end = 1;
        return ERR_OK;
    }
    if (s->shut_read) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    if (s->rx == NULL)
        s->rx = p;
    else
        pbuf_cat(s->rx, p);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg, (void)pcb, (void)len; /* room to send: a waiting Send is run again */
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    struct sock *s = arg;
    s->tcp = NULL; /* lwIP has freed it */
    s->error = s->state == SOCK_CONNECTING && err == ERR_RST ? rcConnectionRefused : from_err(err);
    s->state = SOCK_FAILED;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct sock *s = arg;
    (void)pcb;
    if (err == ERR_OK)
        s->state = SOCK_CONNECTED;
    return ERR_OK;
}

static void tcp_attach(struct sock *s, struct tcp_pcb *pcb)
{
    s->tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
}

static void tcp_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL);
        return;
    }
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct sock *l = arg;
    uint32_t slot;
    if (err != ERR_OK || pcb == NULL || l->backlog_count >= l->backlog_max)
        return ERR_MEM; /* lwIP resets it */
    struct sock *s = socket_server_adopt(l->client, &slot);
    if (s == NULL)
        return ERR_MEM;
    memset(s, 0, sizeof *s);
    s->protocol = net_Socket_Tcp;
    s->slot = slot;
    s->client = l->client;
    s->state = SOCK_CONNECTED;
    tcp_attach(s, pcb);
    if (l->no_delay)
        tcp_nagle_disable(pcb);
    l->backlog[(l->backlog_head + l->backlog_count) % SOCK_BACKLOG_MAX] = slot;
    l->backlog_count++;
    return ERR_OK;
}

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    struct sock *s = arg;
    (void)pcb;
    uint32_t from = from_ip(addr);
    int foreign = s->state == SOCK_CONNECTED && (from != s->peer_address || port != s->peer_port);
    if (foreign || s->dgram_count >= SOCK_DGRAM_MAX) {
        pbuf_free(p);
        return;
    }
    struct sock_dgram *d = &s->dgrams[(s->dgram_head + s->dgram_count) % SOCK_DGRAM_MAX];
    *d = (struct sock_dgram){.p = p, .address = from, .port = port};
    s->dgram_count++;
}

/* ---- the operations ---- */

Retcode sock_open(struct sock *s, uint32_t protocol, uint32_t slot, uint32_t client)
{
    memset(s, 0, sizeof *s);
    s->protocol = protocol;
    s->slot = slot;
    s->client = client;
    if (protocol == net_Socket_Tcp) {
        struct tcp_pcb *pcb = tcp_new();
        if (pcb == NULL)
            return rcStackFull;
        tcp_attach(s, pcb);
    } else {
        s->udp = udp_new();
        if (s->udp == NULL)
            return rcStackFull;
        udp_recv(s->udp, on_udp, s);
    }
    s->state = SOCK_NEW;
    return rcOk;
}

Retcode sock_bind(struct sock *s, uint32_t address, uint16_t port, uint16_t *bound)
{
    ip_addr_t ip;
    to_ip(address, &ip);
    if (s->protocol == net_Socket_Udp) {
        if (s->udp->local_port != 0)
            return rcInvalidArgument; /* bound already */
        Retcode r = from_err(udp_bind(s->udp, &ip, port));
        *bound = s->udp->local_port;
        return r;
    }
    if (s->state != SOCK_NEW || s->tcp == NULL || s->tcp->local_port != 0)
        return rcInvalidArgument;
    Retcode r = from_err(tcp_bind(s->tcp, &ip, port));
    *bound = s->tcp->local_port;
    return r;
}

Retcode sock_listen(struct sock *s, uint32_t backlog)
{
    if (s->protocol != net_Socket_Tcp)
        return rcNotSupported;
    if (s->state == SOCK_LISTENING)
        return rcOk;
    if (s->state != SOCK_NEW || s->tcp == NULL)
        return rcInvalidArgument;
    if (s->tcp->local_port == 0) {
        Retcode r = from_err(tcp_bind(s->tcp, IP_ADDR_ANY, 0)); /* POSIX: an ephemeral port */
        if (r != rcOk)
            return r;
    }
    tcp_detach(s->tcp);
    struct tcp_pcb *l = tcp_listen(s->tcp);
    if (l == NULL) {
        tcp_attach(s, s->tcp); /* lwIP kept the old pcb */
        return rcOutOfMemory;
    }
    s->tcp = l;
    tcp_arg(l, s);
    tcp_accept(l, on_accept);
    s->backlog_max = backlog == 0 || backlog > SOCK_BACKLOG_MAX ? SOCK_BACKLOG_MAX : backlog;
    s->state = SOCK_LISTENING;
    return rcOk;
}

Retcode sock_backlog_pop(struct sock *s, uint32_t *slot)
{
    if (s->state != SOCK_LISTENING || s->backlog_count == 0)
        return rcNotFound;
    *slot = s->backlog[s->backlog_head];
    s->backlog_head = (s->backlog_head + 1) % SOCK_BACKLOG_MAX;
    s->backlog_count--;
    return rcOk;
}

Retcode sock_accept(struct sock *s, uint32_t *slot)
{
    if (s->state != SOCK_LISTENING)
        return rcInvalidArgument;
    return sock_backlog_pop(s, slot) == rcOk ? rcOk : rcWouldBlock;
}

Retcode sock_connect(struct sock *s, uint32_t address, uint16_t port)
{
    ip_addr_t ip;
    to_ip(address, &ip);
    if (s->protocol == net_Socket_Udp) {
        Retcode r = from_err(udp_connect(s->udp, &ip, port));
        if (r == rcOk) {
            s->state = SOCK_CONNECTED;
            s->peer_address = address;
            s->peer_port = port;
        }
        return r;
    }
    if (s->state == SOCK_CONNECTING)
        return rcInProgress;
    if (s->state == SOCK_CONNECTED)
        return rcAlreadyExists;
    if (s->state != SOCK_NEW || s->tcp == NULL)
        return rcInvalidArgument;
    if (port == 0 || address == 0)
        return rcInvalidArgument;
    Retcode r = from_err(tcp_connect(s->tcp, &ip, port, on_connected));
    if (r != rcOk)
        return r;
    s->state = SOCK_CONNECTING;
    return rcInProgress;
}

Retcode sock_connect_result(struct sock *s)
{
    if (s->state == SOCK_CONNECTING)
        return rcInProgress;
    if (s->state == SOCK_CONNECTED)
        return rcOk;
    if (s->state == SOCK_FAILED && s->error != rcOk) {
        Retcode r = s->error;
        s->error = rcOk;
        return r;
    }
    return rcNotConnected;
}

void sock_connect_abandon(struct sock *s)
{
    if (s->state != SOCK_CONNECTING || s->tcp == NULL)
        return;
    tcp_detach(s->tcp);
    tcp_abort(s->tcp);
    s->tcp = NULL;
    s->state = SOCK_FAILED;
}

static Retcode take_error(struct sock *s)
{
    Retcode r = s->error;
    s->error = rcOk;
    return r;
}

static Retcode udp_send_to(struct sock *s, const void *data, uint32_t len, uint32_t address,
                           uint16_t port, uint32_t *sent)
{
    if (len > 0xFFFF - 28)
        return rcInvalidArgument;
    if ((address == 0) != (port == 0))
        return rcInvalidArgument;
    if (address == 0 && s->state != SOCK_CONNECTED)
        return rcNotConnected;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (p == NULL)
        return rcWouldBlock; /* the stack's memory is busy: try again */
    pbuf_take(p, data, (u16_t)len);
    err_t e;
    if (address == 0) {
        e = udp_send(s->udp, p);
    } else {
        ip_addr_t ip;
        to_ip(address, &ip);
        e = udp_sendto(s->udp, p, &ip, port);
    }
    pbuf_free(p);
    if (e == ERR_OK)
        *sent = len;
    return from_err(e);
}

Retcode sock_send(struct sock *s, const void *data, uint32_t len, uint32_t address, uint16_t port,
                  uint32_t *sent)
{
    *sent = 0;
    if (s->protocol == net_Socket_Udp)
        return udp_send_to(s, data, len, address, port, sent);
    if (s->error != rcOk)
        return take_error(s);
    if (address != 0 || port != 0)
        return rcAlreadyExists; /* a stream goes to its peer only */
    if (s->state != SOCK_CONNECTED || s->tcp == NULL)
        return rcNotConnected;
    if (s->shut_write)
        return rcConnectionReset;
    if (len == 0)
        return rcOk;
    uint32_t room = tcp_sndbuf(s->tcp);
    if (room == 0 || tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN)
        return rcWouldBlock;
    uint32_t n = len < room ? len : room;
    if (n > 0xFFFF)
        n = 0xFFFF;
    err_t e = tcp_write(s->tcp, data, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (e == ERR_MEM)
        return rcWouldBlock;
    if (e != ERR_OK)
        return from_err(e);
    tcp_output(s->tcp);
    *sent = n;
    return rcOk;
}

Retcode sock_recv(struct sock *s, void *buf, uint32_t max, uint32_t *got, uint32_t *address,
                  uint16_t *port)
{
    *got = 0;
    if (s->protocol == net_Socket_Udp) {
        if (s->dgram_count == 0)
            return rcWouldBlock;
        struct sock_dgram *d = &s->dgrams[s->dgram_head];
        uint32_t n = d->p->tot_len < max ? d->p->tot_len : max;
        pbuf_copy_partial(d->p, buf, (u16_t)n, 0);
        *got = n;
        *address = d->address;
        *port = d->port;
        pbuf_free(d->p);
        d->p = NULL;
        s->dgram_head = (s->dgram_head + 1) % SOCK_DGRAM_MAX;
        s->dgram_count--;
        return rcOk;
    }
    if (s->state == SOCK_LISTENING || s->state == SOCK_NEW || s->state == SOCK_CONNECTING)
        return s->state == SOCK_CONNECTING ? rcWouldBlock : rcNotConnected;
    if (s->rx != NULL && max > 0) {
        uint32_t n = s->rx->tot_len < max ? s->rx->tot_len : max;
        pbuf_copy_partial(s->rx, buf, (u16_t)n, 0);
        s->rx = pbuf_free_header(s->rx, (u16_t)n);
        if (s->tcp)
            tcp_recved(s->tcp, (u16_t)n);
        *got = n;
        sock_peer(s, address, port);
        return rcOk;
    }
    if (s->error != rcOk)
        return take_error(s);
    if (s->rx_end || s->shut_read || s->state == SOCK_FAILED)
        return rcOk; /* end of stream: no data */
    return rcWouldBlock;
}

Retcode sock_shutdown(struct sock *s, uint32_t how)
{
    if (how > net_Socket_ShutBoth)
        return rcInvalidArgument;
    int rd = how != net_Socket_ShutWrite, wr = how != net_Socket_ShutRead;
    if (s->protocol == net_Socket_Udp) {
        s->shut_read |= rd;
        s->shut_write |= wr;
        return rcOk;
    }
    if (s->state != SOCK_CONNECTED || s->tcp == NULL)
        return rcNotConnected;
    if (rd && s->rx) {
        tcp_recved(s->tcp, s->rx->tot_len);
        pbuf_free(s->rx);
        s->rx = NULL;
    }
    s->shut_read |= rd;
    if (wr && !s->shut_write) {
        s->shut_write = 1;
        /* Our FIN only: lwIP's shutdown of the receive side would close the pcb under us. */
        Retcode r = from_err(tcp_shutdown(s->tcp, 0, 1));
        if (r != rcOk)
            return r;
        tcp_output(s->tcp);
    }
    return rcOk;
}

void sock_close(struct sock *s)
{
    if (s->tcp) {
        tcp_detach(s->tcp);
        if (tcp_close(s->tcp) != ERR_OK)
            tcp_abort(s->tcp);
    }
    if (s->udp)
        udp_remove(s->udp);
    if (s->rx)
        pbuf_free(s->rx);
    for (uint32_t i = 0; i < s->dgram_count; i++)
        pbuf_free(s->dgrams[(s->dgram_head + i) % SOCK_DGRAM_MAX].p);
    memset(s, 0, sizeof *s);
}

Retcode sock_set_option(struct sock *s, uint32_t option, uint32_t value)
{
    switch (option) {
    case net_Socket_OptReuseAddr:
        /* Recorded and answered: lwIP is built without SO_REUSE, so a port in TIME_WAIT
         * stays taken until that ends. */
        s->reuse_addr = value != 0;
        return rcOk;
    case net_Socket_OptKeepAlive:
        s->keep_alive = value != 0;
        if (s->tcp) {
            if (value)
                ip_set_option(s->tcp, SOF_KEEPALIVE);
            else
                ip_reset_option(s->tcp, SOF_KEEPALIVE);
        }
        return rcOk;
    case net_Socket_OptNoDelay:
        if (s->protocol != net_Socket_Tcp)
            return rcNotSupported;
        s->no_delay = value != 0;
        if (s->tcp && s->state != SOCK_LISTENING) {
            if (value)
                tcp_nagle_disable(s->tcp);
            else
                tcp_nagle_enable(s->tcp);
        }
        return rcOk;
    default:
        return rcNotSupported;
    }
}

Retcode sock_get_option(struct sock *s, uint32_t option, uint32_t *value)
{
    switch (option) {
    case net_Socket_OptReuseAddr:
        *value = s->reuse_addr;
        return rcOk;
    case net_Socket_OptKeepAlive:
        *value = s->keep_alive;
        return rcOk;
    case net_Socket_OptNoDelay:
        *value = s->no_delay;
        return rcOk;
    case net_Socket_OptError:
        *value = (uint32_t)take_error(s);
        return rcOk;
    default:
        return rcNotSupported;
    }
}

uint32_t sock_events(const struct sock *s)
{
    uint32_t ev = 0;
    if (s->error != rcOk)
        ev |= net_Socket_EvError;
    if (s->protocol == net_Socket_Udp)
        return ev | net_Socket_EvWritable | (s->dgram_count ? net_Socket_EvReadable : 0);
    switch (s->state) {
    case SOCK_LISTENING:
        if (s->backlog_count)
            ev |= net_Socket_EvReadable;
        break;
    case SOCK_CONNECTED:
        if (s->rx || s->rx_end || s->shut_read)
            ev |= net_Socket_EvReadable;
        if (s->rx_end)
            ev |= net_Socket_EvHangup;
        if (s->tcp && tcp_sndbuf(s->tcp) > 0 && !s->shut_write)
            ev |= net_Socket_EvWritable;
        break;
    case SOCK_FAILED:
        ev |= net_Socket_EvReadable | net_Socket_EvWritable | net_Socket_EvHangup;
        break;
    default:
        break;
    }
    return ev;
}

Retcode sock_local(const struct sock *s, uint32_t *address, uint16_t *port)
{
    if (s->udp) {
        *address = from_ip(&s->udp->local_ip);
        *port = s->udp->local_port;
    } else if (s->tcp) {
        *address = from_ip(&s->tcp->local_ip);
        *port = s->tcp->local_port;
    }
    return rcOk;
}

Retcode sock_peer(const struct sock *s, uint32_t *address, uint16_t *port)
{
    if (s->protocol == net_Socket_Udp || s->tcp == NULL || s->state != SOCK_CONNECTED) {
        if (s->state != SOCK_CONNECTED)
            return rcNotConnected;
        *address = s->peer_address;
        *port = s->peer_port;
        return rcOk;
    }
    *address = from_ip(&s->tcp->remote_ip);
    *port = s->tcp->remote_port;
    return rcOk;
}
