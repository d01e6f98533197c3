/*
 * ICMP echo over lwIP's raw API: one request at a time, its reply recognised by identifier
 * and sequence number, so a stray or late reply is not taken for the current one.
 */
#include <string.h>

#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/sys.h"

#include "arch/cc.h"
#include "ping.h"

#define PING_DATA_SIZE 32u

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    (void)addr;
    struct ping *pg = arg;
    struct icmp_echo_hdr hdr;
    /* A raw pcb sees the whole datagram: the echo header follows the IP header. */
    u16_t off = (u16_t)ip_current_header_tot_len();
    if (pbuf_copy_partial(p, &hdr, sizeof hdr, off) != sizeof hdr || hdr.type != ICMP_ER ||
        hdr.id != lwip_htons(pg->id) || hdr.seqno != lwip_htons(pg->seq))
        return 0; /* not ours: lwIP goes on with it */
    pg->answered = true;
    pg->rtt_ms = sys_now() - pg->sent_at;
    pbuf_free(p);
    return 1;
}

bool ping_open(struct ping *pg)
{
    memset(pg, 0, sizeof *pg);
    pg->id = (uint16_t)LWIP_RAND();
    pg->pcb = raw_new(IP_PROTO_ICMP);
    if (!pg->pcb)
        return false;
    raw_recv(pg->pcb, ping_recv, pg);
    raw_bind(pg->pcb, IP_ADDR_ANY);
    return true;
}

bool ping_send(struct ping *pg, const ip_addr_t *dst, uint16_t seq)
{
    u16_t len = (u16_t)(sizeof(struct icmp_echo_hdr) + PING_DATA_SIZE);
    struct pbuf *p = pbuf_alloc(PBUF_IP, len, PBUF_RAM);
    if (!p)
        return false;
    struct icmp_echo_hdr *hdr = p->payload;
    ICMPH_TYPE_SET(hdr, ICMP_ECHO);
    ICMPH_CODE_SET(hdr, 0);
    hdr->id = lwip_htons(pg->id);
    hdr->seqno = lwip_htons(seq);
    hdr->chksum = 0;
    uint8_t *data = (uint8_t *)(hdr + 1);
    for (u16_t i = 0; i < PING_DATA_SIZE; i++)
        data[i] = (uint8_t)('a' + i % 26);
    hdr->chksum = inet_chksum(hdr, len);
    pg->seq = seq;
    pg->answered = false;
    pg->sent_at = sys_now();
    err_t e = raw_sendto(pg->pcb, p, dst);
    pbuf_free(p);
    return e == ERR_OK;
}

void ping_close(struct ping *pg)
{
    if (pg->pcb)
        raw_remove(pg->pcb);
    pg->pcb = NULL;
}
