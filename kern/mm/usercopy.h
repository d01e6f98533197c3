/*
 * Copying between the kernel and user memory. The only way kernel code touches user memory.
 *
 * A range must lie entirely in the user half ([ASPACE_USER_LO, ASPACE_USER_HI), checked before
 * any access, so a user pointer can never make the kernel read or write kernel memory). An
 * access to a page that is not committed or not permitted faults; the page-fault handler first
 * tries to back a committed page (demand fault), and otherwise resumes the copy at its fixup
 * label, so the call returns rcInvalidArgument instead of crashing. With SMAP the copy opens
 * the user window (stac) only around the copy instruction itself.
 *
 * Callable with interrupts on or off; with them off, a fault on a page that is committed but
 * not yet backed may fail (rcInvalidArgument) when the address space is busy.
 */
#ifndef BASTION_MM_USERCOPY_H
#define BASTION_MM_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

Retcode copy_from_user(void *dst, uint64_t usrc, size_t n);
Retcode copy_to_user(uint64_t udst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most cap - 1 characters plus the NUL; *len gets its
 * length. rcBufferTooSmall if no NUL within cap bytes. */
Retcode strncpy_from_user(char *dst, uint64_t usrc, size_t cap, size_t *len);

/* For the page-fault handler: is rip the copy instruction, and where to resume it. */
bool usercopy_is_fault_rip(uint64_t rip);
uint64_t usercopy_fixup_rip(void);

#endif
