/*
 * Half-open TCP connections under a SYN flood (contract in lwip_hooks.h).
 *
 * lwIP keeps a connection from its first SYN (SYN-RCVD) in the same fixed pool as established
 * ones (MEMP_NUM_TCP_PCB) and gives it up only after TCP_SYN_RCVD_TIMEOUT (20 s) without the
 * handshake's last ACK. When the pool is full, lwIP's own reclaim (tcp_alloc) takes a TIME-WAIT
 * connection, one of a lower priority, then LAST-ACK and CLOSING ones; never a half-open one of
 * the listener's priority. So 16 SYNs from a spoofed address, one every 1.25 s, would keep
 * every TCP service of the stack (the status page among them) out of reach.
 *
 * Here the oldest half-open connection makes room for the newest SYN instead: a client whose
 * handshake completes within the time a flood needs to send a pool's worth of SYNs gets in,
 * which at the rates a SYN flood reaches over this NIC is any client on a sane network. A
 * flood can still refuse clients slower than that; SYN cookies would not hold state at all,
 * and lwIP has none. Established connections are never taken.
 */
#include <stdbool.h>

#include "lwip/opt.h"

#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip_hooks.h"

#if !MEMP_STATS
#error "the pool's fill is read from lwIP's pool counters (MEMP_STATS)"
#endif

STAT_COUNTER tcp_half_open_evicted;

/* Every connection lwIP has allocated counts, on a list or not yet (tcp_new before a bind);
 * listeners have a pool of their own. */
static bool pool_full(void)
{
    const struct stats_mem *m = lwip_stats.memp[MEMP_TCP_PCB];
    return m->used >= m->avail;
}

err_t tcp_half_open_admit(struct tcp_pcb *pcb, const struct tcp_hdr *hdr)
{
    if (pcb->state != LISTEN || (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
        return ERR_OK;
    /* With a TIME-WAIT connection, lwIP's reclaim takes that. */
    if (tcp_tw_pcbs != NULL || !pool_full())
        return ERR_OK;
    struct tcp_pcb *oldest = NULL;
    for (struct tcp_pcb *p = tcp_active_pcbs; p != NULL; p = p->next) {
        if (p->state == LAST_ACK || p->state == CLOSING)
            return ERR_OK; /* lwIP's reclaim takes these before refusing */
        /* >=: the list runs from the newest connection to the oldest (lwIP registers each
         * at its head) and a burst's connections share one slow-timer tick, so among equals
         * the last one met is the oldest. */
        if (p->state == SYN_RCVD &&
            (oldest == NULL || (u32_t)(tcp_ticks - p->tmr) >= (u32_t)(tcp_ticks - oldest->tmr)))
            oldest = p;
    }
    if (oldest != NULL) {
        tcp_abort(oldest); /* a RST to its peer; the pool has a free connection again */
        tcp_half_open_evicted++;
    }
    return ERR_OK;
}
