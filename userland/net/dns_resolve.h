/*
 * The socket library's resolver: a name's IPv4 addresses from the DNS server the environment
 * variable DNS_SERVER names ("a.b.c.d" or "a.b.c.d:port", port 53 by default), asked over UDP
 * through the program's own sockets (so the policy decides, with the server's address and port
 * in sight, whether the program may ask it). No server named: names are not resolved.
 *
 * Each query goes out up to DNS_TRIES times, DNS_WAIT_MS apart, from a socket connected to the
 * server (the stack then passes on only datagrams from that address and port), with a fresh
 * random id; a datagram that is not an answer to it (dns_msg.h) is ignored, at most
 * DNS_IGNORED_MAX per try.
 */
#ifndef USER_NET_DNS_RESOLVE_H
#define USER_NET_DNS_RESOLVE_H

#include <stdint.h>

#include <bastion/retcode.h>

#define DNS_TRIES 3
#define DNS_WAIT_MS 2000u
#define DNS_IGNORED_MAX 16

/* name's addresses (host order) into addrs[max] (max >= 1), *n how many. rcNotSupported: no
 * DNS_SERVER (or not an address); rcNotFound: no such name, or no address for it; rcTimeout:
 * no answer; rcFail: the server said it failed; rcDnsBadAnswer: only datagrams that were no
 * answer; rcInvalidArgument: not a name DNS can carry; else the socket's failure (errno set). */
Retcode net_resolve_name(const char *name, uint32_t *addrs, uint32_t max, uint32_t *n);

#endif
