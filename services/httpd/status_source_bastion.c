/*
 * The status page's data on Bastion (status_source.h):
 *   - processes: the kernel file /.kernel/tasks (user/task_table.h);
 *   - decisions per class: /.kernel/security (user/security_table.h);
 *   - uptime, free memory, the monitor's totals: Profiler.GetCounters "time.monotonic_ns",
 *     "mm.free_pages", "ksm." (ksm.decisions, ksm.denials);
 *   - audit: a kss reader (Audit.Open "kss") kept open for the server's life; each snapshot
 *     reads what came since the last and keeps the most recent STATUS_AUDIT_KEEP lines;
 *   - the network stack's counters: net.Socket GetStats over the server's channel to the
 *     stack (<user/net_stats.h>).
 * The policy grants the class these calls with exactly these names and nothing else.
 */
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/net_stats.h>

#include "kl/core/Audit.idl.h"
#include "kl/core/Profiler.idl.h"
#include "status_source.h"

#define PAGE_BYTES 4096u
#define AUDIT_READS_MAX 256u /* records taken per snapshot: a flood cannot hold a page back */

static uint32_t audit_handle;
static bool audit_open;
static char audit_ring[STATUS_AUDIT_KEEP][STATUS_AUDIT_TEXT];
static uint32_t audit_next, audit_have; /* the next slot to write; lines kept */
static uint64_t audit_lost;

/* Counters whose names begin with prefix, in the kernel's order, into out[max]. */
static Retcode counters(const char *prefix, uint64_t *out, uint32_t max, uint32_t *n)
{
    CORE_CLIENT(cl, kl_core_Core_EP_profiler_Profiler, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    struct idl_seq values = {0};
    Retcode r = core_result(
        kl_core_Profiler_GetCounters(&cl, prefix, (struct idl_seq){0}, &values, &rc), &rc);
    *n = 0;
    if (r == rcOk)
        for (; *n < values.count && *n < max; (*n)++)
            memcpy(&out[*n], (const uint8_t *)values.data + *n * 8u, 8);
    return r;
}

static uint64_t counter(const char *name, Retcode *r)
{
    uint64_t v = 0;
    uint32_t n = 0;
    *r = counters(name, &v, 1, &n);
    if (*r == rcOk && n != 1)
        *r = rcNotFound;
    return v;
}

uint64_t status_source_now_ms(void)
{
    Retcode r;
    return counter("time.monotonic_ns", &r) / 1000000u;
}

Retcode status_source_open(void)
{
    CORE_CLIENT(cl, kl_core_Core_EP_audit_Audit, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0, 0};
    Retcode r = core_result(kl_core_Audit_Open(&cl, "kss", &h, &rc), &rc);
    audit_open = r == rcOk;
    audit_handle = h.handle;
    return r;
}

/* Takes the records that came since the last call into the ring. */
static Retcode audit_poll(void)
{
    if (!audit_open)
        return rcNotOpen;
    CORE_CLIENT(cl, kl_core_Core_EP_audit_Audit, CORE_MSG_MEDIUM);
    for (uint32_t i = 0; i < AUDIT_READS_MAX; i++) {
        kl_core_Types_Retcode rc = rcFail;
        struct idl_seq msg = {0};
        uint32_t dropped = 0;
        Retcode r = core_result(
            kl_core_Audit_Read(&cl, core_handle_arg(audit_handle), &msg, &dropped, &rc), &rc);
        if (r == rcNotFound)
            return rcOk; /* read everything there is */
        if (r != rcOk)
            return r;
        audit_lost += dropped;
        char *line = audit_ring[audit_next];
        size_t n = msg.count < STATUS_AUDIT_TEXT - 1 ? msg.count : STATUS_AUDIT_TEXT - 1;
        memcpy(line, msg.data, n);
        line[n] = '\0';
        audit_next = (audit_next + 1) % STATUS_AUDIT_KEEP;
        if (audit_have < STATUS_AUDIT_KEEP)
            audit_have++;
    }
    return rcOk;
}

static void net_layer(uint64_t *out, const struct net_Socket_LayerStats *l)
{
    out[STATUS_NET_XMIT] = l->xmit;
    out[STATUS_NET_RECV] = l->recv;
    out[STATUS_NET_FW] = l->fw;
    out[STATUS_NET_DROP] = l->drop;
    out[STATUS_NET_CHKERR] = l->chkerr;
    out[STATUS_NET_LENERR] = l->lenerr;
    out[STATUS_NET_MEMERR] = l->memerr;
    out[STATUS_NET_RTERR] = l->rterr;
    out[STATUS_NET_PROTERR] = l->proterr;
    out[STATUS_NET_OPTERR] = l->opterr;
    out[STATUS_NET_ERR] = l->err;
    out[STATUS_NET_CACHEHIT] = l->cachehit;
}

static Retcode net_read(struct status_net *n)
{
    struct net_Socket_Stats st;
    Retcode r = net_stack_stats(&st);
    if (r != rcOk)
        return r;
    net_layer(n->layer[STATUS_NET_LINK], &st.link);
    net_layer(n->layer[STATUS_NET_ETHARP], &st.etharp);
    net_layer(n->layer[STATUS_NET_IP], &st.ip);
    net_layer(n->layer[STATUS_NET_IPFRAG], &st.ipFrag);
    net_layer(n->layer[STATUS_NET_ICMP], &st.icmp);
    net_layer(n->layer[STATUS_NET_UDP], &st.udp);
    net_layer(n->layer[STATUS_NET_TCP], &st.tcp);
    n->sockets = st.sockets;
    n->sockets_max = st.socketsMax;
    n->clients = st.clients;
    n->waiting_calls = st.waitingCalls;
    n->nic_link_up = st.nicLinkUp;
    n->read = true;
    return rcOk;
}

static void note(struct status_snapshot *s, const char *what, Retcode r)
{
    size_t used = strlen(s->problem);
    snprintf(s->problem + used, sizeof s->problem - used, "%s%s (%s)", used ? "; " : "", what,
             retcode_name(r));
}

Retcode status_source_snapshot(struct status_snapshot *s)
{
    memset(s, 0, sizeof *s);
    Retcode r;
    s->uptime_ns = counter("time.monotonic_ns", &r);
    if (r != rcOk)
        note(s, "uptime", r);
    s->free_bytes = counter("mm.free_pages", &r) * PAGE_BYTES;
    if (r != rcOk)
        note(s, "free memory", r);
    uint64_t ksm[2] = {0, 0};
    uint32_t n = 0;
    r = counters("ksm.", ksm, 2, &n);
    if (r == rcOk && n != 2)
        r = rcNotFound;
    if (r != rcOk)
        note(s, "monitor counters", r);
    s->decisions = ksm[0];
    s->denials = ksm[1];
    if ((r = task_table_read(&s->tasks)) != rcOk)
        note(s, "processes", r);
    if ((r = security_table_read(&s->security)) != rcOk)
        note(s, "decisions per class", r);
    if ((r = audit_poll()) != rcOk)
        note(s, "audit log", r);
    if ((r = net_read(&s->net)) != rcOk)
        note(s, "network counters", r);
    uint32_t first = (audit_next + STATUS_AUDIT_KEEP - audit_have) % STATUS_AUDIT_KEEP;
    for (uint32_t i = 0; i < audit_have; i++)
        memcpy(s->audit[i], audit_ring[(first + i) % STATUS_AUDIT_KEEP], STATUS_AUDIT_TEXT);
    s->audit_count = audit_have;
    s->audit_dropped = audit_lost;
    return rcOk;
}
