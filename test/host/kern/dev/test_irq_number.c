/* Host tests of kern/dev/irq_number.c: every way an IO.RegisterIrq number can be wrong has its
 * own code, and the two forms decode to the GSI or the PCI function they name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bastion/irq.h>

#include "dev/irq_number.h"

static void test_gsi(void **state)
{
    (void)state;
    struct irq_name n;
    assert_int_equal(irq_number_decode(BASTION_IRQ_INTX(0), &n), rcOk);
    assert_int_equal(n.kind, IRQ_KIND_INTX);
    assert_int_equal(n.gsi, 0);
    assert_int_equal(irq_number_decode(BASTION_IRQ_INTX(22), &n), rcOk);
    assert_int_equal(n.kind, IRQ_KIND_INTX);
    assert_int_equal(n.gsi, 22);
    assert_int_equal(irq_number_decode(BASTION_IRQ_GSI_MAX, &n), rcOk);
    assert_int_equal(n.gsi, 255);
}

static void test_gsi_out_of_range(void **state)
{
    (void)state;
    struct irq_name n;
    assert_int_equal(irq_number_decode(256, &n), rcOutOfRange);
    assert_int_equal(irq_number_decode(0x7FFFFFFFu, &n), rcOutOfRange);
}

static void test_msi(void **state)
{
    (void)state;
    struct irq_name n;
    uint16_t bdf = (uint16_t)(0 << 8 | 4 << 3 | 0); /* 00:04.0 */
    assert_int_equal(irq_number_decode(BASTION_IRQ_MSI(bdf, 0), &n), rcOk);
    assert_int_equal(n.kind, IRQ_KIND_MSI);
    assert_int_equal(n.bdf, bdf);
    assert_int_equal(n.index, 0);
    assert_int_equal(irq_number_decode(BASTION_IRQ_MSI(0xFFFF, 0), &n), rcOk);
    assert_int_equal(n.bdf, 0xFFFF);
}

static void test_msi_index_not_zero(void **state)
{
    (void)state;
    struct irq_name n;
    assert_int_equal(irq_number_decode(BASTION_IRQ_MSI(0x20, 1), &n), rcOutOfRange);
    assert_int_equal(irq_number_decode(BASTION_IRQ_MSI(0x20, 255), &n), rcOutOfRange);
}

static void test_msi_reserved_bits(void **state)
{
    (void)state;
    struct irq_name n;
    for (unsigned bit = 24; bit <= 30; bit++)
        assert_int_equal(irq_number_decode(BASTION_IRQ_MSI(0x20, 0) | 1u << bit, &n),
                         rcInvalidArgument);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsi),
        cmocka_unit_test(test_gsi_out_of_range),
        cmocka_unit_test(test_msi),
        cmocka_unit_test(test_msi_index_not_zero),
        cmocka_unit_test(test_msi_reserved_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
