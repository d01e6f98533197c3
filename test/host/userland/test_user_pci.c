/*
 * The kernel's PCI table as user mode checks it (userland/ipc/pci_table_parse.c) and the PCI
 * address form of init.yaml devices (userland/ipc/device.c: device_bdf_parse): every way the
 * bytes can be wrong is rcBadFormat, and nothing of a refused table is handed out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <user/device.h>
#include <user/pci_table.h>

static struct {
    struct bastion_pci_table_header h;
    struct bastion_pci_record rec[2];
} file;

static struct pci_table t;

static int setup(void **state)
{
    (void)state;
    memset(&file, 0, sizeof file);
    file.h = (struct bastion_pci_table_header){BASTION_PCI_TABLE_MAGIC, BASTION_PCI_TABLE_VERSION,
                                               2, sizeof(struct bastion_pci_record)};
    file.rec[0].bdf = 0x18;
    file.rec[0].vendor = 0x1234;
    file.rec[0].device = 0x11e8;
    file.rec[0].bar[0] = (struct bastion_pci_bar){0xfea00000, 0x100000, 0, 0};
    file.rec[1].bdf = 0x20;
    file.rec[1].vendor = 0x1b36;
    file.rec[1].device = 0x000d;
    return 0;
}

static void test_valid(void **state)
{
    (void)state;
    assert_int_equal(pci_table_parse(&file, sizeof file, &t), rcOk);
    assert_int_equal(t.count, 2);
    const struct bastion_pci_record *r = pci_table_find_id(&t, 0x1234, 0x11e8);
    assert_non_null(r);
    assert_int_equal(r->bdf, 0x18);
    assert_int_equal(r->bar[0].base, 0xfea00000);
    assert_ptr_equal(pci_table_find_bdf(&t, 0x20), &t.rec[1]);
    assert_null(pci_table_find_bdf(&t, 0x28));
    assert_null(pci_table_find_id(&t, 0x1234, 0x11e9));
    /* An empty table is a table. */
    file.h.count = 0;
    assert_int_equal(pci_table_parse(&file, sizeof file.h, &t), rcOk);
    assert_int_equal(t.count, 0);
}

static void expect_bad(size_t len)
{
    t.count = 99;
    assert_int_equal(pci_table_parse(&file, len, &t), rcBadFormat);
    assert_int_equal(t.count, 0); /* nothing of it is used */
}

static void test_bad(void **state)
{
    (void)state;
    expect_bad(sizeof file.h - 1); /* shorter than the header */
    expect_bad(sizeof file - 1);   /* a record cut short */
    file.h.magic ^= 1;
    expect_bad(sizeof file);
    setup(NULL);
    file.h.version++;
    expect_bad(sizeof file);
    setup(NULL);
    file.h.record_size = 128; /* another layout */
    expect_bad(sizeof file);
    setup(NULL);
    file.h.count = 3; /* more records than bytes */
    expect_bad(sizeof file);
    setup(NULL);
    file.h.count = 1; /* bytes after the last record */
    expect_bad(sizeof file);
    setup(NULL);
    file.h.count = BASTION_PCI_TABLE_MAX + 1; /* more than any table holds, however long */
    expect_bad(sizeof file.h + (size_t)file.h.count * sizeof(struct bastion_pci_record));
    file.h.count = UINT32_MAX; /* count * size must not wrap to the length */
    expect_bad(sizeof file);
}

static void test_bdf_text(void **state)
{
    (void)state;
    uint16_t bdf = 0;
    assert_int_equal(device_bdf_parse("00:03.0", &bdf), rcOk);
    assert_int_equal(bdf, 0x18);
    assert_int_equal(device_bdf_parse("ff:1F.7", &bdf), rcOk);
    assert_int_equal(bdf, 0xFFFF);
    static const char *const bad[] = {"",        "00:03",   "00:03.00", "0:03.0",
                                      "00-03.0", "00:03,0", "00:20.0",  "00:03.8",
                                      "0g:03.0", "00:03.-", NULL};
    for (unsigned i = 0; bad[i]; i++) {
        bdf = 0x1234;
        assert_int_equal(device_bdf_parse(bad[i], &bdf), rcBadFormat);
        assert_int_equal(bdf, 0x1234);
    }
    assert_int_equal(device_bdf_parse(NULL, &bdf), rcBadFormat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_valid, setup),
        cmocka_unit_test_setup(test_bad, setup),
        cmocka_unit_test_setup(test_bdf_text, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
