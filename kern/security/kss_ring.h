/*
 * The kss log's ring: a fixed array of audit records, oldest overwritten first. Reading never
 * removes a record: every reader keeps its own cursor (struct kss_cursor), so each reader sees
 * every record still in the ring, whatever other readers do, and counts for itself the records
 * that were overwritten before it read them. Pure (no locks, no allocation): kss.c holds a lock
 * around it, test/host/kern/security tests it.
 *
 * Invariants: record number n lives in slot n % KSS_RING_RECORDS; the ring holds records
 * [kss_ring_oldest(), write_seq); a cursor's next <= write_seq.
 */
#ifndef BASTION_SECURITY_KSS_RING_H
#define BASTION_SECURITY_KSS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSS_RING_RECORDS 128u
#define KSS_TEXT_MAX 224u

struct kss_record {
    uint64_t seq;     /* record number since boot, from 0 */
    uint64_t time_ns; /* since boot */
    uint64_t src_sid, dst_sid;
    uint32_t event;   /* enum ksm_event */
    uint32_t granted; /* 1 granted, 0 denied */
    int32_t rc;       /* what the requester got (rcOk, rcSecurityDisallow, rcNoKsm) */
    uint32_t reserved;
    /* "request Untrusted[demo.Untrusted] -> kernel[kl.core.Core] vmm.VMM.Allocate: rule at
     * einit.psl:57:9", NUL-terminated. */
    char text[KSS_TEXT_MAX];
};

struct kss_ring {
    struct kss_record rec[KSS_RING_RECORDS];
    uint64_t write_seq; /* the next record's number = records written since boot */
};

/* One reader's place in the ring. A new cursor (all zero) starts at record 0: it reads every
 * record still held and counts the older ones as lost. */
struct kss_cursor {
    uint64_t next; /* the next record number this reader wants */
    uint64_t lost; /* records overwritten before this reader read them, not yet reported */
};

/* Appends r (its seq is set here) and returns its number. */
uint64_t kss_ring_put(struct kss_ring *ring, const struct kss_record *r);

/* The oldest record number the ring still holds (= records overwritten since boot). */
uint64_t kss_ring_oldest(const struct kss_ring *ring);

/* A record's text as ksnprintf wrote it into text[0..size), `needed` the length the whole
 * would have had: when it did not fit, its last bytes become KSM_PROTO_TEXT_CUT
 * (<bastion/ksm_proto.h>), so that a cut record says so (the monitor's verdict text, up to
 * KSM_PROTO_TEXT_MAX, follows the task and class names there). */
void kss_text_mark_cut(char *text, size_t size, int needed);

/* The reader's next record: false when it has read them all. Records it missed (overwritten
 * since its previous read) are added to cur->lost. The ring is not changed. */
bool kss_ring_read(const struct kss_ring *ring, struct kss_cursor *cur, struct kss_record *out);

#endif
