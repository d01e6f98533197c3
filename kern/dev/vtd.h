/*
 * The Intel VT-d remapping units (DMA remapping only; interrupt remapping stays off): found in
 * the ACPI DMAR table (dev/dmar.h), brought up at boot with translation on and every device
 * blocked, then driven by dev/iommu.c, which owns the domains and serialises every call here
 * under its lock.
 *
 * Blocked by default: a unit's root table starts with no context table, so a request from any
 * device faults ("context entry not present") until dev/iommu.c gives the device a context
 * entry pointing at a domain's second-level table. Nothing is passed through.
 *
 * Every unit shares one page-table depth (3 levels, 39-bit device addresses, when every unit
 * supports it; else 4) and one domain-id space, so one domain's table serves a device on any
 * unit. Invalidation is register based (context command and IOTLB registers), waited for
 * by polling the hardware's completion bit.
 */
#ifndef BASTION_DEV_VTD_H
#define BASTION_DEV_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "dev/vtd_format.h"

/* Finds the DMAR table and brings up each unit (boot, BSP, after acpi_init and the LAPIC).
 * Prints what it found; false when no unit translates (no DMAR, or every unit unusable). */
bool vtd_init(void);

/* The register window of unit i (physical base, bytes), false past the last unit: a range the
 * kernel keeps for itself, never to be registered by a driver (whoever maps these registers
 * can turn translation off). */
bool vtd_unit_regs(unsigned i, uint64_t *base, uint64_t *size);

/* True once vtd_init brought up at least one unit. */
bool vtd_active(void);

/* Page-table depth every domain uses (3 or 4), and how many domain ids there are (id 0 is
 * never used: units in caching mode reserve it). */
unsigned vtd_levels(void);
unsigned vtd_domain_ids(void);
/* Some unit caches not-present entries: a map needs an IOTLB invalidation too. */
bool vtd_caching_mode(void);

/*
 * The caller holds dev/iommu.c's lock for everything below.
 */

/* Points device `bdf` (segment 0) at second-level table `slpt_pa` in domain `did`, or blocks
 * it when slpt_pa is 0. Invalidates the unit's context cache for the device and the old
 * domain's IOTLB. rcNotFound: no unit translates that device. rcOutOfMemory: no page for its
 * bus's context table. */
Retcode vtd_set_context(uint16_t bdf, uint64_t slpt_pa, uint16_t did);

/* Invalidates domain `did`'s IOTLB entries on every unit. */
void vtd_flush_domain(uint16_t did);

/* Makes CPU writes to a table visible to units that do not snoop the caches. */
void vtd_flush_cpu(const void *p, unsigned long len);

/* Reads and clears every pending fault record of every unit (and the overflow flag), up to
 * `max` of them into out; returns how many it stored. *overflow: some fault was lost. */
unsigned vtd_fault_collect(struct vtd_fault *out, unsigned max, bool *overflow);

/* Programs every unit's fault event interrupt as an MSI to `apic_id` on `vector`, unmasked. */
void vtd_fault_irq_setup(uint32_t apic_id, uint8_t vector);

#endif
