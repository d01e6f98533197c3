/*
 * Where the status page's data comes from: one snapshot of the system per page. Two
 * implementations: status_source_bastion.c reads Bastion's kernel (the process list and
 * per-class counts under /.kernel/, Profiler counters, the kss audit log) and the network
 * stack's counters (net.Socket GetStats), and status_source_fake.c gives fixed data for the
 * host build and its tests.
 */
#ifndef HTTPD_STATUS_SOURCE_H
#define HTTPD_STATUS_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <user/security_table.h>
#include <user/task_table.h>

#define STATUS_AUDIT_KEEP 16    /* the most recent audit records the server keeps */
#define STATUS_AUDIT_TEXT 256   /* bytes kept of one record's line */
#define STATUS_PROBLEM_TEXT 160 /* what could not be read, for the page */

/* The network stack's layers, in the order of the page (lwIP's names for them). */
enum status_net_layer {
    STATUS_NET_LINK,
    STATUS_NET_ETHARP,
    STATUS_NET_IP,
    STATUS_NET_IPFRAG,
    STATUS_NET_ICMP,
    STATUS_NET_UDP,
    STATUS_NET_TCP,
    STATUS_NET_LAYERS
};

/* One layer's counters, as lwIP counts them (net.Socket LayerStats says what each means). */
enum status_net_counter {
    STATUS_NET_XMIT,
    STATUS_NET_RECV,
    STATUS_NET_FW,
    STATUS_NET_DROP,
    STATUS_NET_CHKERR,
    STATUS_NET_LENERR,
    STATUS_NET_MEMERR,
    STATUS_NET_RTERR,
    STATUS_NET_PROTERR,
    STATUS_NET_OPTERR,
    STATUS_NET_ERR,
    STATUS_NET_CACHEHIT,
    STATUS_NET_COUNTERS
};

struct status_net {
    bool read; /* false: not read (no stack, or refused: named in the snapshot's problem) */
    uint64_t layer[STATUS_NET_LAYERS][STATUS_NET_COUNTERS];
    uint32_t sockets, sockets_max; /* open in the stack, of every client; its limit */
    uint32_t clients;              /* client channels the stack serves */
    uint32_t waiting_calls;        /* calls kept until they can be answered */
    uint32_t nic_link_up;          /* 1: the NIC's interface is up with its link */
};

struct status_snapshot {
    uint64_t uptime_ns;
    uint64_t free_bytes;
    uint64_t decisions, denials; /* Profiler ksm.decisions, ksm.denials */
    struct task_table tasks;
    struct security_table security;
    uint32_t audit_count;   /* records in audit[], oldest first */
    uint64_t audit_dropped; /* records the ring lost before the server read them */
    char audit[STATUS_AUDIT_KEEP][STATUS_AUDIT_TEXT];
    struct status_net net;
    /* "" when every part was read; else which parts failed and why (the page says so and shows
     * the rest). */
    char problem[STATUS_PROBLEM_TEXT];
};

/* Prepares the source (the audit reader); called once before the first snapshot. */
Retcode status_source_open(void);

/* Fills *s with the system as it is now. A part that cannot be read leaves its fields empty
 * and is named in s->problem; the call itself returns rcOk then, since a page with part of the
 * data is more use than none. */
Retcode status_source_snapshot(struct status_snapshot *s);

/* Milliseconds on a clock that never goes back, for the server's timeouts. */
uint64_t status_source_now_ms(void);

#endif
