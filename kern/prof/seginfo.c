/* The ELF segments registered for sample profiling (contract in seginfo.h). */
#include "prof/seginfo.h"

#include <bastion/profiler.h>

#include "arch/x86_64/spinlock.h"
#include "lib/string.h"
#include "mm/paging.h"
#include "mm/slab.h"
#include "proc/process.h"
#include "prof/sampling.h"

struct prof_segment {
    struct prof_segment *next;
    struct kmem_account *acct; /* the kernel memory of the process it describes */
    uint32_t pid;
    uint32_t flags;
    uint64_t addr, size, offset;
    uint64_t build_id; /* the first 8 bytes of the build ID, zero-padded */
};

static struct spinlock segs_lock = SPINLOCK_INIT(LOCK_LEVEL_PROF_SEGS);
static struct prof_segment *segs; /* segs_lock; every process's, newest first */

static void to_record(const struct prof_segment *s, struct bastion_prof_record *r)
{
    memset(r, 0, sizeof *r);
    r->kind = BASTION_PROF_SEGMENT;
    r->pid = s->pid;
    r->tid = s->flags;
    r->addr = s->addr;
    r->size = s->size;
    r->offset = s->offset;
    r->buildid = s->build_id;
}

Retcode seginfo_load(struct process *p, uint64_t addr, uint64_t size, uint64_t offset,
                     uint32_t flags, const uint8_t *build_id, size_t build_id_len)
{
    if (size == 0 || addr >= USER_TOP || size > USER_TOP - addr)
        return rcInvalidArgument;
    Retcode rc = rcOk;
    struct prof_segment *s = kmalloc_charged(sizeof *s, &p->kmem, &rc);
    if (s == NULL)
        return rc;
    s->acct = &p->kmem;
    s->pid = p->pid;
    s->flags = flags;
    s->addr = addr;
    s->size = size;
    s->offset = offset;
    s->build_id = 0;
    for (size_t i = 0; i < build_id_len && i < sizeof s->build_id; i++)
        s->build_id |= (uint64_t)build_id[i] << (8 * i);

    uint64_t fl = spin_lock_irqsave(&segs_lock);
    /* Teardown frees p's segments under this lock once p is EXITING (or unreferenced, when it
     * never ran: then nobody can call here): a segment added after that would never be freed. */
    enum process_state st = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
    if (st == PROC_EXITING || st == PROC_DEAD)
        rc = rcPeerClosed;
    unsigned n = 0;
    for (struct prof_segment *e = segs; e != NULL && rc == rcOk; e = e->next) {
        if (e->pid != p->pid)
            continue;
        if (e->addr == addr && e->size == size)
            rc = rcAlreadyExists;
        else if (++n >= BASTION_PROF_SEGMENTS_MAX)
            rc = rcSegInfoFull;
    }
    if (rc == rcOk) {
        s->next = segs;
        segs = s;
        struct bastion_prof_record r;
        to_record(s, &r);
        sampling_segment_added(&r);
    }
    spin_unlock_irqrestore(&segs_lock, fl);
    if (rc != rcOk)
        kfree_charged(s, &p->kmem);
    return rc;
}

Retcode seginfo_unload(struct process *p, uint64_t addr, uint64_t size)
{
    struct prof_segment *found = NULL;
    uint64_t fl = spin_lock_irqsave(&segs_lock);
    for (struct prof_segment **pp = &segs; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->pid == p->pid && (*pp)->addr == addr && (*pp)->size == size) {
            found = *pp;
            *pp = found->next;
            break;
        }
    spin_unlock_irqrestore(&segs_lock, fl);
    if (found == NULL)
        return rcNotFound;
    kfree_charged(found, found->acct);
    return rcOk;
}

void seginfo_emit(uint32_t pid, void (*emit)(const struct bastion_prof_record *r, void *arg),
                  void *arg)
{
    uint64_t fl = spin_lock_irqsave(&segs_lock);
    for (struct prof_segment *e = segs; e != NULL; e = e->next)
        if (e->pid == pid) {
            struct bastion_prof_record r;
            to_record(e, &r);
            emit(&r, arg);
        }
    spin_unlock_irqrestore(&segs_lock, fl);
}

void seginfo_process_exit(struct process *p)
{
    /* Unlinked under the lock, freed after it (the allocator's locks sit below this one). */
    struct prof_segment *gone = NULL;
    uint64_t fl = spin_lock_irqsave(&segs_lock);
    for (struct prof_segment **pp = &segs; *pp != NULL;) {
        struct prof_segment *e = *pp;
        if (e->pid == p->pid) {
            *pp = e->next;
            e->next = gone;
            gone = e;
        } else {
            pp = &e->next;
        }
    }
    spin_unlock_irqrestore(&segs_lock, fl);
    while (gone != NULL) {
        struct prof_segment *e = gone;
        gone = e->next;
        kfree_charged(e, e->acct);
    }
}
