/*
 * getaddrinfo over IPv4 (<netdb.h>): a numeric address, "localhost", no node (the wildcard
 * with AI_PASSIVE, else the loopback address), or a name the resolver finds (dns_resolve.h:
 * the DNS server DNS_SERVER names); a numeric service. One result per address and socket type
 * asked for (stream and datagram when the hints name none). No system calls of its own: the
 * host test gives it a resolver of its own.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "dns_resolve.h"

/* Addresses taken of one name at most. */
#define ADDRS_MAX 8

/* One result and its address in one allocation, so freeaddrinfo frees each with one free(). */
struct addrinfo_block {
    struct addrinfo ai;
    struct sockaddr_in sin;
};

static int parse_port(const char *service, uint16_t *port)
{
    if (service == NULL || *service == '\0') {
        *port = 0;
        return 1;
    }
    uint32_t v = 0;
    for (const char *s = service; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint32_t)(*s - '0');
        if (v > 65535)
            return 0;
    }
    *port = (uint16_t)v;
    return 1;
}

void freeaddrinfo(struct addrinfo *res)
{
    while (res) {
        struct addrinfo *next = res->ai_next;
        free(res);
        res = next;
    }
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    struct addrinfo h = {0};
    if (hints)
        h = *hints;
    *res = NULL;
    if (node == NULL && service == NULL)
        return EAI_NONAME;
    if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET)
        return EAI_FAMILY;
    if (h.ai_socktype != 0 && h.ai_socktype != SOCK_STREAM && h.ai_socktype != SOCK_DGRAM)
        return EAI_SOCKTYPE;
    uint16_t port;
    if (!parse_port(service, &port))
        return EAI_SERVICE; /* service names (/etc/services) are not known */
    /* The addresses, in host order: one, or what the resolver found. */
    uint32_t addrs[ADDRS_MAX], count = 1;
    struct in_addr addr;
    if (node == NULL) {
        addrs[0] = h.ai_flags & AI_PASSIVE ? INADDR_ANY : INADDR_LOOPBACK;
    } else if (strcmp(node, "localhost") == 0 && !(h.ai_flags & AI_NUMERICHOST)) {
        addrs[0] = INADDR_LOOPBACK;
    } else if (inet_pton(AF_INET, node, &addr) == 1) {
        addrs[0] = ntohl(addr.s_addr);
    } else if (h.ai_flags & AI_NUMERICHOST) {
        return EAI_NONAME;
    } else {
        switch (net_resolve_name(node, addrs, ADDRS_MAX, &count)) {
        case rcOk:
            break;
        case rcNotFound:
        case rcNotSupported:    /* no DNS server: names are not known */
        case rcInvalidArgument: /* not a name DNS can carry */
            return EAI_NONAME;
        case rcTimeout:
            return EAI_AGAIN;
        case rcFail:
        case rcDnsBadAnswer:
            return EAI_FAIL;
        default:
            return EAI_SYSTEM; /* the socket's failure, errno set (EACCES: the policy) */
        }
    }
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
    struct addrinfo **tail = res;
    for (unsigned k = 0; k < 2 * count; k++) {
        unsigned i = k % 2;
        if (h.ai_socktype != 0 && h.ai_socktype != types[i])
            continue;
        struct addrinfo_block *b = malloc(sizeof *b);
        if (b == NULL) {
            freeaddrinfo(*res);
            *res = NULL;
            return EAI_MEMORY;
        }
        memset(b, 0, sizeof *b);
        b->sin.sin_family = AF_INET;
        b->sin.sin_port = htons(port);
        b->sin.sin_addr.s_addr = htonl(addrs[k / 2]);
        b->ai.ai_family = AF_INET;
        b->ai.ai_socktype = types[i];
        b->ai.ai_protocol = types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
        b->ai.ai_addrlen = sizeof b->sin;
        b->ai.ai_addr = (struct sockaddr *)&b->sin;
        *tail = &b->ai;
        tail = &b->ai.ai_next;
    }
    return 0;
}

const char *gai_strerror(int code)
{
    switch (code) {
    case 0:
        return "Success";
    case EAI_NONAME:
        return "Name or service not known";
    case EAI_FAMILY:
        return "ai_family not supported";
    case EAI_SOCKTYPE:
        return "ai_socktype not supported";
    case EAI_SERVICE:
        return "Servname not supported for ai_socktype";
    case EAI_MEMORY:
        return "Memory allocation failure";
    case EAI_BADFLAGS:
        return "Bad value for ai_flags";
    case EAI_AGAIN:
        return "Temporary failure in name resolution";
    case EAI_FAIL:
        return "Non-recoverable failure in name resolution";
    case EAI_SYSTEM:
        return "System error";
    default:
        return "Unknown error";
    }
}
