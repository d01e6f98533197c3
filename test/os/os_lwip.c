/*
 * os_lwip: lwIP (fetched from Debian, built with services/net/lwip_port) inside one process on
 * its loopback interface: a TCP echo of 1 MiB compared byte for byte, a refused connection, a
 * UDP exchange checked datagram by datagram, and a datagram to a port nobody bound that must
 * not arrive. The stack runs as the network stack process runs it (NO_SYS, one thread): the
 * loop below delivers looped-back packets (netif_poll_all) and fires lwIP's timers.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include "net_priority.h"
#include "ostest.h"
#include "tcp_echo.h"

#define ECHO_PORT 7
#define CLOSED_PORT 9
#define ECHO_TOTAL (1024u * 1024u)
#define LOOP_LIMIT_MS 60000u

static const ip_addr_t loopback_addr = IPADDR4_INIT_BYTES(127, 0, 0, 1);

/* Runs the stack until *done is set or LOOP_LIMIT_MS pass; false on the limit. */
static bool run_until(volatile bool *done)
{
    u32_t start = sys_now();
    while (!*done) {
        netif_poll_all();
        sys_check_timeouts();
        if (sys_now() - start > LOOP_LIMIT_MS)
            return false;
    }
    return true;
}

static struct tcp_echo_server server;
static struct tcp_echo_client client;

static void tcp_echo(void)
{
    struct tcp_pcb *listener = tcp_echo_listen(&server, ECHO_PORT);
    if (!OT_TRUE(listener != NULL))
        return;
    if (!OT_TRUE(tcp_echo_connect(&client, &loopback_addr, ECHO_PORT, ECHO_TOTAL)))
        return;
    u32_t start = sys_now();
    OT_TRUE(run_until(&client.done));
    u32_t ms = sys_now() - start;

    OT_TRUE(client.connected);
    OT_EQ(client.error, ERR_OK);
    OT_EQ(server.accepted, 1);
    OT_EQ(client.sent, ECHO_TOTAL);
    OT_EQ(server.echoed, ECHO_TOTAL);
    OT_EQ(client.received, ECHO_TOTAL);
    ot_check(client.mismatches == 0, __LINE__, "echoed bytes equal", "%u bytes differ, first at %u",
             client.mismatches, client.first_mismatch);
    printf("os_lwip: TCP echo of %u bytes over 127.0.0.1 in %u ms, %u bytes differ\n",
           client.received, (unsigned)ms, client.mismatches);
    tcp_close(listener);
}

/* A connection to a port without a listener is answered with a reset: the error callback
 * gets ERR_RST and the connected callback never runs. */
static void tcp_refused(void)
{
    if (!OT_TRUE(tcp_echo_connect(&client, &loopback_addr, CLOSED_PORT, 1)))
        return;
    OT_TRUE(run_until(&client.done));
    OT_EQ(client.error, ERR_RST);
    OT_TRUE(!client.connected);
}

/* ---- UDP: a server that answers each datagram with its bytes plus one ---- */

#define UDP_SERVER_PORT 7000
#define UDP_CLIENT_PORT 7001
#define UDP_UNBOUND_PORT 7002
#define UDP_DATAGRAMS 20

struct udp_exchange {
    uint32_t replies, bad_replies;
    bool done;
};
static struct udp_exchange udpx;

static void udp_server_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                            u16_t port)
{
    (void)arg;
    struct pbuf *reply = pbuf_alloc(PBUF_TRANSPORT, p->tot_len, PBUF_RAM);
    if (reply) {
        uint8_t *out = reply->payload;
        pbuf_copy_partial(p, out, p->tot_len, 0);
        for (u16_t i = 0; i < p->tot_len; i++)
            out[i]++;
        udp_sendto(pcb, reply, addr, port);
        pbuf_free(reply);
    }
    pbuf_free(p);
}

/* Datagram k has size 1 + k * 73 bytes (up to 1388), byte i = k + i. */
static u16_t datagram_size(uint32_t k)
{
    return (u16_t)(1 + k * 73);
}

static void udp_client_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                            u16_t port)
{
    (void)arg;
    (void)pcb;
    uint32_t k = udpx.replies + udpx.bad_replies;
    bool ok = port == UDP_SERVER_PORT && ip_addr_cmp(addr, &loopback_addr) &&
              p->tot_len == datagram_size(k);
    for (u16_t i = 0; ok && i < p->tot_len; i++)
        ok = pbuf_get_at(p, i) == (uint8_t)(k + i + 1);
    if (ok)
        udpx.replies++;
    else
        udpx.bad_replies++;
    pbuf_free(p);
    udpx.done = udpx.replies + udpx.bad_replies == UDP_DATAGRAMS;
}

static bool udp_send_datagram(struct udp_pcb *pcb, uint32_t k, u16_t port)
{
    u16_t n = datagram_size(k);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, n, PBUF_RAM);
    if (!p)
        return false;
    for (u16_t i = 0; i < n; i++)
        ((uint8_t *)p->payload)[i] = (uint8_t)(k + i);
    err_t e = udp_sendto(pcb, p, &loopback_addr, port);
    pbuf_free(p);
    return e == ERR_OK;
}

static void udp_exchange(void)
{
    struct udp_pcb *srv = udp_new(), *cli = udp_new();
    if (!OT_TRUE(srv && cli))
        return;
    OT_EQ(udp_bind(srv, &loopback_addr, UDP_SERVER_PORT), ERR_OK);
    OT_EQ(udp_bind(cli, &loopback_addr, UDP_CLIENT_PORT), ERR_OK);
    udp_recv(srv, udp_server_recv, NULL);
    udp_recv(cli, udp_client_recv, NULL);

    /* One at a time, so that the replies come back in order. */
    uint32_t sent = 0;
    for (uint32_t k = 0; k < UDP_DATAGRAMS; k++) {
        if (!udp_send_datagram(cli, k, UDP_SERVER_PORT))
            break;
        sent++;
        u32_t start = sys_now();
        while (udpx.replies + udpx.bad_replies <= k && sys_now() - start < 5000) {
            netif_poll_all();
            sys_check_timeouts();
        }
    }
    OT_EQ(sent, UDP_DATAGRAMS);
    OT_EQ(udpx.replies, UDP_DATAGRAMS);
    OT_EQ(udpx.bad_replies, 0);

    /* Nobody listens on UDP_UNBOUND_PORT: the datagram is dropped (lwIP answers with ICMP port
     * unreachable), and neither pcb receives anything. */
    uint32_t before = udpx.replies + udpx.bad_replies;
    OT_TRUE(udp_send_datagram(cli, 0, UDP_UNBOUND_PORT));
    u32_t start = sys_now();
    while (sys_now() - start < 200) {
        netif_poll_all();
        sys_check_timeouts();
    }
    OT_EQ(udpx.replies + udpx.bad_replies, before);
    printf("os_lwip: UDP: %u of %u datagrams answered correctly\n", udpx.replies, UDP_DATAGRAMS);
    udp_remove(srv);
    udp_remove(cli);
}

int main(void)
{
    ot_begin("os_lwip");
    /* rcNotSupported: on the host's stand-in kernel (user_run_os_lwip), which has no threads
     * to prioritise. */
    Retcode prio = net_test_lower_priority();
    ot_check(prio == rcOk || prio == rcNotSupported, __LINE__, "net_test_lower_priority()",
             "returned %s", retcode_name(prio));
    lwip_init();
    /* lwip_init adds the loopback interface, up, at 127.0.0.1. */
    struct netif *lo = netif_find("lo0");
    OT_TRUE(lo != NULL && netif_is_up(lo));
    tcp_echo();
    tcp_refused();
    udp_exchange();
    return ot_end();
}
