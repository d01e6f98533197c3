/* Page-table walker/mapper/splitter over a fake physical memory of table frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/pagetable.h"

#define FAKE_BASE 0x100000ull /* "physical" address of the arena's first frame */
#define FRAMES 64

static uint8_t *arena;
static unsigned used;
static unsigned limit = FRAMES;
static unsigned quota = FRAMES; /* frames before alloc fails like a full account */
static unsigned freed;          /* tables handed to fake_free */
static uint64_t freed_pa[FRAMES];

static Retcode fake_alloc(void *arg, uint64_t *pa)
{
    (void)arg;
    if (used == limit)
        return rcOutOfMemory;
    if (used >= quota)
        return rcQuotaExceeded;
    memset(arena + (size_t)used * 4096, 0, 4096);
    *pa = FAKE_BASE + (uint64_t)(used++) * 4096;
    return rcOk;
}

static void *fake_virt(void *arg, uint64_t pa)
{
    (void)arg;
    assert_true(pa >= FAKE_BASE &&
                pa < FAKE_BASE + (uint64_t)used * 4096); /* only tables are read */
    return arena + (pa - FAKE_BASE);
}

static void fake_free(void *arg, uint64_t pa)
{
    (void)arg;
    /* Unlinked and empty: every entry is zero (the free callback may reuse it at once). */
    const uint64_t *t = fake_virt(NULL, pa);
    for (unsigned i = 0; i < 512; i++)
        assert_int_equal(t[i], 0);
    for (unsigned i = 0; i < freed; i++)
        assert_int_not_equal(freed_pa[i], pa); /* never twice */
    freed_pa[freed++] = pa;
}

static struct pt_ctx ctx;
static uint64_t root;

static int setup(void **state)
{
    (void)state;
    arena = aligned_alloc(4096, (size_t)FRAMES * 4096);
    used = 0;
    limit = FRAMES;
    quota = FRAMES;
    freed = 0;
    memset(&ctx, 0, sizeof ctx);
    ctx.alloc_table = fake_alloc;
    ctx.table_virt = fake_virt;
    ctx.nx_mask = PTE_NX;
    assert_int_equal(fake_alloc(NULL, &root), rcOk);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(arena);
    return 0;
}

#define KVA 0xFFFF800000000000ull
#define RW (PTE_P | PTE_W | PTE_NX)
#define RO (PTE_P | PTE_NX)
#define RX (PTE_P)

static void test_map_query_unmap_4k(void **state)
{
    (void)state;
    uint64_t pa, fl;
    assert_int_equal(pt_query(&ctx, root, KVA + 0x5000, &pa, &fl), rcNotFound);
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x5000, 0x7000, 0x1000, RW, 0), rcOk);
    assert_int_equal(ctx.tables, 3); /* PDPT, PD, PT */
    assert_int_equal(pt_query(&ctx, root, KVA + 0x5123, &pa, &fl), rcOk);
    assert_int_equal(pa, 0x7123);
    assert_true(fl & PTE_W);
    assert_true(fl & PTE_NX);
    assert_false(fl & PTE_U);
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x5000, 0x9000, 0x1000, RW, 0),
                     rcAlreadyExists);
    assert_int_equal(pt_query(&ctx, root, KVA + 0x6000, &pa, &fl), rcNotFound);
    assert_int_equal(pt_unmap(&ctx, root, KVA + 0x5000, &pa), rcOk);
    assert_int_equal(pa, 0x7000);
    assert_int_equal(pt_unmap(&ctx, root, KVA + 0x5000, &pa), rcNotFound);
    assert_int_equal(pt_query(&ctx, root, KVA + 0x5000, &pa, &fl), rcNotFound);
}

static void test_wx_and_argument_checks(void **state)
{
    (void)state;
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0x1000, 0x1000, PTE_P | PTE_W, 0),
                     rcWxViolation);
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x10, 0x1000, 0x1000, RW, 0), rcAlignment);
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0x1010, 0x1000, RW, 0), rcAlignment);
    assert_int_equal(pt_map_range(&ctx, root, 0x0000900000000000ull, 0x1000, 0x1000, RW, 0),
                     rcInvalidArgument);
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0x1000, 0x1000, RW | PTE_U, 0),
                     rcInvalidArgument);
    /* A range that crosses from the user half into the hole. */
    assert_int_equal(pt_map_range(&ctx, root, PT_USER_TOP - 0x1000, 0x1000, 0x2000, RW, 0),
                     rcInvalidArgument);
    assert_int_equal(pt_map_range(&ctx, root, KVA, 1ull << 52, 0x1000, RW, 0), rcInvalidArgument);
    assert_int_equal(pt_unmap(&ctx, root, KVA + 1, NULL), rcAlignment);
    assert_int_equal(pt_query(&ctx, root, 0x0000900000000000ull, NULL, NULL), rcInvalidArgument);
    assert_int_equal(ctx.tables, 0); /* nothing was built for refused requests */
    /* Without NX support the bit is never written, but W^X is still checked on the request. */
    ctx.nx_mask = 0;
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0x1000, 0x1000, RW, 0), rcOk);
    uint64_t fl;
    assert_int_equal(pt_query(&ctx, root, KVA, NULL, &fl), rcOk);
    assert_false(fl & PTE_NX);
}

static void test_user_mapping_sets_user_on_tables(void **state)
{
    (void)state;
    uint64_t uva = 0x400000;
    assert_int_equal(pt_map_range(&ctx, root, uva, 0x200000, 0x1000, PTE_P | PTE_U | PTE_NX, 0),
                     rcOk);
    uint64_t *e;
    int lvl;
    /* Every level on the way has U, or the CPU would deny user access. */
    for (int l = 3; l >= 1; l--) {
        assert_int_equal(pt_walk(&ctx, root, uva, l, false, &e, &lvl), rcOk);
        if (l > 1)
            assert_true(*e & PTE_U);
    }
    assert_true(*e & PTE_U);
    uint64_t *pml4 = fake_virt(NULL, root);
    assert_true(pml4[0] & PTE_U);
}

static void test_large_pages_chosen_by_alignment(void **state)
{
    (void)state;
    /* 2 MiB + 8 KiB starting 4 KiB below a 2 MiB boundary: 4K, 2M, 4K. */
    uint64_t va = KVA + 0x1ff000, pa = 0x1ff000;
    assert_int_equal(pt_map_range(&ctx, root, va, pa, 0x202000, RW, PT_COUNT), rcOk);
    assert_int_equal(ctx.leaves[1], 2);
    assert_int_equal(ctx.leaves[2], 1);
    uint64_t got, fl;
    assert_int_equal(pt_query(&ctx, root, KVA + 0x312345, &got, &fl), rcOk);
    assert_int_equal(got, 0x312345);
    assert_true(fl & PTE_PS);
    /* 1 GiB leaves only when allowed. */
    ctx.gbpages = true;
    assert_int_equal(
        pt_map_range(&ctx, root, KVA + (1ull << 30), 1ull << 30, 1ull << 30, RW, PT_COUNT), rcOk);
    assert_int_equal(ctx.leaves[3], 1);
    assert_int_equal(pt_query(&ctx, root, KVA + (1ull << 30) + 0x12345678, &got, NULL), rcOk);
    assert_int_equal(got, (1ull << 30) + 0x12345678);
    /* A 4K unmap inside a large leaf is refused. */
    assert_int_equal(pt_unmap(&ctx, root, KVA + 0x300000, NULL), rcInvalidArgument);
    /* Remapping inside a large leaf without skip fails. */
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x300000, 0, 0x1000, RW, 0), rcAlreadyExists);
}

static void test_skip_mapped_gives_first_pass_priority(void **state)
{
    (void)state;
    /* First pass: a few 4K pages in the middle of a 2 MiB region, write-back. */
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x5000, 0x5000, 0x3000, RW, PT_COUNT), rcOk);
    /* Second pass: the whole 4 MiB, uncached, skipping what exists. */
    uint64_t uc = RW | PTE_PCD | PTE_PWT;
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0, 0x400000, uc, PT_SKIP_MAPPED | PT_COUNT),
                     rcOk);
    /* The first 2 MiB already had a page table: filled with 4K pages; the second is one 2M leaf. */
    assert_int_equal(ctx.leaves[1], 512);
    assert_int_equal(ctx.leaves[2], 1);
    uint64_t fl;
    assert_int_equal(pt_query(&ctx, root, KVA + 0x6000, NULL, &fl), rcOk);
    assert_false(fl & PTE_PCD); /* kept from the first pass */
    assert_int_equal(pt_query(&ctx, root, KVA + 0x9000, NULL, &fl), rcOk);
    assert_true(fl & PTE_PCD);
    /* Without skip the same request fails on the first existing page. */
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0, 0x400000, uc, 0), rcAlreadyExists);
}

static void test_protect_splits_large_pages(void **state)
{
    (void)state;
    ctx.gbpages = true;
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0, 1ull << 30, RW, PT_COUNT), rcOk);
    assert_int_equal(ctx.leaves[3], 1);
    unsigned tables = (unsigned)ctx.tables;
    /* Make 3 pages at 0x201000 read-only: splits 1G -> 2M leaves, then one 2M -> 4K. */
    assert_int_equal(pt_protect(&ctx, root, KVA + 0x201000, 0x3000, RO), rcOk);
    assert_int_equal(ctx.tables, tables + 2);
    assert_int_equal(ctx.leaves[3], 0);
    assert_int_equal(ctx.leaves[2], 511);
    assert_int_equal(ctx.leaves[1], 512);
    uint64_t pa, fl;
    assert_int_equal(pt_query(&ctx, root, KVA + 0x202abc, &pa, &fl), rcOk);
    assert_int_equal(pa, 0x202abc); /* addresses survive the split */
    assert_false(fl & PTE_W);
    assert_false(fl & PTE_PS);
    assert_int_equal(pt_query(&ctx, root, KVA + 0x200000, &pa, &fl), rcOk);
    assert_true(fl & PTE_W); /* the neighbour keeps its flags */
    assert_int_equal(pt_query(&ctx, root, KVA + 0x40000000 - 0x1000, &pa, &fl), rcOk);
    assert_int_equal(pa, 0x40000000 - 0x1000);
    assert_true(fl & PTE_PS);
    assert_int_equal(pt_protect(&ctx, root, KVA, 0x1000, PTE_P | PTE_W), rcWxViolation);
    /* Unmapped pages in the range are skipped, not created. */
    assert_int_equal(pt_protect(&ctx, root, KVA + (1ull << 31), 0x2000, RO), rcOk);
    assert_int_equal(pt_query(&ctx, root, KVA + (1ull << 31), NULL, NULL), rcNotFound);
}

static void test_out_of_table_frames(void **state)
{
    (void)state;
    limit = used + 2; /* room for PDPT and PD, not the PT */
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x1000, 0x1000, 0x1000, RW, 0), rcOutOfMemory);
    limit = FRAMES;
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x1000, 0x1000, 0x1000, RW, 0), rcOk);
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0, 0x200000, RW, PT_COUNT), rcAlreadyExists);
    /* Splitting needs a frame too. */
    assert_int_equal(pt_map_range(&ctx, root, KVA + 0x400000, 0x400000, 0x200000, RW, 0), rcOk);
    limit = used;
    assert_int_equal(pt_protect(&ctx, root, KVA + 0x400000, 0x1000, RO), rcOutOfMemory);
}

static void test_global_bit_on_kernel_half_only(void **state)
{
    (void)state;
    ctx.global = PTE_G;
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0, 0x1000, RW, 0), rcOk);
    assert_int_equal(pt_map_range(&ctx, root, 0x1000, 0, 0x1000, RW | PTE_U, 0), rcOk);
    uint64_t fl;
    assert_int_equal(pt_query(&ctx, root, KVA, NULL, &fl), rcOk);
    assert_true(fl & PTE_G);
    assert_int_equal(pt_query(&ctx, root, 0x1000, NULL, &fl), rcOk);
    assert_false(fl & PTE_G);
}


/* ---- Entry counts and freeing of user-half tables ---- */

#define UVA 0x400000ull
#define URW (PTE_P | PTE_U | PTE_W | PTE_NX)
#define MARK (1ull << 10)

static uint64_t *entry_at(uint64_t va, int level)
{
    uint64_t *e;
    int lvl;
    assert_int_equal(pt_walk(&ctx, root, va, level, false, &e, &lvl), rcOk);
    return e;
}

static void test_user_tables_counted_and_freed_when_empty(void **state)
{
    (void)state;
    ctx.free_table = fake_free;
    assert_int_equal(pt_map_range(&ctx, root, UVA, 0x200000, 0x1000, URW, 0), rcOk);
    assert_int_equal(pt_map_range(&ctx, root, UVA + 0x1000, 0x201000, 0x1000, URW, 0), rcOk);
    assert_int_equal(ctx.tables, 3);
    assert_int_equal(pt_entry_count(*entry_at(UVA, 4)), 1); /* the PDPT holds one PD */
    assert_int_equal(pt_entry_count(*entry_at(UVA, 3)), 1); /* the PD one PT */
    assert_int_equal(pt_entry_count(*entry_at(UVA, 2)), 2); /* the PT two pages */
    /* The count bits are not address bits: translation is unchanged. */
    uint64_t pa;
    assert_int_equal(pt_query(&ctx, root, UVA + 0x1234, &pa, NULL), rcOk);
    assert_int_equal(pa, 0x201234);
    assert_int_equal(pt_unmap(&ctx, root, UVA, &pa), rcOk);
    assert_int_equal(freed, 0);
    assert_int_equal(pt_entry_count(*entry_at(UVA, 2)), 1);
    assert_int_equal(pt_unmap(&ctx, root, UVA + 0x1000, &pa), rcOk);
    assert_int_equal(freed, 3); /* PT, PD, PDPT: the last page took them all */
    assert_int_equal(ctx.tables, 0);
    uint64_t *pml4 = fake_virt(NULL, root);
    assert_int_equal(pml4[0], 0);
}

static void test_spread_pages_clear_range_frees_every_table(void **state)
{
    (void)state;
    ctx.free_table = fake_free;
    /* One page per GiB: each needs its own PD and PT (what a spread allocation loop makes). */
    for (uint64_t k = 0; k < 4; k++)
        assert_int_equal(pt_map_range(&ctx, root, (k << 30) + UVA, 0x200000, 0x1000, URW, 0), rcOk);
    assert_int_equal(ctx.tables, 9);
    assert_int_equal(pt_clear_range(&ctx, root, 0, 4ull << 30, NULL, NULL), 4);
    assert_int_equal(freed, 9);
    assert_int_equal(ctx.tables, 0);
}

static unsigned cleared_calls;
static void count_cleared(void *arg, uint64_t va, uint64_t e)
{
    (void)arg;
    (void)va;
    assert_int_not_equal(e, 0);
    cleared_calls++;
}

static void test_prepare_mark_back_clear(void **state)
{
    (void)state;
    ctx.free_table = fake_free;
    /* Prepared but never marked: pruned away again. */
    assert_int_equal(pt_prepare(&ctx, root, UVA, 0x3000), rcOk);
    assert_int_equal(ctx.tables, 3);
    pt_prune(&ctx, root, UVA, 0x3000);
    assert_int_equal(ctx.tables, 0);
    assert_int_equal(freed, 3);
    /* Marked pages keep their tables; backing one over its marker does not count it twice. */
    assert_int_equal(pt_prepare(&ctx, root, UVA, 0x3000), rcOk);
    assert_int_equal(pt_mark(&ctx, root, UVA, 0x3000, MARK), rcOk);
    assert_int_equal(pt_entry_count(*entry_at(UVA, 2)), 3);
    assert_int_equal(pt_query(&ctx, root, UVA, NULL, NULL), rcNotFound); /* not present */
    assert_int_equal(pt_map_range(&ctx, root, UVA + 0x1000, 0x300000, 0x1000, URW, 0), rcOk);
    assert_int_equal(pt_entry_count(*entry_at(UVA, 2)), 3);
    assert_int_equal(pt_mark(&ctx, root, UVA, 0x3000, MARK), rcOk); /* the leaf stays */
    assert_int_equal(pt_query(&ctx, root, UVA + 0x1000, NULL, NULL), rcOk);
    pt_prune(&ctx, root, UVA, 0x3000); /* not empty: kept */
    assert_int_equal(ctx.tables, 3);
    assert_int_equal(pt_mark(&ctx, root, UVA, 0x1000, MARK | PTE_P), rcInvalidArgument);
    assert_int_equal(pt_mark(&ctx, root, UVA + (1ull << 30), 0x1000, MARK), rcNotFound);
    /* Clearing drops markers and leaves alike; only the leaf counts as present. */
    cleared_calls = 0;
    assert_int_equal(pt_clear_range(&ctx, root, UVA, 0x3000, count_cleared, NULL), 1);
    assert_int_equal(cleared_calls, 3);
    assert_int_equal(ctx.tables, 0);
}

/* Backing a marked page through its known entry (pt_fill_marker) does what pt_map_range does
 * there: the leaf with the hardware's flags, the table's count unchanged, and the same refusals;
 * an entry that is mapped or was never marked is left alone. */
static void test_fill_marker(void **state)
{
    (void)state;
    ctx.free_table = fake_free;
    assert_int_equal(pt_prepare(&ctx, root, UVA, 0x2000), rcOk);
    assert_int_equal(pt_mark(&ctx, root, UVA, 0x1000, MARK), rcOk);
    uint64_t *e = entry_at(UVA, 1), *e2 = entry_at(UVA + 0x1000, 1);
    assert_int_equal(pt_fill_marker(&ctx, e, UVA, 0x300000, PTE_P | PTE_U | PTE_W), rcWxViolation);
    assert_int_equal(pt_fill_marker(&ctx, e, UVA, 0x300800, URW), rcAlignment);
    assert_int_equal(pt_fill_marker(&ctx, e2, UVA + 0x1000, 0x301000, URW), rcNotFound);
    assert_int_equal(*e2, 0);
    assert_int_equal(pt_fill_marker(&ctx, e, UVA, 0x300000, URW), rcOk);
    assert_int_equal(pt_entry_count(*entry_at(UVA, 2)), 1);
    uint64_t pa = 0, fl = 0;
    assert_int_equal(pt_query(&ctx, root, UVA, &pa, &fl), rcOk);
    assert_int_equal(pa, 0x300000);
    assert_true(fl & PTE_W);
    assert_int_equal(*e & MARK, 0); /* the marker is gone under the leaf */
    assert_int_equal(pt_fill_marker(&ctx, e, UVA, 0x302000, URW), rcAlreadyExists);
    assert_int_equal(*e & PTE_ADDR, 0x300000);
    cleared_calls = 0;
    assert_int_equal(pt_clear_range(&ctx, root, UVA, 0x2000, count_cleared, NULL), 1);
    assert_int_equal(ctx.tables, 0);
}

/* A marked range that crosses from one last-level table into the next: each table counts its
 * own entries, and a page already marked or backed is not counted twice. */
static void test_mark_across_tables(void **state)
{
    (void)state;
    ctx.free_table = fake_free;
    const uint64_t va = UVA + 0x1FE000; /* the last two pages of UVA's table */
    assert_int_equal(pt_prepare(&ctx, root, va, 0x4000), rcOk);
    assert_int_equal(pt_map_range(&ctx, root, va + 0x3000, 0x300000, 0x1000, URW, 0), rcOk);
    assert_int_equal(pt_mark(&ctx, root, va, 0x3000, MARK), rcOk);
    assert_int_equal(pt_mark(&ctx, root, va, 0x3800, MARK), rcAlignment);
    assert_int_equal(pt_entry_count(*entry_at(va, 2)), 2);
    assert_int_equal(pt_entry_count(*entry_at(va + 0x2000, 2)), 2);
    assert_int_equal(*entry_at(va + 0x1000, 1), MARK);
    assert_int_equal(*entry_at(va + 0x2000, 1), MARK);
    assert_int_equal(pt_query(&ctx, root, va + 0x3000, NULL, NULL), rcOk); /* the leaf stays */
    assert_int_equal(pt_mark(&ctx, root, va, 0x4000, MARK), rcOk);         /* nothing new */
    assert_int_equal(pt_entry_count(*entry_at(va, 2)), 2);
    assert_int_equal(pt_entry_count(*entry_at(va + 0x2000, 2)), 2);
    assert_int_equal(pt_clear_range(&ctx, root, va, 0x4000, NULL, NULL), 1);
    assert_int_equal(ctx.tables, 0);
}

static void test_prepare_failure_leaves_nothing(void **state)
{
    (void)state;
    ctx.free_table = fake_free;
    quota = used + 2; /* PDPT and PD, then the account is full */
    assert_int_equal(pt_prepare(&ctx, root, UVA, 0x1000), rcQuotaExceeded);
    assert_int_equal(ctx.tables, 0);
    assert_int_equal(freed, 2);
    /* A map that cannot get its table fails with the allocator's code, and keeps nothing. */
    assert_int_equal(pt_map_range(&ctx, root, UVA, 0x200000, 0x1000, URW, 0), rcQuotaExceeded);
    pt_prune(&ctx, root, UVA, 0x1000);
    assert_int_equal(ctx.tables, 0);
    quota = FRAMES;
    /* Across two PTs: the second fails, and the tables made for the first go too. */
    quota = used + 3; /* PDPT, PD and the first PT */
    assert_int_equal(pt_prepare(&ctx, root, UVA, 0x400000), rcQuotaExceeded);
    assert_int_equal(ctx.tables, 0);
}

static void test_kernel_half_tables_never_freed(void **state)
{
    (void)state;
    ctx.free_table = fake_free;
    assert_int_equal(pt_map_range(&ctx, root, KVA, 0x1000, 0x1000, RW, 0), rcOk);
    assert_int_equal(pt_unmap(&ctx, root, KVA, NULL), rcOk);
    assert_int_equal(freed, 0);
    assert_int_equal(ctx.tables, 3);
    uint64_t *pml4 = fake_virt(NULL, root);
    assert_int_equal(pml4[256] & PTE_COUNT_MASK, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_query_unmap_4k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wx_and_argument_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_mapping_sets_user_on_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_pages_chosen_by_alignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_mapped_gives_first_pass_priority, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_protect_splits_large_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_table_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_bit_on_kernel_half_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_tables_counted_and_freed_when_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spread_pages_clear_range_frees_every_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_prepare_mark_back_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mark_across_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_failure_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_half_tables_never_freed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
