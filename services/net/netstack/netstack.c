/*
 * netstack: the network stack process. lwIP over the NIC driver (net.Nic on the channel
 * "nic") with its address from DHCP, or over its loopback interface alone when it was given no
 * "nic" channel or the driver did not open; then it serves sockets (net.Socket, socket_server.h) on every channel named
 * "net" or "net.<x>" and runs the event loop for good: it answers ARP and ping, keeps the lease
 * and carries the programs' traffic (docs/networking.md, "Sockets for programs").
 *
 * Arguments: --ping <a.b.c.d> pings that address three times once the address is bound and
 * prints the outcome (the gateway, to show the path works). --priority <n>: every thread of the
 * stack runs at priority n (default 10), so that a test image can keep its traffic from pushing
 * other programs off the CPUs. --address <a.b.c.d/n>: that address and prefix on the NIC's
 * interface instead of DHCP (a test network with no DHCP server). --stats-port <n>: answers
 * every UDP datagram to port n with the stack's counters (stack_stats.h; test images only).
 */
#include <stdio.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include "nic_netif.h"
#include "ping.h"
#include "socket_loop.h"
#include "socket_server.h"
#include "stack_loop.h"
#include "stack_stats.h"
#include <stdlib.h>
#include <user/core.h>
#include <user/start.h>
#include <user/thread.h>

#include "kl/core/Handle.idl.h"
#include "kl/core/Thread.idl.h"

#define DHCP_LIMIT_MS 30000u
#define PING_COUNT 3u
#define PING_LIMIT_MS 2000u

static struct netif netif;

/* The value after argument `name`, or NULL. */
static const char *arg_value(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

/* "a.b.c.d/n" into an address and its netmask (n 1..32). false when it is not that. */
static bool parse_prefix(const char *text, ip4_addr_t *addr, ip4_addr_t *mask)
{
    char ip[16];
    const char *slash = strchr(text, '/');
    if (!slash || (size_t)(slash - text) >= sizeof ip)
        return false;
    memcpy(ip, text, (size_t)(slash - text));
    ip[slash - text] = '\0';
    char *end = NULL;
    unsigned long bits = strtoul(slash + 1, &end, 10);
    if (!ip4addr_aton(ip, addr) || end == slash + 1 || *end != '\0' || bits < 1 || bits > 32)
        return false;
    ip4_addr_set_u32(mask, lwip_htonl(bits == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> bits)));
    return true;
}

/* The address given with --address, in place of DHCP. */
static int static_address(const char *text)
{
    ip4_addr_t addr, mask, gw;
    if (!parse_prefix(text, &addr, &mask)) {
        printf("netstack: --address %s is not a.b.c.d/n; no address\n", text);
        return 0;
    }
    ip4_addr_set_zero(&gw);
    netif_set_addr(&netif, &addr, &mask, &gw);
    char a[16], m[16];
    ip4addr_ntoa_r(&addr, a, sizeof a);
    ip4addr_ntoa_r(&mask, m, sizeof m);
    printf("netstack: static address %s, netmask %s\n", a, m);
    return 0;
}

static bool dhcp_bound(void *arg)
{
    (void)arg;
    return dhcp_supplied_address(&netif);
}

static bool ping_answered(void *arg)
{
    return ((struct ping *)arg)->answered;
}

static void ping_address(const char *text)
{
    ip_addr_t dst;
    struct ping pg;
    if (!ipaddr_aton(text, &dst) || !ping_open(&pg)) {
        printf("netstack: cannot ping %s\n", text);
        return;
    }
    unsigned answered = 0;
    for (uint16_t seq = 1; seq <= PING_COUNT; seq++) {
        if (ping_send(&pg, &dst, seq) &&
            stack_run_until(&netif, ping_answered, &pg, PING_LIMIT_MS) == rcOk) {
            answered++;
            printf("netstack: echo reply from %s: seq %u, %u ms\n", text, seq, (unsigned)pg.rtt_ms);
        }
    }
    printf("netstack: ping %s: %u of %u answered\n", text, answered, PING_COUNT);
    ping_close(&pg);
}

/* lwIP over the driver on channel "nic": the interface, its DHCP lease, the pings asked for.
 * 0: the interface is up (with a lease, or still asking for one); 1: the driver did not open.
 * Runs before any receiver thread exists, so lwIP is still this thread's alone. */
static int nic_up(int argc, char **argv)
{
    Retcode r = nic_netif_add(&netif, "nic");
    if (r != rcOk) {
        printf("netstack: the NIC driver on channel nic could not be opened: %s; the loopback "
               "interface 127.0.0.1 only\n",
               retcode_name(r));
        return 1;
    }
    netif_set_default(&netif);
    const char *address = arg_value(argc, argv, "--address");
    if (address)
        return static_address(address);
    dhcp_start(&netif);
    r = stack_run_until(&netif, dhcp_bound, NULL, DHCP_LIMIT_MS);
    if (r != rcOk) {
        /* lwIP's DHCP client goes on asking from the loop; the interface stays up. */
        printf("netstack: no DHCP lease within %u ms: %s\n", DHCP_LIMIT_MS, retcode_name(r));
        return 0;
    }
    char addr[16], mask[16], gw[16];
    ip4addr_ntoa_r(netif_ip4_addr(&netif), addr, sizeof addr);
    ip4addr_ntoa_r(netif_ip4_netmask(&netif), mask, sizeof mask);
    ip4addr_ntoa_r(netif_ip4_gw(&netif), gw, sizeof gw);
    printf("netstack: DHCP: address %s, netmask %s, gateway %s\n", addr, mask, gw);

    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--ping") == 0)
            ping_address(argv[i + 1]);
    return 0;
}

/* The calling thread to priority (Thread.OpenCurrent, SetPriority, the handle closed). */
static Retcode set_own_priority(uint32_t priority)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t self = {0};
    Retcode r = core_result(kl_core_Thread_OpenCurrent(&cl, &self, &rc), &rc);
    if (r != rcOk)
        return r;
    r = core_result(kl_core_Thread_SetPriority(&cl, core_handle_arg(self.handle), priority, &rc),
                    &rc);
    CORE_CLIENT(hcl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Handle_Close(&hcl, core_handle_arg(self.handle), &rc);
    return r;
}

int main(int argc, char **argv)
{
    uint32_t priority = THREAD_PRIO_DEFAULT;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--priority") == 0)
            priority = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    if (priority != THREAD_PRIO_DEFAULT) {
        Retcode pr = set_own_priority(priority);
        if (pr != rcOk)
            printf("netstack: priority %u refused: %s\n", priority, retcode_name(pr));
    }
    lwip_init();
    uint32_t handle;
    /* A driver that is not there or does not open leaves the stack on its loopback interface:
     * its programs' sockets between themselves go on working. */
    int have_nic = start_connection("nic", &handle) == rcOk;
    if (have_nic && nic_up(argc, argv) != 0)
        have_nic = 0;
    else if (!have_nic)
        printf("netstack: no NIC channel: the loopback interface 127.0.0.1 only\n");
    const char *stats_port = arg_value(argc, argv, "--stats-port");
    if (stats_port) {
        unsigned long port = strtoul(stats_port, NULL, 10);
        if (port == 0 || port > 65535 ||
            !stack_stats_serve((uint16_t)port, have_nic ? &netif : NULL))
            printf("netstack: the counters cannot be served on UDP port %s\n", stats_port);
        else
            printf("netstack: counters on UDP port %lu\n", port);
    }
    uint32_t clients = 0;
    Retcode r = socket_server_start(priority, &clients);
    if (r == rcOk)
        printf("netstack: serving sockets to %u client channels\n", clients);
    else if (r != rcNotFound)
        printf("netstack: the socket service did not start: %s\n", retcode_name(r));
    socket_loop_run(have_nic ? &netif : NULL);
    return 1;
}
