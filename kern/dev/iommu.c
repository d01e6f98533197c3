/*
 * IOMMU domains, device attachment and fault reporting (iommu.h).
 */
#include "dev/iommu.h"

#include <bastion/ksm_proto.h>

#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/spinlock.h"
#include "boot/params.h"
#include "dev/iommu_pt.h"
#include "dev/resource.h"
#include "dev/vtd.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "obj/account.h"
#include "obj/kobj.h"
#include "proc/process.h"
#include "security/kss.h"

#define IOVA_PAGES (IOMMU_IOVA_SPAN / 4096u)

struct iommu_domain {
    bool used;
    uint16_t did;
    uint32_t refs;               /* the owner's (until it exits) + one per mapping */
    const struct process *owner; /* NULL once it exited; compared, never dereferenced */
    uint32_t owner_pid;          /* for fault records */
    char owner_name[24];
    kobj_sid_t owner_sid;
    struct kmem_account *ram; /* the table pages' charge; one account reference */
    struct iommu_pt pt;
    uint64_t iova_used[IOVA_PAGES / 64]; /* one bit per page of the window */
};

struct attachment {
    bool used;
    uint16_t bdf;
    struct iommu_domain *domain;
};

static struct spinlock iommu_lock = SPINLOCK_INIT(LOCK_LEVEL_IOMMU);
static struct iommu_domain domains[IOMMU_MAX_DOMAINS]; /* iommu_lock */
static struct attachment attached[IOMMU_MAX_ATTACHED]; /* iommu_lock */
static bool present, unprotected;

bool iommu_present(void)
{
    return present;
}

bool iommu_dma_allowed(void)
{
    return present || unprotected;
}

/* ---- page-table pages: pmm, charged to the domain owner's RAM account ------------------- */

static uint64_t pt_alloc(void *ctx)
{
    struct iommu_domain *d = ctx;
    if (kmem_charge(d->ram, 4096) != rcOk)
        return 0;
    uint64_t pa = pmm_alloc_zeroed(0);
    if (pa == 0)
        kmem_uncharge(d->ram, 4096);
    else
        vtd_flush_cpu(phys_to_virt(pa), 4096);
    return pa;
}

static void pt_free(void *ctx, uint64_t pa)
{
    struct iommu_domain *d = ctx;
    pmm_free(pa, 0);
    kmem_uncharge(d->ram, 4096);
}

static uint64_t *pt_table(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa);
}

static void pt_flush(void *ctx, const void *p, size_t len)
{
    (void)ctx;
    vtd_flush_cpu(p, len);
}

static const struct iommu_pt_ops pt_ops = {pt_alloc, pt_free, pt_table, pt_flush};

/* ---- domains -------------------------------------------------------------------------- */

/* iommu_lock held. The last reference: tables freed; the account is returned to the caller
 * to put once the lock is dropped (its release may free the process). */
static struct kmem_account *domain_unref_locked(struct iommu_domain *d)
{
    spin_assert_held(&iommu_lock);
    if (--d->refs != 0)
        return NULL;
    vtd_flush_domain(d->did);
    iommu_pt_destroy(&d->pt);
    struct kmem_account *acct = d->ram;
    d->used = false;
    d->ram = NULL;
    return acct;
}

static struct iommu_domain *domain_of_locked(const void *p)
{
    for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++)
        if (domains[i].used && domains[i].owner == p)
            return &domains[i];
    return NULL;
}

Retcode iommu_domain_get_for(const void *owner, struct kmem_account *ram, const char *name,
                             uint32_t pid, kobj_sid_t sid, struct iommu_domain **out)
{
    if (!present)
        return rcNoHardware;
    /* The account reference is taken before the lock and, when no domain was made, put after
     * it (a put may free the process). */
    Retcode rc = kmem_account_get(ram);
    if (rc != rcOk)
        return rc;
    bool used_acct = false;
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    struct iommu_domain *d = domain_of_locked(owner);
    if (d == NULL) {
        /* Domain id = slot + 1 (0 is reserved), bounded by what every unit supports. */
        rc = rcOutOfRange;
        for (unsigned i = 0; i < IOMMU_MAX_DOMAINS && i + 1 < vtd_domain_ids(); i++) {
            if (domains[i].used)
                continue;
            d = &domains[i];
            memset(d, 0, sizeof *d);
            d->did = (uint16_t)(i + 1);
            d->ram = ram;
            rc = iommu_pt_init(&d->pt, vtd_levels(), &pt_ops, d);
            if (rc != rcOk) {
                d = NULL;
                break;
            }
            d->used = true;
            d->refs = 1; /* the owner's */
            d->owner = owner;
            d->owner_pid = pid;
            ksnprintf(d->owner_name, sizeof d->owner_name, "%s", name);
            d->owner_sid = sid;
            used_acct = true;
            break;
        }
    }
    if (d != NULL) {
        d->refs++;
        *out = d;
        rc = rcOk;
    }
    spin_unlock_irqrestore(&iommu_lock, fl);
    if (!used_acct)
        kmem_account_put(ram);
    return rc;
}

Retcode iommu_domain_get(struct process *p, struct iommu_domain **out)
{
    return iommu_domain_get_for(p, &p->ram, p->name, p->pid, kobj_sid(&p->obj), out);
}

void iommu_domain_put(struct iommu_domain *d)
{
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    struct kmem_account *acct = domain_unref_locked(d);
    spin_unlock_irqrestore(&iommu_lock, fl);
    if (acct != NULL)
        kmem_account_put(acct);
}

/* ---- devices -------------------------------------------------------------------------- */

static struct attachment *attachment_locked(uint16_t bdf)
{
    for (unsigned i = 0; i < IOMMU_MAX_ATTACHED; i++)
        if (attached[i].used && attached[i].bdf == bdf)
            return &attached[i];
    return NULL;
}

Retcode iommu_attach_domain(struct iommu_domain *d, uint16_t bdf)
{
    Retcode rc;
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    struct attachment *a = attachment_locked(bdf);
    if (a != NULL) {
        rc = a->domain == d ? rcAlreadyExists : rcResourceBusy;
    } else {
        rc = rcOutOfRange;
        for (unsigned i = 0; i < IOMMU_MAX_ATTACHED; i++)
            if (!attached[i].used) {
                a = &attached[i];
                break;
            }
        if (a != NULL)
            rc = vtd_set_context(bdf, d->pt.root_pa, d->did);
        if (rc == rcOk) {
            a->used = true;
            a->bdf = bdf;
            a->domain = d;
        }
    }
    spin_unlock_irqrestore(&iommu_lock, fl);
    return rc;
}

Retcode iommu_attach(struct process *p, uint16_t bdf)
{
    struct iommu_domain *d = NULL;
    Retcode rc = iommu_domain_get(p, &d);
    if (rc != rcOk)
        return rc;
    rc = iommu_attach_domain(d, bdf);
    iommu_domain_put(d); /* the process keeps its own reference */
    return rc;
}

/* iommu_lock held: blocks the device again. */
static void detach_locked(struct attachment *a)
{
    (void)vtd_set_context(a->bdf, 0, 0);
    a->used = false;
    a->domain = NULL;
}

Retcode iommu_detach(const void *p, uint16_t bdf)
{
    if (!present)
        return rcNoHardware;
    Retcode rc = rcNotFound;
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    struct attachment *a = attachment_locked(bdf);
    if (a != NULL && a->domain->owner == p) {
        detach_locked(a);
        rc = rcOk;
    }
    spin_unlock_irqrestore(&iommu_lock, fl);
    return rc;
}

bool iommu_attached_to(uint16_t bdf, const void *p)
{
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    struct attachment *a = attachment_locked(bdf);
    bool yes = a != NULL && a->domain->owner == p;
    spin_unlock_irqrestore(&iommu_lock, fl);
    return yes;
}

bool iommu_device_attached(uint16_t bdf)
{
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    bool yes = attachment_locked(bdf) != NULL;
    spin_unlock_irqrestore(&iommu_lock, fl);
    return yes;
}

void iommu_process_exit(const void *p)
{
    if (!present)
        return;
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    struct iommu_domain *d = domain_of_locked(p);
    struct kmem_account *acct = NULL;
    if (d != NULL) {
        for (unsigned i = 0; i < IOMMU_MAX_ATTACHED; i++)
            if (attached[i].used && attached[i].domain == d)
                detach_locked(&attached[i]);
        d->owner = NULL;
        acct = domain_unref_locked(d);
    }
    spin_unlock_irqrestore(&iommu_lock, fl);
    if (acct != NULL)
        kmem_account_put(acct);
}

/* ---- device addresses ----------------------------------------------------------------- */

static bool iova_bit(const struct iommu_domain *d, uint64_t i)
{
    return (d->iova_used[i / 64] >> (i % 64)) & 1u;
}

static void iova_set(struct iommu_domain *d, uint64_t first, uint64_t n, bool used)
{
    for (uint64_t i = first; i < first + n; i++) {
        if (used)
            d->iova_used[i / 64] |= 1ull << (i % 64);
        else
            d->iova_used[i / 64] &= ~(1ull << (i % 64));
    }
}

/* Lowest free run of n pages in the window; IOVA_PAGES when there is none. */
static uint64_t iova_find(const struct iommu_domain *d, uint64_t n)
{
    uint64_t run = 0;
    for (uint64_t i = 0; i < IOVA_PAGES; i++) {
        run = iova_bit(d, i) ? 0 : run + 1;
        if (run == n)
            return i + 1 - n;
    }
    return IOVA_PAGES;
}

Retcode iommu_map(struct iommu_domain *d, const uint64_t *frames, uint64_t npages, bool read,
                  bool write, uint64_t *iova)
{
    if (npages == 0 || npages > IOVA_PAGES)
        return rcOutOfRange;
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    uint64_t first = iova_find(d, npages);
    Retcode rc = first == IOVA_PAGES ? rcOutOfRange : rcOk;
    uint64_t done = 0;
    uint64_t base = IOMMU_IOVA_BASE + first * 4096u;
    for (; rc == rcOk && done < npages; done++) {
        rc = iommu_pt_map(&d->pt, base + done * 4096u, frames[done], read, write);
        if (rc != rcOk)
            break;
    }
    if (rc == rcOk) {
        iova_set(d, first, npages, true);
        if (vtd_caching_mode())
            vtd_flush_domain(d->did);
        *iova = base;
    } else {
        for (uint64_t i = 0; i < done; i++)
            (void)iommu_pt_unmap(&d->pt, base + i * 4096u, NULL);
        if (done != 0)
            vtd_flush_domain(d->did);
    }
    spin_unlock_irqrestore(&iommu_lock, fl);
    return rc;
}

void iommu_unmap(struct iommu_domain *d, uint64_t iova, uint64_t npages)
{
    uint64_t fl = spin_lock_irqsave(&iommu_lock);
    for (uint64_t i = 0; i < npages; i++)
        (void)iommu_pt_unmap(&d->pt, iova + i * 4096u, NULL);
    /* The frames may be freed as soon as this returns: no device may still translate them. */
    vtd_flush_domain(d->did);
    iova_set(d, (iova - IOMMU_IOVA_BASE) / 4096u, npages, false);
    spin_unlock_irqrestore(&iommu_lock, fl);
}

/* ---- faults --------------------------------------------------------------------------- */

#define FAULT_BATCH 8

struct fault_owner {
    bool known;
    uint32_t pid;
    kobj_sid_t sid;
    char name[24];
};

static void fault_irq(struct trap_frame *frame)
{
    (void)frame;
    struct vtd_fault f[FAULT_BATCH];
    struct fault_owner who[FAULT_BATCH];
    bool overflow = false;
    unsigned n;
    do {
        spin_lock(&iommu_lock);
        n = vtd_fault_collect(f, FAULT_BATCH, &overflow);
        for (unsigned i = 0; i < n; i++) {
            struct attachment *a = attachment_locked(f[i].source_id);
            who[i].known = a != NULL && a->domain->owner != NULL;
            if (who[i].known) {
                who[i].pid = a->domain->owner_pid;
                who[i].sid = a->domain->owner_sid;
                ksnprintf(who[i].name, sizeof who[i].name, "%s", a->domain->owner_name);
            }
        }
        spin_unlock(&iommu_lock);
        for (unsigned i = 0; i < n; i++) {
            struct kss_record r;
            memset(&r, 0, sizeof r);
            r.src_sid = who[i].known ? who[i].sid : KOBJ_SID_KERNEL;
            r.dst_sid = KOBJ_SID_KERNEL;
            r.event = KSM_EV_REQUEST;
            r.granted = 0;
            r.rc = rcAccessDenied;
            uint16_t s = f[i].source_id;
            char owner[48];
            if (who[i].known)
                ksnprintf(owner, sizeof owner, "%s pid %u", who[i].name, who[i].pid);
            else
                ksnprintf(owner, sizeof owner, "no domain");
            ksnprintf(r.text, sizeof r.text,
                      "iommu fault: device %02x:%02x.%u owner %s: DMA %s at 0x%lx blocked (%s)",
                      s >> 8, (s >> 3) & 0x1Fu, s & 7u, owner, f[i].read ? "read" : "write",
                      (unsigned long)f[i].addr, vtd_fault_reason_text(f[i].reason));
            kss_write(&r);
        }
    } while (n == FAULT_BATCH);
    if (overflow)
        kprintf("iommu: fault records overflowed: some faults were not recorded\n");
    lapic_eoi();
}

void iommu_init(void)
{
    const char *u = kparam_get("dma.unprotected");
    unprotected = u != NULL;
    present = vtd_init();
    /* Whoever maps a unit's registers can turn translation off: they are the kernel's, never
     * a driver's to register (they lie outside every BAR too: dev/io_range.h). */
    uint64_t base, size;
    for (unsigned i = 0; vtd_unit_regs(i, &base, &size); i++)
        if (io_reserve_kernel(IO_KIND_MMIO, base, size, "VT-d remapping unit") != rcOk)
            kprintf("iommu: unit %u's registers not in the kernel's range list\n", i);
    if (present) {
        idt_set_irq_handler(IOMMU_FAULT_VECTOR, fault_irq);
        vtd_fault_irq_setup(lapic_id(), IOMMU_FAULT_VECTOR);
        kprintf("iommu: DMA confined to per-process domains; faults go to kss\n");
        unprotected = false;
    } else if (unprotected) {
        kprintf("iommu: WARNING: no IOMMU and dma.unprotected given: DMA buffers are served "
                "and a device can reach ANY memory\n");
    } else {
        kprintf("iommu: no IOMMU: DMA methods refused (rcNoHardware); boot with "
                "dma.unprotected to allow unprotected DMA\n");
    }
}
