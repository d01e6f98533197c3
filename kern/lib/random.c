/* The kernel's one random source (contract in random.h). */
#include "lib/random.h"

#include "arch/x86_64/cpu.h"
#include "lib/kprintf.h"

static bool rdseed64(uint64_t *v)
{
    for (int i = 0; i < 32; i++) {
        uint8_t ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

static bool rdrand64(uint64_t *v)
{
    for (int i = 0; i < 32; i++) {
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

uint64_t random_u64(void)
{
    uint64_t v;
    if (cpu_features.rdseed && rdseed64(&v))
        return v;
    if (cpu_features.rdrand && rdrand64(&v))
        return v;
    static bool warned;
    static uint64_t counter;
    if (!warned) {
        warned = true;
        kprintf("random: no RDSEED/RDRAND: ASLR, handle keys and the stack canary use the TSC "
                "(weak)\n");
    }
    /* splitmix64 over the TSC and a counter. */
    v = rdtsc() + __atomic_add_fetch(&counter, 0x9E3779B97F4A7C15ull, __ATOMIC_RELAXED);
    v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
    v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
    return v ^ (v >> 31);
}
