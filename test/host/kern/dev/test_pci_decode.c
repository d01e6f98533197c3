/*
 * Host tests of the pure part of PCI enumeration: BAR sizing results as the hardware reads them
 * back (I/O, 32-bit, 64-bit, prefetchable, absent, a 64-bit BAR in the last slot) and the
 * capability walk over a fake configuration space, including a looping list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/pci_decode.h"

static void test_bar_io(void **state)
{
    (void)state;
    struct pci_bar b;
    /* 32 ports at 0xC000: the upper 16 bits read back as zero on some devices. */
    assert_int_equal(pci_bar_decode(0xC001, 0x0000FFE1, 0, 0, false, &b), 1);
    assert_true(b.io);
    assert_int_equal(b.base, 0xC000);
    assert_int_equal(b.size, 0x20);
    assert_int_equal(pci_bar_decode(0xC001, 0xFFFFFFE1, 0, 0, false, &b), 1);
    assert_int_equal(b.size, 0x20);
}

static void test_bar_mem32(void **state)
{
    (void)state;
    struct pci_bar b;
    /* edu's BAR0: 1 MiB at 0xFEA00000, non-prefetchable. */
    assert_int_equal(pci_bar_decode(0xFEA00000u, 0xFFF00000u, 0, 0, false, &b), 1);
    assert_false(b.io);
    assert_false(b.mem64);
    assert_false(b.prefetch);
    assert_int_equal(b.base, 0xFEA00000u);
    assert_int_equal(b.size, 0x100000);
}

static void test_bar_mem64_prefetch(void **state)
{
    (void)state;
    struct pci_bar b;
    /* 16 KiB at 0x8_0000_4000, 64-bit prefetchable: the high half is all ones when sized. */
    assert_int_equal(pci_bar_decode(0x0000400Cu, 0xFFFFC00Cu, 0x8, 0xFFFFFFFFu, false, &b), 2);
    assert_true(b.mem64);
    assert_true(b.prefetch);
    assert_int_equal(b.base, 0x800004000ull);
    assert_int_equal(b.size, 0x4000);
    /* 8 GiB: the size lives in the high half. */
    assert_int_equal(pci_bar_decode(0x0000000Cu, 0x0000000Cu, 0x10, 0xFFFFFFFEu, false, &b), 2);
    assert_int_equal(b.size, 0x200000000ull);
    assert_int_equal(b.base, 0x1000000000ull);
}

static void test_bar_absent_and_malformed(void **state)
{
    (void)state;
    struct pci_bar b;
    assert_int_equal(pci_bar_decode(0, 0, 0, 0, false, &b), 1);
    assert_int_equal(b.size, 0);
    /* A 64-bit BAR in slot 5 has no upper half: not usable. */
    assert_int_equal(pci_bar_decode(0xFE000004u, 0xFFFFF004u, 0, 0, true, &b), 1);
    assert_int_equal(b.size, 0);
    /* An I/O BAR that reads back no address bits. */
    assert_int_equal(pci_bar_decode(0x1, 0x1, 0, 0, false, &b), 1);
    assert_int_equal(b.size, 0);
}

static uint8_t cfg[256];

static uint8_t fake_read8(void *ctx, uint16_t off)
{
    (void)ctx;
    return off < sizeof cfg ? cfg[off] : 0xFF;
}

static void test_cap_walk(void **state)
{
    (void)state;
    memset(cfg, 0, sizeof cfg);
    assert_int_equal(pci_cap_find(fake_read8, NULL, PCI_CAP_ID_MSI), 0); /* no list bit */
    cfg[PCI_CFG_STATUS] = PCI_STATUS_CAP_LIST;
    cfg[PCI_CFG_CAP_PTR] = 0x40;
    cfg[0x40] = 0x01; /* power management */
    cfg[0x41] = 0x50;
    cfg[0x50] = PCI_CAP_ID_MSI;
    cfg[0x51] = 0x72; /* low bits are reserved and ignored */
    cfg[0x70] = PCI_CAP_ID_MSIX;
    cfg[0x71] = 0;
    assert_int_equal(pci_cap_find(fake_read8, NULL, PCI_CAP_ID_MSI), 0x50);
    assert_int_equal(pci_cap_find(fake_read8, NULL, PCI_CAP_ID_MSIX), 0x70);
    assert_int_equal(pci_cap_find(fake_read8, NULL, 0x10), 0);
    /* A list that loops back on itself ends. */
    cfg[0x71] = 0x40;
    assert_int_equal(pci_cap_find(fake_read8, NULL, 0x10), 0);
    /* A pointer into the header ends the walk. */
    cfg[PCI_CFG_CAP_PTR] = 0x20;
    assert_int_equal(pci_cap_find(fake_read8, NULL, PCI_CAP_ID_MSI), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_io),
        cmocka_unit_test(test_bar_mem32),
        cmocka_unit_test(test_bar_mem64_prefetch),
        cmocka_unit_test(test_bar_absent_and_malformed),
        cmocka_unit_test(test_cap_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
