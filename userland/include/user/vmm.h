/*
 * kl.core.VMM for userland. The flags of Allocate/Protect are the kernel's
 * (<bastion/vmm.h>: BASTION_VMM_READ, _WRITE, _EXECUTE (never with WRITE: rcWxViolation),
 * _COMMIT (back with RAM at once; without it, _RESERVE, Allocate only reserves and VMM.Commit
 * backs pages later).
 */
#ifndef USER_VMM_H
#define USER_VMM_H

#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/vmm.h>


#define USER_PAGE_SIZE 4096u

/*
 * MDL buffers: memory several processes can map (userland/ipc/mdl.c; kernel side
 * kern/mm/mdl.h). prot is READ and/or WRITE, never EXECUTE (rcWxViolation).
 *   core_mdl_create: size bytes (rounded up to pages, at most 64 MiB), zeroed, charged to the
 *     caller's RAM limit; *handle gets a handle with map, read (and write) rights.
 *   core_mdl_get_size: the buffer's size in bytes (whole pages).
 *   core_mdl_map: maps [offset, offset + length) of the buffer (page-aligned) at hint (0:
 *     anywhere) with prot; free the mapping with core_vmm_free(*va, length), whole.
 *   core_mdl_clone: a new buffer over pages [offset, offset + length) of the handle's (same
 *     frames, nothing charged to RAM); its handle has the origin handle's rights at most.
 */
Retcode core_mdl_create(uint64_t size, uint32_t prot, uint32_t *handle);
Retcode core_mdl_get_size(uint32_t handle, uint64_t *size);
Retcode core_mdl_map(uint32_t handle, uint64_t offset, uint64_t length, uint64_t hint,
                     uint32_t prot, uint64_t *va);
Retcode core_mdl_clone(uint32_t handle, uint64_t offset, uint64_t length, uint32_t *clone);

#endif
