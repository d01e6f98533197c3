/*
 * os_sock_attack: an untrusted program with a channel to the network stack. Its class
 * (ostest.SockAttack) may make sockets and use what it has, but may bind no port, connect
 * nowhere and send datagrams nowhere: each attempt is refused by the security monitor (EACCES)
 * before the stack sees it, and audited. It also tries every socket number on its own channel,
 * where only its own sockets are, and asks for the stack's counters (GetStats, the status
 * page's alone); and after each attack the probe server (a bystander) and the stack itself (a
 * new socket of its own) still answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <user/ipc.h>
#include <user/net_stats.h>

#include "net/NetStack.edl.h"
#include "net/Socket.idl.h"
#include "net_priority.h"
#include "ostest.h"

static struct sockaddr_in addr_of(uint32_t host, uint16_t port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(host);
    return sin;
}

/* The stack still serves us: a socket made and closed. */
static bool stack_serves(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    return OT_TRUE(fd >= 0) && OT_TRUE(close(fd) == 0);
}

static void refused(const char *what, bool ok)
{
    ok = ok && ot_bystander_served() && stack_serves();
    if (ok)
        printf("os_sock_attack: %s: refused, bystander served\n", what);
}

int main(void)
{
    ot_begin("os_sock_attack");
    net_test_lower_priority();
    int tcp = socket(AF_INET, SOCK_STREAM, 0), udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (!OT_TRUE(tcp >= 0 && udp >= 0))
        return ot_end();

    struct sockaddr_in web = addr_of(INADDR_ANY, 80);
    bool ok = OT_EQ(bind(tcp, (struct sockaddr *)&web, sizeof web), -1) && OT_EQ(errno, EACCES);
    refused("net.Socket.Bind to port 80", ok);

    struct sockaddr_in server = addr_of(INADDR_LOOPBACK, 7000);
    ok = OT_EQ(connect(tcp, (struct sockaddr *)&server, sizeof server), -1) && OT_EQ(errno, EACCES);
    refused("net.Socket.Connect to 127.0.0.1:7000", ok);

    struct sockaddr_in echo = addr_of(INADDR_LOOPBACK, 7001);
    ok = OT_EQ(sendto(udp, "x", 1, 0, (struct sockaddr *)&echo, sizeof echo), -1) &&
         OT_EQ(errno, EACCES);
    refused("net.Socket.Send to 127.0.0.1:7001", ok);

    ok = OT_EQ(listen(tcp, 1), -1) && OT_EQ(errno, EACCES);
    refused("net.Socket.Listen", ok);

    /* Every number on our channel: ours (1 and 2) answer, no other socket is there. */
    static _Alignas(8) uint8_t req[512], res[512];
    struct ipc_channel ch;
    struct idl_client cl;
    if (OT_RC(ipc_connect(&ch, "net.attack"), rcOk)) {
        ipc_client_init(&cl, &ch, net_NetStack_EP_socket, req, sizeof req, res, sizeof res);
        unsigned others = 0, ours = 0;
        for (uint32_t n = 1; n <= 64; n++) {
            uint32_t rc = rcFail, events = 0;
            net_Socket_Status(&cl, n, &events, &rc);
            if (rc == (uint32_t)rcOk)
                ours++;
            else
                others += rc == (uint32_t)rcBadHandle;
        }
        ok = OT_EQ(ours, 2) && OT_EQ(others, 62);
        refused("net.Socket.Status of every other socket number", ok);
    }

    /* The stack's counters tell what traffic every program had: the status page's class
     * alone may read them. */
    struct net_Socket_Stats stats;
    ok = OT_RC(net_stack_stats(&stats), rcSecurityDisallow);
    refused("net.Socket.GetStats", ok);
    close(tcp);
    close(udp);
    return ot_end();
}
