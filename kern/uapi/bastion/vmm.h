/*
 * Flags of kl.core.VMM.Allocate and Protect (and the `flags` VMM.Query reports).
 * Bits 0-2 are the access rights of the pages; never WRITE and EXECUTE together
 * (rcWxViolation). Allocate also takes BASTION_VMM_COMMIT: commit (charge to the process's RAM
 * limit) the whole region at once; without it the region is only reserved and VMM.Commit
 * commits parts of it. Committed pages are backed by zeroed RAM at first touch.
 * Freestanding: shared by the kernel and user mode, and the only names of these bits (the
 * kernel's regions keep their protection in the same bits).
 */
#ifndef BASTION_VMM_H
#define BASTION_VMM_H

#define BASTION_VMM_READ 0x1u
#define BASTION_VMM_WRITE 0x2u
#define BASTION_VMM_EXECUTE 0x4u
#define BASTION_VMM_PROT_MASK 0x7u
#define BASTION_VMM_RESERVE \
    0x0u /* no COMMIT: reserve address space only; VMM.Commit backs it later */
#define BASTION_VMM_COMMIT 0x100u

#endif
