/*
 * Building an empty process by hand: what kl.core.Task's VmReserve, VmFree, LoadSeg,
 * LoadElfHdr, LoadElfSyms, SetEntry and ReseedAslr do to a process created with an empty path
 * (docs/processes-and-threads.md, "Empty processes").
 *
 * Invariants:
 *   - Only an empty process that has not started is built: rcNotEmptyTask for a process the
 *     kernel loaded from a file (its image is the file's, sealed), rcResourceBusy once it was
 *     resumed. A build call in progress holds p->building; process_start waits for it after
 *     the state left CREATED, so no segment lands in a process that already runs.
 *   - Every region of an empty process before it starts is a VmReserve reservation, with no
 *     access (prot 0) until LoadSeg commits a part of it, fills it from the MDL buffer through
 *     the kernel's direct map, gives it the segment's protection and seals it: pages become
 *     executable only once their contents are final, are never writable and executable at
 *     once, and keep that protection for the life of the process (no VMM.Protect changes it).
 *     The MDL buffer's frames are copied, never mapped: an MDL may be writable elsewhere.
 *   - A page is loaded at most once (LoadSeg needs every page of its span still reserved).
 *   - The process's class, fixed at Task.Create, is what the execute check at Task.Resume
 *     decides on, whatever was loaded: building by hand gives no way around the policy's
 *     execute rules.
 *   - Everything is charged to the built process's own accounts (its region records to kmem,
 *     its pages to ram), themselves carved out of its creator's.
 */
#ifndef BASTION_PROC_PROCESS_BUILD_H
#define BASTION_PROC_PROCESS_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct process;
struct mdl;

/* ELF p_flags bits of a segment's protection (Task.SegmentAttr.flags). */
#define PROCESS_SEG_X 1u
#define PROCESS_SEG_W 2u
#define PROCESS_SEG_R 4u

/* A segment to load: the fields of kl.core.Task.SegmentAttr. vaddr is absolute (the load
 * offset already added). */
struct process_segment {
    uint64_t vaddr, mem_size, file_offset, file_size;
    uint32_t flags;
};

/* Where the creator may reserve an empty process's image: [lo, hi) of proc/loader.h. */
#define PROCESS_BUILD_LO 0x10000ull

/* Marks a build call in progress (p->building) if p is an empty process not yet started:
 * rcNotEmptyTask, rcResourceBusy otherwise. Every successful begin is paired with an end. */
Retcode process_build_begin(struct process *p);
void process_build_end(struct process *p);

/* VmReserve: size bytes (rounded up to pages) at addr (page aligned), or with addr 0 at a
 * random free place of the image window (from the ReseedAslr seed when one was given).
 * flags must be 0. rcInvalidArgument, rcAlignment, rcOutOfRange (outside the image window),
 * rcAlreadyExists (taken), rcQuotaExceeded (the process's kernel memory). */
Retcode process_build_reserve(struct process *p, uint64_t addr, uint64_t size, uint32_t flags,
                              uint64_t *out);
/* VmFree: releases [addr, addr + size) of its reservations (loaded segments included). */
Retcode process_build_free(struct process *p, uint64_t addr, uint64_t size);
/* LoadSeg: the segment's file bytes from m (read right checked by the caller) into fresh pages
 * of p. *base gets the first page's address. rcInvalidArgument (empty, file_size > mem_size,
 * unknown flag bits), rcWxViolation (W and X), rcOverflow, rcOutOfRange (past the buffer's
 * end), rcNotFound (a page not reserved), rcAlreadyExists (a page already loaded),
 * rcQuotaExceeded (the process's RAM). Nothing is left committed on failure. */
Retcode process_build_load(struct process *p, struct mdl *m, const struct process_segment *seg,
                           uint64_t *base);
/* LoadElfHdr: keeps a copy of the 64-byte ELF64 header (checked: magic, 64-bit, little-endian,
 * x86-64: rcBadFormat; another length: rcInvalidArgument). */
Retcode process_build_set_header(struct process *p, const uint8_t *hdr, size_t len);
/* LoadElfSyms: the two tables as read-only segments (flags R only, else rcWxViolation /
 * rcInvalidArgument), sizes within their segments (rcOutOfRange), the symbol table a whole
 * number of 24-byte entries (rcBadFormat). */
Retcode process_build_load_syms(struct process *p, struct mdl *sym_mdl,
                                const struct process_segment *sym, uint64_t sym_size,
                                struct mdl *str_mdl, const struct process_segment *str,
                                uint64_t str_size);
/* SetEntry: entry must lie in a loaded executable page (rcOutOfRange); the load offset page
 * aligned (rcAlignment). */
Retcode process_build_set_entry(struct process *p, uint64_t entry, uint64_t load_offset);
/* ReseedAslr: 1..64 bytes (rcInvalidArgument) seed p's placement choices: VmReserve at 0 and
 * the stack at Resume then follow from the seed alone. */
Retcode process_build_reseed(struct process *p, const uint8_t *seed, size_t len);
/* At Task.Resume (process_start): rcNoEntryPoint without SetEntry; else places the stack
 * (loader_place_stack) beside the reserved image. */
Retcode process_build_finish(struct process *p);

#endif
