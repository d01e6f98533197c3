/* The kernel's one random source (contract in random.h). */
#include "lib/random.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/spinlock.h"
#include "lib/crng.h"
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

/* Without a hardware source: one generator for the machine, its outputs taken under the lock
 * (crng_next is not reentrant), its samples added without it (crng_add is atomic). */
static struct crng generator;
static struct spinlock generator_lock = SPINLOCK_INIT(LOCK_LEVEL_RANDOM);
static bool generator_seeded; /* generator_lock */
static bool generator_said;

/* The first key: 64 TSC readings around CPUID, which traps to the hypervisor under
 * virtualisation and whose time varies on hardware, so their low bits carry what the host's
 * timing, caches and interrupts did. Under QEMU's -icount (the benchmark) they are the same
 * every boot; there the samples of the ticks (random_add_timing) are too. */
static void seed_locked(void)
{
    for (int i = 0; i < 64; i++) {
        uint32_t a = 0, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        crng_add(&generator, rdtsc());
    }
    generator_seeded = true;
}

static bool hardware_source(void)
{
    return cpu_features.rdseed || cpu_features.rdrand;
}

void random_add_timing(uint64_t tsc)
{
    if (!hardware_source())
        crng_add(&generator, tsc);
}

uint64_t random_u64(void)
{
    uint64_t v;
    if (cpu_features.rdseed && rdseed64(&v))
        return v;
    if (cpu_features.rdrand && rdrand64(&v))
        return v;
    uint64_t flags = spin_lock_irqsave(&generator_lock);
    if (!generator_seeded)
        seed_locked();
    v = crng_next(&generator);
    spin_unlock_irqrestore(&generator_lock, flags);
    if (!__atomic_exchange_n(&generator_said, true, __ATOMIC_RELAXED))
        kprintf("random: no RDSEED/RDRAND: ASLR, handle keys, the stack canary and "
                "HAL.GetEntropy come from ChaCha20 keyed by TSC timings (at boot and every "
                "tick): weaker than a hardware source\n");
    return v;
}
