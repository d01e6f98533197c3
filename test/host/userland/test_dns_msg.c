/*
 * The resolver's DNS messages (userland/net/dns_msg.c): the query's bytes for a name, names
 * refused, and answers: addresses taken (after a CNAME, through compression pointers, more
 * than asked for skipped), NXDOMAIN and no address, a server's error, and every way an answer
 * may be no answer to the query or malformed (rcDnsBadAnswer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns_msg.h"

static uint8_t q[DNS_MSG_MAX];
static size_t qlen;

static void query_bytes(void **state)
{
    (void)state;
    assert_int_equal(dns_query_build("a.bc.", 0x1234, q, sizeof q, &qlen), rcOk);
    static const uint8_t want[] = {0x12, 0x34, 0x01, 0x00, 0,   1,   0, 0, 0, 0, 0,
                                   0,    1,    'a',  2,    'b', 'c', 0, 0, 1, 0, 1};
    assert_int_equal(qlen, sizeof want);
    assert_memory_equal(q, want, sizeof want);
    /* Without the final dot: the same question. */
    uint8_t again[DNS_MSG_MAX];
    size_t alen;
    assert_int_equal(dns_query_build("a.bc", 0x1234, again, sizeof again, &alen), rcOk);
    assert_int_equal(alen, qlen);
    assert_memory_equal(again, q, qlen);
    assert_int_equal(dns_query_build("a.bc", 1, again, qlen - 1, &alen), rcBufferTooSmall);
}

static void query_refuses_names(void **state)
{
    (void)state;
    char long_label[70], long_name[260];
    memset(long_label, 'x', 64);
    long_label[64] = '\0';
    for (size_t i = 0; i < 255; i++)
        long_name[i] = i % 2 ? '.' : 'y';
    long_name[255] = '\0'; /* "y.y...y", 255 bytes: past DNS_NAME_MAX */
    const char *bad[] = {"", ".", "a..b", ".a", "a..", long_label, long_name};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dns_query_build(bad[i], 1, q, sizeof q, &qlen), rcInvalidArgument);
    memset(long_label, 'x', 63);
    long_label[63] = '\0';
    assert_int_equal(dns_query_build(long_label, 1, q, sizeof q, &qlen), rcOk);
    long_name[253] = '\0'; /* 253 bytes: the longest */
    assert_int_equal(dns_query_build(long_name, 1, q, sizeof q, &qlen), rcOk);
}

/* An answer to q being built. */
static uint8_t a[DNS_MSG_MAX + 16];
static size_t alen;

static void answer_begin(uint16_t flags, uint16_t answers)
{
    memcpy(a, q, qlen);
    a[2] = (uint8_t)(flags >> 8);
    a[3] = (uint8_t)flags;
    a[6] = (uint8_t)(answers >> 8);
    a[7] = (uint8_t)answers;
    alen = qlen;
}

static void put(const void *bytes, size_t n)
{
    memcpy(a + alen, bytes, n);
    alen += n;
}

/* A record named by a pointer to the question's name (offset 12). */
static void record(uint16_t type, uint16_t klass, const void *data, uint16_t n)
{
    const uint8_t head[] = {
        0xC0, 12, (uint8_t)(type >> 8), (uint8_t)type, (uint8_t)(klass >> 8), (uint8_t)klass, 0, 0,
        0,    60, (uint8_t)(n >> 8),    (uint8_t)n};
    put(head, sizeof head);
    put(data, n);
}

static const uint8_t addr1[] = {10, 9, 9, 77}, addr2[] = {10, 9, 9, 78};

static Retcode parse(uint32_t *addrs, uint32_t max, uint32_t *n)
{
    return dns_answer_parse(a, alen, q, qlen, addrs, max, n);
}

static void answers_taken(void **state)
{
    (void)state;
    uint32_t addrs[4], n = 9;
    assert_int_equal(dns_query_build("bastion.test", 0xBEEF, q, sizeof q, &qlen), rcOk);
    answer_begin(0x8180, 1);
    record(1, 1, addr1, 4);
    assert_int_equal(parse(addrs, 4, &n), rcOk);
    assert_int_equal(n, 1);
    assert_int_equal(addrs[0], 0x0a09094d);

    /* A CNAME first (its data a name: "w" then a pointer back to the question's), then two
     * A records, the second named by a pointer to the CNAME's target; one taken when max is 1. */
    answer_begin(0x8180, 3);
    const uint8_t cname[] = {1, 'w', 0xC0, 12};
    size_t target = alen + 12;
    record(5, 1, cname, sizeof cname);
    record(1, 1, addr1, 4);
    const uint8_t head[] = {0xC0, (uint8_t)target, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
    put(head, sizeof head);
    put(addr2, 4);
    assert_int_equal(parse(addrs, 4, &n), rcOk);
    assert_int_equal(n, 2);
    assert_int_equal(addrs[1], 0x0a09094e);
    assert_int_equal(parse(addrs, 1, &n), rcOk);
    assert_int_equal(n, 1);

    /* The question in another case is the same question. */
    answer_begin(0x8180, 1);
    a[13] = 'B';
    record(1, 1, addr1, 4);
    assert_int_equal(parse(addrs, 4, &n), rcOk);
}

static void answers_without_address(void **state)
{
    (void)state;
    uint32_t addrs[4], n = 9;
    assert_int_equal(dns_query_build("gone.test", 7, q, sizeof q, &qlen), rcOk);
    answer_begin(0x8183, 0); /* NXDOMAIN */
    assert_int_equal(parse(addrs, 4, &n), rcNotFound);
    assert_int_equal(n, 0);
    answer_begin(0x8180, 1); /* a name with an IPv6 address only */
    const uint8_t six[16] = {0x20, 0x01};
    record(28, 1, six, 16);
    assert_int_equal(parse(addrs, 4, &n), rcNotFound);
    answer_begin(0x8182, 0); /* SERVFAIL */
    assert_int_equal(parse(addrs, 4, &n), rcFail);
    answer_begin(0x8185, 0); /* REFUSED */
    assert_int_equal(parse(addrs, 4, &n), rcFail);
}

static void answers_refused(void **state)
{
    (void)state;
    uint32_t addrs[4], n = 9;
    assert_int_equal(dns_query_build("bastion.test", 0xBEEF, q, sizeof q, &qlen), rcOk);
    struct {
        const char *what;
        size_t at; /* byte changed, or SIZE_MAX for none */
        uint8_t value;
        size_t cut; /* bytes cut off the end */
    } cases[] = {
        {"another id", 1, 0xEE, 0},
        {"a query, not a response", 2, 0x01, 0},
        {"another opcode", 2, 0x81 | 0x08, 0},
        {"truncated (TC)", 2, 0x83, 0},
        {"two questions", 5, 2, 0},
        {"another name", 13, 'c', 0},
        {"another type", 26, 28, 0},
        {"another class", 28, 3, 0},
        {"the record cut", SIZE_MAX, 0, 1},
        {"the record's head cut", SIZE_MAX, 0, 8},
        {"the question cut", SIZE_MAX, 0, 30},
        {"an A record of 3 bytes", 41, 3, 0},
        {"a forward pointer", 31, 60, 0},
        {"a pointer to itself", 31, 30, 0},
        {"a reserved label type", 30, 0x80, 0},
        {"more answers than there are", 7, 2, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        answer_begin(0x8180, 1);
        record(1, 1, addr1, 4);
        assert_int_equal(alen, 46); /* 30 bytes of header and question, 12 + 4 of record */
        if (cases[i].at != SIZE_MAX)
            a[cases[i].at] = cases[i].value;
        alen -= cases[i].cut;
        Retcode r = parse(addrs, 4, &n);
        if (r != rcDnsBadAnswer)
            fail_msg("%s: %d", cases[i].what, r);
    }
    /* Shorter than a header, longer than a UDP message. */
    answer_begin(0x8180, 0);
    assert_int_equal(dns_answer_parse(a, 11, q, qlen, addrs, 4, &n), rcDnsBadAnswer);
    assert_int_equal(dns_answer_parse(a, DNS_MSG_MAX + 1, q, qlen, addrs, 4, &n), rcDnsBadAnswer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_bytes),     cmocka_unit_test(query_refuses_names),
        cmocka_unit_test(answers_taken),   cmocka_unit_test(answers_without_address),
        cmocka_unit_test(answers_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
