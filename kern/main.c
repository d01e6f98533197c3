/*
 * kmain: the bootstrap processor's C entry, called by boot/entry.asm on the boot stack with
 * the early page tables (identity map of the first 1 GiB + the same at 0xFFFFFFFF80000000).
 *
 * Init order, and why (each step may use only what is above it):
 *   1. console        - so that everything after it can report, including faults
 *   2. CPU features   - read once; the per-CPU setup and the memory code consult them;
 *                       then a random stack-protector canary (kmain never returns, so its
 *                       own canary, made with the old value, is never checked)
 *   3. per-CPU + GDT/TSS/IST, IDT - from here on, every exception gives a full report
 *   4. protections    - CR0.WP, SMEP, SMAP, UMIP on this CPU
 *   5. memory         - mb2_parse, kernel parameters, pmm_init, paging_init, slab, romfs
 *   6. platform       - acpi, lapic, ioapic, pci, tsc, timer, smp (APs call percpu_init_ap())
 *   6b. microkernel   - address spaces (TLB shootdown IPI, fault handlers), the scheduler (from
 *                       here kmain runs as an ordinary thread; every CPU has an idle thread),
 *                       processes (the reaper)
 *   7. test hooks     - kernel-test.elf only (BASTION_TEST_HOOKS, kern/selftest/): deliberate
 *                       faults (fault=), and the slab, scheduler and user-mode self-tests
 *                       (selftest=slab,sched,user)
 *   8. ready line     - "Bastion ready: <N> CPUs online", which the boot test waits for; then
 *                       Einit, the first user process, and kmain's thread exits so that CPU 0
 *                       idles in its idle thread
 */
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/acpi_power.h"
#include "dev/iommu.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/tsc.h"
#include "boot/boot_info.h"
#include "boot/params.h"
#include "console/console.h"
#include "dev/pci.h"
#include "dev/resource.h"
#include "fs/romfs.h"
#include "lib/wallclock.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "panic.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "sched/tick_check.h"
#include "lib/ubsan.h"
#include "klcore/klcore.h"
#include "security/ksm_start.h"
#include "security/sec_iface.h"
#include "selftest/selftest.h"
#include "prof/gcov_kernel.h"


/*
 * Firmware leaves the 8259 PICs delivering the PIT's IRQ 0 on vector 8, where it would look
 * like a double fault once interrupts are on. Mask every line until the platform code
 * (ioapic_init) remaps and retires them properly.
 */
static void legacy_pic_mask_all(void)
{
    outb(0x21, 0xFF);
    outb(0xA1, 0xFF);
}

void kmain(uint32_t mb2_magic, uint64_t mb2_info_phys)
{
    /* 1-4: the kernel base. The coverage kernel's gcov records first: their constructors only
     * link them into a list (prof/gcov_kernel.h). */
    gcov_kernel_init();
    console_init();
    kprintf("\nBastion microkernel (x86-64), booted by multiboot2\n");
    legacy_pic_mask_all();
    cpu_detect_features();
    usercopy_smap_sites_patch(); /* the text is still writable, and no copy has run */
    stack_protector_init();
    percpu_init_bsp();
    idt_init();
    idt_load();
    cpu_enable_protections();
    cpu_print_features();

    /* 5: memory. boot_info_init() checks the multiboot2 magic. */
    const struct boot_info *bi = boot_info_init(mb2_magic, mb2_info_phys);
    pmm_init(bi);
    paging_init();
    slab_init();
    romfs_boot(bi);

    /* 6: platform. */
    acpi_init(bi);
    acpi_power_init(); /* the FADT's PM1 blocks and reset register, \_S5 (PM.Request) */
    lapic_init();
    ioapic_init();
    iommu_init(); /* before any process: every device is blocked from the start */
    pci_init();
    hpet_init();         /* the reference clock that calibrates the TSC, when there is one */
    io_resources_init(); /* the ranges drivers may never register (dev/resource.h) */
    tsc_calibrate();
    timer_init();
    smp_start_aps();

    /* 6b: microkernel. */
    aspace_init();
    sched_init();
    tick_check_start();     /* reports each CPU's timer ticks 50 ms on, beside the boot */
    (void)wallclock_init(); /* on sched_now_ns(); an unreadable RTC is reported, not fatal */
    process_init();

    /* 7: test hooks. */
#ifdef BASTION_TEST_HOOKS
    selftest_fault(); /* kern/selftest/: fault=<kind>, then selftest=<list> */
    selftest_run();
#endif

#ifdef BASTION_UBSAN
    ubsan_boot_check(); /* ubsantest=<kind>: one deliberate undefined behaviour, reported */
#endif

    /* 8: ready; then the first user process, Einit, from ROMFS. */
    kprintf("Bastion ready: %u CPUs online\n", percpu_count());
    core_report_served(kparam_get("coreserved") != NULL); /* coreserved: list them (test image) */
    sec_iface_init(); /* the security interface, handed out by Handle.SecurityConnect */
    ksm_start();      /* the security monitor first: Einit's start is its first decision */
#ifdef BASTION_TEST_HOOKS
    selftest_ksm_kill_start();   /* ksmkill=<n>: the fail-closed test of a dying KSM */
    selftest_ksm_refuse_start(); /* ksmrefuse: a request too large for the KSM is a recorded denial */
#endif
    process_start_init();
    thread_exit(0);
}
