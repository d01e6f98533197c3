/*
 * pwr_attack_fs (class ostest.AttackFs, the power image test/os/power.yaml): the abuse the
 * danger text of kl.core.FSUnsafe.Change names, "use an ROMFS image containing arbitrary
 * programs and data; gain read-access to some kernel objects", by a program that may read files
 * (kl.core.FS) but was not given Change (test/os/policy/ostest.psl):
 *
 *   a sound image holding its own "program" and data, an image whose file points past its end
 *   (towards kernel memory), a range of kernel memory as the image: each rcSecurityDisallow, and
 *   none of its files ever opens.
 *
 * Then the probe server (another process) must still answer; pwr_off waits for that answer.
 */
#include <stdint.h>
#include <stdio.h>

#include "fs_calls.h"
#include "ostest.h"
#include "romfs_build.h"

#define KERNEL_ADDRESS 0xffffffff80000000ull

static uint8_t img[4096] __attribute__((aligned(16)));

static bool change(void)
{
    static const uint8_t program[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    struct romfs_build b;
    rb_begin(&b, img, sizeof img, "evil");
    (void)rb_entry(&b, "evil-program", RB_FILE, 0, program, sizeof program);
    uint32_t leak = rb_entry(&b, "evil-leak", RB_FILE, 0, "x", 1);
    uint32_t size = rb_end(&b);
    uint32_t h = 0;
    bool ok = OT_RC(fs_change(img, size), rcSecurityDisallow);
    rb_put32(img + leak + 8, 0x7fffffffu); /* data "past the end": the kernel's memory */
    rb_fix_header(&b, leak);
    rb_fix_super(&b);
    ok &= OT_RC(fs_change(img, size), rcSecurityDisallow);
    ok &= OT_RC(fs_change((const void *)(uintptr_t)KERNEL_ADDRESS, 1u << 20), rcSecurityDisallow);
    ok &= OT_RC(fs_open("evil-program", &h), rcNotFound);
    ok &= OT_RC(fs_open("evil-leak", &h), rcNotFound);
    return ok;
}

int main(void)
{
    ot_begin("pwr_attack_fs");
    bool ok = change();
    ot_attack("kl.core.FSUnsafe.Change", ok && ot_bystander_served());
    return ot_end();
}
