/*
 * net_inject_echo: the server behind the stack in the injection image (net-inject.yaml,
 * ctest net-inject): a plain POSIX echo on port 7 of any address, UDP (every datagram back to
 * its sender) and TCP (every connection's bytes back, the connections served from one poll()
 * loop), while the host sends malformed frames at the stack (test/boot/net_inject.py). The
 * host's valid requests before and after the bad frames must be answered: that is what shows
 * the stack and this server kept serving. A datagram "quit" ends it with its counts.
 * With --probe-after-silence (the image whose driver is killed, net-killed.yaml): once it has
 * served a connection and then heard nothing for 10 s (the driver is gone), it sends itself a
 * datagram through the stack over 127.0.0.1 and ends: that one coming back shows the stack
 * still serves with its NIC gone.
 * Its class (ostest.NetEcho) may bind port 7 and answer, and connect nowhere.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_priority.h"
#include "ostest.h"

#define ECHO_PORT 7
#define CONN_MAX 8
/* How long it waits for the host's first and next request: the whole test's bound. */
#define IDLE_LIMIT_MS 600000
#define SILENCE_MS 10000

static int bound_socket(int type)
{
    int fd = socket(AF_INET, type, 0);
    if (!OT_TRUE(fd >= 0))
        return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(ECHO_PORT)};
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    if (!OT_TRUE(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0)) {
        printf("net_inject_echo: bind to port %u: errno %d\n", ECHO_PORT, errno);
        return -1;
    }
    return fd;
}

static char buf[4096];

/* One connection's turn: its bytes back, or it is closed (end of stream, reset, error).
 * Returns the descriptor still open, or -1. */
static int echo_connection(int fd)
{
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EAGAIN)
        return fd;
    if (n > 0 && send(fd, buf, (size_t)n, MSG_DONTWAIT) == n)
        return fd;
    close(fd);
    return -1;
}

/* A datagram to ourselves through the stack's loopback interface, and whether it came back
 * within SILENCE_MS. */
static bool probe_loopback(int udp)
{
    struct sockaddr_in self = {.sin_family = AF_INET, .sin_port = htons(ECHO_PORT)};
    self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sendto(udp, "probe", 5, 0, (struct sockaddr *)&self, sizeof self) != 5)
        return false;
    struct pollfd p = {.fd = udp, .events = POLLIN};
    while (poll(&p, 1, SILENCE_MS) > 0) {
        ssize_t n = recv(udp, buf, sizeof buf, 0);
        if (n == 5 && memcmp(buf, "probe", 5) == 0)
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    bool probe = argc > 1 && strcmp(argv[1], "--probe-after-silence") == 0;
    ot_begin("net_inject_echo");
    net_test_lower_priority();
    int tcp = bound_socket(SOCK_STREAM);
    int udp = bound_socket(SOCK_DGRAM);
    if (tcp < 0 || udp < 0)
        return ot_end();
    OT_TRUE(listen(tcp, 8) == 0);
    OT_TRUE(fcntl(tcp, F_SETFL, fcntl(tcp, F_GETFL) | O_NONBLOCK) == 0);
    printf("net_inject_echo: echo on port %u, UDP and TCP\n", ECHO_PORT);

    int conns[CONN_MAX];
    unsigned accepted = 0, datagrams = 0;
    for (int i = 0; i < CONN_MAX; i++)
        conns[i] = -1;
    for (int running = 1; running;) {
        struct pollfd p[2 + CONN_MAX];
        p[0] = (struct pollfd){.fd = tcp, .events = POLLIN};
        p[1] = (struct pollfd){.fd = udp, .events = POLLIN};
        for (int i = 0; i < CONN_MAX; i++)
            p[2 + i] = (struct pollfd){.fd = conns[i], .events = POLLIN};
        bool probe_now = probe && accepted > 0;
        if (poll(p, 2 + CONN_MAX, probe_now ? SILENCE_MS : IDLE_LIMIT_MS) <= 0) {
            if (probe_now) {
                bool back = probe_loopback(udp);
                printf("net_inject_echo: %u connections, then 10 s of silence: a datagram to "
                       "127.0.0.1 through the stack %s\n",
                       accepted, back ? "came back" : "did not come back");
                OT_TRUE(back);
                return ot_end();
            }
            OT_TRUE(!"poll: no request for 600 s");
            break;
        }
        if (p[0].revents & POLLIN) {
            int c = accept(tcp, NULL, NULL);
            if (c >= 0) {
                accepted++;
                fcntl(c, F_SETFL, O_NONBLOCK);
                int placed = 0;
                for (int i = 0; i < CONN_MAX && !placed; i++)
                    if (conns[i] < 0)
                        conns[i] = c, placed = 1;
                if (!placed)
                    close(c); /* the host's valid connections come one at a time */
            }
        }
        if (p[1].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t len = sizeof from;
            ssize_t n = recvfrom(udp, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
            if (n == 4 && memcmp(buf, "quit", 4) == 0)
                running = 0;
            else if (n >= 0 && sendto(udp, buf, (size_t)n, 0, (struct sockaddr *)&from, len) == n)
                datagrams++;
        }
        for (int i = 0; i < CONN_MAX; i++)
            if (conns[i] >= 0 && (p[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
                conns[i] = echo_connection(conns[i]);
    }
    printf("net_inject_echo: %u connections, %u datagrams echoed\n", accepted, datagrams);
    OT_TRUE(accepted >= 1);
    OT_TRUE(datagrams >= 2);
    return ot_end();
}
