/*
 * The POSIX socket calls over net.Socket (<sys/socket.h>, <unistd.h>, <fcntl.h>): each call is
 * one request to the network stack (a send longer than one message is several), and the stack
 * and the security monitor answer it; the library keeps only the descriptors and their flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "net_client.h"
#include "net_errno.h"

/* A call's timeoutMs: 0 for a non-blocking descriptor or MSG_DONTWAIT, else the descriptor's
 * timeout, else as long as it takes. */
static uint32_t timeout_of(const struct net_fd *f, uint32_t option_ms, int flags)
{
    if (f->nonblock || (flags & MSG_DONTWAIT))
        return 0;
    return option_ms ? option_ms : net_Socket_Forever;
}

/* The sockaddr_in of a request: its address in host order and port, or errno. */
static int read_addr(const struct sockaddr *addr, socklen_t len, uint32_t *address, uint16_t *port)
{
    if (addr == NULL || len < sizeof(struct sockaddr_in)) {
        errno = EINVAL;
        return -1;
    }
    struct sockaddr_in sin;
    memcpy(&sin, addr, sizeof sin);
    if (sin.sin_family != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    *address = ntohl(sin.sin_addr.s_addr);
    *port = ntohs(sin.sin_port);
    return 0;
}

static void write_addr(struct sockaddr *addr, socklen_t *len, uint32_t address, uint16_t port)
{
    if (addr == NULL || len == NULL)
        return;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(address);
    memcpy(addr, &sin, *len < sizeof sin ? *len : sizeof sin);
    *len = sizeof sin;
}

int socket(int domain, int type, int protocol)
{
    int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    uint32_t proto;
    if (kind == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        proto = net_Socket_Tcp;
    else if (kind == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
        proto = net_Socket_Udp;
    else {
        errno = kind == SOCK_STREAM || kind == SOCK_DGRAM ? EPROTONOSUPPORT : EPROTOTYPE;
        return -1;
    }
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t number = 0, rc = rcFail;
    Retcode r = net_result(net_Socket_Socket(cl, proto, &number, &rc), &rc);
    net_call_end(cl);
    if (r != rcOk)
        return net_fail(r);
    int fd = net_fd_alloc(number, proto);
    if (fd < 0) {
        if ((cl = net_call_begin()) != NULL) {
            net_Socket_Close(cl, number, &rc);
            net_call_end(cl);
        }
        errno = EMFILE;
        return -1;
    }
    if (type & SOCK_NONBLOCK)
        net_fd_get(fd)->nonblock = 1;
    return fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct net_fd *f = net_fd_get(fd);
    uint32_t address;
    uint16_t port, bound = 0;
    if (f == NULL || read_addr(addr, len, &address, &port) < 0)
        return -1;
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t rc = rcFail;
    Retcode r = net_result(net_Socket_Bind(cl, f->socket, address, port, &bound, &rc), &rc);
    net_call_end(cl);
    return net_fail(r);
}

int listen(int fd, int backlog)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    if (f->protocol != net_Socket_Tcp) {
        errno = EOPNOTSUPP;
        return -1;
    }
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t rc = rcFail;
    Retcode r = net_result(
        net_Socket_Listen(cl, f->socket, backlog < 0 ? 0u : (uint32_t)backlog, &rc), &rc);
    net_call_end(cl);
    return net_fail(r);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t conn = 0, peer = 0, rc = rcFail;
    uint16_t port = 0;
    Retcode r = net_result(net_Socket_Accept(cl, f->socket, timeout_of(f, f->rcv_timeout_ms, 0),
                                             &conn, &peer, &port, &rc),
                           &rc);
    net_call_end(cl);
    if (r == rcTimeout)
        r = rcWouldBlock; /* SO_RCVTIMEO ran out: EAGAIN, as for recv */
    if (r != rcOk)
        return net_fail(r);
    int nfd = net_fd_alloc(conn, net_Socket_Tcp);
    if (nfd < 0) {
        if ((cl = net_call_begin()) != NULL) {
            net_Socket_Close(cl, conn, &rc);
            net_call_end(cl);
        }
        errno = EMFILE;
        return -1;
    }
    write_addr(addr, len, peer, port);
    return nfd;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct net_fd *f = net_fd_get(fd);
    uint32_t address;
    uint16_t port;
    if (f == NULL || read_addr(addr, len, &address, &port) < 0)
        return -1;
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t rc = rcFail;
    Retcode r = net_result(
        net_Socket_Connect(cl, f->socket, address, port, timeout_of(f, f->snd_timeout_ms, 0), &rc),
        &rc);
    net_call_end(cl);
    return net_fail(r); /* rcInProgress: EINPROGRESS, rcTimeout: ETIMEDOUT */
}

/* One Send of at most DataMax bytes: sent, or -1 with errno. */
static ssize_t send_once(struct net_fd *f, const void *buf, size_t len, uint32_t address,
                         uint16_t port, uint32_t timeout_ms)
{
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t sent = 0, rc = rcFail;
    struct idl_seq data = {.data = buf, .count = (uint32_t)len};
    Retcode r = net_result(
        net_Socket_Send(cl, f->socket, data, address, port, timeout_ms, &sent, &rc), &rc);
    net_call_end(cl);
    if (r == rcTimeout)
        r = rcWouldBlock; /* SO_SNDTIMEO ran out: EAGAIN */
    return r == rcOk ? (ssize_t)sent : net_fail(r);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    uint32_t address = 0;
    uint16_t port = 0;
    if (to != NULL && read_addr(to, tolen, &address, &port) < 0)
        return -1;
    uint32_t timeout = timeout_of(f, f->snd_timeout_ms, flags);
    if (f->protocol == net_Socket_Udp) {
        if (len > net_Socket_DataMax) {
            errno = EMSGSIZE;
            return -1;
        }
        return send_once(f, buf, len, address, port, timeout);
    }
    if (to != NULL) {
        errno = EISCONN;
        return -1;
    }
    /* A stream: a blocking send sends it all, one message of DataMax at a time; a
     * non-blocking one what fits. */
    size_t done = 0;
    do {
        size_t n = len - done > net_Socket_DataMax ? net_Socket_DataMax : len - done;
        ssize_t s = send_once(f, (const uint8_t *)buf + done, n, 0, 0, timeout);
        if (s < 0)
            return done > 0 && errno == EAGAIN ? (ssize_t)done : -1;
        done += (size_t)s;
        if (timeout == 0 && (size_t)s < n)
            break;
    } while (done < len);
    return (ssize_t)done;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                 socklen_t *fromlen)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t max = len > net_Socket_DataMax ? net_Socket_DataMax : (uint32_t)len;
    uint32_t address = 0, rc = rcFail;
    uint16_t port = 0;
    struct idl_seq data = {0};
    Retcode r =
        net_result(net_Socket_Recv(cl, f->socket, max, timeout_of(f, f->rcv_timeout_ms, flags),
                                   &data, &address, &port, &rc),
                   &rc);
    ssize_t got = -1;
    if (r == rcOk) {
        got = data.count <= max ? (ssize_t)data.count : (ssize_t)max;
        memcpy(buf, data.data, (size_t)got);
    }
    net_call_end(cl);
    if (r == rcTimeout)
        r = rcWouldBlock; /* SO_RCVTIMEO ran out: EAGAIN */
    if (r != rcOk)
        return net_fail(r);
    write_addr(from, fromlen, address, port);
    return got;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    return recvfrom(fd, buf, len, flags, NULL, NULL);
}

int shutdown(int fd, int how)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    if (how < SHUT_RD || how > SHUT_RDWR) {
        errno = EINVAL;
        return -1;
    }
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t rc = rcFail;
    Retcode r = net_result(net_Socket_Shutdown(cl, f->socket, (uint32_t)how, &rc), &rc);
    net_call_end(cl);
    return net_fail(r);
}

/* close, read and write of a socket descriptor (user/fd.h: userland/libc/fd.c looks the number
 * up and calls these; it frees the number after close, whatever the stack answered, as POSIX's
 * close). */
static int socket_close(int fd)
{
    struct net_fd *f = net_fd_closing(fd);
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t rc = rcFail;
    Retcode r = net_result(net_Socket_Close(cl, f->socket, &rc), &rc);
    net_call_end(cl);
    return net_fail(r);
}

static ssize_t socket_read(int fd, void *buf, size_t len)
{
    return recv(fd, buf, len, 0);
}

static ssize_t socket_write(int fd, const void *buf, size_t len)
{
    return send(fd, buf, len, 0);
}

const struct fd_kind net_socket_kind = {
    .name = "socket",
    .mode = S_IFSOCK,
    .close = socket_close,
    .read = socket_read,
    .write = socket_write,
};

int fcntl(int fd, int cmd, ...)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    va_list ap;
    va_start(ap, cmd);
    int arg = cmd == F_SETFL || cmd == F_SETFD ? va_arg(ap, int) : 0;
    va_end(ap);
    switch (cmd) {
    case F_GETFL:
        return O_RDWR | (f->nonblock ? O_NONBLOCK : 0);
    case F_SETFL:
        f->nonblock = (arg & O_NONBLOCK) != 0;
        return 0;
    case F_GETFD:
    case F_SETFD:
        return 0; /* no exec: close-on-exec means nothing here */
    default:
        errno = EINVAL;
        return -1;
    }
}

static uint32_t timeval_ms(const struct timeval *tv)
{
    uint64_t ms = (uint64_t)tv->tv_sec * 1000u + (uint64_t)(tv->tv_usec + 999) / 1000u;
    return ms >= net_Socket_Forever ? net_Socket_Forever - 1 : (uint32_t)ms;
}

static int option_call(struct net_fd *f, uint32_t option, uint32_t value)
{
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t rc = rcFail;
    Retcode r = net_result(net_Socket_SetOption(cl, f->socket, option, value, &rc), &rc);
    net_call_end(cl);
    return net_fail(r);
}

static int get_option(struct net_fd *f, uint32_t option, uint32_t *value)
{
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t rc = rcFail;
    Retcode r = net_result(net_Socket_GetOption(cl, f->socket, option, value, &rc), &rc);
    net_call_end(cl);
    return net_fail(r);
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    if (value == NULL) {
        errno = EFAULT;
        return -1;
    }
    int iv = 0;
    if (len >= sizeof iv)
        memcpy(&iv, value, sizeof iv);
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_RCVTIMEO:
        case SO_SNDTIMEO: {
            if (len < sizeof(struct timeval)) {
                errno = EINVAL;
                return -1;
            }
            struct timeval tv;
            memcpy(&tv, value, sizeof tv);
            *(name == SO_RCVTIMEO ? &f->rcv_timeout_ms : &f->snd_timeout_ms) = timeval_ms(&tv);
            return 0;
        }
        case SO_REUSEADDR:
            return option_call(f, net_Socket_OptReuseAddr, iv != 0);
        case SO_KEEPALIVE:
            return option_call(f, net_Socket_OptKeepAlive, iv != 0);
        case SO_REUSEPORT:
        case SO_BROADCAST:
        case SO_RCVBUF:
        case SO_SNDBUF:
        case SO_LINGER:
            return 0; /* accepted: the stack's buffers are fixed, lwIP sends broadcast */
        }
    } else if (level == IPPROTO_TCP && name == TCP_NODELAY) {
        return option_call(f, net_Socket_OptNoDelay, iv != 0);
    }
    errno = ENOPROTOOPT;
    return -1;
}

int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    if (value == NULL || len == NULL) {
        errno = EFAULT;
        return -1;
    }
    uint32_t v = 0;
    int iv;
    if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        uint32_t ms = name == SO_RCVTIMEO ? f->rcv_timeout_ms : f->snd_timeout_ms;
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
        memcpy(value, &tv, *len < sizeof tv ? *len : sizeof tv);
        *len = sizeof tv;
        return 0;
    }
    if (level == SOL_SOCKET && name == SO_TYPE) {
        iv = f->protocol == net_Socket_Tcp ? SOCK_STREAM : SOCK_DGRAM;
    } else {
        uint32_t option = 0;
        if (level == SOL_SOCKET && name == SO_ERROR)
            option = net_Socket_OptError;
        else if (level == SOL_SOCKET && name == SO_REUSEADDR)
            option = net_Socket_OptReuseAddr;
        else if (level == SOL_SOCKET && name == SO_KEEPALIVE)
            option = net_Socket_OptKeepAlive;
        else if (level == IPPROTO_TCP && name == TCP_NODELAY)
            option = net_Socket_OptNoDelay;
        if (option == 0) {
            errno = ENOPROTOOPT;
            return -1;
        }
        if (get_option(f, option, &v) < 0)
            return -1;
        /* SO_ERROR: the pending error as errno (0 for none). */
        iv = option == net_Socket_OptError ? (v ? net_errno((Retcode)v) : 0) : (int)v;
    }
    memcpy(value, &iv, *len < sizeof iv ? *len : sizeof iv);
    *len = sizeof iv;
    return 0;
}

static int get_name(int fd, uint32_t peer, struct sockaddr *addr, socklen_t *len)
{
    struct net_fd *f = net_fd_get(fd);
    if (f == NULL)
        return -1;
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t address = 0, rc = rcFail;
    uint16_t port = 0;
    Retcode r = net_result(net_Socket_GetName(cl, f->socket, peer, &address, &port, &rc), &rc);
    net_call_end(cl);
    if (r != rcOk)
        return net_fail(r);
    write_addr(addr, len, address, port);
    return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return get_name(fd, 0, addr, len);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    return get_name(fd, 1, addr, len);
}
