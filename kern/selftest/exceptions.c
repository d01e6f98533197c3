/*
 * Self-test of the exception and panic reports (kern/arch/x86_64/exceptions.c, kern/panic.c),
 * kernel-test.elf only: the kernel parameter fault=<kind> makes one deliberate fault after
 * init, so the boot test (test/boot: boot-fault) can check that the report names the vector,
 * the faulting address and the function, symbolized.
 */
#ifdef BASTION_TEST_HOOKS

#include <stddef.h>
#include <stdint.h>

#include "selftest/selftest.h"

#include "boot/params.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "panic.h"

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
                     "movq %%rbx, %%rsp" ::
                         : "rbx", "memory");
}

/* Real recursion down the boot stack into its unmapped guard page (paging_init() unmaps it). */
static volatile unsigned test_recurse_limit = ~0u; /* volatile: gcc must not see no end */

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
void selftest_fault(void)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } faults[] = {
        {"pagefault", test_fault_pagefault}, {"gp", test_fault_gp},
        {"divide", test_fault_divide},       {"ud", test_fault_ud},
        {"stack", test_fault_stack},         {"overflow", test_fault_overflow},
        {"smash", test_fault_smash},         {"panic", test_fault_panic},
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
    kprintf("test: unknown fault=%s (known: pagefault gp divide ud stack overflow smash panic)\n",
            fault);
}

#endif
