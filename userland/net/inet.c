/* IPv4 addresses between text and numbers, and byte order (<arpa/inet.h>, <netinet/in.h>). No
 * system calls: host-tested. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* A host C library may make these macros; the host test compiles this file against it. */
#undef htons
#undef ntohs
#undef htonl
#undef ntohl

uint16_t htons(uint16_t v)
{
    return (uint16_t)(v << 8 | v >> 8);
}

uint16_t ntohs(uint16_t v)
{
    return htons(v);
}

uint32_t htonl(uint32_t v)
{
    return v << 24 | (v & 0xff00u) << 8 | (v >> 8 & 0xff00u) | v >> 24;
}

uint32_t ntohl(uint32_t v)
{
    return htonl(v);
}

/* Dotted-quad a.b.c.d exactly (inet_pton's form): four decimal parts 0..255, no leading zeros
 * beyond a lone 0, nothing after. Writes the address in host order. */
static int parse_quad(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *s++ != '.')
            return 0;
        if (*s < '0' || *s > '9')
            return 0;
        uint32_t n = 0;
        int digits = 0;
        const char *first = s;
        while (*s >= '0' && *s <= '9') {
            n = n * 10 + (uint32_t)(*s++ - '0');
            if (++digits > 3 || n > 255)
                return 0;
        }
        if (digits > 1 && *first == '0')
            return 0;
        v = v << 8 | n;
    }
    if (*s != '\0')
        return 0;
    *out = v;
    return 1;
}

int inet_pton(int af, const char *src, void *dst)
{
    if (af != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    uint32_t v;
    if (src == NULL || !parse_quad(src, &v))
        return 0;
    struct in_addr a = {.s_addr = htonl(v)};
    memcpy(dst, &a, sizeof a);
    return 1;
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
    if (af != AF_INET) {
        errno = EAFNOSUPPORT;
        return NULL;
    }
    struct in_addr a;
    memcpy(&a, src, sizeof a);
    uint32_t v = ntohl(a.s_addr);
    char text[INET_ADDRSTRLEN];
    size_t n = 0;
    for (int part = 3; part >= 0; part--) {
        unsigned b = (v >> (8 * part)) & 0xffu;
        if (b >= 100)
            text[n++] = (char)('0' + b / 100);
        if (b >= 10)
            text[n++] = (char)('0' + b / 10 % 10);
        text[n++] = (char)('0' + b % 10);
        if (part > 0)
            text[n++] = '.';
    }
    text[n++] = '\0';
    if (n > size) {
        errno = ENOSPC;
        return NULL;
    }
    memcpy(dst, text, n);
    return dst;
}

int inet_aton(const char *cp, struct in_addr *inp)
{
    uint32_t v;
    if (cp == NULL || !parse_quad(cp, &v))
        return 0;
    inp->s_addr = htonl(v);
    return 1;
}

in_addr_t inet_addr(const char *cp)
{
    struct in_addr a;
    return inet_aton(cp, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in)
{
    static char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in, text, sizeof text);
    return text;
}
