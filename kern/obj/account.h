/*
 * Kernel-memory accounts: every kernel object is charged to the process that caused it.
 *
 * A process owns one account with a byte limit (from the init description, or a default).
 * Creating an object charges its size first, before any memory is taken, so that reaching the
 * limit returns rcQuotaExceeded instead of exhausting the kernel heap (the "exhaust the kernel
 * memory" danger of the kl.core methods). The charge is returned when the object is destroyed.
 *
 * Lifetime: an account is reference counted. The owning process holds one reference and every
 * charged object holds one (kobj_init takes it, the object's destruction drops it), so an
 * object that outlives its creator (a handle passed to another process) can still uncharge.
 * When the last reference goes, `release` is called to free the account's memory.
 *
 * Pure module: no locks are needed, counters are updated with atomic read-modify-write.
 * An account pointer of NULL means "kernel-internal, not charged": every function accepts it.
 */
#ifndef BASTION_OBJ_ACCOUNT_H
#define BASTION_OBJ_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct kmem_account {
    uint64_t used;  /* bytes charged now; invariant: used <= limit */
    uint64_t limit; /* may be lowered below `used`: then every new charge fails */
    uint64_t peak;  /* highest `used` seen, for diagnostics */
    uint32_t refs;  /* owner + one per charged object */
    void (*release)(struct kmem_account *acct); /* last reference dropped; may be NULL */
};

/* One reference (the owner's) on return. */
void kmem_account_init(struct kmem_account *acct, uint64_t limit,
                       void (*release)(struct kmem_account *acct));

/* Charges `bytes`; rcQuotaExceeded if the limit would be passed (nothing is charged then). */
Retcode kmem_charge(struct kmem_account *acct, size_t bytes);

/* Returns a charge. Returning more than is charged is a caller bug: `used` saturates at 0. */
void kmem_uncharge(struct kmem_account *acct, size_t bytes);

/* Reference counting; kmem_account_get fails with rcOverflow only at 2^32-1 references. */
Retcode kmem_account_get(struct kmem_account *acct);
void kmem_account_put(struct kmem_account *acct);

#endif
