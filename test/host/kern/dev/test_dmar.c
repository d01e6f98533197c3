/*
 * Host tests of the DMAR parser: a table like QEMU's q35 with intel-iommu (one
 * INCLUDE_PCI_ALL unit with an IOAPIC scope), one with two units and an RMRR, and each kind of
 * corruption with the named error it must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/dmar.h"

static uint8_t t[512];
static size_t len;

static void put16(size_t off, uint16_t v)
{
    t[off] = (uint8_t)v;
    t[off + 1] = (uint8_t)(v >> 8);
}
static void put64(size_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        t[off + i] = (uint8_t)(v >> (8 * i));
}

static void header(uint8_t haw_minus_1, uint8_t flags)
{
    memset(t, 0, sizeof t);
    memcpy(t, "DMAR", 4);
    t[36] = haw_minus_1;
    t[37] = flags;
    len = DMAR_HEADER_LEN;
}

/* A DRHD with room for `scopes_len` bytes of scopes; returns its offset. */
static size_t drhd(uint8_t flags, uint16_t segment, uint64_t base, size_t scopes_len)
{
    size_t off = len;
    put16(off, DMAR_TYPE_DRHD);
    put16(off + 2, (uint16_t)(16 + scopes_len));
    t[off + 4] = flags;
    put16(off + 6, segment);
    put64(off + 8, base);
    len += 16 + scopes_len;
    return off;
}

static void scope(size_t off, uint8_t type, uint8_t enum_id, uint8_t bus, uint8_t dev, uint8_t fn)
{
    t[off] = type;
    t[off + 1] = 8;
    t[off + 4] = enum_id;
    t[off + 5] = bus;
    t[off + 6] = dev;
    t[off + 7] = fn;
}

static void qemu_like(void)
{
    header(38, DMAR_FLAG_INTR_REMAP);
    size_t u = drhd(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xFED90000u, 8);
    scope(u + 16, DMAR_SCOPE_IOAPIC, 0, 0xFF, 0, 0);
}

static void test_qemu_table(void **state)
{
    (void)state;
    qemu_like();
    struct dmar_info info;
    assert_int_equal(dmar_parse(t, len, &info), rcOk);
    assert_int_equal(info.host_addr_width, 39);
    assert_int_equal(info.flags, DMAR_FLAG_INTR_REMAP);
    assert_int_equal(info.nunits, 1);
    assert_int_equal(info.units[0].reg_base, 0xFED90000u);
    assert_int_equal(info.units[0].reg_pages, 1);
    assert_true(info.units[0].include_all);
    assert_int_equal(info.units[0].nscopes, 1);
    assert_int_equal(info.units[0].scopes[0].type, DMAR_SCOPE_IOAPIC);
    assert_int_equal(info.units[0].scopes[0].bus, 0xFF);
    assert_int_equal(info.nrmrrs, 0);
    /* Every segment-0 device goes to the one unit; another segment to none. */
    assert_int_equal(dmar_unit_for(&info, 0, 0x0018), 0);
    assert_int_equal(dmar_unit_for(&info, 0, 0xFFFF), 0);
    assert_int_equal(dmar_unit_for(&info, 1, 0x0018), -1);
}

static void test_two_units_and_rmrr(void **state)
{
    (void)state;
    header(47, 0);
    /* A unit for the graphics device 00:02.0 only, then the catch-all. */
    size_t g = drhd(0, 0, 0xFED91000u, 8);
    scope(g + 16, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
    drhd(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xFED90000u, 0);
    size_t r = len;
    put16(r, DMAR_TYPE_RMRR);
    put16(r + 2, 24 + 8);
    put64(r + 8, 0x7C000000u);
    put64(r + 16, 0x7FFFFFFFu);
    scope(r + 24, DMAR_SCOPE_ENDPOINT, 0, 0, 0x14, 0);
    len += 32;
    /* An ATSR the parser does not use. */
    put16(len, 2);
    put16(len + 2, 8);
    len += 8;

    struct dmar_info info;
    assert_int_equal(dmar_parse(t, len, &info), rcOk);
    assert_int_equal(info.host_addr_width, 48);
    assert_int_equal(info.nunits, 2);
    assert_false(info.units[0].include_all);
    assert_true(info.units[0].scopes[0].resolved);
    assert_int_equal(info.units[0].scopes[0].bdf, 0x0010);
    assert_int_equal(info.nrmrrs, 1);
    assert_int_equal(info.rmrrs[0].base, 0x7C000000u);
    assert_int_equal(info.rmrrs[0].limit, 0x7FFFFFFFu);
    assert_int_equal(info.rmrrs[0].scopes[0].bdf, 0x00A0);
    assert_int_equal(info.other, 1);
    assert_int_equal(dmar_unit_for(&info, 0, 0x0010), 0); /* named by the first unit */
    assert_int_equal(dmar_unit_for(&info, 0, 0x0018), 1); /* everyone else: the catch-all */
}

static void test_long_path_is_not_resolved(void **state)
{
    (void)state;
    header(38, 0);
    size_t u = drhd(0, 0, 0xFED90000u, 10);
    t[u + 16] = DMAR_SCOPE_ENDPOINT;
    t[u + 17] = 10; /* two path elements: behind a bridge */
    t[u + 21] = 0;
    t[u + 22] = 0x1C;
    t[u + 23] = 0;
    t[u + 24] = 0;
    t[u + 25] = 0;
    struct dmar_info info;
    assert_int_equal(dmar_parse(t, len, &info), rcOk);
    assert_int_equal(info.units[0].scopes[0].path_len, 2);
    assert_false(info.units[0].scopes[0].resolved);
    /* No catch-all and no resolvable scope: no unit for it, and for 00:1c.0 neither (the
     * scope names what lies behind that bridge, not the bridge). */
    assert_int_equal(dmar_unit_for(&info, 0, 0x00E0), -1);
}

static void test_corrupt(void **state)
{
    (void)state;
    struct dmar_info info;
    assert_int_equal(dmar_parse(NULL, 64, &info), rcInvalidArgument);
    qemu_like();
    assert_int_equal(dmar_parse(t, DMAR_HEADER_LEN - 1, &info), rcTruncated);

    /* A structure running past the table. */
    qemu_like();
    assert_int_equal(dmar_parse(t, len - 1, &info), rcBadFormat);

    /* A structure shorter than its header. */
    qemu_like();
    put16(DMAR_HEADER_LEN + 2, 3);
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);

    /* A DRHD shorter than its fixed part. */
    header(38, 0);
    put16(len, DMAR_TYPE_DRHD);
    put16(len + 2, 12);
    len += 12;
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);

    /* A register base not page-aligned, or zero. */
    header(38, 0);
    drhd(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xFED90010u, 0);
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);
    header(38, 0);
    drhd(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, 0);
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);

    /* A scope longer than its structure, shorter than 6 bytes, or with an odd path. */
    qemu_like();
    t[DMAR_HEADER_LEN + 16 + 1] = 10;
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);
    qemu_like();
    t[DMAR_HEADER_LEN + 16 + 1] = 5;
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);
    qemu_like();
    t[DMAR_HEADER_LEN + 16 + 1] = 7;
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);

    /* A scope naming device 32. */
    qemu_like();
    t[DMAR_HEADER_LEN + 16 + 6] = 32;
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);

    /* An RMRR whose limit is below its base. */
    qemu_like();
    size_t r = len;
    put16(r, DMAR_TYPE_RMRR);
    put16(r + 2, 24);
    put64(r + 8, 0x2000);
    put64(r + 16, 0x1000);
    len += 24;
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);

    /* No unit at all. */
    header(38, 0);
    assert_int_equal(dmar_parse(t, len, &info), rcBadFormat);
}

static void test_limits(void **state)
{
    (void)state;
    header(38, 0);
    for (int i = 0; i < DMAR_MAX_UNITS + 2; i++)
        drhd(0, 0, 0xFED90000u + (uint64_t)i * 0x1000u, 0);
    struct dmar_info info;
    assert_int_equal(dmar_parse(t, len, &info), rcOk);
    assert_int_equal(info.nunits, DMAR_MAX_UNITS);
    assert_int_equal(info.dropped, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_table),
        cmocka_unit_test(test_two_units_and_rmrr),
        cmocka_unit_test(test_long_path_is_not_resolved),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
