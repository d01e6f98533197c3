/* DNS queries and the check of their answers (dns_msg.h). No system calls: host-tested and
 * fuzzed. */
#include <stdbool.h>
#include <string.h>

#include "dns_msg.h"

#define HEADER 12u
#define TYPE_A 1u
#define CLASS_IN 1u
#define FLAG_QR 0x8000u
#define FLAG_TC 0x0200u
#define FLAG_RD 0x0100u
#define OPCODE_MASK 0x7800u
#define RCODE_MASK 0x000Fu
#define RCODE_NXDOMAIN 3u
#define LABEL_MAX 63u
/* Compression pointers one name may follow: each must point before the last, so a message of
 * DNS_MSG_MAX bytes needs fewer; the bound is only a second guard against loops. */
#define POINTERS_MAX 64u

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

Retcode dns_query_build(const char *name, uint16_t id, uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    size_t n = strlen(name);
    if (n > 0 && name[n - 1] == '.')
        n--; /* the root's dot */
    if (n == 0 || n > DNS_NAME_MAX)
        return rcInvalidArgument;
    /* Header, the labels (one length byte each, so n + 2 bytes with the root's 0), type, class. */
    size_t need = HEADER + n + 2 + 4;
    if (cap < need)
        return rcBufferTooSmall;
    memset(out, 0, HEADER);
    put16(out, id);
    put16(out + 2, FLAG_RD);
    put16(out + 4, 1); /* one question */
    uint8_t *w = out + HEADER;
    for (size_t start = 0; start <= n;) {
        size_t end = start;
        while (end < n && name[end] != '.')
            end++;
        size_t label = end - start;
        if (label == 0 || label > LABEL_MAX)
            return rcInvalidArgument;
        *w++ = (uint8_t)label;
        memcpy(w, name + start, label);
        w += label;
        start = end + 1;
    }
    *w++ = 0;
    put16(w, TYPE_A);
    put16(w + 2, CLASS_IN);
    *len = need;
    return rcOk;
}

/* Skips the name at msg[*at], following compression pointers backwards only; *at is then the
 * byte after the name where it was (after its pointer, if it ended in one). false when the
 * name leaves the message, a pointer goes forward (or to itself), or a label is longer than 63. */
static bool skip_name(const uint8_t *msg, size_t len, size_t *at)
{
    size_t p = *at, end = 0;
    bool jumped = false;
    for (unsigned hops = 0;;) {
        if (p >= len)
            return false;
        uint8_t b = msg[p];
        if (b == 0) {
            *at = jumped ? end : p + 1;
            return true;
        }
        if ((b & 0xC0) == 0xC0) {
            if (p + 1 >= len || ++hops > POINTERS_MAX)
                return false;
            size_t target = (size_t)(((b & 0x3F) << 8) | msg[p + 1]);
            if (target >= p)
                return false;
            if (!jumped)
                end = p + 2;
            jumped = true;
            p = target;
            continue;
        }
        if ((b & 0xC0) != 0 || b > LABEL_MAX)
            return false; /* the two reserved label types */
        p += 1u + b;
    }
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

Retcode dns_answer_parse(const uint8_t *msg, size_t len, const uint8_t *q, size_t qlen,
                         uint32_t *addrs, uint32_t max, uint32_t *n)
{
    *n = 0;
    if (len < HEADER || len > DNS_MSG_MAX || qlen <= HEADER)
        return rcDnsBadAnswer;
    uint16_t flags = get16(msg + 2);
    if (get16(msg) != get16(q) || !(flags & FLAG_QR) || (flags & OPCODE_MASK) != 0 ||
        (flags & FLAG_TC))
        return rcDnsBadAnswer;
    /* The question, exactly as asked (names compared without regard to ASCII case: a server
     * may answer in another case), and no pointer in it: it is the first name. */
    size_t question = qlen - HEADER;
    if (get16(msg + 4) != 1 || len < HEADER + question)
        return rcDnsBadAnswer;
    for (size_t i = 0; i < question; i++)
        if (lower(msg[HEADER + i]) != lower(q[HEADER + i]))
            return rcDnsBadAnswer;
    unsigned rcode = flags & RCODE_MASK;
    if (rcode == RCODE_NXDOMAIN)
        return rcNotFound;
    if (rcode != 0)
        return rcFail;
    size_t at = HEADER + question;
    uint16_t answers = get16(msg + 6);
    uint32_t taken = 0;
    for (uint16_t i = 0; i < answers; i++) {
        if (!skip_name(msg, len, &at) || len - at < 10)
            return rcDnsBadAnswer;
        uint16_t type = get16(msg + at), klass = get16(msg + at + 2);
        uint16_t rdlength = get16(msg + at + 8);
        at += 10;
        if (len - at < rdlength)
            return rcDnsBadAnswer;
        if (type == TYPE_A && klass == CLASS_IN) {
            if (rdlength != 4)
                return rcDnsBadAnswer;
            if (taken < max)
                addrs[taken++] = (uint32_t)msg[at] << 24 | (uint32_t)msg[at + 1] << 16 |
                                 (uint32_t)msg[at + 2] << 8 | msg[at + 3];
        }
        at += rdlength;
    }
    /* The authority and additional sections are not read: nothing the resolver takes is there.
     * *n is written only now: a malformed answer leaves it 0, whatever it had before the fault. */
    *n = taken;
    return taken > 0 ? rcOk : rcNotFound;
}
