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
 * Quota trading (the way Genode trades quota): an account's limit can be *carved* out of a
 * parent account: the parent is charged the whole limit, so what a parent gives its children
 * and what it holds itself never exceed its own limit, however deep the tree. Raising a carved
 * limit charges the parent the difference (rcQuotaExceeded if the parent has not got it);
 * lowering it gives the difference back, never below what the account already holds. When
 * the owner ends, kmem_account_close lowers the limit to what is still charged and gives the
 * rest back; from then on every returned charge goes straight back to the parent, and the
 * account's last reference gives back whatever is left. Invariant while carved:
 * limit == carved, and used <= limit except transiently inside kmem_account_resize.
 *
 * Pure module: no locks are needed, counters are updated with atomic read-modify-write.
 * An account pointer of NULL means "kernel-internal, not charged": every function accepts it.
 */
#ifndef BASTION_OBJ_ACCOUNT_H
#define BASTION_OBJ_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct kmem_account {
    uint64_t used;  /* bytes charged now; invariant: used <= limit */
    uint64_t limit; /* may be lowered below `used`: then every new charge fails */
    uint64_t peak;  /* highest `used` seen, for diagnostics */
    uint32_t refs;  /* owner + one per charged object */
    void (*release)(struct kmem_account *acct); /* last reference dropped; may be NULL */
    struct kmem_account *parent; /* the limit is carved from it (one reference); NULL: not */
    uint64_t carved;             /* bytes charged to `parent` for this account */
    bool closed;                 /* owner gone: returned charges go back to `parent` */
    /* Objects of the kinds a process may hold only so many of, whatever their bytes (a bound
     * beside the byte limit, so that many small objects cannot slow every walk over them);
     * indexed by enum kmem_counted, atomic. */
    uint32_t counted[2];
};

/* The kinds kmem_count_take bounds. */
enum kmem_counted {
    KMEM_COUNT_NOTICE_RECEIVERS, /* kl.core.Notice receivers (obj/notice.c) */
    KMEM_COUNT_NOTICE_ENTRIES,   /* their "resource-event mask" entries */
    KMEM_COUNTED_KINDS
};

/* One reference (the owner's) on return. */
void kmem_account_init(struct kmem_account *acct, uint64_t limit,
                       void (*release)(struct kmem_account *acct));

/* Charges `bytes`; rcQuotaExceeded if the limit would be passed (nothing is charged then). */
Retcode kmem_charge(struct kmem_account *acct, size_t bytes);

/* Returns a charge. Returning more than is charged is a caller bug: `used` saturates at 0. */
void kmem_uncharge(struct kmem_account *acct, size_t bytes);

/* Counts one more object of `kind` if fewer than `max` are counted (rcQuotaExceeded otherwise,
 * nothing counted); kmem_count_give returns it. A NULL account counts nothing and always
 * succeeds, as for charges. */
Retcode kmem_count_take(struct kmem_account *acct, enum kmem_counted kind, uint32_t max);
void kmem_count_give(struct kmem_account *acct, enum kmem_counted kind);

/* Reference counting; kmem_account_get fails with rcOverflow only at 2^32-1 references.
 * The last kmem_account_put gives a carved account's remaining carve back to its parent and
 * drops its reference on the parent (after `release`). */
Retcode kmem_account_get(struct kmem_account *acct);
void kmem_account_put(struct kmem_account *acct);

/* Carves `limit` bytes for `acct` (fresh: no parent, nothing charged) out of `parent`: charges
 * the parent, takes a reference on it, sets acct's limit. rcQuotaExceeded if the parent has
 * less than `limit` left (nothing changes then). A NULL parent just sets the limit. */
Retcode kmem_account_carve(struct kmem_account *acct, struct kmem_account *parent, uint64_t limit);

/* Sets a carved account's limit to `limit`: a raise is charged to the parent (rcQuotaExceeded
 * if it has not got the difference), a cut is given back to it (rcOutOfRange below what acct
 * holds now). rcPeerClosed once closed. Nothing changes on failure. Not carved: sets the limit. */
Retcode kmem_account_resize(struct kmem_account *acct, uint64_t limit);

/* The owner ended and will charge nothing more: the part of the limit not in use goes back to
 * the parent at once, the limit drops to what is still charged (so every new charge fails),
 * and each later kmem_uncharge gives its bytes back to the parent too. Idempotent. */
void kmem_account_close(struct kmem_account *acct);

/* kmem_account_close was called: its owner has ended. */
bool kmem_account_is_closed(const struct kmem_account *acct);

/* Bytes that can still be charged (limit - used, 0 if none). */
uint64_t kmem_account_available(const struct kmem_account *acct);

#endif
