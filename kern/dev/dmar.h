/*
 * The ACPI DMA remapping table (DMAR, Intel VT-d): which remapping units (DRHD) exist, where
 * their registers are, which PCI devices each one translates, and the memory ranges firmware
 * wants kept reachable for some devices (RMRR).
 *
 * Pure: the parser reads only the bytes it is given, bounds every structure by its own length
 * and by the table's, and uses no kernel service, so test/host/kern/dev runs it under
 * ASan/UBSan against hand-built tables. The caller (dev/vtd.c) has already checked the ACPI
 * header and checksum (acpi_sdt_check).
 *
 * Device scopes: an endpoint or bridge named by a one-element path (start bus, device,
 * function) is resolved to its bus:dev.fn here. A longer path goes through bridges whose
 * secondary bus numbers only the live configuration space knows; such a scope is kept with
 * `resolved` false and matches no device, so the device falls to its segment's
 * INCLUDE_PCI_ALL unit if there is one (on QEMU's q35 there is one unit, INCLUDE_PCI_ALL).
 */
#ifndef BASTION_DEV_DMAR_H
#define BASTION_DEV_DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define DMAR_MAX_UNITS 8
#define DMAR_MAX_SCOPES 16 /* per unit or reserved region */
#define DMAR_MAX_RMRRS 8

#define DMAR_HEADER_LEN 48 /* ACPI header, host address width, flags, reserved */

/* Table flags. */
#define DMAR_FLAG_INTR_REMAP 0x01u
#define DMAR_FLAG_X2APIC_OPT_OUT 0x02u
#define DMAR_FLAG_DMA_CTRL_OPT_IN 0x04u

/* Remapping structure types. */
#define DMAR_TYPE_DRHD 0
#define DMAR_TYPE_RMRR 1

/* DRHD flags. */
#define DMAR_DRHD_INCLUDE_PCI_ALL 0x01u

/* Device scope types. */
#define DMAR_SCOPE_ENDPOINT 1
#define DMAR_SCOPE_BRIDGE 2
#define DMAR_SCOPE_IOAPIC 3
#define DMAR_SCOPE_HPET 4
#define DMAR_SCOPE_ACPI 5

struct dmar_scope {
    uint8_t type;     /* DMAR_SCOPE_* */
    uint8_t enum_id;  /* IOAPIC / HPET id, ACPI device number */
    uint8_t bus;      /* start bus */
    uint8_t path_len; /* (device, function) pairs in the path */
    bool resolved;    /* a one-element path: bdf is the device itself */
    uint16_t bdf;     /* bus << 8 | dev << 3 | fn of the first path element */
};

struct dmar_unit {
    uint64_t reg_base;  /* physical address of the register set, page-aligned */
    uint32_t reg_pages; /* pages of the register set (size field, 2^n; 1 if absent) */
    uint16_t segment;
    bool include_all; /* translates every device of its segment not claimed by another unit */
    unsigned nscopes;
    struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

struct dmar_rmrr {
    uint16_t segment;
    uint64_t base, limit; /* inclusive limit */
    unsigned nscopes;
    struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

struct dmar_info {
    unsigned host_addr_width; /* bits of physical address DMA can reach (field + 1) */
    uint8_t flags;            /* DMAR_FLAG_* */
    unsigned nunits;
    struct dmar_unit units[DMAR_MAX_UNITS];
    unsigned nrmrrs;
    struct dmar_rmrr rmrrs[DMAR_MAX_RMRRS];
    unsigned dropped; /* units, reserved regions or scopes beyond the arrays */
    unsigned other;   /* structures of the types not used here (ATSR, RHSA, ANDD, SATC, ...) */
};

/*
 * Parses a DMAR of `len` bytes (its header already checked) into *out.
 * rcInvalidArgument: NULL. rcTruncated: shorter than its fixed part. rcBadFormat: a structure
 * shorter than 4 bytes or than its type requires, or running past the table; a device scope
 * shorter than 6 bytes, of odd path length or running past its structure; a unit whose
 * register base is 0 or not page-aligned; an RMRR whose limit is below its base; no unit.
 */
Retcode dmar_parse(const void *table, size_t len, struct dmar_info *out);

/*
 * The unit that translates device `bdf` of `segment`: the one whose scope names it (an
 * endpoint exactly, or a bridge's bus range is not known here: bridges are not matched), else
 * the segment's INCLUDE_PCI_ALL unit. -1 when none does (the device is not translated).
 */
int dmar_unit_for(const struct dmar_info *info, uint16_t segment, uint16_t bdf);

#endif
