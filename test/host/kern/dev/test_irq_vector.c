/* Host tests of kern/dev/irq_vector.c: vectors come only from the lent range, each at most
 * once, the range running out is rcResourceBusy, and freed vectors are handed out again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dev/irq_vector.h"

static void test_alloc_whole_range(void **state)
{
    (void)state;
    struct irq_vectors v = {0};
    for (unsigned i = 0; i < IRQ_VECTOR_COUNT; i++) {
        uint8_t vec = 0;
        assert_int_equal(irq_vector_alloc(&v, &vec), rcOk);
        assert_int_equal(vec, IRQ_VECTOR_FIRST + i);
        assert_true(irq_vector_in_use(&v, vec));
    }
    uint8_t vec = 0;
    assert_int_equal(irq_vector_alloc(&v, &vec), rcResourceBusy);
    /* The kernel's own vectors and the 8259s' never became used. */
    assert_false(irq_vector_in_use(&v, 0x20));
    assert_false(irq_vector_in_use(&v, 0xF0));
    assert_false(irq_vector_in_use(&v, 0xFF));
}

static void test_free_and_reuse(void **state)
{
    (void)state;
    struct irq_vectors v = {0};
    uint8_t a, b, c;
    assert_int_equal(irq_vector_alloc(&v, &a), rcOk);
    assert_int_equal(irq_vector_alloc(&v, &b), rcOk);
    assert_int_not_equal(a, b);
    assert_int_equal(irq_vector_free(&v, a), rcOk);
    assert_false(irq_vector_in_use(&v, a));
    assert_int_equal(irq_vector_alloc(&v, &c), rcOk);
    assert_int_equal(c, a);
}

static void test_free_bad(void **state)
{
    (void)state;
    struct irq_vectors v = {0};
    assert_int_equal(irq_vector_free(&v, IRQ_VECTOR_FIRST), rcInvalidArgument); /* not taken */
    assert_int_equal(irq_vector_free(&v, 0xF0), rcInvalidArgument);             /* timer */
    assert_int_equal(irq_vector_free(&v, 0x30), rcInvalidArgument);
    uint8_t a;
    assert_int_equal(irq_vector_alloc(&v, &a), rcOk);
    assert_int_equal(irq_vector_free(&v, a), rcOk);
    assert_int_equal(irq_vector_free(&v, a), rcInvalidArgument); /* twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_whole_range),
        cmocka_unit_test(test_free_and_reuse),
        cmocka_unit_test(test_free_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
