/* Host tests of the socket library's pure parts (userland/net): inet_pton/inet_ntop/inet_addr,
 * numeric getaddrinfo and getaddrinfo over a stand-in resolver, and the POSIX errno of each
 * stack answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "dns_resolve.h"
#include "net_errno.h"

/* The resolver getaddrinfo asks (dns_resolve.h), standing in for DNS: "two.test" has two
 * addresses, the other names each give one of the resolver's failures; any other name is what
 * a program without DNS_SERVER gets. */
Retcode net_resolve_name(const char *name, uint32_t *addrs, uint32_t max, uint32_t *n)
{
    *n = 0;
    if (strcmp(name, "two.test") == 0 && max >= 2) {
        addrs[0] = 0x0a090901;
        addrs[1] = 0x0a090902;
        *n = 2;
        return rcOk;
    }
    if (strcmp(name, "gone.test") == 0)
        return rcNotFound;
    if (strcmp(name, "slow.test") == 0)
        return rcTimeout;
    if (strcmp(name, "forged.test") == 0)
        return rcDnsBadAnswer;
    if (strcmp(name, "broken.test") == 0)
        return rcFail;
    if (strcmp(name, "denied.test") == 0) {
        errno = EACCES;
        return rcSecurityDisallow;
    }
    return rcNotSupported;
}

static void pton_accepts_dotted_quads(void **state)
{
    (void)state;
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &a), 1);
    assert_int_equal(ntohl(a.s_addr), 0x7f000001);
    assert_int_equal(inet_pton(AF_INET, "255.255.255.255", &a), 1);
    assert_int_equal(ntohl(a.s_addr), 0xffffffff);
    assert_int_equal(inet_pton(AF_INET, "0.0.0.0", &a), 1);
    assert_int_equal(a.s_addr, 0);
    assert_int_equal(inet_pton(AF_INET, "10.0.2.15", &a), 1);
    assert_int_equal(ntohl(a.s_addr), 0x0a00020f);
}

static void pton_refuses_the_rest(void **state)
{
    (void)state;
    static const char *bad[] = {"",         "1.2.3",      "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ",
                                " 1.2.3.4", "01.2.3.4",   "1..3.4",    "1.2.3.",    "a.b.c.d",
                                "1.2.3.4x", "1234.1.1.1", "-1.2.3.4"};
    struct in_addr a = {.s_addr = 0x55};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(inet_pton(AF_INET, bad[i], &a), 0);
    assert_int_equal(a.s_addr, 0x55);
    errno = 0;
    assert_int_equal(inet_pton(AF_INET6, "::1", &a), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
    assert_int_equal(inet_addr("300.1.1.1"), INADDR_NONE);
    assert_int_equal(ntohl(inet_addr("192.168.1.2")), 0xc0a80102);
}

static void ntop_round_trips(void **state)
{
    (void)state;
    static const char *good[] = {"0.0.0.0", "127.0.0.1", "10.0.2.15", "255.255.255.255",
                                 "1.22.133.4"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct in_addr a;
        char text[INET_ADDRSTRLEN];
        assert_int_equal(inet_pton(AF_INET, good[i], &a), 1);
        assert_ptr_equal(inet_ntop(AF_INET, &a, text, sizeof text), text);
        assert_string_equal(text, good[i]);
        assert_string_equal(inet_ntoa(a), good[i]);
    }
    struct in_addr a = {.s_addr = htonl(0xffffffff)};
    char small[15];
    errno = 0;
    assert_null(inet_ntop(AF_INET, &a, small, sizeof small)); /* 16 bytes needed */
    assert_int_equal(errno, ENOSPC);
}

static void addrinfo_numeric(void **state)
{
    (void)state;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    assert_int_equal(getaddrinfo("10.0.2.2", "80", &hints, &res), 0);
    assert_non_null(res);
    assert_null(res->ai_next);
    assert_int_equal(res->ai_family, AF_INET);
    assert_int_equal(res->ai_socktype, SOCK_STREAM);
    assert_int_equal(res->ai_protocol, IPPROTO_TCP);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
    assert_int_equal(res->ai_addrlen, sizeof *sin);
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(ntohs(sin->sin_port), 80);
    assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x0a000202);
    freeaddrinfo(res);

    /* No node: the wildcard when passive, else loopback; no socket type: stream and datagram. */
    hints = (struct addrinfo){.ai_flags = AI_PASSIVE};
    assert_int_equal(getaddrinfo(NULL, "8080", &hints, &res), 0);
    assert_non_null(res);
    assert_non_null(res->ai_next);
    assert_int_equal(res->ai_socktype, SOCK_STREAM);
    assert_int_equal(res->ai_next->ai_socktype, SOCK_DGRAM);
    assert_int_equal(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr, 0);
    freeaddrinfo(res);
    assert_int_equal(getaddrinfo(NULL, "1", NULL, &res), 0);
    assert_int_equal(ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr), 0x7f000001);
    freeaddrinfo(res);
    assert_int_equal(getaddrinfo("localhost", NULL, NULL, &res), 0);
    assert_int_equal(ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr), 0x7f000001);
    freeaddrinfo(res);
}

static void addrinfo_names(void **state)
{
    (void)state;
    struct addrinfo hints = {.ai_family = AF_INET}, *res = NULL;
    /* Two addresses, no socket type: four results, each address stream then datagram. */
    assert_int_equal(getaddrinfo("two.test", "53", &hints, &res), 0);
    static const uint32_t want[] = {0x0a090901, 0x0a090901, 0x0a090902, 0x0a090902};
    struct addrinfo *r = res;
    for (unsigned i = 0; i < 4; i++, r = r->ai_next) {
        assert_non_null(r);
        assert_int_equal(r->ai_socktype, i % 2 ? SOCK_DGRAM : SOCK_STREAM);
        const struct sockaddr_in *sin = (const struct sockaddr_in *)r->ai_addr;
        assert_int_equal(ntohl(sin->sin_addr.s_addr), want[i]);
        assert_int_equal(ntohs(sin->sin_port), 53);
    }
    assert_null(r);
    freeaddrinfo(res);
    hints.ai_socktype = SOCK_DGRAM;
    assert_int_equal(getaddrinfo("two.test", NULL, &hints, &res), 0);
    assert_non_null(res->ai_next);
    assert_null(res->ai_next->ai_next);
    freeaddrinfo(res);
    /* AI_NUMERICHOST never asks. */
    hints.ai_flags = AI_NUMERICHOST;
    assert_int_equal(getaddrinfo("two.test", NULL, &hints, &res), EAI_NONAME);
    /* Each failure of the resolver as getaddrinfo says it. */
    assert_int_equal(getaddrinfo("gone.test", NULL, NULL, &res), EAI_NONAME);
    assert_int_equal(getaddrinfo("slow.test", NULL, NULL, &res), EAI_AGAIN);
    assert_int_equal(getaddrinfo("forged.test", NULL, NULL, &res), EAI_FAIL);
    assert_int_equal(getaddrinfo("broken.test", NULL, NULL, &res), EAI_FAIL);
    errno = 0;
    assert_int_equal(getaddrinfo("denied.test", NULL, NULL, &res), EAI_SYSTEM);
    assert_int_equal(errno, EACCES);
    assert_null(res);
    assert_string_equal(gai_strerror(EAI_AGAIN), "Temporary failure in name resolution");
}

static void addrinfo_errors(void **state)
{
    (void)state;
    struct addrinfo *res = (struct addrinfo *)1;
    assert_int_equal(getaddrinfo(NULL, NULL, NULL, &res), EAI_NONAME);
    assert_null(res);
    assert_int_equal(getaddrinfo("example.org", "80", NULL, &res), EAI_NONAME);
    assert_int_equal(getaddrinfo("1.2.3.4", "http", NULL, &res), EAI_SERVICE);
    assert_int_equal(getaddrinfo("1.2.3.4", "65536", NULL, &res), EAI_SERVICE);
    struct addrinfo hints = {.ai_family = AF_INET6};
    assert_int_equal(getaddrinfo("1.2.3.4", "80", &hints, &res), EAI_FAMILY);
    hints = (struct addrinfo){.ai_socktype = 5};
    assert_int_equal(getaddrinfo("1.2.3.4", "80", &hints, &res), EAI_SOCKTYPE);
    hints = (struct addrinfo){.ai_flags = AI_NUMERICHOST};
    assert_int_equal(getaddrinfo("localhost", "80", &hints, &res), EAI_NONAME);
    assert_string_equal(gai_strerror(EAI_NONAME), "Name or service not known");
}

static void errno_of_answers(void **state)
{
    (void)state;
    assert_int_equal(net_errno(rcOk), 0);
    assert_int_equal(net_errno(rcSecurityDisallow), EACCES);
    assert_int_equal(net_errno(rcNoKsm), EACCES);
    assert_int_equal(net_errno(rcAddressInUse), EADDRINUSE);
    assert_int_equal(net_errno(rcConnectionRefused), ECONNREFUSED);
    assert_int_equal(net_errno(rcConnectionReset), ECONNRESET);
    assert_int_equal(net_errno(rcNotConnected), ENOTCONN);
    assert_int_equal(net_errno(rcWouldBlock), EAGAIN);
    assert_int_equal(net_errno(rcWouldBlock), EWOULDBLOCK);
    assert_int_equal(net_errno(rcInProgress), EINPROGRESS);
    assert_int_equal(net_errno(rcTimeout), ETIMEDOUT);
    assert_int_equal(net_errno(rcBadHandle), EBADF);
    assert_int_equal(net_errno(rcTooManySockets), EMFILE);
    assert_int_equal(net_errno(rcStackFull), ENFILE);
    assert_int_equal(net_errno(rcPeerClosed), ENETDOWN);
    assert_int_equal(net_errno(rcFail), EIO);
    assert_string_equal(strerror(EACCES), "Permission denied");
    assert_string_equal(strerror(EADDRINUSE), "Address already in use");
    assert_string_equal(strerror(12345), "Unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pton_accepts_dotted_quads), cmocka_unit_test(pton_refuses_the_rest),
        cmocka_unit_test(ntop_round_trips),          cmocka_unit_test(addrinfo_numeric),
        cmocka_unit_test(addrinfo_errors),           cmocka_unit_test(addrinfo_names),
        cmocka_unit_test(errno_of_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
