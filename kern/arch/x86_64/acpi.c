/*
 * ACPI table discovery and MADT parsing.
 *
 * Invariant of the parsing half (everything above the BASTION_HOST fence): every byte read
 * lies inside a buffer whose length was checked first, multi-byte fields are assembled from
 * bytes (tables are packed and unaligned), and nothing is trusted before its checksum passed.
 * That half uses no kernel service, so test/host/kern/arch/x86_64 runs it under ASan/UBSan.
 */
#include "arch/x86_64/acpi.h"
#include "lib/bytes.h"

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static bool same(const uint8_t *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)s[i])
            return false;
    return true;
}

/* Copy an n-byte ACPI name field into a NUL-terminated string, unprintables as '?'. */
static void copy_name(char *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[n] = '\0';
}

Retcode acpi_rsdp_check(const void *rsdp, size_t len, uint64_t *root_phys, bool *is_xsdt)
{
    const uint8_t *p = rsdp;
    if (!p || !root_phys || !is_xsdt)
        return rcInvalidArgument;
    if (len < ACPI_RSDP_V1_LEN)
        return rcTruncated;
    if (!same(p, "RSD PTR ", 8))
        return rcBadFormat;
    if (sum8(p, ACPI_RSDP_V1_LEN) != 0)
        return rcBadChecksum;

    uint8_t revision = p[15];
    if (revision >= 2) {
        if (len < ACPI_RSDP_V2_LEN)
            return rcTruncated;
        uint32_t length = get_le32(p + 20);
        if (length < ACPI_RSDP_V2_LEN || length > len)
            return rcBadFormat;
        if (sum8(p, length) != 0)
            return rcBadChecksum;
        uint64_t xsdt = get_le64(p + 24);
        if (xsdt != 0) {
            *root_phys = xsdt;
            *is_xsdt = true;
            return rcOk;
        }
    }
    uint32_t rsdt = get_le32(p + 16);
    if (rsdt == 0)
        return rcBadFormat;
    *root_phys = rsdt;
    *is_xsdt = false;
    return rcOk;
}

Retcode acpi_sdt_check(const void *table, size_t avail, const char *sig)
{
    const uint8_t *p = table;
    if (!p)
        return rcInvalidArgument;
    if (avail < ACPI_SDT_HEADER_LEN)
        return rcTruncated;
    if (sig && !same(p, sig, 4))
        return rcBadFormat;
    uint32_t length = get_le32(p + 4);
    if (length < ACPI_SDT_HEADER_LEN)
        return rcBadFormat;
    if (length > avail)
        return rcTruncated;
    if (sum8(p, length) != 0)
        return rcBadChecksum;
    return rcOk;
}

/* Minimum length of each MADT entry type we understand; 0 = type we skip. */
static uint8_t madt_min_len(uint8_t type)
{
    switch (type) {
    case 0:
        return 8; /* processor local APIC */
    case 1:
        return 12; /* IOAPIC */
    case 2:
        return 10; /* interrupt source override */
    case 3:
        return 8; /* NMI source */
    case 4:
        return 6; /* local APIC NMI */
    case 5:
        return 12; /* local APIC address override */
    case 9:
        return 16; /* processor local x2APIC */
    case 10:
        return 12; /* local x2APIC NMI */
    default:
        return 0;
    }
}

static void madt_add_cpu(struct acpi_madt *m, uint32_t apic_id, uint32_t uid, uint32_t flags,
                         bool x2apic)
{
    /* Bit 0: enabled. Bit 1 (ACPI 6.3): online capable, i.e. hot-pluggable; such a CPU is
     * not present now, and neither is one with both bits clear. */
    if (!(flags & 1u)) {
        m->unknown++;
        return;
    }
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->cpus[i].apic_id == apic_id) /* firmware listed it twice (LAPIC + x2APIC) */
            return;
    if (m->ncpus >= ACPI_MAX_CPUS) {
        m->dropped++;
        return;
    }
    m->cpus[m->ncpus++] =
        (struct acpi_cpu){.apic_id = apic_id, .acpi_uid = uid, .enabled = true, .x2apic = x2apic};
}

static void madt_add_lapic_nmi(struct acpi_madt *m, uint32_t uid, uint16_t flags, uint8_t lint)
{
    if (m->nlapic_nmis >= ACPI_MAX_NMIS) {
        m->dropped++;
        return;
    }
    m->lapic_nmis[m->nlapic_nmis++] =
        (struct acpi_lapic_nmi){.acpi_uid = uid, .flags = flags, .lint = lint};
}

Retcode acpi_madt_parse(const void *madt, size_t len, struct acpi_madt *out)
{
    const uint8_t *p = madt;
    if (!p || !out)
        return rcInvalidArgument;
    if (len < ACPI_MADT_ENTRIES_OFFSET)
        return rcTruncated;

    *out = (struct acpi_madt){0};
    out->lapic_addr = get_le32(p + 36);
    out->pcat_compat = (get_le32(p + 40) & 1u) != 0;

    size_t off = ACPI_MADT_ENTRIES_OFFSET;
    while (off < len) {
        if (len - off < 2)
            return rcBadFormat;
        uint8_t type = p[off], elen = p[off + 1];
        if (elen < 2 || elen > len - off)
            return rcBadFormat;
        uint8_t need = madt_min_len(type);
        if (need == 0) {
            out->unknown++;
            off += elen;
            continue;
        }
        if (elen < need)
            return rcBadFormat;
        const uint8_t *e = p + off;
        switch (type) {
        case 0:
            madt_add_cpu(out, e[3], e[2], get_le32(e + 4), false);
            break;
        case 1:
            if (out->nioapics >= ACPI_MAX_IOAPICS) {
                out->dropped++;
                break;
            }
            out->ioapics[out->nioapics++] = (struct acpi_ioapic){
                .id = e[2], .addr = get_le32(e + 4), .gsi_base = get_le32(e + 8)};
            break;
        case 2:
            if (out->noverrides >= ACPI_MAX_OVERRIDES) {
                out->dropped++;
                break;
            }
            out->overrides[out->noverrides++] = (struct acpi_override){
                .bus = e[2], .source = e[3], .gsi = get_le32(e + 4), .flags = get_le16(e + 8)};
            break;
        case 3:
            if (out->nnmi_sources >= ACPI_MAX_NMIS) {
                out->dropped++;
                break;
            }
            out->nmi_sources[out->nnmi_sources++] =
                (struct acpi_nmi_source){.flags = get_le16(e + 2), .gsi = get_le32(e + 4)};
            break;
        case 4:
            /* A one-byte UID of 0xFF means "all processors". */
            madt_add_lapic_nmi(out, e[2] == 0xFF ? ACPI_UID_ALL : e[2], get_le16(e + 3), e[5]);
            break;
        case 5:
            out->lapic_addr = get_le64(e + 4);
            break;
        case 9:
            madt_add_cpu(out, get_le32(e + 4), get_le32(e + 12), get_le32(e + 8), true);
            break;
        case 10:
            madt_add_lapic_nmi(out, get_le32(e + 4), get_le16(e + 2), e[8]);
            break;
        }
        off += elen;
    }
    if (out->ncpus == 0)
        return rcBadFormat;
    return rcOk;
}

Retcode acpi_mcfg_parse(const void *mcfg, size_t len, struct acpi_mcfg *out)
{
    if (!mcfg || !out)
        return rcInvalidArgument;
    *out = (struct acpi_mcfg){0};
    if (len < ACPI_MCFG_ENTRIES_OFFSET)
        return rcTruncated;
    if ((len - ACPI_MCFG_ENTRIES_OFFSET) % ACPI_MCFG_ENTRY_LEN != 0)
        return rcBadFormat;
    const uint8_t *t = mcfg;
    for (size_t off = ACPI_MCFG_ENTRIES_OFFSET; off < len; off += ACPI_MCFG_ENTRY_LEN) {
        const uint8_t *e = t + off;
        struct acpi_mcfg_entry m = {
            .base = get_le64(e), .segment = get_le16(e + 8), .bus_start = e[10], .bus_end = e[11]};
        if (m.bus_end < m.bus_start || m.base == 0 || (m.base & 0xFFFFF) != 0)
            return rcBadFormat;
        if (out->n >= ACPI_MAX_MCFG) {
            out->dropped++;
            continue;
        }
        out->e[out->n++] = m;
    }
    return rcOk;
}

static void record_table(struct acpi_info *info, const uint8_t *hdr, uint64_t phys, Retcode st)
{
    if (info->ntables >= ACPI_MAX_TABLES) {
        info->tables_dropped++;
        return;
    }
    struct acpi_table_ref *t = &info->tables[info->ntables++];
    *t = (struct acpi_table_ref){.phys = phys, .status = st};
    if (hdr) {
        copy_name(t->sig, hdr, 4);
        copy_name(t->oem_id, hdr + 10, 6);
        copy_name(t->oem_table_id, hdr + 16, 8);
        t->length = get_le32(hdr + 4);
        t->revision = hdr[8];
    } else {
        copy_name(t->sig, (const uint8_t *)"????", 4);
    }
}

/* Map a table at `phys`: its header first, to learn its length, then all of it, checked. */
static Retcode map_table(acpi_map_fn map, void *ctx, uint64_t phys, const char *sig,
                         const uint8_t **hdr_out, const uint8_t **table_out)
{
    *hdr_out = NULL;
    *table_out = NULL;
    const uint8_t *hdr = map(ctx, phys, ACPI_SDT_HEADER_LEN);
    if (!hdr)
        return rcOutOfRange;
    *hdr_out = hdr;
    if (sig && !same(hdr, sig, 4))
        return rcBadFormat;
    uint32_t length = get_le32(hdr + 4);
    if (length < ACPI_SDT_HEADER_LEN || length > ACPI_MAX_TABLE_LEN)
        return rcBadFormat;
    const uint8_t *t = map(ctx, phys, length);
    if (!t)
        return rcOutOfRange;
    *hdr_out = t;
    Retcode rc = acpi_sdt_check(t, length, sig);
    if (rc == rcOk)
        *table_out = t;
    return rc;
}

Retcode acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
                   struct acpi_info *info)
{
    if (!rsdp || !map || !info)
        return rcInvalidArgument;
    *info = (struct acpi_info){0};
    info->madt_status = rcNotFound;
    info->mcfg_status = rcNotFound;

    Retcode rc = acpi_rsdp_check(rsdp, rsdp_len, &info->root_phys, &info->use_xsdt);
    if (rc != rcOk) {
        info->error = "RSDP";
        return rc;
    }
    const uint8_t *r = rsdp;
    info->rsdp_revision = r[15];
    copy_name(info->oem_id, r + 9, 6);

    const uint8_t *hdr, *root;
    rc = map_table(map, ctx, info->root_phys, info->use_xsdt ? "XSDT" : "RSDT", &hdr, &root);
    if (rc != rcOk) {
        info->error = info->use_xsdt ? "XSDT" : "RSDT";
        return rc;
    }
    size_t esize = info->use_xsdt ? 8 : 4;
    uint32_t rlen = get_le32(root + 4);
    if ((rlen - ACPI_SDT_HEADER_LEN) % esize != 0) {
        info->error = info->use_xsdt ? "XSDT entry list" : "RSDT entry list";
        return rcBadFormat;
    }
    size_t n = (rlen - ACPI_SDT_HEADER_LEN) / esize;

    /* Copy the entry addresses first: a map function may reuse its window for each call. */
    uint64_t phys[ACPI_MAX_TABLES];
    size_t count = n < ACPI_MAX_TABLES ? n : ACPI_MAX_TABLES;
    info->tables_dropped = (unsigned)(n - count);
    for (size_t i = 0; i < count; i++) {
        const uint8_t *e = root + ACPI_SDT_HEADER_LEN + i * esize;
        phys[i] = info->use_xsdt ? get_le64(e) : get_le32(e);
    }

    for (size_t i = 0; i < count; i++) {
        const uint8_t *table;
        rc = map_table(map, ctx, phys[i], NULL, &hdr, &table);
        record_table(info, hdr, phys[i], rc);
        if (hdr && same(hdr, "MCFG", 4) && !info->have_mcfg) {
            info->mcfg_status =
                rc == rcOk ? acpi_mcfg_parse(table, get_le32(table + 4), &info->mcfg) : rc;
            info->have_mcfg = info->mcfg_status == rcOk;
            continue;
        }
        if (!hdr || !same(hdr, "APIC", 4) || info->have_madt)
            continue;
        if (rc != rcOk) {
            info->madt_status = rc;
            continue;
        }
        info->madt_status = acpi_madt_parse(table, get_le32(table + 4), &info->madt);
        info->have_madt = info->madt_status == rcOk;
    }
    return rcOk;
}

uint32_t acpi_isa_irq_to_gsi(const struct acpi_madt *madt, uint8_t irq, uint16_t *flags)
{
    for (unsigned i = 0; madt && i < madt->noverrides; i++) {
        const struct acpi_override *o = &madt->overrides[i];
        if (o->bus == 0 && o->source == irq) {
            if (flags)
                *flags = o->flags;
            return o->gsi;
        }
    }
    if (flags)
        *flags = 0; /* ISA defaults: edge triggered, active high */
    return irq;
}

#ifndef BASTION_HOST
/* ------------------------------------------------------------------------------------------ */
/* Kernel side: where the tables are in memory, and the boot listing.                          */

#include "boot/multiboot2.h"
#include "lib/kprintf.h"
#include "mm/paging.h"

static struct acpi_info acpi;
static bool acpi_ok;
static const struct boot_info *acpi_bi; /* for acpi_table(): kmain keeps it alive */

/*
 * The parser reads tables through the direct map, which covers every range of the loader's
 * memory map (RAM write-back, reserved/ACPI ranges uncached) and the first MiB. A table must
 * lie inside one such range: an address outside them is not mapped, and the firmware would
 * be lying about it anyway.
 */
static const void *kernel_map(void *ctx, uint64_t phys, size_t len)
{
    const struct boot_info *bi = ctx;
    if (len == 0 || phys + len < phys)
        return NULL;
    if (phys + len <= 0x100000)
        return phys_to_virt(phys);
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const struct boot_mmap_entry *m = &bi->mmap[i];
        if (phys >= m->base && phys - m->base <= m->length && len <= m->length - (phys - m->base))
            return phys_to_virt(phys);
    }
    return NULL;
}

static const char *status_text(Retcode rc)
{
    return rc == rcOk ? "ok" : retcode_name(rc);
}

void acpi_init(const struct boot_info *bi)
{
    if (!bi || bi->rsdp_len == 0) {
        kprintf("acpi: the loader passed no RSDP; running uniprocessor without an IOAPIC\n");
        return;
    }
    acpi_bi = bi;
    Retcode rc = acpi_parse(bi->rsdp, bi->rsdp_len, kernel_map, (void *)bi, &acpi);
    if (rc != rcOk) {
        kprintf("acpi: %s rejected: %s (%s); running uniprocessor without an IOAPIC\n",
                acpi.error ? acpi.error : "tables", retcode_name(rc), retcode_text(rc));
        return;
    }
    kprintf("acpi: RSDP revision %u, OEM \"%s\", %s at 0x%lx, %u tables\n", acpi.rsdp_revision,
            acpi.oem_id, acpi.use_xsdt ? "XSDT" : "RSDT", (unsigned long)acpi.root_phys,
            acpi.ntables + acpi.tables_dropped);
    for (unsigned i = 0; i < acpi.ntables; i++) {
        const struct acpi_table_ref *t = &acpi.tables[i];
        kprintf("acpi:   %s at 0x%08lx len %6u rev %u OEM \"%s\" \"%s\" %s\n", t->sig,
                (unsigned long)t->phys, t->length, t->revision, t->oem_id, t->oem_table_id,
                status_text(t->status));
    }
    if (!acpi.have_madt) {
        kprintf("acpi: no usable MADT (%s); running uniprocessor without an IOAPIC\n",
                retcode_name(acpi.madt_status));
        return;
    }
    const struct acpi_madt *m = &acpi.madt;
    kprintf("acpi: MADT: LAPIC at 0x%lx, %u CPUs, %u IOAPICs, %u overrides, %u LAPIC NMIs, "
            "%u NMI sources%s\n",
            (unsigned long)m->lapic_addr, m->ncpus, m->nioapics, m->noverrides, m->nlapic_nmis,
            m->nnmi_sources, m->pcat_compat ? ", dual 8259" : "");
    if (m->dropped)
        kprintf("acpi: MADT: %u entries beyond the kernel's limits ignored\n", m->dropped);
    acpi_ok = true;
}

const struct acpi_info *acpi_get(void)
{
    return &acpi;
}

const struct acpi_madt *acpi_madt(void)
{
    return acpi_ok ? &acpi.madt : NULL;
}

const void *acpi_table(const char *sig, size_t *len)
{
    for (unsigned i = 0; acpi_bi != NULL && i < acpi.ntables; i++) {
        const struct acpi_table_ref *t = &acpi.tables[i];
        if (t->status != rcOk || !same((const uint8_t *)t->sig, sig, 4))
            continue;
        const void *p = kernel_map((void *)acpi_bi, t->phys, t->length);
        if (p != NULL) {
            *len = t->length;
            return p;
        }
    }
    return NULL;
}

const void *acpi_map(uint64_t phys, size_t len)
{
    return acpi_bi != NULL ? kernel_map((void *)acpi_bi, phys, len) : NULL;
}

const struct acpi_mcfg *acpi_mcfg(void)
{
    return acpi.have_mcfg ? &acpi.mcfg : NULL;
}
#endif
