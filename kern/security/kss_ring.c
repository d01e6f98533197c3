/* The kss ring (kss_ring.h). */
#include "security/kss_ring.h"

#include "lib/string.h"

uint64_t kss_ring_put(struct kss_ring *ring, const struct kss_record *r)
{
    uint64_t n = ring->write_seq++;
    if (ring->write_seq - ring->read_seq > KSS_RING_RECORDS) {
        /* Full: the oldest unread record makes room. */
        ring->read_seq++;
        ring->dropped++;
    }
    struct kss_record *slot = &ring->rec[n % KSS_RING_RECORDS];
    memcpy(slot, r, sizeof *slot);
    slot->seq = n;
    return n;
}

bool kss_ring_take(struct kss_ring *ring, struct kss_record *out)
{
    if (ring->read_seq == ring->write_seq)
        return false;
    memcpy(out, &ring->rec[ring->read_seq % KSS_RING_RECORDS], sizeof *out);
    ring->read_seq++;
    return true;
}
