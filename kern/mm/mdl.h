/*
 * MDL buffers (KOBJ_MEMORY): zeroed physical frames that several address spaces can map.
 *
 * An MDL owns its frames from creation to destruction. They are allocated eagerly by mdl_create
 * (never on demand: every mapping of an MDL sees the same frames from the first access on) and
 * freed only by the object's destroy, i.e. when the last reference goes. References are held by
 * handles and by mappings: each region made by aspace_map_shared() holds one until it is freed
 * or its address space is destroyed, so unmapping in one process or one process's exit never
 * takes frames from under another (the PTEs of a mapping carry PTE_NOT_OWNED: "frame not owned by
 * this address space", which unmap and teardown skip).
 *
 * Charging: the frames are charged to the creator's RAM account (as committed pages are) and
 * the object with its frame array to the creator's kernel-memory account, both for the object's
 * whole life, whoever holds it by then.
 *
 * Clones (MdlClone): an MDL over a page range of another one's frames. A clone owns no frames
 * and no RAM charge; it holds a reference on the *root* buffer (the one that owns the frames,
 * never another clone, so that destroy never recurses more than one level), and its frame array
 * is a window into the root's.
 *
 * Blank buffers (TEEVMM.MdlAllocate, docs/tee.md): an MDL of a fixed capacity that owns no
 * frames and starts with none; the TEE partition appends frames another process shared with it
 * (mdl_blank_append). All come from one lending buffer, on which it holds one reference (in
 * `root`, as a clone does), so the frames live as long as it does; its frame array is its own.
 * Only the frames added so far count: mdl_size() is their bytes, so a mapping, a clone or a
 * load can never reach a slot not yet filled.
 *
 * Protection: an MDL has a maximum protection (READ and/or WRITE) fixed at creation. Its frames
 * may be writable through some mapping in some process, so no mapping is ever executable (W^X
 * across address spaces): EXECUTE is refused at creation (rcWxViolation).
 */
#ifndef BASTION_MM_MDL_H
#define BASTION_MM_MDL_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/rights.h>
#include <bastion/vmm.h>

#include "obj/kobj.h"

/* Largest MDL: 64 MiB (16384 frames; the frame array is then 128 KiB of kernel memory). */
#define MDL_SIZE_MAX (64ull * 1024 * 1024)

struct mdl {
    struct kobj obj; /* first: KOBJ_MEMORY */
    uint64_t npages;
    uint32_t prot;            /* maximum protection of a mapping: BASTION_VMM_READ/WRITE */
    uint64_t *frames;         /* npages physical addresses, charged to obj's account;
                                 * a clone: a window into its root's array, not its own */
    struct kmem_account *ram; /* the frames' charge; one account reference held; NULL for
                                 * a clone */
    struct mdl *root;         /* a clone: the buffer that owns the frames (one reference
                                 * held); NULL for a buffer that owns its frames; a blank
                                 * buffer: its lender once it has a frame, else NULL */
    uint64_t filled;          /* frames set: npages, but for a blank buffer the frames added
                                 * so far (written with release order after the slots) */
    bool blank;               /* a blank buffer: frames borrowed, frame array its own */
};

/*
 * A new MDL of size bytes (rounded up to pages), zeroed, with maximum protection prot, one
 * reference (the caller's). Errors: rcInvalidArgument (size 0, prot 0 or unknown bits),
 * rcWxViolation (prot has EXECUTE), rcOutOfRange (size > MDL_SIZE_MAX), rcQuotaExceeded (the
 * RAM or kernel-memory account's limit), rcOutOfMemory (no frames). Nothing is left charged or
 * allocated on failure.
 */
Retcode mdl_create(uint64_t size, uint32_t prot, struct kmem_account *kmem,
                   struct kmem_account *ram, struct mdl **out);

/*
 * A clone of pages [offset, offset + length) of m (itself a buffer or a clone), with m's
 * protection, one reference (the caller's); charged to `kmem` (the object only). Errors:
 * rcInvalidArgument (length 0), rcAlignment (offset or length not page-aligned), rcOutOfRange
 * (past m's end), rcQuotaExceeded, rcOutOfMemory, rcOverflow (m's reference count).
 */
Retcode mdl_clone(struct mdl *m, uint64_t offset, uint64_t length, struct kmem_account *kmem,
                  struct mdl **out);

/*
 * A blank buffer of size bytes (rounded up to pages) with maximum protection prot and no frame,
 * one reference (the caller's); the object and its frame array are charged to kmem, no RAM (its
 * frames will be another's). Errors as mdl_create's, with rcOutOfRange past max_size.
 */
Retcode mdl_create_blank(uint64_t size, uint32_t prot, uint64_t max_size, struct kmem_account *kmem,
                         struct mdl **out);

/*
 * Appends n frames (physical addresses pas[0..n), frames of `lender`, which the caller checked)
 * to blank m. The first append takes a reference on lender (a frame-owning buffer, never a
 * clone); later ones must name the same lender. The caller serializes appends to one buffer.
 * Errors: rcInvalidArgument (m not blank, another lender, n 0), rcOutOfRange (past m's
 * capacity), rcOverflow (lender's reference count); nothing changes on failure.
 */
Retcode mdl_blank_append(struct mdl *m, struct mdl *lender, const uint64_t *pas, uint64_t n);

/* Bytes of the frames the buffer holds: its size, or for a blank buffer the frames added so far
 * (what mappings, clones and loads are bounded by). */
/* The rights of a new buffer's handle: map it and read it, and write it when prot has WRITE. */
static inline uint32_t mdl_handle_rights(uint32_t prot)
{
    return HR_BASIC | HR_MEMORY_MAP | HR_READ | ((prot & BASTION_VMM_WRITE) ? HR_WRITE : 0);
}

static inline uint64_t mdl_size(const struct mdl *m)
{
    return __atomic_load_n(&m->filled, __ATOMIC_ACQUIRE) * 4096u;
}

#endif
