/*
 * getaddrinfo over IPv4 (<netdb.h>): a numeric address, "localhost", or no node (the wildcard
 * with AI_PASSIVE, else the loopback address); a numeric service. One result per socket type
 * asked for (stream and datagram when the hints name none). No system calls: host-tested.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

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
    struct in_addr addr;
    if (node == NULL)
        addr.s_addr = htonl(h.ai_flags & AI_PASSIVE ? INADDR_ANY : INADDR_LOOPBACK);
    else if (strcmp(node, "localhost") == 0 && !(h.ai_flags & AI_NUMERICHOST))
        addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, node, &addr) != 1)
        return EAI_NONAME; /* a name would need DNS, which programs cannot use yet */
    static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
    struct addrinfo **tail = res;
    for (unsigned i = 0; i < 2; i++) {
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
        b->sin.sin_addr = addr;
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
    default:
        return "Unknown error";
    }
}
