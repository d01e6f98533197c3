/*
 * Flags of kl.core.VMM Allocate/Protect, as userland passes them. The kl.core IDL leaves the
 * values to the kernel; these are the ones proposed to H10 (/work/plan/requests-h10.md) and
 * live only here, so switching to a kernel uapi header is a one-file change.
 */
#ifndef USER_VMM_H
#define USER_VMM_H

#define VMM_FLAG_READ 0x1u
#define VMM_FLAG_WRITE 0x2u
#define VMM_FLAG_EXECUTE 0x4u
#define VMM_FLAG_RESERVE 0x100u /* reserve address space only: Commit backs it later */
#define VMM_FLAG_COMMIT 0x200u  /* reserve and back with RAM at once */

#define USER_PAGE_SIZE 4096u

#endif
