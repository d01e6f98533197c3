/*
 * ACPI static tables: RSDP, RSDT/XSDT, the MADT ("APIC"), which is what the kernel needs to
 * find its CPUs, IOAPICs, ISA interrupt overrides and NMI wiring, and the MCFG, which says where
 * PCI Express configuration space (ECAM) lies.
 *
 * The parser is pure: it reaches physical memory only through a caller-supplied map function,
 * bounds every read by the length it mapped, and verifies every checksum before it trusts a
 * table. The same code is linked into the kernel (map = direct map / MMIO window) and into the
 * host test test/host/kern/arch/x86_64 (map = offset into a hand-built buffer).
 */
#ifndef BASTION_ARCH_X86_64_ACPI_H
#define BASTION_ARCH_X86_64_ACPI_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_NMIS 16
#define ACPI_MAX_TABLES 32
#define ACPI_MAX_MCFG 4

/* Largest table we agree to map: a DSDT can be big, but nothing we read approaches this. */
#define ACPI_MAX_TABLE_LEN (1u << 20)

#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36
#define ACPI_SDT_HEADER_LEN 36
#define ACPI_MADT_ENTRIES_OFFSET 44
#define ACPI_MCFG_ENTRIES_OFFSET 44
#define ACPI_MCFG_ENTRY_LEN 16

/* acpi_uid value of a LAPIC NMI entry that applies to every processor. */
#define ACPI_UID_ALL 0xFFFFFFFFu

/* MPS INTI flags (interrupt source overrides, NMI entries). */
#define ACPI_INTI_POLARITY_MASK 0x3u
#define ACPI_INTI_POLARITY_BUS 0x0u
#define ACPI_INTI_POLARITY_HIGH 0x1u
#define ACPI_INTI_POLARITY_LOW 0x3u
#define ACPI_INTI_TRIGGER_MASK 0xCu
#define ACPI_INTI_TRIGGER_BUS 0x0u
#define ACPI_INTI_TRIGGER_EDGE 0x4u
#define ACPI_INTI_TRIGGER_LEVEL 0xCu

struct acpi_cpu {
    uint32_t apic_id;  /* LAPIC (or x2APIC) id */
    uint32_t acpi_uid; /* ACPI processor UID, matched by LAPIC NMI entries */
    bool enabled;      /* usable now (flags bit 0) */
    bool x2apic;       /* came from a type 9 entry: id may exceed 255 */
};

struct acpi_ioapic {
    uint8_t id;
    uint32_t addr;     /* physical MMIO base */
    uint32_t gsi_base; /* first global system interrupt it serves */
};

struct acpi_override {
    uint8_t bus;    /* 0 = ISA */
    uint8_t source; /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags; /* ACPI_INTI_* */
};

struct acpi_lapic_nmi {
    uint32_t acpi_uid; /* ACPI_UID_ALL = every processor */
    uint16_t flags;
    uint8_t lint; /* 0 or 1 */
};

struct acpi_nmi_source {
    uint32_t gsi;
    uint16_t flags;
};

struct acpi_madt {
    uint64_t lapic_addr; /* after any type 5 address override */
    bool pcat_compat;    /* dual 8259 PICs present: mask them before using the IOAPIC */

    unsigned ncpus;
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    unsigned nioapics;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned noverrides;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    unsigned nlapic_nmis;
    struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_NMIS];
    unsigned nnmi_sources;
    struct acpi_nmi_source nmi_sources[ACPI_MAX_NMIS];

    /* Entries that did not fit in the arrays above, or of types we do not use. */
    unsigned dropped;
    unsigned unknown;
};

/* One ECAM window of the MCFG: configuration space of buses bus_start..bus_end of a segment,
 * bus b's 1 MiB at base + (b << 20). */
struct acpi_mcfg_entry {
    uint64_t base;
    uint16_t segment;
    uint8_t bus_start, bus_end;
};

struct acpi_mcfg {
    unsigned n;
    struct acpi_mcfg_entry e[ACPI_MAX_MCFG];
    unsigned dropped; /* entries beyond ACPI_MAX_MCFG */
};

/* One entry of the RSDT/XSDT as found at boot, for the boot listing. */
struct acpi_table_ref {
    char sig[5];
    char oem_id[7];
    char oem_table_id[9];
    uint8_t revision;
    uint32_t length;
    uint64_t phys;
    Retcode status; /* rcOk, or why the table was rejected */
};

struct acpi_info {
    uint8_t rsdp_revision; /* 0 = ACPI 1.0, 2+ = has an XSDT */
    char oem_id[7];
    bool use_xsdt;
    uint64_t root_phys;

    unsigned ntables;
    struct acpi_table_ref tables[ACPI_MAX_TABLES];
    unsigned tables_dropped; /* root entries beyond ACPI_MAX_TABLES */

    bool have_madt;
    Retcode madt_status; /* rcNotFound when the root lists no "APIC" table */
    struct acpi_madt madt;

    bool have_mcfg;
    Retcode mcfg_status; /* rcNotFound when the root lists no "MCFG" table */
    struct acpi_mcfg mcfg;

    /* On failure: which structure, and why, for the boot message. */
    const char *error;
};

/*
 * Map `len` bytes of physical memory at `phys` for reading; NULL when that is impossible.
 * The parser never reads past `len` bytes of the returned pointer.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

/*
 * Validate an RSDP of `len` bytes: signature "RSD PTR ", the 20-byte checksum, and for
 * revision >= 2 the length field and the extended checksum. On success sets *root_phys to the
 * XSDT (revision >= 2 with a non-zero XSDT address) or the RSDT, and *is_xsdt accordingly.
 * rcInvalidArgument: NULL. rcTruncated: len too small for the revision. rcBadFormat: bad
 * signature or length field, or a zero root address. rcBadChecksum: a checksum mismatch.
 */
Retcode acpi_rsdp_check(const void *rsdp, size_t len, uint64_t *root_phys, bool *is_xsdt);

/*
 * Validate a system description table of which `avail` bytes are readable: its length field
 * is at least a header and at most `avail`, the signature is `sig` (NULL = any) and its bytes
 * sum to zero. rcTruncated, rcBadFormat (signature, length), rcBadChecksum.
 */
Retcode acpi_sdt_check(const void *table, size_t avail, const char *sig);

/*
 * Parse a validated MADT of `len` bytes into *out. rcTruncated: shorter than its fixed part.
 * rcBadFormat: an entry shorter than 2 bytes, shorter than its type requires, or running past
 * the end of the table; or a processor list with no enabled CPU.
 */
Retcode acpi_madt_parse(const void *madt, size_t len, struct acpi_madt *out);

/*
 * Parse a validated MCFG of `len` bytes into *out. rcTruncated: shorter than its fixed part.
 * rcBadFormat: the entry list is not a whole number of entries, an entry's end bus is below
 * its start bus, or its base is zero or not 1 MiB aligned.
 */
Retcode acpi_mcfg_parse(const void *mcfg, size_t len, struct acpi_mcfg *out);

/*
 * Walk RSDP -> RSDT/XSDT -> every table, checking each checksum, and parse the MADT and the MCFG.
 * A bad non-MADT table is recorded in tables[] with its status but is not fatal; a bad root
 * is (the return code says why, info->error names the structure). The MADT's own status is in
 * madt_status; the call still returns rcOk when only the MADT is missing or bad, so that the
 * caller decides whether to carry on uniprocessor.
 */
Retcode acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
                   struct acpi_info *info);

/* Global system interrupt and INTI flags of ISA IRQ `irq`, after overrides (identity else). */
uint32_t acpi_isa_irq_to_gsi(const struct acpi_madt *madt, uint8_t irq, uint16_t *flags);

#ifndef BASTION_HOST
struct boot_info;

/*
 * Find and parse the ACPI tables from the RSDP the loader gave us, print the table listing
 * and the MADT summary. Without a usable MADT the machine is run uniprocessor with the LAPIC
 * at the address IA32_APIC_BASE reports and no IOAPIC (a warning says so).
 * Runs once on the BSP after paging_init().
 */
void acpi_init(const struct boot_info *bi);

/* What acpi_init() found; valid after it returned. */
const struct acpi_info *acpi_get(void);
const struct acpi_madt *acpi_madt(void);

/* The first table with signature `sig` whose checksum passed at boot, through the direct map;
 * *len gets its length. NULL when there is none (e.g. "DMAR" on a machine without VT-d). */
const void *acpi_table(const char *sig, size_t *len);
/* len bytes of physical memory at phys through the direct map, under the same rule as the tables
 * (inside one range of the loader's memory map or the first MiB); NULL otherwise. For tables the
 * root does not list (the DSDT, which the FADT points to). */
const void *acpi_map(uint64_t phys, size_t len);
/* The MCFG's ECAM windows, NULL when the firmware gave none (the pc machine). */
const struct acpi_mcfg *acpi_mcfg(void);
#endif

#endif
