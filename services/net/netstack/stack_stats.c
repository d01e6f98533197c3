/*
 * The stack's counters on request (stack_stats.h). Every frame lwIP refuses is counted by lwIP
 * itself in the layer that refused it (docs/networking.md, "Bad input"): here they are only
 * read and written out, never computed, so the line says exactly what lwIP counted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/udp.h"
#include "lwip_hooks.h"

#include "net/Nic.idl.h"
#include "nic_netif.h"
#include "stack_stats.h"

/* Room for the longest line: 29 counters (lwIP's and the port's evictions) at 10 digits, the interface's 2 and the
 * driver's 4 at 20 (about 850 bytes). printf cuts a console line at 1023 bytes: it must fit. */
#define STATS_LINE_MAX 1000u

struct line {
    char *buf;
    size_t cap, len;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
    if (l->len + 1 >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len = l->len + (size_t)n < l->cap ? l->len + (size_t)n : l->cap - 1;
}

/* The counters reported: what each layer took in and every reason it has to refuse a frame
 * (docs/networking.md, "Bad input", says which frame lands where). A fixed list keeps the line
 * under STATS_LINE_MAX whatever the values: 29 names of at most 12 bytes, 10 digits each. */
static const struct {
    const char *name;
    const STAT_COUNTER *value;
} lwip_counters[] = {
    {"eth.drop", &lwip_stats.etharp.drop},     {"eth.proterr", &lwip_stats.etharp.proterr},
    {"eth.lenerr", &lwip_stats.etharp.lenerr}, {"ip.recv", &lwip_stats.ip.recv},
    {"ip.drop", &lwip_stats.ip.drop},          {"ip.err", &lwip_stats.ip.err},
    {"ip.lenerr", &lwip_stats.ip.lenerr},      {"ip.chkerr", &lwip_stats.ip.chkerr},
    {"ip.opterr", &lwip_stats.ip.opterr},      {"ip.proterr", &lwip_stats.ip.proterr},
    {"frag.recv", &lwip_stats.ip_frag.recv},   {"frag.drop", &lwip_stats.ip_frag.drop},
    {"frag.err", &lwip_stats.ip_frag.err},     {"frag.memerr", &lwip_stats.ip_frag.memerr},
    {"icmp.recv", &lwip_stats.icmp.recv},      {"icmp.drop", &lwip_stats.icmp.drop},
    {"icmp.chkerr", &lwip_stats.icmp.chkerr},  {"udp.recv", &lwip_stats.udp.recv},
    {"udp.drop", &lwip_stats.udp.drop},        {"udp.lenerr", &lwip_stats.udp.lenerr},
    {"udp.chkerr", &lwip_stats.udp.chkerr},    {"udp.proterr", &lwip_stats.udp.proterr},
    {"tcp.recv", &lwip_stats.tcp.recv},        {"tcp.drop", &lwip_stats.tcp.drop},
    {"tcp.lenerr", &lwip_stats.tcp.lenerr},    {"tcp.chkerr", &lwip_stats.tcp.chkerr},
    {"tcp.memerr", &lwip_stats.tcp.memerr},    {"tcp.proterr", &lwip_stats.tcp.proterr},
    {"tcp.evicted", &tcp_half_open_evicted}, /* the port's, not lwIP's: lwip_hooks.h */
};

static void layer(struct net_Socket_LayerStats *out, const struct stats_proto *p)
{
    *out = (struct net_Socket_LayerStats){
        .xmit = p->xmit,
        .recv = p->recv,
        .fw = p->fw,
        .drop = p->drop,
        .chkerr = p->chkerr,
        .lenerr = p->lenerr,
        .memerr = p->memerr,
        .rterr = p->rterr,
        .proterr = p->proterr,
        .opterr = p->opterr,
        .err = p->err,
        .cachehit = p->cachehit,
    };
}

void stack_stats_layers(struct net_Socket_Stats *out)
{
    layer(&out->link, &lwip_stats.link);
    layer(&out->etharp, &lwip_stats.etharp);
    layer(&out->ip, &lwip_stats.ip);
    layer(&out->ipFrag, &lwip_stats.ip_frag);
    layer(&out->icmp, &lwip_stats.icmp);
    layer(&out->udp, &lwip_stats.udp);
    layer(&out->tcp, &lwip_stats.tcp);
}

size_t stack_stats_format(char *buf, size_t cap, struct netif *nic)
{
    struct line l = {.buf = buf, .cap = cap, .len = 0};
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    put(&l, "v=1");
    for (size_t i = 0; i < sizeof lwip_counters / sizeof lwip_counters[0]; i++)
        put(&l, " %s=%u", lwip_counters[i].name, (unsigned)*lwip_counters[i].value);
    struct nic_netif_counts c;
    nic_netif_counts(&c);
    put(&l, " nic.rx=%llu nic.rx_no_pbuf=%llu", (unsigned long long)c.rx,
        (unsigned long long)c.rx_no_pbuf);
    struct net_Nic_Counters d;
    uint32_t link = 0;
    if (nic && nic_netif_driver_status(&link, &d) == rcOk)
        put(&l, " drv.link=%u drv.rxFrames=%llu drv.rxErrors=%llu drv.rxDrops=%llu", link,
            (unsigned long long)d.rxFrames, (unsigned long long)d.rxErrors,
            (unsigned long long)d.rxDrops);
    return l.len;
}

struct stats_server {
    struct udp_pcb *pcb;
    struct netif *nic;
};
static struct stats_server server;

static void stats_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                       u16_t port)
{
    struct stats_server *s = arg;
    pbuf_free(p); /* what it asked does not matter: every datagram is a request */
    static char text[STATS_LINE_MAX];
    size_t n = stack_stats_format(text, sizeof text, s->nic);
    printf("netstack: stats %s\n", text);
    struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
    if (!q)
        return; /* counted by lwIP (mem.err); the asker asks again */
    pbuf_take(q, text, (u16_t)n);
    udp_sendto(pcb, q, addr, port);
    pbuf_free(q);
}

bool stack_stats_serve(uint16_t port, struct netif *nic)
{
    server.nic = nic;
    server.pcb = udp_new();
    if (!server.pcb)
        return false;
    if (udp_bind(server.pcb, IP_ANY_TYPE, port) != ERR_OK) {
        udp_remove(server.pcb);
        server.pcb = NULL;
        return false;
    }
    udp_recv(server.pcb, stats_recv, &server);
    return true;
}
