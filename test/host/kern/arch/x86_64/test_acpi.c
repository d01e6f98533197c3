/*
 * Host tests of the ACPI parser: a fake physical memory holds hand-built RSDP, RSDT/XSDT,
 * MADT and a filler table; each test corrupts one thing and checks the named error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/acpi.h"

#define MEM_BASE 0x000E0000u
#define MEM_SIZE 0x10000u

#define RSDT_PHYS (MEM_BASE + 0x1000)
#define XSDT_PHYS (MEM_BASE + 0x1800)
#define MADT_PHYS (MEM_BASE + 0x2000)
#define FACP_PHYS (MEM_BASE + 0x3000)
#define HPET_PHYS (MEM_BASE + 0x4000)

static uint8_t mem[MEM_SIZE];
static uint8_t rsdp[ACPI_RSDP_V2_LEN];
static unsigned map_calls;

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
    (void)ctx;
    map_calls++;
    if (phys < MEM_BASE || len > MEM_SIZE || phys - MEM_BASE > MEM_SIZE - len)
        return NULL;
    return mem + (phys - MEM_BASE);
}

static uint8_t *at(uint64_t phys)
{
    return mem + (phys - MEM_BASE);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t checksum_fix(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return (uint8_t)(0x100 - s);
}

/* Write an SDT header for a table of `len` bytes at p and fix its checksum. */
static void seal_sdt(uint8_t *p, const char *sig, uint32_t len)
{
    memcpy(p, sig, 4);
    wr32(p + 4, len);
    p[8] = 1;
    p[9] = 0;
    memcpy(p + 10, "BASTN ", 6);
    memcpy(p + 16, "TESTTABL", 8);
    p[9] = checksum_fix(p, len);
}

static void build_rsdp(int revision)
{
    memset(rsdp, 0, sizeof rsdp);
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "BASTN ", 6);
    rsdp[15] = (uint8_t)revision;
    wr32(rsdp + 16, RSDT_PHYS);
    rsdp[8] = checksum_fix(rsdp, ACPI_RSDP_V1_LEN);
    if (revision >= 2) {
        wr32(rsdp + 20, ACPI_RSDP_V2_LEN);
        wr64(rsdp + 24, XSDT_PHYS);
        rsdp[32] = checksum_fix(rsdp, ACPI_RSDP_V2_LEN);
    }
}

/* MADT builder: entries appended after the 44-byte fixed part, sealed by madt_seal(). */
static size_t madt_len;

static void madt_begin(uint32_t lapic, uint32_t flags)
{
    memset(at(MADT_PHYS), 0, 0x800);
    wr32(at(MADT_PHYS) + 36, lapic);
    wr32(at(MADT_PHYS) + 40, flags);
    madt_len = ACPI_MADT_ENTRIES_OFFSET;
}

static uint8_t *madt_entry(uint8_t type, uint8_t len)
{
    uint8_t *e = at(MADT_PHYS) + madt_len;
    e[0] = type;
    e[1] = len;
    madt_len += len;
    return e;
}

static void madt_lapic(uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    uint8_t *e = madt_entry(0, 8);
    e[2] = uid;
    e[3] = apic_id;
    wr32(e + 4, flags);
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
    uint8_t *e = madt_entry(1, 12);
    e[2] = id;
    wr32(e + 4, addr);
    wr32(e + 8, gsi_base);
}

static void madt_override(uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = madt_entry(2, 10);
    e[2] = 0;
    e[3] = irq;
    wr32(e + 4, gsi);
    wr16(e + 8, flags);
}

static void madt_lapic_nmi(uint8_t uid, uint16_t flags, uint8_t lint)
{
    uint8_t *e = madt_entry(4, 6);
    e[2] = uid;
    wr16(e + 3, flags);
    e[5] = lint;
}

static void madt_seal(void)
{
    seal_sdt(at(MADT_PHYS), "APIC", (uint32_t)madt_len);
}

/* The machine QEMU's q35/pc presents with -smp 4, plus one disabled CPU. */
static void build_standard_madt(void)
{
    madt_begin(0xFEE00000u, 1);
    for (uint8_t i = 0; i < 4; i++)
        madt_lapic(i, i, 1);
    madt_lapic(4, 4, 0); /* present in the list, not enabled */
    madt_ioapic(0, 0xFEC00000u, 0);
    madt_override(0, 2, 0);
    madt_override(9, 9, ACPI_INTI_POLARITY_HIGH | ACPI_INTI_TRIGGER_LEVEL);
    madt_lapic_nmi(0xFF, 0, 1);
    madt_seal();
}

static void build_root(bool xsdt, uint32_t madt_phys)
{
    uint64_t entries[3] = {FACP_PHYS, madt_phys, HPET_PHYS};
    uint8_t *r = at(xsdt ? XSDT_PHYS : RSDT_PHYS);
    size_t es = xsdt ? 8 : 4;
    memset(r, 0, 0x800);
    for (size_t i = 0; i < 3; i++) {
        if (xsdt)
            wr64(r + ACPI_SDT_HEADER_LEN + i * es, entries[i]);
        else
            wr32(r + ACPI_SDT_HEADER_LEN + i * es, (uint32_t)entries[i]);
    }
    seal_sdt(r, xsdt ? "XSDT" : "RSDT", (uint32_t)(ACPI_SDT_HEADER_LEN + 3 * es));
}

static int setup(void **state)
{
    (void)state;
    memset(mem, 0, sizeof mem);
    map_calls = 0;
    memset(at(FACP_PHYS), 0, 244);
    seal_sdt(at(FACP_PHYS), "FACP", 244);
    memset(at(HPET_PHYS), 0, 56);
    seal_sdt(at(HPET_PHYS), "HPET", 56);
    build_standard_madt();
    build_root(false, MADT_PHYS);
    build_root(true, MADT_PHYS);
    build_rsdp(0);
    return 0;
}

static struct acpi_info info;

static void test_rsdp_v1(void **state)
{
    (void)state;
    uint64_t root = 0;
    bool x = true;
    assert_int_equal(acpi_rsdp_check(rsdp, ACPI_RSDP_V1_LEN, &root, &x), rcOk);
    assert_int_equal(root, RSDT_PHYS);
    assert_false(x);
}

static void test_rsdp_v2_prefers_xsdt(void **state)
{
    (void)state;
    build_rsdp(2);
    uint64_t root = 0;
    bool x = false;
    assert_int_equal(acpi_rsdp_check(rsdp, ACPI_RSDP_V2_LEN, &root, &x), rcOk);
    assert_int_equal(root, XSDT_PHYS);
    assert_true(x);
}

static void test_rsdp_errors(void **state)
{
    (void)state;
    uint64_t root;
    bool x;
    assert_int_equal(acpi_rsdp_check(NULL, 20, &root, &x), rcInvalidArgument);
    assert_int_equal(acpi_rsdp_check(rsdp, 19, &root, &x), rcTruncated);

    rsdp[0] = 'r';
    assert_int_equal(acpi_rsdp_check(rsdp, 20, &root, &x), rcBadFormat);
    build_rsdp(0);
    rsdp[12] ^= 0x40; /* OEM id changed, checksum not */
    assert_int_equal(acpi_rsdp_check(rsdp, 20, &root, &x), rcBadChecksum);

    build_rsdp(2);
    assert_int_equal(acpi_rsdp_check(rsdp, 20, &root, &x), rcTruncated);
    rsdp[28] ^= 1; /* XSDT address: only the extended checksum covers it */
    assert_int_equal(acpi_rsdp_check(rsdp, 36, &root, &x), rcBadChecksum);

    build_rsdp(2);
    wr32(rsdp + 20, 400); /* length field larger than what we have */
    rsdp[32] = 0;
    rsdp[32] = checksum_fix(rsdp, 36);
    assert_int_equal(acpi_rsdp_check(rsdp, 36, &root, &x), rcBadFormat);
}

static void check_standard_madt(const struct acpi_madt *m)
{
    assert_int_equal(m->lapic_addr, 0xFEE00000u);
    assert_true(m->pcat_compat);
    assert_int_equal(m->ncpus, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(m->cpus[i].apic_id, i);
        assert_int_equal(m->cpus[i].acpi_uid, i);
        assert_true(m->cpus[i].enabled);
    }
    assert_int_equal(m->nioapics, 1);
    assert_int_equal(m->ioapics[0].addr, 0xFEC00000u);
    assert_int_equal(m->ioapics[0].gsi_base, 0);
    assert_int_equal(m->noverrides, 2);
    assert_int_equal(m->nlapic_nmis, 1);
    assert_int_equal(m->lapic_nmis[0].acpi_uid, ACPI_UID_ALL);
    assert_int_equal(m->lapic_nmis[0].lint, 1);

    uint16_t flags = 0xFFFF;
    assert_int_equal(acpi_isa_irq_to_gsi(m, 0, &flags), 2);
    assert_int_equal(flags, 0);
    assert_int_equal(acpi_isa_irq_to_gsi(m, 9, &flags), 9);
    assert_int_equal(flags & ACPI_INTI_TRIGGER_MASK, ACPI_INTI_TRIGGER_LEVEL);
    assert_int_equal(acpi_isa_irq_to_gsi(m, 4, &flags), 4);
    assert_int_equal(flags, 0);
}

static void test_parse_rsdt(void **state)
{
    (void)state;
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_false(info.use_xsdt);
    assert_string_equal(info.oem_id, "BASTN ");
    assert_int_equal(info.ntables, 3);
    assert_string_equal(info.tables[0].sig, "FACP");
    assert_string_equal(info.tables[1].sig, "APIC");
    assert_string_equal(info.tables[2].sig, "HPET");
    assert_string_equal(info.tables[1].oem_table_id, "TESTTABL");
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(info.tables[i].status, rcOk);
    assert_int_equal(info.tables[2].length, 56);
    assert_true(info.have_madt);
    assert_int_equal(info.madt_status, rcOk);
    check_standard_madt(&info.madt);
}

static void test_parse_xsdt(void **state)
{
    (void)state;
    build_rsdp(2);
    /* Point the RSDT at nothing: a v2 parse must not look at it. */
    memset(at(RSDT_PHYS), 0xEE, 64);
    assert_int_equal(acpi_parse(rsdp, 36, fake_map, NULL, &info), rcOk);
    assert_true(info.use_xsdt);
    assert_int_equal(info.root_phys, XSDT_PHYS);
    assert_int_equal(info.ntables, 3);
    check_standard_madt(&info.madt);
}

static void test_bad_root_checksum(void **state)
{
    (void)state;
    at(RSDT_PHYS)[ACPI_SDT_HEADER_LEN] ^= 0x10; /* an entry address changes */
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcBadChecksum);
    assert_string_equal(info.error, "RSDT");
}

static void test_root_wrong_signature(void **state)
{
    (void)state;
    build_rsdp(2);
    memcpy(at(XSDT_PHYS), "RSDT", 4);
    assert_int_equal(acpi_parse(rsdp, 36, fake_map, NULL, &info), rcBadFormat);
    assert_string_equal(info.error, "XSDT");
}

static void test_root_odd_length(void **state)
{
    (void)state;
    seal_sdt(at(RSDT_PHYS), "RSDT", ACPI_SDT_HEADER_LEN + 6); /* 1.5 entries */
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcBadFormat);
}

static void test_bad_madt_checksum(void **state)
{
    (void)state;
    at(MADT_PHYS)[ACPI_MADT_ENTRIES_OFFSET + 3] = 7; /* first CPU's APIC id */
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_false(info.have_madt);
    assert_int_equal(info.madt_status, rcBadChecksum);
    assert_int_equal(info.tables[1].status, rcBadChecksum);
    assert_int_equal(info.tables[0].status, rcOk);
}

static void test_bad_other_table_is_not_fatal(void **state)
{
    (void)state;
    at(FACP_PHYS)[100] ^= 0xFF;
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_int_equal(info.tables[0].status, rcBadChecksum);
    assert_true(info.have_madt);
    check_standard_madt(&info.madt);
}

static void test_table_outside_memory(void **state)
{
    (void)state;
    build_root(false, 0xFFFFF000u);
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_int_equal(info.tables[1].status, rcOutOfRange);
    assert_false(info.have_madt);
    assert_int_equal(info.madt_status, rcNotFound);
}

static void test_table_length_past_memory(void **state)
{
    (void)state;
    /* A header claiming 2 MiB: refused before anything that long is mapped. */
    wr32(at(HPET_PHYS) + 4, 2u << 20);
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_int_equal(info.tables[2].status, rcBadFormat);
    assert_true(info.have_madt);
}

static void test_madt_entry_zero_length(void **state)
{
    (void)state;
    madt_begin(0xFEE00000u, 0);
    madt_lapic(0, 0, 1);
    madt_entry(1, 0);
    madt_len += 12;
    madt_seal();
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), madt_len, &info.madt), rcBadFormat);
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_int_equal(info.madt_status, rcBadFormat);
    assert_false(info.have_madt);
}

static void test_madt_entry_past_end(void **state)
{
    (void)state;
    madt_begin(0xFEE00000u, 0);
    madt_lapic(0, 0, 1);
    uint8_t *e = madt_entry(1, 12);
    e[1] = 40; /* claims more than the table has */
    madt_seal();
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), madt_len, &info.madt), rcBadFormat);
}

static void test_madt_entry_too_short_for_type(void **state)
{
    (void)state;
    madt_begin(0xFEE00000u, 0);
    madt_lapic(0, 0, 1);
    madt_entry(2, 6); /* an override needs 10 bytes */
    madt_seal();
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), madt_len, &info.madt), rcBadFormat);
}

static void test_madt_dangling_byte(void **state)
{
    (void)state;
    madt_begin(0xFEE00000u, 0);
    madt_lapic(0, 0, 1);
    madt_len += 1; /* a single byte where an entry header would need two */
    madt_seal();
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), madt_len, &info.madt), rcBadFormat);
}

static void test_madt_no_enabled_cpu(void **state)
{
    (void)state;
    madt_begin(0xFEE00000u, 0);
    madt_lapic(0, 0, 0);
    madt_ioapic(1, 0xFEC00000u, 0);
    madt_seal();
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), madt_len, &info.madt), rcBadFormat);
}

static void test_madt_truncated(void **state)
{
    (void)state;
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), 40, &info.madt), rcTruncated);
    assert_int_equal(acpi_sdt_check(at(MADT_PHYS), 40, "APIC"), rcTruncated);
    assert_int_equal(acpi_sdt_check(at(MADT_PHYS), 20, "APIC"), rcTruncated);
    assert_int_equal(acpi_sdt_check(at(MADT_PHYS), 0x800, "FACP"), rcBadFormat);
    assert_int_equal(acpi_sdt_check(at(MADT_PHYS), 0x800, "APIC"), rcOk);
}

static void test_madt_x2apic_override_unknown(void **state)
{
    (void)state;
    madt_begin(0xFEE00000u, 0);
    madt_lapic(0, 0, 1);
    uint8_t *e = madt_entry(5, 12); /* LAPIC address override */
    wr64(e + 4, 0x1FEE00000ull);
    e = madt_entry(9, 16); /* x2APIC id 300 */
    wr32(e + 4, 300);
    wr32(e + 8, 1);
    wr32(e + 12, 77);
    e = madt_entry(9, 16); /* x2APIC duplicate of the LAPIC entry above */
    wr32(e + 4, 0);
    wr32(e + 8, 1);
    e = madt_entry(10, 12); /* x2APIC NMI for uid 77 on LINT0 */
    wr16(e + 2, 5);
    wr32(e + 4, 77);
    e[8] = 0;
    madt_entry(0x7F, 4); /* a type from the future: skipped */
    madt_seal();
    struct acpi_madt *m = &info.madt;
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), madt_len, m), rcOk);
    assert_int_equal(m->lapic_addr, 0x1FEE00000ull);
    assert_false(m->pcat_compat);
    assert_int_equal(m->ncpus, 2);
    assert_int_equal(m->cpus[1].apic_id, 300);
    assert_int_equal(m->cpus[1].acpi_uid, 77);
    assert_true(m->cpus[1].x2apic);
    assert_int_equal(m->nlapic_nmis, 1);
    assert_int_equal(m->lapic_nmis[0].acpi_uid, 77);
    assert_int_equal(m->lapic_nmis[0].flags, 5);
    assert_int_equal(m->lapic_nmis[0].lint, 0);
    assert_int_equal(m->unknown, 1);
}

/* An MCFG in place of the HPET: one ECAM window for buses 0..255 at 0xB0000000 (q35's). */
static size_t build_mcfg(uint64_t base, uint8_t start, uint8_t end, size_t extra_bytes)
{
    uint8_t *t = at(HPET_PHYS);
    memset(t, 0, 0x100);
    uint8_t *e = t + ACPI_MCFG_ENTRIES_OFFSET;
    wr64(e, base);
    wr16(e + 8, 0);
    e[10] = start;
    e[11] = end;
    size_t len = ACPI_MCFG_ENTRIES_OFFSET + ACPI_MCFG_ENTRY_LEN + extra_bytes;
    seal_sdt(t, "MCFG", (uint32_t)len);
    return len;
}

static void test_mcfg_found(void **state)
{
    (void)state;
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_false(info.have_mcfg);
    assert_int_equal(info.mcfg_status, rcNotFound);

    build_mcfg(0xB0000000u, 0, 255, 0);
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_true(info.have_mcfg);
    assert_int_equal(info.mcfg.n, 1);
    assert_int_equal(info.mcfg.e[0].base, 0xB0000000u);
    assert_int_equal(info.mcfg.e[0].bus_start, 0);
    assert_int_equal(info.mcfg.e[0].bus_end, 255);
    assert_true(info.have_madt); /* the MADT is still found beside it */
}

static void test_mcfg_errors(void **state)
{
    (void)state;
    struct acpi_mcfg m;
    size_t len = build_mcfg(0xB0000000u, 0, 255, 0);
    assert_int_equal(acpi_mcfg_parse(at(HPET_PHYS), len, &m), rcOk);
    assert_int_equal(acpi_mcfg_parse(at(HPET_PHYS), 40, &m), rcTruncated);
    assert_int_equal(acpi_mcfg_parse(at(HPET_PHYS), len + 4, &m), rcBadFormat);
    len = build_mcfg(0xB0000000u, 8, 7, 0); /* end bus below start */
    assert_int_equal(acpi_mcfg_parse(at(HPET_PHYS), len, &m), rcBadFormat);
    len = build_mcfg(0xB0001000u, 0, 255, 0); /* not 1 MiB aligned */
    assert_int_equal(acpi_mcfg_parse(at(HPET_PHYS), len, &m), rcBadFormat);
    len = build_mcfg(0, 0, 255, 0);
    assert_int_equal(acpi_mcfg_parse(at(HPET_PHYS), len, &m), rcBadFormat);

    /* A corrupt MCFG is recorded, not fatal: the kernel then configures PCI through ports. */
    build_mcfg(0xB0000000u, 0, 255, 4);
    assert_int_equal(acpi_parse(rsdp, 20, fake_map, NULL, &info), rcOk);
    assert_false(info.have_mcfg);
    assert_int_equal(info.mcfg_status, rcBadFormat);
    assert_true(info.have_madt);
}

static void test_madt_capacity(void **state)
{
    (void)state;
    madt_begin(0xFEE00000u, 0);
    for (unsigned i = 0; i < ACPI_MAX_CPUS + 3; i++)
        madt_lapic((uint8_t)i, (uint8_t)i, 1);
    madt_seal();
    assert_int_equal(acpi_madt_parse(at(MADT_PHYS), madt_len, &info.madt), rcOk);
    assert_int_equal(info.madt.ncpus, ACPI_MAX_CPUS);
    assert_int_equal(info.madt.dropped, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_rsdp_v1, setup),
        cmocka_unit_test_setup(test_rsdp_v2_prefers_xsdt, setup),
        cmocka_unit_test_setup(test_rsdp_errors, setup),
        cmocka_unit_test_setup(test_parse_rsdt, setup),
        cmocka_unit_test_setup(test_parse_xsdt, setup),
        cmocka_unit_test_setup(test_bad_root_checksum, setup),
        cmocka_unit_test_setup(test_root_wrong_signature, setup),
        cmocka_unit_test_setup(test_root_odd_length, setup),
        cmocka_unit_test_setup(test_bad_madt_checksum, setup),
        cmocka_unit_test_setup(test_bad_other_table_is_not_fatal, setup),
        cmocka_unit_test_setup(test_table_outside_memory, setup),
        cmocka_unit_test_setup(test_table_length_past_memory, setup),
        cmocka_unit_test_setup(test_madt_entry_zero_length, setup),
        cmocka_unit_test_setup(test_madt_entry_past_end, setup),
        cmocka_unit_test_setup(test_madt_entry_too_short_for_type, setup),
        cmocka_unit_test_setup(test_madt_dangling_byte, setup),
        cmocka_unit_test_setup(test_madt_no_enabled_cpu, setup),
        cmocka_unit_test_setup(test_madt_truncated, setup),
        cmocka_unit_test_setup(test_madt_x2apic_override_unknown, setup),
        cmocka_unit_test_setup(test_mcfg_found, setup),
        cmocka_unit_test_setup(test_mcfg_errors, setup),
        cmocka_unit_test_setup(test_madt_capacity, setup),
    };
    return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
