/*
 * Flags of kl.core.VMM Allocate/Protect, as userland passes them. The kl.core IDL leaves the
 * values to the kernel (kern/uapi/bastion/vmm.h): READ 1, WRITE 2, EXECUTE 4 (never with
 * WRITE: rcWxViolation), COMMIT 0x100 (back with RAM at once; without it Allocate only
 * reserves, and VMM.Commit backs pages later). They live only here in userland.
 */
#ifndef USER_VMM_H
#define USER_VMM_H

#define VMM_FLAG_READ 0x1u
#define VMM_FLAG_WRITE 0x2u
#define VMM_FLAG_EXECUTE 0x4u
#define VMM_FLAG_RESERVE 0x0u   /* (no COMMIT) reserve address space only: Commit backs it later */
#define VMM_FLAG_COMMIT 0x100u  /* reserve and back with RAM at once */

#define USER_PAGE_SIZE 4096u

#endif
