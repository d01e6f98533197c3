/*
 * The kernel object header: what every handle points to.
 *
 * Each kernel object (process, thread, IPC channel end, memory object, file, badge ...) embeds a
 * `struct kobj` as its first member. The header carries:
 *   - the type and type operations (`ops`), checked when a handle is looked up;
 *   - a reference count: every handle holds one reference, and kernel code that uses an object
 *     after dropping the handle-table lock holds its own (handle_get returns one). The last
 *     kobj_unref calls ops->destroy, then returns the object's kernel-memory charge;
 *   - a security id (SID): the globally unique name under which the security monitor sees the
 *     resource (KasperskyOS assigns one SID per resource, whatever the number of handles);
 *   - a kernel object id (koid), unique for the kernel's lifetime and never reused, used where a
 *     pointer comparison could be fooled by memory reuse (badges in the derivation tree);
 *   - the kernel-memory account it is charged to, and how much (see account.h).
 *
 * Concurrency: the counters are atomic; no lock is needed to take or drop a reference as long as
 * the caller already holds one, or holds the lock of a handle table that has a live handle on the
 * object (see handle.h). ops->destroy runs in the context of whoever drops the last reference,
 * which may be inside handle_close/handle_revoke with the global derivation lock held: destroy
 * must therefore not call any handle_* function nor sleep. Objects whose teardown needs more (a
 * process with its handle table and address space) queue themselves to a reaper instead.
 */
#ifndef BASTION_OBJ_KOBJ_H
#define BASTION_OBJ_KOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/object_type.h>
#include <bastion/retcode.h>

#include "obj/account.h"

typedef uint32_t kobj_sid_t;

#define KOBJ_SID_NONE 0u   /* never assigned: "no SID" */
#define KOBJ_SID_KERNEL 1u /* the kernel itself (KasperskyOS: the kernel has a SID too) */
#define KOBJ_SID_FIRST 2u  /* first SID handed out by kobj_init */

/* Append only: the values are visible to user mode through Handle/Task info methods and to the
 * security monitor (a handle's type in its copy of a message): <bastion/object_type.h> names
 * them, and this enum is defined from it. */
enum kobj_type {
    KOBJ_ANY = 0, /* lookup filter only: accept every type; no object has it */
    KOBJ_TASK = OBJ_TYPE_TASK,
    KOBJ_THREAD = OBJ_TYPE_THREAD,
    KOBJ_IPC_CLIENT = OBJ_TYPE_IPC_CLIENT,
    KOBJ_IPC_SERVER = OBJ_TYPE_IPC_SERVER,
    KOBJ_IPC_LISTENER = OBJ_TYPE_IPC_LISTENER,
    KOBJ_KERNEL = OBJ_TYPE_KERNEL,
    KOBJ_MEMORY = OBJ_TYPE_MEMORY,
    KOBJ_VM_MAPPING = OBJ_TYPE_VM_MAPPING,
    KOBJ_FILE = OBJ_TYPE_FILE,
    KOBJ_BADGE = OBJ_TYPE_BADGE,
    KOBJ_USER = OBJ_TYPE_USER,
    KOBJ_SYNC = OBJ_TYPE_SYNC,
    KOBJ_SECURITY = OBJ_TYPE_SECURITY,   /* Call asks the KSM */
    KOBJ_AUDIT_LOG = OBJ_TYPE_AUDIT_LOG, /* with its own cursor (Audit.Open("kss")) */
    KOBJ_IO_PORTS = OBJ_TYPE_IO_PORTS,
    KOBJ_IO_MMIO = OBJ_TYPE_IO_MMIO,
    KOBJ_IO_IRQ = OBJ_TYPE_IO_IRQ,
    KOBJ_IO_DMA = OBJ_TYPE_IO_DMA,
    KOBJ_IO_PORT_ACCESS = OBJ_TYPE_IO_PORT_ACCESS,
    KOBJ_IO_IRQ_DELIVERY = OBJ_TYPE_IO_IRQ_DELIVERY, /* IO.AttachIrq's delivery */
    KOBJ_IO_DMA_MAPPING = OBJ_TYPE_IO_DMA_MAPPING,
    KOBJ_NOTICE = OBJ_TYPE_NOTICE,     /* obj/notice.h */
    KOBJ_IPC_SYNC = OBJ_TYPE_IPC_SYNC, /* interrupts its process's waits */
    KOBJ_TYPE_COUNT
};
_Static_assert(KOBJ_TYPE_COUNT == OBJ_TYPE_COUNT, "every type is named in <bastion/object_type.h>");
_Static_assert(KOBJ_TYPE_COUNT <= 256, "a type fits the byte the monitor's copy has for it");

struct kobj;

struct kobj_ops {
    enum kobj_type type;
    const char *name; /* for logs: "task", "thread", ... */
    /* Frees the object. Called exactly once, after the last reference is dropped; see above for
     * the context it runs in. The header must not be touched after it returns. */
    void (*destroy)(struct kobj *obj);
};

/*
 * An object's end, as the security monitor must hear of it. The monitor may keep policy state
 * under the SID of any resource it was shown, so the note of that resource's end is made when
 * the object is first shown (kobj_mark_shown), while it lives: telling of an end never needs
 * memory it might not get, and no end is ever dropped (security/ksm_forget.h keeps the notes
 * until the monitor has them). The note's bytes are part of every object's charge from
 * kobj_init on; a note takes that share with it, and a reference on the account, so they stay
 * charged until the note is freed, after the object has gone.
 */
struct kobj_end {
    struct kobj_end *next;        /* the keeper's queue */
    struct kmem_account *account; /* KOBJ_END_CHARGE of it is this note's; one reference */
    kobj_sid_t sid;
    uint8_t type; /* enum kobj_type */
};
#define KOBJ_END_CHARGE ((uint32_t)sizeof(struct kobj_end))

struct kobj {
    const struct kobj_ops *ops;
    uint32_t refs; /* atomic; 0 only once destroy has been called */
    kobj_sid_t sid;
    uint64_t koid;
    struct kmem_account *account; /* NULL: kernel-internal, not charged */
    uint32_t charge; /* bytes charged to `account` for this object (its end's note's share too) */
    struct kobj_end *end; /* atomic: made when the monitor is first shown the object */
};

/* Largest reference count; kobj_ref refuses to go past it (rcOverflow) rather than wrap. */
#define KOBJ_REFS_MAX (UINT32_MAX - 1u)

/*
 * Initialises the header with one reference (the creator's).
 *
 * Kernel-memory protocol: the creator first calls kmem_charge(acct, charge) and only then takes
 * the memory; kobj_init charges KOBJ_END_CHARGE more (the note of the object's end, kobj_end);
 * on rcOk the object owns both charges and a reference on `acct`, and returns them when it is
 * destroyed. On failure nothing was taken: the creator uncharges and frees. `sid` is KOBJ_SID_NONE to get a fresh, never reused SID, or an existing SID (an object
 * that must share the security identity of another, e.g. the kernel's own endpoints).
 *
 * Errors: rcInvalidArgument (no ops, ops->destroy missing, KOBJ_ANY type); rcOverflow (the SID
 * space, 2^32 - 2 values, is exhausted; or the account has too many references);
 * rcQuotaExceeded (no room in `acct` for the end's note).
 */
Retcode kobj_init(struct kobj *obj, const struct kobj_ops *ops, kobj_sid_t sid,
                  struct kmem_account *acct, size_t charge);

/* Takes a reference. The caller must already hold one, or hold a lock that keeps one alive.
 * rcOverflow at KOBJ_REFS_MAX; rcInvalidArgument if the object is already dead (refs == 0). */
Retcode kobj_ref(struct kobj *obj);

/* kobj_ref for a caller that holds a reference itself, or a live handle under its table's
 * lock, so that refs cannot be 0 here: one atomic add instead of a compare-and-swap loop (the
 * IPC fast path takes three such references per round trip). Refuses (rcOverflow, undone)
 * KOBJ_REF_HELD_MARGIN short of kobj_ref's bound: the adds in flight at once, at most a few per
 * CPU, can never carry the count past KOBJ_REFS_MAX, let alone wrap it. */
#define KOBJ_REF_HELD_MARGIN 65536u
static inline Retcode kobj_ref_held(struct kobj *obj)
{
    uint32_t old = __atomic_fetch_add(&obj->refs, 1, __ATOMIC_RELAXED);
    if (__builtin_expect(old >= KOBJ_REFS_MAX - KOBJ_REF_HELD_MARGIN, 0)) {
        __atomic_sub_fetch(&obj->refs, 1, __ATOMIC_RELAXED);
        return rcOverflow;
    }
    return rcOk;
}

/* Drops a reference; the last one destroys the object and returns its charge, then hands the
 * note of its end, if it was shown to the security monitor, to the end keeper (below). */
void kobj_unref(struct kobj *obj);

/* Who keeps the notes of objects' ends for the security monitor (security/ksm_forget.c sets it
 * once, when a monitor starts; none: objects shown are not noted, there is no one to tell).
 * alloc and free give and take the notes' memory (alloc: NULL when there is none; any context
 * that may take a spinlock); ended receives a note when its object has been destroyed, from
 * whatever context dropped the last reference (see above): it must not sleep or take a handle
 * lock, and it owns the note from then on. */
struct kobj_end_keeper {
    struct kobj_end *(*alloc)(void);
    void (*free)(struct kobj_end *end);
    void (*ended)(struct kobj_end *end);
};
void kobj_set_end_keeper(const struct kobj_end_keeper *keeper);

/* Makes the note of obj's end (once: later calls find it), so that the monitor hears of the end
 * of an object whose SID it was shown. Call it before the SID reaches the monitor. rcOutOfMemory
 * when the keeper has no memory for it (the object is not shown then: the request fails);
 * rcOverflow when obj's account has too many references. */
Retcode kobj_end_reserve(struct kobj *obj);
static inline Retcode kobj_mark_shown(struct kobj *obj)
{
    if (__atomic_load_n(&obj->end, __ATOMIC_ACQUIRE) != NULL)
        return rcOk;
    return kobj_end_reserve(obj);
}

/* Takes obj's note away from it (NULL if none was made), for an end told before the object goes
 * (a process's, at its death): the object's destruction then hands nothing to the keeper. */
struct kobj_end *kobj_take_end(struct kobj *obj);

/* Frees a note once the monitor has it: its charge and account reference go back. */
void kobj_end_free(struct kobj_end *end);

static inline enum kobj_type kobj_type(const struct kobj *obj)
{
    return obj->ops->type;
}

static inline kobj_sid_t kobj_sid(const struct kobj *obj)
{
    return obj->sid;
}

/* Current reference count (a snapshot: only meaningful to tests and diagnostics). */
uint32_t kobj_refcount(const struct kobj *obj);

#endif
