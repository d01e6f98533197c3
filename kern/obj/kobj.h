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

#include <bastion/retcode.h>

#include "obj/account.h"

typedef uint32_t kobj_sid_t;

#define KOBJ_SID_NONE 0u   /* never assigned: "no SID" */
#define KOBJ_SID_KERNEL 1u /* the kernel itself (KasperskyOS: the kernel has a SID too) */
#define KOBJ_SID_FIRST 2u  /* first SID handed out by kobj_init */

/* Append only: the values are visible to user mode through Handle/Task info methods. */
enum kobj_type {
    KOBJ_ANY = 0, /* lookup filter only: accept every type; no object has it */
    KOBJ_TASK,    /* a process */
    KOBJ_THREAD,
    KOBJ_IPC_CLIENT,     /* client end of an IPC channel */
    KOBJ_IPC_SERVER,     /* server end of an IPC channel */
    KOBJ_IPC_LISTENER,   /* accepts many clients on one server */
    KOBJ_KERNEL,         /* a handle to the kernel's core endpoints (kl.core.*) */
    KOBJ_MEMORY,         /* a memory object (MDL buffer) */
    KOBJ_VM_MAPPING,     /* a mapping that can be freed by handle */
    KOBJ_FILE,           /* a ROMFS file */
    KOBJ_BADGE,          /* a resource transfer context (Handle.CreateBadge) */
    KOBJ_USER,           /* a user resource (Handle.CreateUserObject) */
    KOBJ_SYNC,           /* futex-like synchronisation object */
    KOBJ_SECURITY,       /* the security interface (Handle.SecurityConnect): Call asks the KSM */
    KOBJ_AUDIT_LOG,      /* a reader of the kss log, with its own cursor (Audit.Open("kss")) */
    KOBJ_IO_PORTS,       /* a registered range of a device's I/O ports (IO.RegisterPort) */
    KOBJ_IO_MMIO,        /* a registered range of a device's MMIO (IO.RegisterMmio) */
    KOBJ_IO_IRQ,         /* a registered interrupt of a device (IO.RegisterIrq) */
    KOBJ_IO_DMA,         /* a DMA buffer (IO.RegisterDma) */
    KOBJ_IO_PORT_ACCESS, /* ports opened to a process's threads (IO.PermitPort) */
    /* An attached thread's wait for its interrupt (IO.AttachIrq's delivery). */
    KOBJ_IO_IRQ_DELIVERY,
    KOBJ_IO_DMA_MAPPING, /* a DMA buffer opened to the caller's devices (IO.BeginDma) */
    KOBJ_NOTICE,         /* a notification receiver (Notice.Create, obj/notice.h) */
    /* An IPC synchronization object (IPC.CreateSyncObject): interrupts its process's waits. */
    KOBJ_IPC_SYNC,
    KOBJ_TYPE_COUNT
};

struct kobj;

struct kobj_ops {
    enum kobj_type type;
    const char *name; /* for logs: "task", "thread", ... */
    /* Frees the object. Called exactly once, after the last reference is dropped; see above for
     * the context it runs in. The header must not be touched after it returns. */
    void (*destroy)(struct kobj *obj);
};

struct kobj {
    const struct kobj_ops *ops;
    uint32_t refs; /* atomic; 0 only once destroy has been called */
    kobj_sid_t sid;
    uint64_t koid;
    struct kmem_account *account; /* NULL: kernel-internal, not charged */
    size_t charge;                /* bytes charged to `account` for this object */
};

/* Largest reference count; kobj_ref refuses to go past it (rcOverflow) rather than wrap. */
#define KOBJ_REFS_MAX (UINT32_MAX - 1u)

/*
 * Initialises the header with one reference (the creator's).
 *
 * Kernel-memory protocol: the creator first calls kmem_charge(acct, charge) and only then takes
 * the memory; on rcOk from kobj_init the object owns that charge and a reference on `acct`, and
 * returns both when it is destroyed. On failure nothing was taken: the creator uncharges and
 * frees. `sid` is KOBJ_SID_NONE to get a fresh, never reused SID, or an existing SID (an object
 * that must share the security identity of another, e.g. the kernel's own endpoints).
 *
 * Errors: rcInvalidArgument (no ops, ops->destroy missing, KOBJ_ANY type); rcOverflow (the SID
 * space, 2^32 - 2 values, is exhausted; or the account has too many references).
 */
Retcode kobj_init(struct kobj *obj, const struct kobj_ops *ops, kobj_sid_t sid,
                  struct kmem_account *acct, size_t charge);

/* Takes a reference. The caller must already hold one, or hold a lock that keeps one alive.
 * rcOverflow at KOBJ_REFS_MAX; rcInvalidArgument if the object is already dead (refs == 0). */
Retcode kobj_ref(struct kobj *obj);

/* Drops a reference; the last one destroys the object and returns its charge. */
void kobj_unref(struct kobj *obj);

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
