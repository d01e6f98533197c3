/*
 * DNS messages for the resolver (RFC 1035): the query for a name's IPv4 addresses, and the
 * check of the answer that came back. Pure, no system calls: host-tested and fuzzed, since an
 * answer is whatever a datagram to the resolver's port carried.
 *
 * What an answer must be to be taken: at least a header; the id of the query; a response
 * (QR) to a standard query (opcode 0), not truncated (TC: the resolver has no TCP fallback);
 * exactly one question, the one asked (the name compared without regard to ASCII case, type A,
 * class IN); every record of the answer section whole inside the message, names with
 * compression pointers that point backwards only. Records other than A/IN (a CNAME, say) are
 * skipped: the server follows the chain, the A records it found are in the same answer.
 */
#ifndef USER_NET_DNS_MSG_H
#define USER_NET_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define DNS_PORT 53
#define DNS_MSG_MAX 512u  /* a DNS message over UDP without EDNS */
#define DNS_NAME_MAX 253u /* a name's text without its final dot */

/* The query (recursion desired) for name's A records with id into out[cap]; *len its length.
 * rcInvalidArgument for a name that is empty, longer than DNS_NAME_MAX, or has an empty label
 * or one longer than 63 bytes (one final dot is allowed); rcBufferTooSmall when cap is. */
Retcode dns_query_build(const char *name, uint16_t id, uint8_t *out, size_t cap, size_t *len);

/* Checks answer msg[len] to query q[qlen] (as dns_query_build made it) and takes its IPv4
 * addresses (host order, a.b.c.d as a * 2^24 + ...) into addrs[max], *n how many (more are
 * skipped). rcOk with *n >= 1; rcNotFound: the name does not exist (NXDOMAIN) or has no
 * address; rcFail: the server answered with an error of its own (SERVFAIL, REFUSED, ...);
 * rcDnsBadAnswer: not an answer to this query, or malformed (above). */
Retcode dns_answer_parse(const uint8_t *msg, size_t len, const uint8_t *q, size_t qlen,
                         uint32_t *addrs, uint32_t max, uint32_t *n);

#endif
