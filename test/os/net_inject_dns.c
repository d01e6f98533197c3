/*
 * net_inject_dns: names resolved through the socket library's resolver (getaddrinfo, DNS over
 * UDP through the stack) in the injection image (net-inject.yaml, ctest net-inject), where the
 * host plays the DNS server 10.9.9.1 (DNS_SERVER in its environment) behind the e1000
 * (test/boot/net_inject.py answers every query to port 53):
 *   - "bastion.test": 10.9.9.77, for a stream and a datagram socket;
 *   - "forged.test": the host first sends an answer with another id (10.9.9.66), then the true
 *     one (10.9.9.78): the resolver must take the second;
 *   - "gone.test": NXDOMAIN, EAI_NONAME;
 *   - a numeric address asks nothing, and AI_NUMERICHOST with a name is EAI_NONAME.
 * The host starts answering only once the stack is up and its script runs: until the first
 * answer, a lookup ends in EAI_AGAIN (every try timed out) and is asked again, for up to
 * FIRST_LIMIT tries.
 * Its class (ostest.NetDns) may send datagrams to 10.9.9.1:53 and nowhere else.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "net_priority.h"
#include "ostest.h"

#define FIRST_LIMIT 60 /* lookups of about 6 s each: the host's script may start minutes late */

static uint32_t first_address(const struct addrinfo *res)
{
    return ntohl(((const struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
}

/* getaddrinfo of name, asked again while it ends in EAI_AGAIN (up to tries times). */
static int lookup(const char *name, const struct addrinfo *hints, struct addrinfo **res, int tries)
{
    int r = EAI_AGAIN;
    for (int i = 0; i < tries && r == EAI_AGAIN; i++)
        r = getaddrinfo(name, "7", hints, res);
    return r;
}

int main(void)
{
    ot_begin("net_inject_dns");
    net_test_lower_priority();
    struct addrinfo hints = {.ai_family = AF_INET}, *res = NULL;

    int r = lookup("bastion.test", &hints, &res, FIRST_LIMIT);
    if (OT_EQ(r, 0)) {
        /* One address, stream then datagram. */
        OT_EQ(first_address(res), 0x0a09094d);
        OT_EQ(res->ai_socktype, SOCK_STREAM);
        OT_EQ(ntohs(((const struct sockaddr_in *)res->ai_addr)->sin_port), 7);
        if (OT_TRUE(res->ai_next != NULL)) {
            OT_EQ(res->ai_next->ai_socktype, SOCK_DGRAM);
            OT_EQ(first_address(res->ai_next), 0x0a09094d);
            OT_TRUE(res->ai_next->ai_next == NULL);
        }
        freeaddrinfo(res);
        printf("net_inject_dns: bastion.test is 10.9.9.77\n");
    } else {
        printf("net_inject_dns: bastion.test: %s\n", gai_strerror(r));
    }

    r = lookup("forged.test", &hints, &res, 3);
    if (OT_EQ(r, 0)) {
        if (OT_EQ(first_address(res), 0x0a09094e))
            printf("net_inject_dns: forged.test: the forged answer ignored, 10.9.9.78 taken\n");
        freeaddrinfo(res);
    }

    r = lookup("gone.test", &hints, &res, 3);
    if (OT_EQ(r, EAI_NONAME))
        printf("net_inject_dns: gone.test: %s\n", gai_strerror(r));

    OT_EQ(getaddrinfo("10.9.9.5", "7", &hints, &res), 0);
    if (res) {
        OT_EQ(first_address(res), 0x0a090905);
        freeaddrinfo(res);
    }
    hints.ai_flags = AI_NUMERICHOST;
    OT_EQ(getaddrinfo("bastion.test", "7", &hints, &res), EAI_NONAME);
    return ot_end();
}
