/*
 * libFuzzer target for the resolver's check of a DNS answer (userland/net/dns_msg.c): any
 * bytes, taken as the answer to a fixed query, end in rcOk with 1..max addresses, or in one of
 * the named refusals with none; never a read outside the input (ASan).
 */
#include <stddef.h>
#include <stdint.h>

#include "dns_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t q[DNS_MSG_MAX];
    static size_t qlen;
    if (qlen == 0 && dns_query_build("bastion.test", 0xBEEF, q, sizeof q, &qlen) != rcOk)
        __builtin_trap();
    uint32_t addrs[4], n = 0;
    Retcode r = dns_answer_parse(data, size, q, qlen, addrs, 4, &n);
    if (r == rcOk ? (n == 0 || n > 4)
                  : (n != 0 || (r != rcNotFound && r != rcFail && r != rcDnsBadAnswer)))
        __builtin_trap();
    return 0;
}
