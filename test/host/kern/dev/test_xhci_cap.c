/* The xHCI extended capability walk (kern/dev/xhci_cap.c) over fake MMIO windows: found at the
 * head, in the middle, at the end; absent; a list that leaves the window, is misaligned or
 * runs past the walk's bound; no list at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dev/xhci_cap.h"

#define WINDOW 0x1000u
static uint32_t mmio[WINDOW / 4];

/* HCCPARAMS1 with xECP = first (bytes, a multiple of 4). */
static void set_first(uint32_t first)
{
    memset(mmio, 0, sizeof mmio);
    mmio[XHCI_CAP_HCCPARAMS1 / 4] = (first / 4) << 16 | 0x1234; /* low bits: other fields */
}

/* A capability with id at off whose next one is next bytes further (0: the last). */
static void cap(uint32_t off, uint8_t id, uint32_t next)
{
    mmio[off / 4] = (next / 4) << 8 | id | 0xabcd0000u; /* high bits: the capability's own */
}

static void qemu_like(void **state)
{
    (void)state;
    /* QEMU's qemu-xhci: supported-protocol capabilities (USB 2 and 3), no debug capability. */
    set_first(0x20);
    cap(0x20, XHCI_EXT_CAP_PROTOCOL, 0x20);
    cap(0x40, XHCI_EXT_CAP_PROTOCOL, 0);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), 0);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_PROTOCOL), 0x20);
}

static void found(void **state)
{
    (void)state;
    set_first(0x500);
    cap(0x500, XHCI_EXT_CAP_LEGACY, 0x10);
    cap(0x510, XHCI_EXT_CAP_PROTOCOL, 0x3f0);
    cap(0x900, XHCI_EXT_CAP_DBC, 0x100);
    cap(0xa00, XHCI_EXT_CAP_DBC, 0); /* a second one: the first is the answer */
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), 0x900);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_LEGACY), 0x500);
    /* At the end of the list, the last word of the window. */
    set_first(WINDOW - 4 - 0x3fc);
    cap(WINDOW - 4 - 0x3fc, XHCI_EXT_CAP_PROTOCOL, 0x3fc); /* the longest step: 255 words */
    cap(WINDOW - 4, XHCI_EXT_CAP_DBC, 0);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), WINDOW - 4);
}

static void malformed(void **state)
{
    (void)state;
    /* No list. */
    set_first(0);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), 0);
    /* The first capability lies outside the window. */
    set_first(WINDOW);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), 0);
    set_first(0x3fffc);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), 0);
    /* A next pointer out of the window. */
    set_first(0xf00);
    cap(0xf00, XHCI_EXT_CAP_PROTOCOL, 0x3fc);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), 0);
    /* Next pointers only go forward, so no list loops; a chain of a thousand 4-byte entries
     * is cut at the walk's bound even though a debug capability ends it. */
    set_first(0x10);
    for (uint32_t off = 0x10; off + 4 < WINDOW; off += 4)
        cap(off, XHCI_EXT_CAP_PROTOCOL, 4);
    cap(WINDOW - 4, XHCI_EXT_CAP_DBC, 0);
    assert_int_equal(xhci_find_ext_cap(mmio, WINDOW, XHCI_EXT_CAP_DBC), 0);
    /* A window too small for the capability registers. */
    assert_int_equal(xhci_find_ext_cap(mmio, XHCI_CAP_HCCPARAMS1, XHCI_EXT_CAP_DBC), 0);
    assert_int_equal(xhci_find_ext_cap(NULL, WINDOW, XHCI_EXT_CAP_DBC), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qemu_like),
        cmocka_unit_test(found),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
