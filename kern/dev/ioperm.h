/*
 * Per-process I/O permission: which ports a process's threads may use with IN/OUT in user mode
 * (kl.core.IO.PermitPort), and the x86 mechanism that enforces it, the TSS I/O bitmap.
 *
 * A process that was never permitted a port has no bitmap, and its threads run with the TSS
 * selecting none (every port access is #GP, and the process is killed: arch usermode.c names
 * the port instruction). A process's first permit allocates its bitmap (8 KiB, charged to its
 * kernel memory); each permit (struct io_permit, embedded in the access object PermitPort hands
 * out) adds its ports, and the permit's end (closing that handle, or the process ending)
 * removes them unless another permit of the process covers them too.
 *
 * On a context switch the scheduler calls ioperm_switch(): for a thread of a process without
 * ports it only deselects the bitmap (one store when it was selected); for a process with ports
 * it copies the bitmap into this CPU's TSS only when the CPU does not hold that very version
 * already (a version number unique for the kernel's lifetime, so a freed bitmap's copy is
 * never mistaken for a new one). A change takes effect at once on the CPU that made it and at
 * the next switch on the others.
 */
#ifndef BASTION_DEV_IOPERM_H
#define BASTION_DEV_IOPERM_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stdint.h>

struct process;
struct io_bitmap;

/* One PermitPort's ports, on its process's list (io_perm_lock). */
struct io_permit {
    struct io_permit *next;
    uint32_t base, size;
    bool active;
};

/* Allows [base, base + size) to p's threads (base + size <= 0x10000). rcQuotaExceeded /
 * rcOutOfMemory for the first permit's bitmap; rcInvalidArgument for an empty or bad range.
 * Takes effect on the calling CPU at once when p is the running process. */
Retcode ioperm_grant(struct process *p, struct io_permit *perm, uint32_t base, uint32_t size);

/* Removes one permit (no-op if not active): its ports are denied again unless another permit
 * of p covers them. Any context that may take a leaf lock (object destroy hooks). */
void ioperm_revoke(struct process *p, struct io_permit *perm);

/* Frees p's bitmap at teardown, once no thread of p runs and its handles are closed. */
void ioperm_process_free(struct process *p);

/* The scheduler's hook on every switch to a thread of `next` (NULL: a kernel thread). */
void ioperm_switch(struct process *next);

#endif
