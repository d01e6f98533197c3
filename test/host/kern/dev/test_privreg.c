/* The privileged-register allow-list (kern/dev/privreg.c): lookup by name, register against
 * range, access, range offsets; and what the kernel's list holds and never holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dev/privreg.h"

static const uint32_t scattered[] = {0x250, 0x258, 0x268};
static const struct privreg fake[] = {
    {"RO", 0x10, NULL, 0, PRIVREG_READ, 0},
    {"RW", 0x20, NULL, 0, PRIVREG_READ | PRIVREG_WRITE, 0},
    {"WO", 0x30, NULL, 0, PRIVREG_WRITE, 0},
    {"LINEAR", 0x200, NULL, 4, PRIVREG_READ, PRIVREG_BOUND_FIXED},
    {"SCATTERED", 0, scattered, 3, PRIVREG_READ | PRIVREG_WRITE, PRIVREG_BOUND_FIXED},
};
#define NFAKE (sizeof fake / sizeof fake[0])

static void lookup(void **state)
{
    (void)state;
    const struct privreg *r = NULL;
    assert_int_equal(privreg_find(fake, NFAKE, "RO", 0, &r), rcOk);
    assert_ptr_equal(r, &fake[0]);
    assert_int_equal(privreg_find(fake, NFAKE, "LINEAR", 1, &r), rcOk);
    assert_ptr_equal(r, &fake[3]);
    /* A register's name does not answer as a range, nor the reverse. */
    assert_int_equal(privreg_find(fake, NFAKE, "RO", 1, &r), rcUnknownRegister);
    assert_int_equal(privreg_find(fake, NFAKE, "LINEAR", 0, &r), rcUnknownRegister);
    /* Exact names only. */
    assert_int_equal(privreg_find(fake, NFAKE, "ro", 0, &r), rcUnknownRegister);
    assert_int_equal(privreg_find(fake, NFAKE, "R", 0, &r), rcUnknownRegister);
    assert_int_equal(privreg_find(fake, NFAKE, "ROX", 0, &r), rcUnknownRegister);
    assert_int_equal(privreg_find(fake, NFAKE, "", 0, &r), rcUnknownRegister);
    assert_int_equal(privreg_find(fake, NFAKE, NULL, 0, &r), rcInvalidArgument);
    assert_int_equal(privreg_find(fake, 0, "RO", 0, &r), rcUnknownRegister);
}

static void access(void **state)
{
    (void)state;
    assert_int_equal(privreg_allows(&fake[0], PRIVREG_READ), rcOk);
    assert_int_equal(privreg_allows(&fake[0], PRIVREG_WRITE), rcReadOnlyRegister);
    assert_int_equal(privreg_allows(&fake[1], PRIVREG_WRITE), rcOk);
    assert_int_equal(privreg_allows(&fake[2], PRIVREG_READ), rcAccessDenied);
    assert_int_equal(privreg_allows(&fake[2], PRIVREG_WRITE), rcOk);
}

static void range_offsets(void **state)
{
    (void)state;
    uint32_t msr = 0;
    assert_int_equal(privreg_range_msr(&fake[3], 0, 4, &msr), rcOk);
    assert_int_equal(msr, 0x200);
    assert_int_equal(privreg_range_msr(&fake[3], 3, 4, &msr), rcOk);
    assert_int_equal(msr, 0x203);
    assert_int_equal(privreg_range_msr(&fake[3], 4, 4, &msr), rcOutOfRange);
    /* The CPU has fewer than the list's most: its count bounds. */
    assert_int_equal(privreg_range_msr(&fake[3], 2, 2, &msr), rcOutOfRange);
    /* It reports more: the list's count still bounds. */
    assert_int_equal(privreg_range_msr(&fake[3], 4, 100, &msr), rcOutOfRange);
    assert_int_equal(privreg_range_msr(&fake[3], UINT32_MAX, UINT32_MAX, &msr), rcOutOfRange);
    assert_int_equal(privreg_range_msr(&fake[3], 0, 0, &msr), rcOutOfRange);
    assert_int_equal(privreg_range_msr(&fake[4], 2, 3, &msr), rcOk);
    assert_int_equal(msr, 0x268);
    assert_int_equal(privreg_range_msr(&fake[4], 3, 3, &msr), rcOutOfRange);
}

/* The kernel's list: nothing writable (a shared writable register is a channel between
 * processes, or a lever on the kernel), and none of the MSRs that must stay the kernel's. */
static void kernel_list(void **state)
{
    (void)state;
    static const uint32_t never[] = {
        0xc0000080,               /* EFER */
        0xc0000081,               /* STAR */
        0xc0000082,               /* LSTAR */
        0xc0000083,               /* CSTAR */
        0xc0000084,               /* SFMASK */
        0xc0000100,               /* FS_BASE */
        0xc0000101,               /* GS_BASE */
        0xc0000102,               /* KERNEL_GS_BASE */
        0x174,      0x175, 0x176, /* SYSENTER_CS/ESP/EIP */
        0x277,                    /* PAT */
        0x1b,                     /* APIC_BASE */
        0x48,       0x49,         /* SPEC_CTRL, PRED_CMD */
        0x3a,                     /* FEATURE_CONTROL */
        0x1d9,                    /* DEBUGCTL */
        0x6e0,                    /* TSC_DEADLINE */
        0x611,                    /* PKG_ENERGY_STATUS */
        0xc1,                     /* PMC0 */
    };
    assert_true(privreg_list_len > 0);
    for (size_t i = 0; i < privreg_list_len; i++) {
        const struct privreg *r = &privreg_list[i];
        assert_int_equal(r->access, PRIVREG_READ);
        const struct privreg *found = NULL;
        assert_int_equal(
            privreg_find(privreg_list, privreg_list_len, r->name, r->count != 0, &found), rcOk);
        assert_ptr_equal(found, r); /* names are unique */
        uint32_t n = r->count ? r->count : 1;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t msr = r->msr;
            if (r->count)
                assert_int_equal(privreg_range_msr(r, k, r->count, &msr), rcOk);
            for (size_t j = 0; j < sizeof never / sizeof never[0]; j++)
                assert_int_not_equal(msr, never[j]);
        }
    }
    const struct privreg *found = NULL;
    assert_int_equal(privreg_find(privreg_list, privreg_list_len, "IA32_TSC", 0, &found), rcOk);
    assert_int_equal(found->msr, 0x10);
    assert_int_equal(privreg_find(privreg_list, privreg_list_len, "IA32_LSTAR", 0, &found),
                     rcUnknownRegister);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup),
        cmocka_unit_test(access),
        cmocka_unit_test(range_offsets),
        cmocka_unit_test(kernel_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
