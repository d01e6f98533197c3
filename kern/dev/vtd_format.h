/*
 * Intel VT-d in-memory structures and register values, as pure encoders and decoders: root and
 * context entries (legacy mode), second-level page-table entries, the capability registers,
 * the register-based invalidation commands and the fault recording registers.
 *
 * Pure (no kernel service): dev/vtd.c writes what these return into memory and registers, and
 * test/host/kern/dev checks every encoding bit by bit against the specification's layout
 * (Intel VT-d specification, chapters 9 and 11).
 */
#ifndef BASTION_DEV_VTD_FORMAT_H
#define BASTION_DEV_VTD_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets (bytes from the unit's base). */
#define VTD_REG_VER 0x00
#define VTD_REG_CAP 0x08
#define VTD_REG_ECAP 0x10
#define VTD_REG_GCMD 0x18
#define VTD_REG_GSTS 0x1C
#define VTD_REG_RTADDR 0x20
#define VTD_REG_CCMD 0x28
#define VTD_REG_FSTS 0x34
#define VTD_REG_FECTL 0x38
#define VTD_REG_FEDATA 0x3C
#define VTD_REG_FEADDR 0x40
#define VTD_REG_FEUADDR 0x44

/* Global command / status: the same bit positions in GCMD and GSTS. */
#define VTD_GCMD_TE (1u << 31)   /* translation enable */
#define VTD_GCMD_SRTP (1u << 30) /* set root table pointer (one-shot) */
#define VTD_GCMD_SFL (1u << 29)  /* one-shot */
#define VTD_GCMD_EAFL (1u << 28)
#define VTD_GCMD_WBF (1u << 27) /* write buffer flush (one-shot) */
#define VTD_GCMD_QIE (1u << 26)
#define VTD_GCMD_IRE (1u << 25)
#define VTD_GCMD_SIRTP (1u << 24) /* one-shot */
#define VTD_GCMD_CFI (1u << 23)
/* The status bits that are states rather than one-shot commands: a GCMD write carries them as
 * GSTS shows them, or it would turn them off. */
#define VTD_GSTS_PERSISTENT \
    (VTD_GCMD_TE | VTD_GCMD_EAFL | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)

/* Fault status. */
#define VTD_FSTS_PFO (1u << 0) /* primary fault overflow (write 1 to clear) */
#define VTD_FSTS_PPF (1u << 1) /* primary pending fault (clears when every record is clear) */
#define VTD_FSTS_FRI(v) (((v) >> 8) & 0xFFu)
#define VTD_FECTL_IM (1u << 31) /* interrupt mask */
#define VTD_FECTL_IP (1u << 30) /* interrupt pending */

/* What the capability and extended capability registers say, decoded. */
struct vtd_caps {
    unsigned domains;  /* number of domain ids (2^(4 + 2*ND)) */
    unsigned sagaw;    /* supported adjusted guest address widths, bit 1 = 39, bit 2 = 48 */
    unsigned mgaw;     /* maximum guest address width, bits */
    bool caching_mode; /* CM: not-present entries may be cached: invalidate on map too */
    bool rwbf;         /* writes to tables need a write-buffer flush */
    bool plmr, phmr;   /* protected memory regions exist */
    unsigned fro;      /* byte offset of the first fault recording register */
    unsigned nfr;      /* number of fault recording registers */
    unsigned iro;      /* byte offset of the IOTLB registers (IVA; the IOTLB register is +8) */
    bool coherent;     /* ECAP.C: table walks snoop the CPU caches (no clflush needed) */
    bool pass_through; /* ECAP.PT */
};

void vtd_caps_decode(uint64_t cap, uint64_t ecap, struct vtd_caps *out);

/* Page-table depth for the address width to use, chosen from SAGAW: 3 levels (39 bits, AW 1)
 * when supported, else 4 (48 bits, AW 2); 0 when neither is (the unit cannot be used). */
unsigned vtd_levels_for(unsigned sagaw);
/* The context entry's AW field for `levels` (3 -> 1, 4 -> 2). */
unsigned vtd_aw_for_levels(unsigned levels);

/* A root entry (bits 127:0 as lo, hi): present, pointing at the bus's context table. */
void vtd_root_entry(uint64_t context_table_pa, uint64_t *lo, uint64_t *hi);

/* A context entry translating through second-level tables at `slpt_pa` (TT 0: untranslated
 * requests only), `levels` deep, in domain `did`. */
void vtd_context_entry(uint64_t slpt_pa, unsigned levels, uint16_t did, uint64_t *lo, uint64_t *hi);

/* Second-level page-table entries. Non-leaf entries grant read and write: the leaf decides. */
#define VTD_SL_READ (1ull << 0)
#define VTD_SL_WRITE (1ull << 1)
#define VTD_SL_ADDR_MASK 0x000FFFFFFFFFF000ull
uint64_t vtd_sl_table(uint64_t next_table_pa);
uint64_t vtd_sl_leaf(uint64_t page_pa, bool read, bool write);
static inline bool vtd_sl_present(uint64_t e)
{
    return (e & (VTD_SL_READ | VTD_SL_WRITE)) != 0;
}
/* Index into the table at `level` (1 = the last, 4 KiB pages) of device address `iova`. */
static inline unsigned vtd_sl_index(uint64_t iova, unsigned level)
{
    return (unsigned)(iova >> (12u + 9u * (level - 1u))) & 511u;
}

/* Context command register values (register-based invalidation). */
#define VTD_CCMD_ICC (1ull << 63) /* set to invalidate; hardware clears it when done */
#define VTD_CCMD_CAIG(v) (((v) >> 59) & 3u)
uint64_t vtd_ccmd_global(void);
uint64_t vtd_ccmd_device(uint16_t did, uint16_t source_id);

/* IOTLB invalidate register values (at caps.iro + 8). */
#define VTD_IOTLB_IVT (1ull << 63)
#define VTD_IOTLB_IAIG(v) (((v) >> 57) & 3u)
uint64_t vtd_iotlb_global(void);
uint64_t vtd_iotlb_domain(uint16_t did);

/* One fault recording register (128 bits, lo then hi), decoded. */
struct vtd_fault {
    bool present;       /* F */
    bool read;          /* T: 1 read request, 0 write */
    uint8_t reason;     /* FR */
    uint16_t source_id; /* the requester's bus:dev.fn */
    uint64_t addr;      /* FI: the page of the faulting device address */
};
void vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *out);
/* The value to write to the upper 32 bits of a record (offset +12) to clear it (F is RW1C). */
#define VTD_FRCD_CLEAR_HI32 (1u << 31)

/* A short text for a fault reason code ("context entry not present", ...). */
const char *vtd_fault_reason_text(uint8_t reason);

/* MSI address and data of the fault event interrupt: fixed delivery, edge, physical destination
 * APIC `apic_id`, `vector`. */
uint32_t vtd_msi_addr(uint32_t apic_id);
uint32_t vtd_msi_data(uint8_t vector);

#endif
