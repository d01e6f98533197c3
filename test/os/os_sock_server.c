/*
 * os_sock_server: a plain POSIX echo server over the socket library (userland/net), the other
 * side of os_sock_client. TCP on 127.0.0.1:7000: every connection's bytes are sent back, the
 * connections non-blocking and served together from one poll() loop; UDP on port 7001: every
 * datagram goes back to its sender. A datagram "quit" ends it (os_sock_client sends it last).
 * Its class (ostest.SockServer) may bind those two ports and answer, and connect nowhere.
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

#define TCP_PORT 7000
#define UDP_PORT 7001
#define CONN_MAX 8

static int bound_socket(int type, uint16_t port)
{
    int fd = socket(AF_INET, type, 0);
    if (!OT_TRUE(fd >= 0))
        return -1;
    int one = 1;
    OT_TRUE(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!OT_TRUE(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0)) {
        printf("os_sock_server: bind to port %u: errno %d\n", port, errno);
        return -1;
    }
    return fd;
}

static char buf[16384];

int main(void)
{
    ot_begin("os_sock_server");
    net_test_lower_priority();
    int tcp = bound_socket(SOCK_STREAM, TCP_PORT);
    int udp = bound_socket(SOCK_DGRAM, UDP_PORT);
    if (tcp < 0 || udp < 0)
        return ot_end();
    OT_TRUE(listen(tcp, 4) == 0);
    OT_TRUE(fcntl(tcp, F_SETFL, fcntl(tcp, F_GETFL) | O_NONBLOCK) == 0);
    printf("os_sock_server: listening on 127.0.0.1:%u (TCP) and :%u (UDP)\n", TCP_PORT, UDP_PORT);

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
        if (poll(p, 2 + CONN_MAX, 60000) <= 0) {
            OT_TRUE(!"poll: nothing for 60 s");
            break;
        }
        if (p[0].revents & POLLIN) {
            struct sockaddr_in peer;
            socklen_t len = sizeof peer;
            int c = accept(tcp, (struct sockaddr *)&peer, &len);
            if (c >= 0) {
                accepted++;
                fcntl(c, F_SETFL, O_NONBLOCK);
                int placed = 0;
                for (int i = 0; i < CONN_MAX && !placed; i++)
                    if (conns[i] < 0)
                        conns[i] = c, placed = 1;
                if (!placed)
                    close(c);
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
        for (int i = 0; i < CONN_MAX; i++) {
            if (conns[i] < 0 || !(p[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv(conns[i], buf, sizeof buf, 0);
            if (n > 0) {
                /* Blocking for the echo: the client reads while it writes. */
                fcntl(conns[i], F_SETFL, 0);
                ssize_t sent = send(conns[i], buf, (size_t)n, 0);
                fcntl(conns[i], F_SETFL, O_NONBLOCK);
                if (sent == n)
                    continue;
            } else if (n < 0 && errno == EAGAIN) {
                continue;
            }
            close(conns[i]); /* end of stream, or the peer reset it */
            conns[i] = -1;
        }
    }
    printf("os_sock_server: %u connections, %u datagrams echoed\n", accepted, datagrams);
    OT_TRUE(accepted >= 2);
    OT_TRUE(datagrams >= 20);
    return ot_end();
}
