/*
 * os_sock_client: a plain POSIX client of os_sock_server over the socket library (userland/net)
 * and the network stack's loopback interface: a blocking TCP echo of 64 KiB compared byte for
 * byte, a non-blocking connection driven by poll(), UDP datagrams with sendto/recvfrom and
 * connected, the POSIX errors (ECONNREFUSED, EADDRINUSE, EBADF, EAGAIN after SO_RCVTIMEO,
 * ETIMEDOUT, EACCES where its policy refuses), and, over a second channel to the stack (a
 * second client in the stack's eyes), that one client cannot close, read or write another's
 * socket even with the right number. Its class (ostest.SockClient) may connect to the server's
 * two ports, bind two ports of its own, and nothing else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <user/core.h>
#include <user/ipc.h>

#include "net/NetStack.edl.h"
#include "net/Socket.idl.h"
#include "net_priority.h"
#include "ostest.h"

#define TCP_PORT 7000
#define UDP_PORT 7001
#define CLOSED_PORT 7999
#define ECHO_TOTAL (64u * 1024u)
#define CHUNK 4096u
/* A wait for something that must come (a connection, an echo): returns as soon as it comes, so
 * it is long. The UBSan image runs every test process on four virtual CPUs of a loaded two-core
 * host, where a select on a loopback echo has once waited past 5 s. */
#define READY_WAIT_MS 30000

static struct sockaddr_in addr_of(uint32_t host, uint16_t port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(host);
    return sin;
}

/* A blocking TCP connection to the server, retried while it is not listening yet (20 s). */
static int connect_server(void)
{
    struct sockaddr_in sin = addr_of(INADDR_LOOPBACK, TCP_PORT);
    for (int tries = 0; tries < 200; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0)
            return fd;
        int e = errno;
        close(fd);
        if (e != ECONNREFUSED) {
            printf("os_sock_client: connect: errno %d\n", e);
            return -1;
        }
        core_thread_sleep(100);
    }
    return -1;
}

static uint8_t out[ECHO_TOTAL], in[ECHO_TOTAL];

static int recv_all(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0)
            return 0;
        got += (size_t)n;
    }
    return 1;
}

static void tcp_blocking(void)
{
    int fd = connect_server();
    if (!OT_TRUE(fd >= 0))
        return;
    int one = 1;
    OT_TRUE(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    OT_TRUE(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
    struct sockaddr_in peer, self;
    socklen_t len = sizeof peer;
    OT_TRUE(getpeername(fd, (struct sockaddr *)&peer, &len) == 0);
    OT_EQ(ntohs(peer.sin_port), TCP_PORT);
    OT_EQ(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
    len = sizeof self;
    OT_TRUE(getsockname(fd, (struct sockaddr *)&self, &len) == 0);
    OT_TRUE(ntohs(self.sin_port) != 0);

    for (size_t i = 0; i < ECHO_TOTAL; i++)
        out[i] = (uint8_t)(i * 7 + i / 256);
    size_t differ = 0, done = 0;
    while (done < ECHO_TOTAL) {
        if (send(fd, out + done, CHUNK, 0) != (ssize_t)CHUNK || !recv_all(fd, in + done, CHUNK))
            break;
        done += CHUNK;
    }
    OT_EQ(done, ECHO_TOTAL);
    for (size_t i = 0; i < done; i++)
        differ += in[i] != out[i];
    printf("os_sock_client: TCP echo of %u bytes over 127.0.0.1, %u bytes differ\n", (unsigned)done,
           (unsigned)differ);
    OT_EQ(differ, 0);
    /* Our end of stream: the server closes, and recv says so with 0. */
    OT_TRUE(shutdown(fd, SHUT_WR) == 0);
    char c;
    OT_EQ(recv(fd, &c, 1, 0), 0);
    OT_TRUE(close(fd) == 0);
}

static void tcp_nonblocking(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (!OT_TRUE(fd >= 0))
        return;
    OT_TRUE(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
    OT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
    struct sockaddr_in sin = addr_of(INADDR_LOOPBACK, TCP_PORT);
    int r = connect(fd, (struct sockaddr *)&sin, sizeof sin);
    OT_TRUE(r == 0 || errno == EINPROGRESS);
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    OT_EQ(poll(&p, 1, READY_WAIT_MS), 1);
    OT_TRUE(p.revents & POLLOUT);
    int err = -1;
    socklen_t len = sizeof err;
    OT_TRUE(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
    OT_EQ(err, 0);
    char buf[64];
    OT_EQ(recv(fd, buf, sizeof buf, 0), -1);
    OT_EQ(errno, EAGAIN);
    static const char hello[] = "non-blocking hello";
    OT_EQ(send(fd, hello, sizeof hello, 0), sizeof hello);
    /* select first, then poll: both must see the echo. */
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    struct timeval tv = {.tv_sec = READY_WAIT_MS / 1000};
    OT_EQ(select(fd + 1, &rd, NULL, NULL, &tv), 1);
    OT_TRUE(FD_ISSET(fd, &rd));
    p = (struct pollfd){.fd = fd, .events = POLLIN};
    OT_EQ(poll(&p, 1, READY_WAIT_MS), 1);
    size_t got = 0;
    while (got < sizeof hello && poll(&p, 1, READY_WAIT_MS) == 1) {
        ssize_t n = recv(fd, buf + got, sizeof buf - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    OT_EQ(got, sizeof hello);
    OT_TRUE(memcmp(buf, hello, sizeof hello) == 0);
    OT_TRUE(close(fd) == 0);
}

static void udp(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (!OT_TRUE(fd >= 0))
        return;
    /* Generous: on a loaded host an echo has taken over 2 s. Each datagram has its own length,
     * so an echo that comes after its wait ended is recognised as late and skipped, not taken
     * for the next one's. */
    struct timeval tv = {.tv_sec = 10};
    OT_TRUE(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    struct sockaddr_in server = addr_of(INADDR_LOOPBACK, UDP_PORT);
    unsigned good = 0, late = 0;
    static uint8_t dgram[1400], back[1500];
    for (unsigned i = 1; i <= 20; i++) {
        size_t len = i * 70;
        for (size_t k = 0; k < len; k++)
            dgram[k] = (uint8_t)(i + k);
        if (sendto(fd, dgram, len, 0, (struct sockaddr *)&server, sizeof server) != (ssize_t)len)
            continue;
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n;
        while ((n = recvfrom(fd, back, sizeof back, 0, (struct sockaddr *)&from, &flen)) > 0 &&
               n < (ssize_t)len && n % 70 == 0) {
            late++;
            flen = sizeof from;
        }
        good += n == (ssize_t)len && memcmp(back, dgram, len) == 0 &&
                ntohs(from.sin_port) == UDP_PORT && ntohl(from.sin_addr.s_addr) == INADDR_LOOPBACK;
    }
    printf("os_sock_client: UDP: %u of 20 datagrams echoed (%u late echoes skipped)\n", good, late);
    OT_EQ(good, 20);
    /* Connected: send and recv without addresses (a late echo of the above skipped). */
    OT_TRUE(connect(fd, (struct sockaddr *)&server, sizeof server) == 0);
    OT_EQ(send(fd, "ping", 4, 0), 4);
    char buf[1500];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 4 && n % 70 == 0)
        ;
    OT_EQ(n, 4);
    OT_TRUE(memcmp(buf, "ping", 4) == 0);
    OT_TRUE(close(fd) == 0);
}

static void errors(void)
{
    /* Nobody listens on CLOSED_PORT: the stack answers the SYN with a reset. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = addr_of(INADDR_LOOPBACK, CLOSED_PORT);
    OT_EQ(connect(fd, (struct sockaddr *)&sin, sizeof sin), -1);
    OT_EQ(errno, ECONNREFUSED);
    close(fd);

    /* One port, two sockets. */
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    sin = addr_of(INADDR_ANY, 7002);
    OT_TRUE(bind(a, (struct sockaddr *)&sin, sizeof sin) == 0);
    OT_EQ(bind(b, (struct sockaddr *)&sin, sizeof sin), -1);
    OT_EQ(errno, EADDRINUSE);
    int t1 = socket(AF_INET, SOCK_STREAM, 0), t2 = socket(AF_INET, SOCK_STREAM, 0);
    sin = addr_of(INADDR_ANY, 7003);
    OT_TRUE(bind(t1, (struct sockaddr *)&sin, sizeof sin) == 0);
    OT_EQ(bind(t2, (struct sockaddr *)&sin, sizeof sin), -1);
    OT_EQ(errno, EADDRINUSE);
    close(t1);
    close(t2);

    /* Nothing comes to b: SO_RCVTIMEO ends the wait with EAGAIN. */
    struct timeval tv = {.tv_usec = 200000};
    OT_TRUE(setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    char c;
    OT_EQ(recv(b, &c, 1, 0), -1);
    OT_EQ(errno, EAGAIN);
    OT_EQ(recv(b, &c, 1, MSG_DONTWAIT), -1);
    OT_EQ(errno, EWOULDBLOCK);
    /* poll's timeout: nothing readable within 100 ms; a descriptor that is no socket. */
    struct pollfd idle[2] = {{.fd = b, .events = POLLIN}, {.fd = 60, .events = POLLIN}};
    OT_EQ(poll(idle, 1, 100), 0);
    OT_EQ(idle[0].revents, 0);
    OT_EQ(poll(idle, 2, 100), 1);
    OT_EQ(idle[1].revents, POLLNVAL);
    close(a);
    close(b);

    /* Descriptors that are not (or no longer) sockets. */
    OT_EQ(recv(50, &c, 1, 0), -1);
    OT_EQ(errno, EBADF);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    OT_TRUE(close(fd) == 0);
    OT_EQ(close(fd), -1);
    OT_EQ(errno, EBADF);
    OT_EQ(send(fd, "x", 1, 0), -1);
    OT_EQ(errno, EBADF);

    /* 127.0.0.2 answers nothing on the loopback interface: SO_SNDTIMEO ends the connect. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    tv = (struct timeval){.tv_usec = 500000};
    OT_TRUE(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0);
    sin = addr_of(0x7f000002, TCP_PORT);
    OT_EQ(connect(fd, (struct sockaddr *)&sin, sizeof sin), -1);
    OT_EQ(errno, ETIMEDOUT);
    close(fd);

    /* What the policy does not grant this class: port 80, and the server's own port. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sin = addr_of(INADDR_ANY, 80);
    OT_EQ(bind(fd, (struct sockaddr *)&sin, sizeof sin), -1);
    OT_EQ(errno, EACCES);
    close(fd);

    /* Addresses and names. */
    struct in_addr ia;
    OT_EQ(inet_pton(AF_INET, "10.0.2.15", &ia), 1);
    OT_EQ(ntohl(ia.s_addr), 0x0a00020f);
    char text[INET_ADDRSTRLEN];
    OT_TRUE(inet_ntop(AF_INET, &ia, text, sizeof text) && strcmp(text, "10.0.2.15") == 0);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    OT_EQ(getaddrinfo("127.0.0.1", "7000", &hints, &res), 0);
    if (OT_TRUE(res != NULL)) {
        fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
        OT_TRUE(connect(fd, res->ai_addr, res->ai_addrlen) == 0);
        close(fd);
        freeaddrinfo(res);
    }
}

/* A second channel to the stack is a second client: its table holds none of our sockets. */
static void isolation(void)
{
    int fd = connect_server();
    if (!OT_TRUE(fd >= 0))
        return;
    static _Alignas(8) uint8_t req[512], res[512];
    struct ipc_channel ch;
    struct idl_client cl;
    if (!OT_RC(ipc_connect(&ch, "net.other"), rcOk))
        return;
    ipc_client_init(&cl, &ch, net_NetStack_EP_socket, req, sizeof req, res, sizeof res);
    unsigned refused = 0;
    for (uint32_t n = 1; n <= 16; n++) {
        uint32_t rc = rcFail, events = 0, sent = 0;
        net_Socket_Status(&cl, n, &events, &rc);
        refused += rc == (uint32_t)rcBadHandle;
        rc = rcFail;
        net_Socket_Send(&cl, n, (struct idl_seq){.data = "x", .count = 1}, 0, 0, 0, &sent, &rc);
        refused += rc == (uint32_t)rcBadHandle;
        rc = rcFail;
        net_Socket_Close(&cl, n, &rc);
        refused += rc == (uint32_t)rcBadHandle;
    }
    OT_EQ(refused, 48);
    /* Our connection is whole. */
    OT_EQ(send(fd, "still mine", 10, 0), 10);
    char buf[16];
    OT_TRUE(recv_all(fd, (uint8_t *)buf, 10) && memcmp(buf, "still mine", 10) == 0);
    close(fd);
}

int main(void)
{
    ot_begin("os_sock_client");
    net_test_lower_priority();
    tcp_blocking();
    tcp_nonblocking();
    udp();
    errors();
    isolation();
    /* The server's last datagram. */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in server = addr_of(INADDR_LOOPBACK, UDP_PORT);
    OT_EQ(sendto(fd, "quit", 4, 0, (struct sockaddr *)&server, sizeof server), 4);
    close(fd);
    return ot_end();
}
