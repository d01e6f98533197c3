/*
 * os_netstack: the network stack's own code (services/net/netstack: the netif over net.Nic,
 * the event loop, ping) between two stack processes joined by the stand-in driver
 * os_net_switch. Started twice:
 *
 *   os_netstack os_netstack1 nica client   10.9.0.1: pings 10.9.0.2, then a TCP echo of
 *                                           ECHO_TOTAL bytes through it, compared byte for byte
 *   os_netstack os_netstack2 nicb server   10.9.0.2: answers, echoes, ends when the echo does
 *
 * Every frame crosses two processes' IPC (Transmit into the switch, Receive out of it), so
 * this shows the stack's use of the driver interface end to end without a device.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sys.h"

#include "nic_netif.h"
#include "net_priority.h"
#include "ostest.h"
#include "ping.h"
#include "stack_loop.h"
#include "tcp_echo.h"

#define ECHO_PORT 7
#define ECHO_TOTAL (256u * 1024u)
#define PINGS 3u
#define PING_ATTEMPTS 10u
#define PING_LIMIT_MS 2000u
#define ECHO_LIMIT_MS 60000u

static struct netif netif;
static struct ping pg;
static struct tcp_echo_server server;
static struct tcp_echo_client client;

static bool ping_answered(void *arg)
{
    (void)arg;
    return pg.answered;
}

static bool client_done(void *arg)
{
    (void)arg;
    return client.done;
}

static bool server_done(void *arg)
{
    (void)arg;
    return server.closed;
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static void run_client(void)
{
    ip_addr_t peer = IPADDR4_INIT_BYTES(10, 9, 0, 2);
    /* The peer may still be starting: its first pings may go unanswered. */
    uint32_t answered = 0;
    if (OT_TRUE(ping_open(&pg))) {
        for (uint16_t seq = 1; seq <= PING_ATTEMPTS && answered < PINGS; seq++)
            if (ping_send(&pg, &peer, seq) &&
                stack_run_until(&netif, ping_answered, NULL, PING_LIMIT_MS) == rcOk)
                answered++;
        ping_close(&pg);
    }
    OT_EQ(answered, PINGS);
    printf("os_netstack: ping 10.9.0.2: %u of %u answered\n", answered, PINGS);

    if (!OT_TRUE(tcp_echo_connect(&client, &peer, ECHO_PORT, ECHO_TOTAL)))
        return;
    u32_t start = sys_now();
    OT_RC(stack_run_until(&netif, client_done, NULL, ECHO_LIMIT_MS), rcOk);
    u32_t ms = sys_now() - start;
    OT_TRUE(client.connected);
    OT_EQ(client.error, ERR_OK);
    OT_EQ(client.received, ECHO_TOTAL);
    ot_check(client.mismatches == 0, __LINE__, "echoed bytes equal", "%u bytes differ, first at %u",
             client.mismatches, client.first_mismatch);
    printf("os_netstack: TCP echo of %u bytes to 10.9.0.2 in %u ms, %u bytes differ\n",
           client.received, (unsigned)ms, client.mismatches);
    /* Let the close reach the peer before this process goes. */
    stack_run_until(&netif, never, NULL, 500);
}

static void run_server(void)
{
    struct tcp_pcb *listener = tcp_echo_listen(&server, ECHO_PORT);
    if (!OT_TRUE(listener != NULL))
        return;
    OT_RC(stack_run_until(&netif, server_done, NULL, ECHO_LIMIT_MS + 30000u), rcOk);
    OT_EQ(server.accepted, 1);
    OT_EQ(server.echoed, ECHO_TOTAL);
    stack_run_until(&netif, never, NULL, 500);
    tcp_close(listener);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        printf("os_netstack: usage: os_netstack <result name> <channel> client|server\n");
        return 2;
    }
    bool is_client = strcmp(argv[3], "client") == 0;
    ot_begin(argv[1]);
    OT_RC(net_test_lower_priority(), rcOk);
    lwip_init();
    if (!OT_RC(nic_netif_add(&netif, argv[2]), rcOk))
        return ot_end();
    ip4_addr_t addr, mask, gw;
    IP4_ADDR(&addr, 10, 9, 0, is_client ? 1 : 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 0, 0, 0, 0);
    netif_set_addr(&netif, &addr, &mask, &gw);
    netif_set_default(&netif);
    OT_TRUE(netif_is_link_up(&netif)); /* the switch reports its link up */
    if (is_client)
        run_client();
    else
        run_server();

    struct nic_netif_counts c;
    nic_netif_counts(&c);
    OT_TRUE(c.rx > 0 && c.tx > 0);
    OT_EQ(c.tx_refused, 0);
    printf("%s: %llu frames received, %llu sent\n", argv[1], (unsigned long long)c.rx,
           (unsigned long long)c.tx);
    return ot_end();
}
