/*
 * Host tests of the VT-d encoders (bit positions from the Intel VT-d specification) and of an
 * IOMMU domain's second-level page table over a fake physical memory: every entry written is
 * read back as the hardware would walk it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/iommu_pt.h"
#include "dev/vtd_format.h"

static void test_caps(void **state)
{
    (void)state;
    struct vtd_caps c;
    /* QEMU 7.2's intel-iommu (aw-bits 39): ND 2, SAGAW 39-bit only, MGAW 39, FRO 0x22 (0x220
     * bytes), NFR 1, PSI; ECAP IRO 0x20 (0x200 bytes). */
    uint64_t cap = 2u | (0x2ull << 8) | (38ull << 16) | (0x22ull << 24) | (1ull << 39) |
                   (0ull << 40) | (1ull << 7);
    uint64_t ecap = (0x20ull << 8) | (1ull << 6);
    vtd_caps_decode(cap, ecap, &c);
    assert_int_equal(c.domains, 256);
    assert_int_equal(c.sagaw, 0x2);
    assert_int_equal(c.mgaw, 39);
    assert_int_equal(c.fro, 0x220);
    assert_int_equal(c.nfr, 1);
    assert_int_equal(c.iro, 0x200);
    assert_true(c.caching_mode);
    assert_true(c.pass_through);
    assert_false(c.coherent);
    assert_false(c.rwbf);

    assert_int_equal(vtd_levels_for(0x2), 3);
    assert_int_equal(vtd_levels_for(0x6), 3);
    assert_int_equal(vtd_levels_for(0x4), 4);
    assert_int_equal(vtd_levels_for(0x8), 0); /* 57-bit only: not supported here */
    assert_int_equal(vtd_aw_for_levels(3), 1);
    assert_int_equal(vtd_aw_for_levels(4), 2);
}

static void test_entries(void **state)
{
    (void)state;
    uint64_t lo, hi;
    vtd_root_entry(0x12345000u, &lo, &hi);
    assert_int_equal(lo, 0x12345001u);
    assert_int_equal(hi, 0);

    vtd_context_entry(0xABCDE000u, 3, 0x2A, &lo, &hi);
    assert_int_equal(lo, 0xABCDE001u);         /* P, FPD 0, TT 0 */
    assert_int_equal(hi, (0x2Aull << 8) | 1u); /* DID bits 87:72, AW 1 */
    vtd_context_entry(0xABCDE000u, 4, 0xFFFF, &lo, &hi);
    assert_int_equal(hi, (0xFFFFull << 8) | 2u);

    assert_int_equal(vtd_sl_table(0x5000), 0x5003u);
    assert_int_equal(vtd_sl_leaf(0x7000, true, false), 0x7001u);
    assert_int_equal(vtd_sl_leaf(0x7000, false, true), 0x7002u);
    assert_int_equal(vtd_sl_leaf(0x7FFF, true, true), 0x7003u); /* offset bits dropped */
    assert_false(vtd_sl_present(0));
    assert_int_equal(vtd_sl_index(0x12345678000ull, 1), (0x12345678000ull >> 12) & 511);
    assert_int_equal(vtd_sl_index(0x12345678000ull, 3), (0x12345678000ull >> 30) & 511);
}

static void test_commands(void **state)
{
    (void)state;
    /* Context command: ICC 63, CIRG 62:61, SID 31:16, DID 15:0. */
    assert_int_equal(vtd_ccmd_global(), (1ull << 63) | (1ull << 61));
    assert_int_equal(vtd_ccmd_device(7, 0x0018),
                     (1ull << 63) | (3ull << 61) | (0x18ull << 16) | 7u);
    /* IOTLB: IVT 63, IIRG 61:60, DR 49, DW 48, DID 47:32. */
    assert_int_equal(vtd_iotlb_global(), (1ull << 63) | (1ull << 60) | (3ull << 48));
    assert_int_equal(vtd_iotlb_domain(5),
                     (1ull << 63) | (2ull << 60) | (3ull << 48) | (5ull << 32));
    assert_int_equal(VTD_CCMD_CAIG(3ull << 59), 3);
    assert_int_equal(VTD_IOTLB_IAIG(2ull << 57), 2);
    assert_int_equal(vtd_msi_addr(3), 0xFEE03000u);
    assert_int_equal(vtd_msi_data(0xE0), 0xE0);
}

static void test_fault_decode(void **state)
{
    (void)state;
    struct vtd_fault f;
    /* F 127, T 126 (read), FR 103:96 = 6, SID 79:64 = 00:03.0 (0x18); FI 0x40000. */
    uint64_t hi = (1ull << 63) | (1ull << 62) | (6ull << 32) | 0x18u;
    vtd_fault_decode(0x40123ull, hi, &f);
    assert_true(f.present);
    assert_true(f.read);
    assert_int_equal(f.reason, 6);
    assert_int_equal(f.source_id, 0x18);
    assert_int_equal(f.addr, 0x40000u);
    vtd_fault_decode(0x1000, (5ull << 32) | 0x20u, &f);
    assert_false(f.present);
    assert_false(f.read);
    assert_string_equal(vtd_fault_reason_text(5), "write not permitted");
    assert_string_equal(vtd_fault_reason_text(2), "context entry not present");
    assert_string_equal(vtd_fault_reason_text(0xEE), "unlisted reason");
}

/* ---- the page table over a fake memory ------------------------------------------------ */

#define FAKE_PAGES 64
#define FAKE_BASE 0x100000u
static uint64_t fake[FAKE_PAGES][512];
static bool fake_used[FAKE_PAGES];
static unsigned fake_limit = FAKE_PAGES, flushes;

static uint64_t f_alloc(void *ctx)
{
    (void)ctx;
    unsigned inuse = 0;
    for (unsigned i = 0; i < FAKE_PAGES; i++)
        inuse += fake_used[i];
    if (inuse >= fake_limit)
        return 0;
    for (unsigned i = 0; i < FAKE_PAGES; i++)
        if (!fake_used[i]) {
            fake_used[i] = true;
            memset(fake[i], 0, sizeof fake[i]);
            return FAKE_BASE + i * 4096u;
        }
    return 0;
}
static void f_free(void *ctx, uint64_t pa)
{
    (void)ctx;
    unsigned i = (unsigned)((pa - FAKE_BASE) / 4096u);
    assert_true(fake_used[i]);
    fake_used[i] = false;
}
static uint64_t *f_table(void *ctx, uint64_t pa)
{
    (void)ctx;
    assert_true(pa >= FAKE_BASE && pa < FAKE_BASE + FAKE_PAGES * 4096u);
    return fake[(pa - FAKE_BASE) / 4096u];
}
static void f_flush(void *ctx, const void *p, size_t len)
{
    (void)ctx;
    (void)p;
    (void)len;
    flushes++;
}
static const struct iommu_pt_ops f_ops = {f_alloc, f_free, f_table, f_flush};

static int reset(void **state)
{
    (void)state;
    memset(fake_used, 0, sizeof fake_used);
    fake_limit = FAKE_PAGES;
    flushes = 0;
    return 0;
}

/* The hardware's walk: what a device reaching iova gets, 0 for a fault. */
static uint64_t hw_walk(const struct iommu_pt *pt, uint64_t iova, bool write)
{
    uint64_t table = pt->root_pa;
    for (unsigned level = pt->levels; level >= 1; level--) {
        uint64_t e = f_table(NULL, table)[vtd_sl_index(iova, level)];
        if (!(e & (write ? VTD_SL_WRITE : VTD_SL_READ)))
            return 0;
        table = e & VTD_SL_ADDR_MASK;
    }
    return table | (iova & 0xFFFu);
}

static void test_pt_map_unmap(void **state)
{
    (void)state;
    struct iommu_pt pt;
    assert_int_equal(iommu_pt_init(&pt, 3, &f_ops, NULL), rcOk);
    assert_int_equal(pt.tables, 1);
    assert_int_equal(iommu_pt_map(&pt, 0x100000, 0x7654000, true, false), rcOk);
    assert_int_equal(iommu_pt_map(&pt, 0x101000, 0x9999000, true, true), rcOk);
    assert_int_equal(pt.tables, 3); /* root, one level-2, one level-1 table */
    assert_true(flushes >= 4);
    assert_int_equal(hw_walk(&pt, 0x100010, false), 0x7654010u);
    assert_int_equal(hw_walk(&pt, 0x100010, true), 0); /* read-only: a device write faults */
    assert_int_equal(hw_walk(&pt, 0x101FFF, true), 0x9999FFFu);
    assert_int_equal(hw_walk(&pt, 0x102000, false), 0); /* never mapped */
    assert_int_equal(hw_walk(&pt, 0x0, false), 0);

    assert_int_equal(iommu_pt_map(&pt, 0x100000, 0x1000, true, true), rcAlreadyExists);
    assert_int_equal(iommu_pt_map(&pt, 0x100800, 0x1000, true, true), rcAlignment);
    assert_int_equal(iommu_pt_map(&pt, 0x102000, 0x1001, true, true), rcAlignment);
    assert_int_equal(iommu_pt_map(&pt, 0x102000, 0x1000, false, false), rcInvalidArgument);
    assert_int_equal(iommu_pt_map(&pt, 1ull << 39, 0x1000, true, true), rcOutOfRange);

    uint64_t pa = 0;
    assert_int_equal(iommu_pt_unmap(&pt, 0x100000, &pa), rcOk);
    assert_int_equal(pa, 0x7654000u);
    assert_int_equal(hw_walk(&pt, 0x100000, false), 0);
    assert_int_equal(iommu_pt_unmap(&pt, 0x100000, NULL), rcNotFound);
    assert_int_equal(iommu_pt_unmap(&pt, 0x40000000, NULL), rcNotFound); /* no table there */
    assert_int_equal(iommu_pt_lookup(&pt, 0x101000), 0x9999003u);
    assert_int_equal(iommu_pt_lookup(&pt, 0x100000), 0);
    assert_int_equal(pt.mapped, 1);

    iommu_pt_destroy(&pt);
    for (unsigned i = 0; i < FAKE_PAGES; i++)
        assert_false(fake_used[i]);
}

static void test_pt_four_levels_and_oom(void **state)
{
    (void)state;
    struct iommu_pt pt;
    assert_int_equal(iommu_pt_init(&pt, 5, &f_ops, NULL), rcInvalidArgument);
    assert_int_equal(iommu_pt_init(&pt, 4, &f_ops, NULL), rcOk);
    assert_int_equal(iommu_pt_map(&pt, 1ull << 39, 0x3000, true, true), rcOk);
    assert_int_equal(hw_walk(&pt, 1ull << 39, true), 0x3000u);
    assert_int_equal(iommu_pt_map(&pt, 1ull << 48, 0x3000, true, true), rcOutOfRange);
    assert_int_equal(pt.tables, 4);
    fake_limit = 4; /* no page for a new branch */
    assert_int_equal(iommu_pt_map(&pt, 0x1000, 0x3000, true, true), rcOutOfMemory);
    assert_int_equal(hw_walk(&pt, 0x1000, false), 0);
    iommu_pt_destroy(&pt);
    for (unsigned i = 0; i < FAKE_PAGES; i++)
        assert_false(fake_used[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_fault_decode),
        cmocka_unit_test_setup(test_pt_map_unmap, reset),
        cmocka_unit_test_setup(test_pt_four_levels_and_oom, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
