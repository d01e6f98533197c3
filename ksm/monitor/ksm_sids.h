/*
 * Kernel SIDs to the slots of the KSM's policy-state store. The kernel names processes by SID
 * (<bastion/ksm_proto.h>); SIDs grow without bound and are never reused, while the store
 * (struct ksm_state, ksm_decide.h) has a fixed number of process slots. A SID gets a slot the
 * first time an event names it and gives it back when the kernel reports the process ended;
 * with every slot taken, a new SID gets none (KSM_SID_NONE) and its stateful rules deny
 * (fail closed). Open addressing with linear probing and backward-shift deletion: lookups are
 * O(1) expected, the table never fills past half. Not locked: the caller serialises.
 */
#ifndef BASTION_KSM_SIDS_H
#define BASTION_KSM_SIDS_H

#include <stdint.h>

#define KSM_SID_SLOTS 1024u                  /* processes with state at once */
#define KSM_SID_BUCKETS (2u * KSM_SID_SLOTS) /* a power of two */

struct ksm_sids {
    uint32_t sid[KSM_SID_BUCKETS];  /* 0: empty */
    uint32_t slot[KSM_SID_BUCKETS]; /* its slot, for a non-empty bucket */
    uint32_t free[KSM_SID_SLOTS];   /* slots not in use, a stack */
    uint32_t nfree;
};

/* Every slot free. */
void ksm_sids_init(struct ksm_sids *m);

/* The slot of `sid`, given one if it has none; KSM_SID_NONE for SID 0 (the kernel) or when
 * every slot is taken. */
uint32_t ksm_sids_slot(struct ksm_sids *m, uint32_t sid);

/* `sid` has ended: its slot, now free again (the caller clears the slot's state), or
 * KSM_SID_NONE when it had none. */
uint32_t ksm_sids_forget(struct ksm_sids *m, uint32_t sid);

#endif
