/*
 * The kss log's ring: a fixed array of audit records, oldest overwritten first, with a count of
 * the records lost that way before anyone read them. Pure (no locks, no allocation): kss.c
 * holds a lock around it, test/host/kss tests it.
 *
 * Invariants: read_seq <= write_seq; write_seq - read_seq <= KSS_RING_RECORDS; record number
 * n lives in slot n % KSS_RING_RECORDS; dropped counts records overwritten unread.
 */
#ifndef BASTION_SECURITY_KSS_RING_H
#define BASTION_SECURITY_KSS_RING_H

#include <stdbool.h>
#include <stdint.h>

#define KSS_RING_RECORDS 128u
#define KSS_TEXT_MAX 224u

struct kss_record {
    uint64_t seq;       /* record number since boot, from 0 */
    uint64_t time_ns;   /* since boot */
    uint64_t src_sid, dst_sid;
    uint32_t event;     /* enum sec_event */
    uint32_t granted;   /* 1 granted, 0 denied */
    int32_t rc;         /* what the requester got (rcOk, rcSecurityDisallow, rcNoKsm) */
    uint32_t reserved;
    /* "request Untrusted[demo.Untrusted] -> kernel[kl.core.Core] vmm.VMM.Allocate: rule at
     * einit.psl:57:9", NUL-terminated. */
    char text[KSS_TEXT_MAX];
};

struct kss_ring {
    struct kss_record rec[KSS_RING_RECORDS];
    uint64_t write_seq; /* the next record's number */
    uint64_t read_seq;  /* the oldest record not yet read */
    uint64_t dropped;   /* overwritten before being read */
};

/* Appends r (its seq is set here) and returns its number. */
uint64_t kss_ring_put(struct kss_ring *ring, const struct kss_record *r);

/* Takes the oldest unread record: false when there is none. */
bool kss_ring_take(struct kss_ring *ring, struct kss_record *out);

#endif
