/* The resolver over the socket library (dns_resolve.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <user/core.h>

#include "dns_msg.h"
#include "dns_resolve.h"

/* DNS_SERVER as an address and port. false when unset or malformed. */
static bool server_of(struct sockaddr_in *sin)
{
    const char *text = getenv("DNS_SERVER");
    if (text == NULL)
        return false;
    char addr[16];
    const char *colon = strchr(text, ':');
    size_t alen = colon ? (size_t)(colon - text) : strlen(text);
    unsigned long port = DNS_PORT;
    if (alen >= sizeof addr)
        return false;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (colon) {
        char *end = NULL;
        port = strtoul(colon + 1, &end, 10);
        if (end == colon + 1 || *end != '\0' || port == 0 || port > 65535)
            return false;
    }
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, addr, &sin->sin_addr) == 1;
}

/* One try: the query sent, then datagrams until an answer to it, DNS_WAIT_MS without one, or
 * DNS_IGNORED_MAX that were none. */
static Retcode try_once(int fd, const uint8_t *q, size_t qlen, uint32_t *addrs, uint32_t max,
                        uint32_t *n)
{
    uint8_t answer[DNS_MSG_MAX + 1]; /* one byte more: a longer datagram is refused */
    if (send(fd, q, qlen, 0) != (ssize_t)qlen)
        return errno == EACCES ? rcSecurityDisallow : rcFail;
    Retcode last = rcTimeout;
    for (int i = 0; i < DNS_IGNORED_MAX; i++) {
        ssize_t got = recv(fd, answer, sizeof answer, 0);
        if (got < 0)
            return errno == EAGAIN || errno == ETIMEDOUT ? last : rcFail;
        Retcode r = dns_answer_parse(answer, (size_t)got, q, qlen, addrs, max, n);
        if (r != rcDnsBadAnswer)
            return r;
        last = rcDnsBadAnswer;
    }
    return last;
}

Retcode net_resolve_name(const char *name, uint32_t *addrs, uint32_t max, uint32_t *n)
{
    *n = 0;
    struct sockaddr_in server;
    if (max == 0)
        return rcInvalidArgument;
    if (!server_of(&server))
        return rcNotSupported;
    uint8_t q[DNS_MSG_MAX];
    size_t qlen = 0;
    Retcode r = dns_query_build(name, 0, q, sizeof q, &qlen);
    if (r != rcOk)
        return r;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return errno == EACCES ? rcSecurityDisallow : rcFail;
    struct timeval wait = {.tv_sec = DNS_WAIT_MS / 1000, .tv_usec = DNS_WAIT_MS % 1000 * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) != 0 ||
        connect(fd, (struct sockaddr *)&server, sizeof server) != 0) {
        r = errno == EACCES ? rcSecurityDisallow : rcFail;
        close(fd);
        return r;
    }
    r = rcTimeout;
    for (int t = 0; t < DNS_TRIES && (r == rcTimeout || r == rcDnsBadAnswer); t++) {
        /* A fresh id each try, from the kernel's entropy: an id a forger cannot guess is half
         * of what keeps a forged answer out (the connected socket's address and port, with
         * the stack's choice of local port, the other). No entropy: no query. */
        uint16_t id;
        if ((r = core_get_entropy(&id, sizeof id)) != rcOk)
            break;
        q[0] = (uint8_t)(id >> 8);
        q[1] = (uint8_t)id;
        r = try_once(fd, q, qlen, addrs, max, n);
    }
    close(fd);
    return r;
}
