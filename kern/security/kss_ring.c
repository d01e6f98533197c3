/* The kss ring (kss_ring.h). */
#include "security/kss_ring.h"

#include <bastion/ksm_proto.h>

#include "lib/string.h"

void kss_text_mark_cut(char *text, size_t size, int needed)
{
    if (needed < 0 || (size_t)needed < size || size < sizeof KSM_PROTO_TEXT_CUT)
        return;
    memcpy(text + size - sizeof KSM_PROTO_TEXT_CUT, KSM_PROTO_TEXT_CUT, sizeof KSM_PROTO_TEXT_CUT);
}

uint64_t kss_ring_put(struct kss_ring *ring, const struct kss_record *r)
{
    uint64_t n = ring->write_seq++;
    struct kss_record *slot = &ring->rec[n % KSS_RING_RECORDS];
    memcpy(slot, r, sizeof *slot);
    slot->seq = n;
    return n;
}

uint64_t kss_ring_oldest(const struct kss_ring *ring)
{
    return ring->write_seq > KSS_RING_RECORDS ? ring->write_seq - KSS_RING_RECORDS : 0;
}

bool kss_ring_read(const struct kss_ring *ring, struct kss_cursor *cur, struct kss_record *out)
{
    uint64_t oldest = kss_ring_oldest(ring);
    if (cur->next < oldest) {
        cur->lost += oldest - cur->next;
        cur->next = oldest;
    }
    if (cur->next >= ring->write_seq)
        return false;
    memcpy(out, &ring->rec[cur->next % KSS_RING_RECORDS], sizeof *out);
    cur->next++;
    return true;
}
