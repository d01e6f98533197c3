/* Kernel SIDs to state slots (ksm/monitor/ksm_sids.c): a SID keeps its slot, slots are distinct,
 * an ended SID frees its slot, a full map gives none (fail closed), and any order of arrivals
 * and ends agrees with a plain reference list (the backward-shift deletion keeps every key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ksm_decide.h"
#include "ksm_sids.h"

static struct ksm_sids m;

static void test_slots(void **state)
{
    (void)state;
    ksm_sids_init(&m);
    assert_int_equal(ksm_sids_slot(&m, 0), KSM_SID_NONE); /* the kernel has no state */
    uint32_t a = ksm_sids_slot(&m, 1000), b = ksm_sids_slot(&m, 3000000000u);
    assert_true(a < KSM_SID_SLOTS && b < KSM_SID_SLOTS && a != b);
    assert_int_equal(ksm_sids_slot(&m, 1000), a);
    assert_int_equal(ksm_sids_forget(&m, 1000), a);
    assert_int_equal(ksm_sids_forget(&m, 1000), KSM_SID_NONE);
    assert_int_equal(ksm_sids_forget(&m, 42), KSM_SID_NONE);
    assert_int_equal(ksm_sids_slot(&m, 3000000000u), b);
}

static void test_full(void **state)
{
    (void)state;
    ksm_sids_init(&m);
    for (uint32_t i = 1; i <= KSM_SID_SLOTS; i++)
        assert_int_not_equal(ksm_sids_slot(&m, i * 7919u), KSM_SID_NONE);
    assert_int_equal(ksm_sids_slot(&m, 5), KSM_SID_NONE);
    uint32_t freed = ksm_sids_forget(&m, 7919u * 3);
    assert_int_equal(ksm_sids_slot(&m, 5), freed);
}

static void test_against_reference(void **state)
{
    (void)state;
    enum { N = 3000 };
    static uint32_t ref_sid[KSM_SID_SLOTS], ref_slot[KSM_SID_SLOTS];
    uint32_t nref = 0;
    ksm_sids_init(&m);
    srand(7);
    for (int step = 0; step < 200000; step++) {
        uint32_t sid = 1 + (uint32_t)rand() % N;
        /* Colliding SIDs on purpose: multiples of the bucket count share a home bucket. */
        if (step % 3 == 0)
            sid = (1 + (uint32_t)rand() % 64) * KSM_SID_BUCKETS;
        uint32_t i;
        for (i = 0; i < nref && ref_sid[i] != sid; i++)
            ;
        if (rand() % 2) {
            uint32_t got = ksm_sids_slot(&m, sid);
            if (i < nref) {
                assert_int_equal(got, ref_slot[i]);
            } else if (nref < KSM_SID_SLOTS) {
                assert_int_not_equal(got, KSM_SID_NONE);
                for (uint32_t j = 0; j < nref; j++)
                    assert_int_not_equal(ref_slot[j], got);
                ref_sid[nref] = sid;
                ref_slot[nref++] = got;
            } else {
                assert_int_equal(got, KSM_SID_NONE);
            }
        } else {
            uint32_t got = ksm_sids_forget(&m, sid);
            if (i < nref) {
                assert_int_equal(got, ref_slot[i]);
                ref_sid[i] = ref_sid[--nref];
                ref_slot[i] = ref_slot[nref];
            } else {
                assert_int_equal(got, KSM_SID_NONE);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
