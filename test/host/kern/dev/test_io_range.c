/*
 * Host tests of the rule that decides which port and MMIO ranges a driver may register: two
 * fake devices (an MMIO BAR and an I/O BAR each) and the kernel's ranges; each refusal by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dev/io_range.h"

static const struct pci_device devs[] = {
    {.bdf = PCI_BDF(0, 3, 0),
     .bar = {{.base = 0xFEA00000u, .size = 0x100000}, {.base = 0xC000, .size = 0x20, .io = true}}},
    {.bdf = PCI_BDF(0, 4, 0),
     .bar = {{.base = 0xFEB94000u, .size = 0x4000},
             {0},
             {.base = 0x700, .size = 0x40, .io = true}}},
};

static const struct io_range kernel_mmio[] = {
    {0, 0x100000, "first MiB"},
    {0x100000, 0x1FF00000, "RAM"},
    {0xFEE00000u, 0x1000, "LAPIC"},
    /* A broken BAR that overlaps a kernel range must still be refused. */
    {0xFEB97000u, 0x1000, "IOAPIC"},
};

static const struct io_range kernel_ports[] = {
    {0x40, 4, "PIT"},
    {0x3F8, 8, "console UART"},
    {0x710, 1, "a kernel port inside a BAR"},
};

static Retcode mmio(uint64_t base, uint64_t size)
{
    return io_range_check(IO_KIND_MMIO, base, size, devs, 2, kernel_mmio, 4, NULL, NULL, NULL);
}

static Retcode port(uint64_t base, uint64_t size)
{
    return io_range_check(IO_KIND_PORT, base, size, devs, 2, kernel_ports, 3, NULL, NULL, NULL);
}

static void test_mmio(void **state)
{
    (void)state;
    const struct pci_device *d = NULL;
    unsigned bar = 9;
    assert_int_equal(io_range_check(IO_KIND_MMIO, 0xFEA00000u, 0x100000, devs, 2, kernel_mmio, 4,
                                    &d, &bar, NULL),
                     rcOk);
    assert_ptr_equal(d, &devs[0]);
    assert_int_equal(bar, 0);
    assert_int_equal(mmio(0xFEA01000u, 0x1000), rcOk);                  /* a page of it */
    assert_int_equal(mmio(0xFEA00000u, 0x101000), rcNotDeviceResource); /* one page past */
    assert_int_equal(mmio(0xFE9FF000u, 0x2000), rcNotDeviceResource);   /* one page before */
    assert_int_equal(mmio(0xFEA00010u, 0x1000), rcAlignment);
    assert_int_equal(mmio(0xFEA00000u, 0x10), rcAlignment);
    assert_int_equal(mmio(0xFEA00000u, 0), rcInvalidArgument);
    assert_int_equal(mmio(0xFFFFFFFFFFFFF000ull, 0x2000), rcOutOfRange);
    assert_int_equal(mmio(0x200000, 0x1000), rcKernelResource); /* RAM */
    assert_int_equal(mmio(0, 0x1000), rcKernelResource);
    assert_int_equal(mmio(0xFEE00000u, 0x1000), rcKernelResource);
    assert_int_equal(mmio(0xFEB94000u, 0x4000), rcKernelResource); /* overlaps "IOAPIC" */
    assert_int_equal(mmio(0xFEB94000u, 0x3000), rcOk);
    assert_int_equal(mmio(0xC000, 0x1000), rcKernelResource); /* an I/O BAR's numbers: in RAM */
    assert_int_equal(mmio(0xE0000000u, 0x1000), rcNotDeviceResource);
    /* Spanning two devices' BARs is not inside one. */
    assert_int_equal(mmio(0xFEAFF000u, 0x96000), rcNotDeviceResource);
}

static void test_ports(void **state)
{
    (void)state;
    const struct io_range *hit = NULL;
    assert_int_equal(port(0xC000, 0x20), rcOk);
    assert_int_equal(port(0xC01F, 1), rcOk);
    assert_int_equal(port(0xC01F, 2), rcNotDeviceResource);
    assert_int_equal(port(0x700, 0x10), rcOk);
    assert_int_equal(
        io_range_check(IO_KIND_PORT, 0x700, 0x40, devs, 2, kernel_ports, 3, NULL, NULL, &hit),
        rcKernelResource);
    assert_ptr_equal(hit, &kernel_ports[2]);
    assert_int_equal(port(0x40, 1), rcKernelResource);
    assert_int_equal(port(0x3F8, 8), rcKernelResource);
    assert_int_equal(port(0x3F0, 0x10), rcKernelResource);
    assert_int_equal(port(0x5000, 1), rcNotDeviceResource);
    assert_int_equal(port(0xFFFF, 2), rcOutOfRange);
    assert_int_equal(port(0x10000, 1), rcOutOfRange);
    assert_int_equal(port(0xC000, 0), rcInvalidArgument);
    /* A memory BAR's addresses are not ports, nor the reverse. */
    assert_int_equal(io_range_check(IO_KIND_PORT, 0xFEA0, 1, devs, 2, NULL, 0, NULL, NULL, NULL),
                     rcNotDeviceResource);
}

static void test_unassigned_bar(void **state)
{
    (void)state;
    /* A BAR the firmware left at 0 is no device's range. */
    static const struct pci_device zero[] = {{.bar = {{.base = 0, .size = 0x1000}}}};
    assert_int_equal(io_range_check(IO_KIND_MMIO, 0, 0x1000, zero, 1, NULL, 0, NULL, NULL, NULL),
                     rcNotDeviceResource);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmio),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_unassigned_bar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
