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
 *   6. platform       - acpi, lapic, ioapic, tsc, timer, smp (APs call percpu_init_ap())
 *   6b. microkernel   - address spaces (TLB shootdown IPI, fault handlers), the scheduler (from
 *                       here kmain runs as an ordinary thread; every CPU has an idle thread),
 *                       processes (the reaper)
 *   7. test hooks     - kernel-test.elf only (BASTION_TEST_HOOKS): deliberate faults, and the
 *                       scheduler/user-mode self-tests (selftest=sched,user)
 *   8. ready line     - "Bastion ready: <N> CPUs online", which the boot test waits for; then
 *                       Einit, the first user process, and kmain's thread exits so that CPU 0
 *                       idles in its idle thread
 */
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
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
#include "fs/romfs.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/slab.h"
#include "panic.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "sched/selftest.h"
#include "lib/ubsan.h"
#include "klcore/klcore.h"
#include "security/ksm_kill_test.h"
#include "security/ksm_refuse_test.h"
#include "security/ksm_start.h"
#include "security/sec_iface.h"

#ifdef BASTION_TEST_HOOKS
/* The deliberate faults. Each is a separate noinline function so that the report's RIP and
 * backtrace name it. */
__attribute__((noinline)) static void test_fault_pagefault(void)
{
    /* Just below the kernel image: no page table maps it, early or final. */
    volatile uint64_t *unmapped = (volatile uint64_t *)0xFFFFFFFF7FFFF000ull;
    kprintf("test: fault=pagefault: reading %p, which is unmapped\n", (void *)unmapped);
    (void)*unmapped;
}

__attribute__((noinline)) static void test_fault_gp(void)
{
    /* A non-canonical address: #GP, not #PF. */
    volatile uint64_t *bad = (volatile uint64_t *)0x8000000000000000ull;
    kprintf("test: fault=gp: reading non-canonical %p\n", (void *)bad);
    (void)*bad;
}

__attribute__((noinline)) static void test_fault_divide(void)
{
    /* In assembly: gcc turns 1u / x into x == 1, which never traps. */
    uint64_t lo = 1, hi = 0, zero = 0;
    kprintf("test: fault=divide: dividing by zero\n");
    __asm__ volatile("divq %2" : "+a"(lo), "+d"(hi) : "r"(zero));
}

__attribute__((noinline)) static void test_fault_ud(void)
{
    kprintf("test: fault=ud: executing ud2\n");
    __asm__ volatile("ud2");
}

__attribute__((noinline)) static void test_fault_stack(void)
{
    /* What a kernel stack overflow looks like: RSP in unmapped memory. The push faults (#PF),
     * delivering the #PF needs the same stack and faults again, so the CPU raises #DF, which
     * only gets reported because it runs on its own IST stack. */
    kprintf("test: fault=stack: pushing onto an unmapped stack\n");
    __asm__ volatile("movq %%rsp, %%rbx\n\t"
                     "movq $0xFFFFFFFF7FFFF800, %%rsp\n\t"
                     "pushq $0\n\t"
                     "movq %%rbx, %%rsp" ::: "rbx", "memory");
}

/* Real recursion down the boot stack into its unmapped guard page (paging_init() unmaps it). */
static volatile unsigned test_recurse_limit = ~0u;  /* volatile: gcc must not see no end */

__attribute__((noinline)) static unsigned test_recurse(unsigned depth)
{
    volatile char frame[256];
    frame[0] = (char)depth;
    if (depth >= test_recurse_limit)
        return 0;
    return test_recurse(depth + 1) + frame[0];
}

__attribute__((noinline)) static void test_fault_overflow(void)
{
    kprintf("test: fault=overflow: recursing into the boot stack's guard page\n");
    kprintf("%u\n", test_recurse(0));
}

__attribute__((noinline)) static void test_fault_smash(void)
{
    /* Writes past a local array: the stack protector must catch it when the function returns.
     * The length goes through a volatile so the compiler cannot see the overflow. */
    char buf[16];
    volatile size_t len = 64;
    kprintf("test: fault=smash: writing %zu bytes into a 16-byte stack array\n", (size_t)len);
    memset(buf, 'A', len);
    __asm__ volatile("" ::"r"(buf) : "memory");
}

__attribute__((noinline)) static void test_fault_panic(void)
{
    panic("test: fault=panic: deliberate panic");
}

/* Runs after init: needs the kernel parameters (kparam_get). */
static void run_test_hooks(void)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } faults[] = {
        {"pagefault", test_fault_pagefault},
        {"gp", test_fault_gp},
        {"divide", test_fault_divide},
        {"ud", test_fault_ud},
        {"stack", test_fault_stack},
        {"overflow", test_fault_overflow},
        {"smash", test_fault_smash},
        {"panic", test_fault_panic},
    };
    const char *fault = kparam_get("fault");
    if (!fault)
        return;
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (strcmp(fault, faults[i].name) == 0) {
            faults[i].fn();
            kprintf("test: fault=%s did not fault\n", fault);
            return;
        }
    kprintf("test: unknown fault=%s (known: pagefault gp divide ud stack overflow smash panic)\n", fault);
}
#endif

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
    /* 1-4: the kernel base. */
    console_init();
    kprintf("\nBastion microkernel (x86-64), booted by multiboot2\n");
    legacy_pic_mask_all();
    cpu_detect_features();
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
    lapic_init();
    ioapic_init();
    tsc_calibrate();
    timer_init();
    smp_start_aps();

    /* 6b: microkernel. */
    aspace_init();
    sched_init();
    process_init();

    /* 7: test hooks. */
#ifdef BASTION_TEST_HOOKS
    run_test_hooks();
    sched_selftest();
#endif

#ifdef BASTION_UBSAN
    ubsan_boot_check(); /* ubsantest=<kind>: one deliberate undefined behaviour, reported */
#endif

    /* 8: ready; then the first user process, Einit, from ROMFS. */
    kprintf("Bastion ready: %u CPUs online\n", percpu_count());
    core_report_served(kparam_get("coreserved") != NULL); /* coreserved: list them (test image) */
    sec_iface_init();     /* the security interface, handed out by Handle.SecurityConnect */
    ksm_start();          /* the security monitor first: Einit's start is its first decision */
#ifdef BASTION_TEST_HOOKS
    ksm_kill_test_start(); /* ksmkill=<n>: the fail-closed test of a dying KSM */
    ksm_refuse_test_start(); /* ksmrefuse: a request too large for the KSM is a recorded denial */
#endif
    process_start_init();
    thread_exit(0);
}
