/*
 * The stack-protector canary of user programs (-fstack-protector-strong with
 * -mstack-protector-guard=global reads __stack_chk_guard). crt0 sets it from the kernel's
 * entropy before main() runs; until then it holds a fixed non-zero value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <user/core.h>

#include "../crt/crt.h"

uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

__attribute__((no_stack_protector)) void crt_init_canary(void)
{
    uint64_t v = 0;
    if (core_get_entropy(&v, sizeof v) != rcOk || v == 0)
        v = rdtsc() * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)&v;
    v &= ~(uint64_t)0xFF; /* a zero low byte stops string overflows from copying past it */
    if (v == 0)
        v = 0x595e9fbd94fda700ull;
    __stack_chk_guard = v;
}

__attribute__((noreturn)) void __stack_chk_fail(void)
{
    printf("stack smashing detected: terminating\n");
    exit(134);
}
