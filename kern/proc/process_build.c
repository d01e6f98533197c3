/* Building an empty process by hand (contract in process_build.h). */
#include "proc/process_build.h"

#include <bastion/vmm.h>

#include "lib/random.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/mdl.h"
#include "mm/paging.h"
#include "mm/slab.h"
#include "proc/loader.h"
#include "proc/process.h"

#define PAGE 4096ull
#define ELF_HDR_SIZE 64u
#define ELF_SYM_SIZE 24u

Retcode process_build_begin(struct process *p)
{
    spin_lock(&p->lock);
    Retcode rc = rcOk;
    if (!p->empty)
        rc = rcNotEmptyTask;
    else if (p->state != PROC_CREATED)
        rc = rcResourceBusy;
    else
        __atomic_add_fetch(&p->building, 1, __ATOMIC_ACQUIRE);
    spin_unlock(&p->lock);
    return rc;
}

void process_build_end(struct process *p)
{
    __atomic_sub_fetch(&p->building, 1, __ATOMIC_RELEASE);
}

/* The next placement choice: from the ReseedAslr seed (splitmix64) or the kernel's source.
 * Build calls of one process may run on several threads of its creator: p->lock. */
static uint64_t build_random(struct process *p)
{
    spin_lock(&p->lock);
    bool seeded = p->aslr_seeded;
    uint64_t z = 0;
    if (seeded) {
        z = (p->aslr_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
    }
    spin_unlock(&p->lock);
    return seeded ? z : random_u64();
}

static void widen_span(struct process *p, uint64_t lo, uint64_t hi)
{
    spin_lock(&p->lock);
    if (p->build_hi == 0 || lo < p->build_lo)
        p->build_lo = lo;
    if (hi > p->build_hi)
        p->build_hi = hi;
    spin_unlock(&p->lock);
}

Retcode process_build_reserve(struct process *p, uint64_t addr, uint64_t size, uint32_t flags,
                              uint64_t *out)
{
    *out = 0;
    if (flags != 0 || size == 0 || size > LOADER_IMAGE_HI - LOADER_IMAGE_LO)
        return rcInvalidArgument;
    if (addr & (PAGE - 1))
        return rcAlignment;
    size = (size + PAGE - 1) & ~(PAGE - 1);
    Retcode rc;
    uint64_t base = 0;
    if (addr != 0) {
        if (addr < PROCESS_BUILD_LO || addr > LOADER_IMAGE_HI || size > LOADER_IMAGE_HI - addr)
            return rcOutOfRange;
        rc = aspace_reserve(p->as, addr, size, 0, &base);
    } else {
        /* A random page of the image window; a few tries, then the lowest free range there. */
        uint64_t slots = (LOADER_IMAGE_HI - LOADER_IMAGE_LO - size) / PAGE + 1;
        rc = rcAlreadyExists;
        for (int i = 0; i < 8 && rc == rcAlreadyExists; i++)
            rc = aspace_reserve(p->as, LOADER_IMAGE_LO + (build_random(p) % slots) * PAGE, size, 0,
                                &base);
        if (rc == rcAlreadyExists) {
            rc = aspace_reserve(p->as, 0, size, 0, &base);
            if (rc == rcOk && (base < PROCESS_BUILD_LO || base + size > LOADER_IMAGE_HI)) {
                (void)aspace_free(p->as, base, size);
                rc = rcOutOfRange;
            }
        }
    }
    if (rc != rcOk)
        return rc;
    widen_span(p, base, base + size);
    *out = base;
    return rcOk;
}

Retcode process_build_free(struct process *p, uint64_t addr, uint64_t size)
{
    if (size == 0)
        return rcInvalidArgument;
    if ((addr | size) & (PAGE - 1))
        return rcAlignment;
    if (addr < PROCESS_BUILD_LO || addr > LOADER_IMAGE_HI || size > LOADER_IMAGE_HI - addr)
        return rcOutOfRange;
    return aspace_free(p->as, addr, size);
}

/* Every page of [start, end) lies in a reservation no segment was loaded into yet. */
static Retcode all_reserved(struct aspace *as, uint64_t start, uint64_t end)
{
    for (uint64_t va = start; va < end;) {
        struct aspace_info info;
        Retcode rc = aspace_query(as, va, &info);
        if (rc != rcOk || info.state == VR_FREE)
            return rcNotFound;
        if (info.state != VR_RESERVED)
            return rcAlreadyExists;
        if (info.base + info.size <= va)
            return rcNotFound; /* a query that does not move on: never loop */
        va = info.base + info.size;
    }
    return rcOk;
}

/* Copies len bytes at offset `off` of m into p's memory at va, page piece by page piece
 * through the direct map (the frames are m's, held by the caller's reference). */
static Retcode copy_from_mdl(struct aspace *as, uint64_t va, const struct mdl *m, uint64_t off,
                             uint64_t len)
{
    while (len > 0) {
        uint64_t in_page = off & (PAGE - 1);
        uint64_t n = PAGE - in_page;
        if (n > len)
            n = len;
        const uint8_t *src = phys_to_virt(m->frames[off / PAGE]);
        Retcode rc = aspace_write(as, va, src + in_page, n);
        if (rc != rcOk)
            return rc;
        va += n;
        off += n;
        len -= n;
    }
    return rcOk;
}

static uint32_t seg_prot(uint32_t flags)
{
    return ((flags & PROCESS_SEG_R) ? BASTION_VMM_READ : 0) |
           ((flags & PROCESS_SEG_W) ? BASTION_VMM_WRITE : 0) |
           ((flags & PROCESS_SEG_X) ? BASTION_VMM_EXECUTE : 0);
}

Retcode process_build_load(struct process *p, struct mdl *m, const struct process_segment *seg,
                           uint64_t *base)
{
    *base = 0;
    if (seg->mem_size == 0 || seg->file_size > seg->mem_size ||
        (seg->flags & ~(PROCESS_SEG_R | PROCESS_SEG_W | PROCESS_SEG_X)))
        return rcInvalidArgument;
    if ((seg->flags & PROCESS_SEG_W) && (seg->flags & PROCESS_SEG_X))
        return rcWxViolation;
    uint64_t end = seg->vaddr + seg->mem_size, fend = seg->file_offset + seg->file_size;
    if (end < seg->vaddr || end > ASPACE_USER_HI || fend < seg->file_offset)
        return rcOverflow;
    if (fend > mdl_size(m))
        return rcOutOfRange;
    uint64_t start = seg->vaddr & ~(PAGE - 1);
    uint64_t map_end = (end + PAGE - 1) & ~(PAGE - 1);
    Retcode rc = all_reserved(p->as, start, map_end);
    if (rc != rcOk)
        return rc;
    rc = aspace_commit(p->as, start, map_end - start);
    if (rc != rcOk)
        return rc;
    rc = copy_from_mdl(p->as, seg->vaddr, m, seg->file_offset, seg->file_size);
    if (rc == rcOk)
        rc = aspace_protect(p->as, start, map_end - start, seg_prot(seg->flags));
    if (rc == rcOk)
        rc = aspace_seal(p->as, start, map_end - start);
    if (rc != rcOk) {
        (void)aspace_protect(p->as, start, map_end - start, 0);
        (void)aspace_decommit(p->as, start, map_end - start);
        return rc;
    }
    *base = start;
    return rcOk;
}

Retcode process_build_set_header(struct process *p, const uint8_t *hdr, size_t len)
{
    if (len != ELF_HDR_SIZE)
        return rcInvalidArgument;
    /* \x7fELF, ELFCLASS64, ELFDATA2LSB, EM_X86_64 (62). */
    if (hdr[0] != 0x7f || hdr[1] != 'E' || hdr[2] != 'L' || hdr[3] != 'F' || hdr[4] != 2 ||
        hdr[5] != 1 || hdr[18] != 62 || hdr[19] != 0)
        return rcBadFormat;
    Retcode rc;
    uint8_t *copy = kmalloc_charged(ELF_HDR_SIZE, &p->kmem, &rc);
    if (copy == NULL)
        return rc;
    memcpy(copy, hdr, ELF_HDR_SIZE);
    spin_lock(&p->lock);
    uint8_t *old = p->elf_hdr;
    p->elf_hdr = copy;
    spin_unlock(&p->lock);
    kfree_charged(old, &p->kmem);
    return rcOk;
}

/* One table of LoadElfSyms: read-only, its size within the segment's memory. */
static Retcode check_table(const struct process_segment *s, uint64_t size)
{
    if (s->flags & (PROCESS_SEG_W | PROCESS_SEG_X))
        return rcWxViolation;
    if (!(s->flags & PROCESS_SEG_R))
        return rcInvalidArgument;
    if (size == 0 || size > s->mem_size)
        return rcOutOfRange;
    return rcOk;
}

Retcode process_build_load_syms(struct process *p, struct mdl *sym_mdl,
                                const struct process_segment *sym, uint64_t sym_size,
                                struct mdl *str_mdl, const struct process_segment *str,
                                uint64_t str_size)
{
    Retcode rc = check_table(sym, sym_size);
    if (rc == rcOk)
        rc = check_table(str, str_size);
    if (rc == rcOk && sym_size % ELF_SYM_SIZE != 0)
        rc = rcBadFormat;
    if (rc != rcOk)
        return rc;
    uint64_t b1, b2;
    rc = process_build_load(p, sym_mdl, sym, &b1);
    if (rc != rcOk)
        return rc;
    rc = process_build_load(p, str_mdl, str, &b2);
    if (rc != rcOk) {
        /* Back to a bare reservation: the table's pages are sealed read-only now, so free
         * and reserve them again rather than protect them. */
        uint64_t end = (sym->vaddr + sym->mem_size + PAGE - 1) & ~(PAGE - 1), got;
        (void)aspace_free(p->as, b1, end - b1);
        (void)aspace_reserve(p->as, b1, end - b1, 0, &got);
        return rc;
    }
    spin_lock(&p->lock);
    p->syms_va = sym->vaddr;
    p->syms_size = sym_size;
    p->strs_va = str->vaddr;
    p->strs_size = str_size;
    spin_unlock(&p->lock);
    return rcOk;
}

Retcode process_build_set_entry(struct process *p, uint64_t entry, uint64_t load_offset)
{
    if (load_offset & (PAGE - 1))
        return rcAlignment;
    struct aspace_info info;
    if (aspace_query(p->as, entry, &info) != rcOk || info.state != VR_COMMITTED ||
        !(info.prot & BASTION_VMM_EXECUTE))
        return rcOutOfRange;
    spin_lock(&p->lock);
    p->entry = entry;
    p->image_base = load_offset;
    p->entry_set = true;
    spin_unlock(&p->lock);
    return rcOk;
}

Retcode process_build_reseed(struct process *p, const uint8_t *seed, size_t len)
{
    if (len == 0 || len > 64)
        return rcInvalidArgument;
    /* FNV-1a over the seed: any length, every byte counts. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ seed[i]) * 0x100000001b3ull;
    spin_lock(&p->lock);
    p->aslr_state = h;
    p->aslr_seeded = true;
    spin_unlock(&p->lock);
    return rcOk;
}

Retcode process_build_finish(struct process *p)
{
    if (!p->entry_set)
        return rcNoEntryPoint;
    return loader_place_stack(p, p->want_stack, p->build_lo, p->build_hi, build_random(p));
}
