/* ACPI power fields (kern/arch/x86_64/acpi_power.c): the FADT's PM1 blocks, DSDT address and
 * reset register, \_S5 found in AML in its usual encodings and refused in others, and the name
 * scan CpuFreq uses for _PSS/_CPC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/acpi_power.h"

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* the host is little-endian, as ACPI is */
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static void test_fadt(void **state)
{
    (void)state;
    uint8_t f[244] = {0};
    struct acpi_fadt_power p;
    put32(f + 40, 0x7fe0000);
    put32(f + 64, 0x604);
    assert_int_equal(acpi_fadt_power_parse(f, 76, &p), rcOk); /* ACPI 1.0 length */
    assert_int_equal(p.pm1a_cnt, 0x604);
    assert_int_equal(p.pm1b_cnt, 0);
    assert_int_equal(p.dsdt_phys, 0x7fe0000);
    assert_false(p.reset_supported);
    /* Reset register (flag bit 10, I/O 0xCF9 value 6) and X_DSDT. */
    put32(f + 112, 1u << 10);
    f[116] = 1;
    put64(f + 120, 0xCF9);
    f[128] = 6;
    put64(f + 140, 0x17fe0000ull);
    assert_int_equal(acpi_fadt_power_parse(f, sizeof f, &p), rcOk);
    assert_true(p.reset_supported);
    assert_int_equal(p.reset_space, 1);
    assert_int_equal(p.reset_addr, 0xCF9);
    assert_int_equal(p.reset_value, 6);
    assert_int_equal(p.dsdt_phys, 0x17fe0000ull);
    /* Only the X_ block: used when in I/O space. */
    put32(f + 64, 0);
    f[172] = 1;
    put64(f + 176, 0xB004);
    assert_int_equal(acpi_fadt_power_parse(f, sizeof f, &p), rcOk);
    assert_int_equal(p.pm1a_cnt, 0xB004);
    f[172] = 0; /* memory space: not used */
    assert_int_equal(acpi_fadt_power_parse(f, sizeof f, &p), rcBadFormat);
    assert_int_equal(acpi_fadt_power_parse(f, 75, &p), rcTruncated);
}

static void test_s5(void **state)
{
    (void)state;
    uint8_t a = 0xEE, b = 0xEE;
    /* Name(_S5, Package(4){Zero, Zero, Zero, Zero}) as QEMU's piix4 DSDT has it. */
    static const uint8_t piix[] = {0x10, 0x08, 0x5c, '_',  'S',  '5',  '_',
                                   0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(acpi_find_s5(piix, sizeof piix, &a, &b), rcOk);
    assert_int_equal(a, 0);
    assert_int_equal(b, 0);
    /* Name(_S5_, Package(2){0x05, 0x05}) with byte prefixes, a two-byte PkgLength, One. */
    static const uint8_t bytes[] = {0x08, '_',  'S',  '5',  '_',  0x12,
                                    0x47, 0x00, 0x02, 0x0A, 0x05, 0x01};
    assert_int_equal(acpi_find_s5(bytes, sizeof bytes, &a, &b), rcOk);
    assert_int_equal(a, 5);
    assert_int_equal(b, 1);
    /* A reference to _S5_ first, the definition later. */
    static const uint8_t later[] = {'_', 'S',  '5',  '_',  0x70, 0x08, '_',  'S', '5',
                                    '_', 0x12, 0x05, 0x02, 0x0A, 0x07, 0x0A, 0x07};
    assert_int_equal(acpi_find_s5(later, sizeof later, &a, &b), rcOk);
    assert_int_equal(a, 7);
    /* Not there; a package of one; elements that are not integers; cut short. */
    static const uint8_t none[] = {0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x00, 0x00};
    assert_int_equal(acpi_find_s5(none, sizeof none, &a, &b), rcNotFound);
    static const uint8_t one[] = {'_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00};
    assert_int_equal(acpi_find_s5(one, sizeof one, &a, &b), rcBadFormat);
    static const uint8_t method[] = {'_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x14, 0x00, 0x00};
    assert_int_equal(acpi_find_s5(method, sizeof method, &a, &b), rcBadFormat);
    static const uint8_t cut[] = {'_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A};
    assert_int_not_equal(acpi_find_s5(cut, sizeof cut, &a, &b), rcOk);
    assert_int_equal(acpi_find_s5(cut, 4, &a, &b), rcNotFound);
}

static void test_names(void **state)
{
    (void)state;
    static const uint8_t aml[] = {0x14, 0x09, '_', 'P', 'S', 'S', 0x00, 0xA4, 0x00};
    assert_true(acpi_aml_has_name(aml, sizeof aml, "_PSS"));
    assert_false(acpi_aml_has_name(aml, sizeof aml, "_CPC"));
    assert_false(acpi_aml_has_name(aml, 5, "_PSS"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fadt),
        cmocka_unit_test(test_s5),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
