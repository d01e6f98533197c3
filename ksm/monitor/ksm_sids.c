/* Kernel SIDs to state-store slots (ksm_sids.h). */
#include "ksm_sids.h"

#include <stdbool.h>

#include "ksm_decide.h"

_Static_assert((KSM_SID_BUCKETS & (KSM_SID_BUCKETS - 1)) == 0, "a power of two");

static uint32_t bucket_of(uint32_t sid)
{
    return (uint32_t)(sid * 2654435761u) & (KSM_SID_BUCKETS - 1);
}

void ksm_sids_init(struct ksm_sids *m)
{
    for (uint32_t b = 0; b < KSM_SID_BUCKETS; b++)
        m->sid[b] = 0;
    for (uint32_t i = 0; i < KSM_SID_SLOTS; i++)
        m->free[i] = KSM_SID_SLOTS - 1 - i; /* slot 0 comes out first */
    m->nfree = KSM_SID_SLOTS;
}

uint32_t ksm_sids_slot(struct ksm_sids *m, uint32_t sid)
{
    if (sid == 0)
        return KSM_SID_NONE;
    uint32_t b = bucket_of(sid);
    while (m->sid[b] != 0) { /* ends: at most KSM_SID_SLOTS of the buckets are taken */
        if (m->sid[b] == sid)
            return m->slot[b];
        b = (b + 1) & (KSM_SID_BUCKETS - 1);
    }
    if (m->nfree == 0)
        return KSM_SID_NONE;
    m->sid[b] = sid;
    m->slot[b] = m->free[--m->nfree];
    return m->slot[b];
}

uint32_t ksm_sids_forget(struct ksm_sids *m, uint32_t sid)
{
    if (sid == 0)
        return KSM_SID_NONE;
    uint32_t b = bucket_of(sid);
    while (m->sid[b] != sid) {
        if (m->sid[b] == 0)
            return KSM_SID_NONE;
        b = (b + 1) & (KSM_SID_BUCKETS - 1);
    }
    uint32_t slot = m->slot[b];
    m->free[m->nfree++] = slot;
    /* Backward shift: move later entries of the run into the hole when their home bucket does
     * not lie between the hole and them, so that every lookup still finds its key. */
    uint32_t hole = b;
    for (uint32_t j = (b + 1) & (KSM_SID_BUCKETS - 1); m->sid[j] != 0;
         j = (j + 1) & (KSM_SID_BUCKETS - 1)) {
        uint32_t home = bucket_of(m->sid[j]);
        /* j's entry may move to the hole unless home is cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            m->sid[hole] = m->sid[j];
            m->slot[hole] = m->slot[j];
            hole = j;
        }
    }
    m->sid[hole] = 0;
    return slot;
}
