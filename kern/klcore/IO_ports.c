/*
 * kl.core.IO, ports and MMIO: RegisterPort, RegisterMmio, MapMem, PermitPort.
 *
 * RegisterPort / RegisterMmio make a resource object (KOBJ_IO_PORTS / KOBJ_IO_MMIO, charged to
 * the caller's kernel memory) that claims the range: only a range inside one PCI device's BAR
 * of that kind, touching nothing the kernel keeps, and not held by anyone else (dev/io_range.h,
 * dev/resource.h; rcKernelResource, rcNotDeviceResource, rcResourceBusy). The claim lasts as
 * long as the object: its last handle, mapping or permit gone, the range is free again.
 *
 * MapMem maps a whole MMIO range uncached, never executable, at a free place of the caller's
 * address space and returns a mapping handle (KOBJ_VM_MAPPING) whose close unmaps it. PermitPort
 * opens a port range to the caller's threads (dev/ioperm.h) and returns an access handle
 * (KOBJ_IO_PORT_ACCESS) whose close takes them back. Both new objects are charged to the
 * caller, and both handles carry no right, so they can only be closed.
 *
 * One process at a time: while a range is mapped (or its ports permitted) in one process, MapMem
 * (PermitPort) of it in another is refused with rcResourceBusy, so that two processes holding
 * handles of one range cannot use the device as memory shared behind the security monitor's
 * back; a range is handed from one process to another only by transferring its handle (which
 * the monitor sees) and the first one letting go.
 */
#include <bastion/rights.h>
#include <bastion/vmm.h>

#include "arch/x86_64/spinlock.h"
#include "dev/ioperm.h"
#include "dev/resource.h"
#include "klcore/IO.h"
#include "klcore/klcore.h"
#include "mm/aspace.h"
#include "obj/handle.h"
#include "obj/kobj_new.h"
#include "proc/process.h"

#define PAGE 4096u

/* Who uses a range now: the process that maps it (MMIO) or has its ports (ports), and how many
 * mappings or permits it holds. users_lock, a leaf taken with interrupts off. */
struct io_users {
    struct process *proc; /* only compared; kept readable by the mappings' memory holds */
    uint32_t count;
};

struct io_resource {
    struct kobj obj; /* first: KOBJ_IO_PORTS or KOBJ_IO_MMIO */
    struct io_claim claim;
    struct io_users users;
};

struct io_mapping {
    struct kobj obj;      /* first: KOBJ_VM_MAPPING */
    struct process *proc; /* whose address space; its memory held while this lives */
    struct io_resource *res;
    uint64_t va, size;
};

struct io_access {
    struct kobj obj; /* first: KOBJ_IO_PORT_ACCESS */
    struct process *proc;
    struct io_resource *res;
    struct io_permit permit;
};

static struct spinlock users_lock = SPINLOCK_INIT(LOCK_LEVEL_IO_CLAIMS);

/* Makes proc a user of r (rcResourceBusy when another process uses it). */
static Retcode users_enter(struct io_resource *r, struct process *proc)
{
    Retcode rc = rcOk;
    uint64_t flags = spin_lock_irqsave(&users_lock);
    if (r->users.count && r->users.proc != proc)
        rc = rcResourceBusy;
    else {
        r->users.proc = proc;
        r->users.count++;
    }
    spin_unlock_irqrestore(&users_lock, flags);
    return rc;
}

static void users_leave(struct io_resource *r)
{
    uint64_t flags = spin_lock_irqsave(&users_lock);
    if (--r->users.count == 0)
        r->users.proc = NULL;
    spin_unlock_irqrestore(&users_lock, flags);
}

/* The caller's resource of `type` with `need` rights, entered as its user (users_enter): a new
 * reference in *out that the caller gives back with resource_release. */
static Retcode resource_use(struct core_ctx *c, uint32_t handle, int type, uint32_t need,
                            struct io_resource **out)
{
    struct io_resource *r = NULL;
    Retcode rc = core_get(c, handle, type, need, (void **)&r);
    if (rc != rcOk)
        return rc;
    rc = users_enter(r, c->proc);
    if (rc != rcOk) {
        kobj_unref(&r->obj);
        return rc;
    }
    *out = r;
    return rcOk;
}

static void resource_release(struct io_resource *r)
{
    users_leave(r);
    kobj_unref(&r->obj);
}

static void resource_destroy(struct kobj *obj)
{
    struct io_resource *r = (struct io_resource *)obj;
    io_unclaim(&r->claim);
    kobj_free_mem(r);
}

static const struct kobj_ops ports_ops = {KOBJ_IO_PORTS, "io-ports", resource_destroy};
static const struct kobj_ops mmio_ops = {KOBJ_IO_MMIO, "io-mmio", resource_destroy};

/* A mapping's end: unmap what it mapped (unless the process already freed it or is gone). */
static void mapping_destroy(struct kobj *obj)
{
    struct io_mapping *m = (struct io_mapping *)obj;
    if (m->res) {
        struct aspace *as = process_aspace_pin(m->proc);
        if (as) {
            (void)aspace_free_shared_of(as, m->va, m->size, &m->res->obj);
            process_aspace_unpin(m->proc);
        }
        process_release_memory(m->proc);
        resource_release(m->res);
    }
    kobj_free_mem(m);
}

static const struct kobj_ops mapping_ops = {KOBJ_VM_MAPPING, "io-mapping", mapping_destroy};

static void access_destroy(struct kobj *obj)
{
    struct io_access *a = (struct io_access *)obj;
    if (a->res) {
        ioperm_revoke(a->proc, &a->permit);
        process_release_memory(a->proc);
        resource_release(a->res);
    }
    kobj_free_mem(a);
}

static const struct kobj_ops access_ops = {KOBJ_IO_PORT_ACCESS, "io-access", access_destroy};

static Retcode register_range(struct core_ctx *c, enum io_kind kind, uint64_t base, uint64_t size,
                              idl_handle_t *resource)
{
    resource->handle = HANDLE_INVALID;
    resource->rights = 0;
    struct io_resource *r = NULL;
    Retcode rc = kobj_new(sizeof *r, kind == IO_KIND_PORT ? &ports_ops : &mmio_ops, &c->proc->kmem,
                          (void **)&r);
    if (rc != rcOk)
        return rc;
    rc = io_claim(&r->claim, kind, base, size);
    if (rc == rcOk)
        rc = core_install(c, r, kind == IO_KIND_PORT ? HR_IO_PORTS_FULL : HR_IO_MMIO_FULL,
                          &resource->handle, &resource->rights);
    kobj_unref(&r->obj); /* the handle holds its own; on failure this frees it and the claim */
    return rc;
}

Retcode core_io_register_port(void *ctx, kl_core_IO_IoPort base, uint32_t size,
                              idl_handle_t *resource, kl_core_Types_Retcode *rc)
{
    *rc = register_range(ctx, IO_KIND_PORT, base, size, resource);
    return rcOk;
}

Retcode core_io_register_mmio(void *ctx, kl_core_Types_PhysAddr base, kl_core_Types_Size size,
                              idl_handle_t *resource, kl_core_Types_Retcode *rc)
{
    *rc = register_range(ctx, IO_KIND_MMIO, base, size, resource);
    return rcOk;
}

static Retcode map_mem(struct core_ctx *c, uint32_t handle, uint32_t prot, uint32_t attr,
                       uint64_t *address, idl_handle_t *mapping)
{
    /* Device memory is read and written, never executed; attr 0 (uncached) is the only one. */
    if (prot == 0 || (prot & ~(BASTION_VMM_READ | BASTION_VMM_WRITE)) || attr != 0)
        return rcInvalidArgument;
    uint32_t need = HR_IO_MAP | ((prot & BASTION_VMM_READ) ? HR_READ : 0) |
                    ((prot & BASTION_VMM_WRITE) ? HR_WRITE : 0);
    struct io_resource *r = NULL;
    Retcode rc = resource_use(c, handle, KOBJ_IO_MMIO, need, &r);
    if (rc != rcOk)
        return rc;
    struct io_mapping *m = NULL;
    rc = kobj_new(sizeof *m, &mapping_ops, &c->proc->kmem, (void **)&m);
    if (rc != rcOk) {
        resource_release(r);
        return rc;
    }
    struct aspace *as = c->proc->as;
    uint64_t size = r->claim.size, va = 0;
    rc = core_reserve_anywhere(as, size, prot, &va);
    if (rc == rcOk) {
        rc = kobj_ref(&r->obj); /* the region's reference */
        if (rc == rcOk) {
            rc = aspace_map_device(as, va, r->claim.base, size / PAGE, prot, &r->obj);
            if (rc != rcOk)
                kobj_unref(&r->obj);
        }
        if (rc != rcOk)
            (void)aspace_free(as, va, size);
    }
    if (rc != rcOk) {
        kobj_unref(&m->obj); /* res is NULL: only its memory goes */
        resource_release(r);
        return rc;
    }
    /* From here the mapping owns the user count, the reference core_get took, a memory hold. */
    process_hold_memory(c->proc);
    m->proc = c->proc;
    m->res = r;
    m->va = va;
    m->size = size;
    rc = core_install(c, m, HR_NONE, &mapping->handle, &mapping->rights);
    kobj_unref(&m->obj); /* the handle holds its own; on failure this unmaps */
    if (rc == rcOk)
        *address = va;
    return rc;
}

Retcode core_io_map_mem(void *ctx, idl_handle_t resource, uint32_t prot, uint32_t attr,
                        kl_core_Types_VirtAddr *address, idl_handle_t *mapping,
                        kl_core_Types_Retcode *rc)
{
    *address = 0;
    mapping->handle = HANDLE_INVALID;
    mapping->rights = 0;
    *rc = map_mem(ctx, resource.handle, prot, attr, address, mapping);
    return rcOk;
}

static Retcode permit_port(struct core_ctx *c, uint32_t handle, idl_handle_t *access)
{
    struct io_resource *r = NULL;
    Retcode rc = resource_use(c, handle, KOBJ_IO_PORTS, HR_IO_PERMIT, &r);
    if (rc != rcOk)
        return rc;
    struct io_access *a = NULL;
    rc = kobj_new(sizeof *a, &access_ops, &c->proc->kmem, (void **)&a);
    if (rc == rcOk)
        rc = ioperm_grant(c->proc, &a->permit, (uint32_t)r->claim.base, (uint32_t)r->claim.size);
    if (rc != rcOk) {
        if (a)
            kobj_unref(&a->obj); /* res is NULL: only its memory goes */
        resource_release(r);
        return rc;
    }
    process_hold_memory(c->proc);
    a->proc = c->proc;
    a->res = r;
    rc = core_install(c, a, HR_NONE, &access->handle, &access->rights);
    kobj_unref(&a->obj); /* the handle holds its own; on failure this closes the ports */
    return rc;
}

Retcode core_io_permit_port(void *ctx, idl_handle_t resource, idl_handle_t *access,
                            kl_core_Types_Retcode *rc)
{
    access->handle = HANDLE_INVALID;
    access->rights = 0;
    *rc = permit_port(ctx, resource.handle, access);
    return rcOk;
}

/* A registered range of PCI function *(uint16_t *)arg. Reads fixed fields only: a claim's bdf is
 * set when the object is made, before any handle to it exists. */
static bool is_range_of(const struct kobj *obj, void *arg)
{
    enum kobj_type t = kobj_type(obj);
    if (t != KOBJ_IO_PORTS && t != KOBJ_IO_MMIO)
        return false;
    return ((const struct io_resource *)obj)->claim.bdf == *(const uint16_t *)arg;
}

bool core_io_holds_device(struct process *p, uint16_t bdf)
{
    return handle_table_any(&p->handles, is_range_of, &bdf);
}
