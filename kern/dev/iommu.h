/*
 * IOMMU domains: one per process, holding the device addresses that process's devices may
 * reach, and the devices attached to it (kl.core.IOMMU Attach/Detach, IO.BeginDma).
 *
 * A domain is created at a process's first Attach or BeginDma. It has its own second-level
 * page table (dev/iommu_pt.h) and its own window of device addresses [IOMMU_IOVA_BASE,
 * IOMMU_IOVA_BASE + IOMMU_IOVA_SPAN): below 2^28, so that devices with narrow DMA masks (QEMU's
 * edu: 28 bits) reach every buffer. A device attached to no domain has no context entry and
 * faults on every request: the kernel never passes DMA through.
 *
 * Lifetime: the process holds one reference on its domain, each DMA mapping (IO.BeginDma's
 * iomapping) one. At process exit (iommu_process_exit, after its handles were closed) its
 * devices are blocked again and its reference dropped; the last reference frees the table.
 *
 * Charging: every page of a domain's table is charged to the owner's RAM account (page
 * frames go to ram, as an address space's page tables do; rcQuotaExceeded when it is full).
 * The domain records themselves are a fixed kernel table of IOMMU_MAX_DOMAINS.
 *
 * Faults: the units' fault event interrupt (IOMMU_FAULT_VECTOR, to the boot CPU) reads and
 * clears every fault record and writes one kss record for each: the device's bus:dev.fn, the
 * owning process (or "no domain"), the device address, read or write, and why. The system
 * runs on; the device's request simply did not happen.
 *
 * Without a remapping unit (the pc machine) every DMA method is refused (rcNoHardware) unless
 * the boot line has `dma.unprotected`: then DMA buffers are handed out with their physical
 * addresses and nothing stops a device from reaching any memory; the console says so at boot.
 *
 * Locking: one lock, iommu_lock (LOCK_LEVEL_IOMMU, interrupts off), over the domains, the
 * attachment table, every page table and the units' registers. It takes the pmm's lock inside.
 */
#ifndef BASTION_DEV_IOMMU_H
#define BASTION_DEV_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "obj/kobj.h"

#define IOMMU_IOVA_BASE 0x100000ull           /* 1 MiB: device address 0 is never valid */
#define IOMMU_IOVA_SPAN (64ull * 1024 * 1024) /* 64 MiB per domain */
#define IOMMU_MAX_DOMAINS 64
#define IOMMU_MAX_ATTACHED 64
#define IOMMU_FAULT_VECTOR 0xE0

struct process;
struct iommu_domain;
struct kmem_account;

/* Boot: brings up the units (dev/vtd.h), or reports unprotected/refused DMA; after acpi_init,
 * lapic_init and kparam_init. */
void iommu_init(void);

/* A remapping unit translates (DMA is confined to domains). */
bool iommu_present(void);
/* DMA methods may be served: an IOMMU is present, or `dma.unprotected` was given. */
bool iommu_dma_allowed(void);

/* The process's domain, created if needed; one new reference for the caller. rcNoHardware (no
 * IOMMU), rcOutOfRange (every domain id in use), rcQuotaExceeded, rcOutOfMemory. */
Retcode iommu_domain_get(struct process *p, struct iommu_domain **out);
/* The same for any owner (iommu_domain_get passes the process, its RAM account, name, pid
 * and SID; the kernel's self-test its own token): the owner is only compared. */
Retcode iommu_domain_get_for(const void *owner, struct kmem_account *ram, const char *name,
                             uint32_t pid, kobj_sid_t sid, struct iommu_domain **out);
void iommu_domain_put(struct iommu_domain *d);

/* Puts device bdf (segment 0) into p's domain. rcAlreadyExists: already in it. rcResourceBusy:
 * attached to another process's domain (it must detach first). rcNotFound: no unit translates
 * it. Plus iommu_domain_get's codes. Whether p may own the device is the caller's check. */
Retcode iommu_attach(struct process *p, uint16_t bdf);
/* The same with a domain in hand (its caller holds a reference). */
Retcode iommu_attach_domain(struct iommu_domain *d, uint16_t bdf);
/* Takes device bdf out of the domain of owner p: blocked again. rcNotFound: not attached to
 * that domain. */
Retcode iommu_detach(const void *p, uint16_t bdf);
/* Device bdf is attached to the domain of owner p / to any domain. */
bool iommu_attached_to(uint16_t bdf, const void *p);
bool iommu_device_attached(uint16_t bdf);

/* Maps npages frames (4 KiB each) at a free device address of d; *iova gets it. Devices may
 * read them when `read`, write them when `write`. rcOutOfRange: no room left in the window.
 * rcQuotaExceeded / rcOutOfMemory: no page for a table. Nothing stays mapped on failure. */
Retcode iommu_map(struct iommu_domain *d, const uint64_t *frames, uint64_t npages, bool read,
                  bool write, uint64_t *iova);
/* Unmaps what iommu_map mapped at iova, and invalidates the IOTLB before returning: once it
 * returns no device can reach those frames. Any context that may take a spinlock. */
void iommu_unmap(struct iommu_domain *d, uint64_t iova, uint64_t npages);

/* Process exit, after its handles are closed: blocks its devices, drops its domain. */
void iommu_process_exit(const void *p);

#endif
