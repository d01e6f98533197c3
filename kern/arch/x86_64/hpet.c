/*
 * The HPET main counter (see hpet.h).
 *
 * Register block (1 KiB): 0x000 general capabilities (bits 63:32 the counter's period in fs,
 * bit 13 a 64-bit counter, bits 12:8 the last timer's number), 0x010 general configuration
 * (bit 0 the counter runs, bit 1 legacy replacement), 0x0F0 the main counter, 0x100 + 0x20 * n
 * timer n's configuration (bit 2 its interrupt enabled).
 */
#include "arch/x86_64/hpet.h"

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "lib/kprintf.h"
#include "mm/paging.h"

#define REG_CAP 0x000
#define REG_CONFIG 0x010
#define REG_COUNTER 0x0F0
#define REG_TIMER_CONFIG(n) (0x100 + 0x20 * (n))

#define CAP_COUNT_64 (1ull << 13)
#define CONFIG_ENABLE 1ull
#define TIMER_INT_ENABLE (1ull << 2)

/* The specification's bound on the period: 100 ns, a counter of at least 10 MHz. */
#define MAX_PERIOD_FS 100000000ull
#define FS_PER_S 1000000000000000ull

/* ACPI "HPET" table: the standard header, then these fields (offsets from the table start). */
#define TABLE_ADDRESS_SPACE 40 /* generic address structure: 0 = memory */
#define TABLE_ADDRESS 44
#define TABLE_MIN_LEN 56

static volatile uint64_t *regs;
static uint64_t phys;
static uint64_t counter_hz;
static bool counter_64;

static uint64_t reg_read(unsigned off)
{
    return regs[off / 8];
}

static void reg_write(unsigned off, uint64_t v)
{
    regs[off / 8] = v;
}

/* The counter, widened to 64 bits by the caller's differences: a 32-bit counter at 100 MHz
 * wraps every 42 s, far beyond any window measured here. */
static uint64_t counter(void)
{
    uint64_t v = reg_read(REG_COUNTER);
    return counter_64 ? v : (uint32_t)v;
}

static uint64_t elapsed(uint64_t from, uint64_t to)
{
    return counter_64 ? to - from : (uint32_t)(to - from);
}

bool hpet_init(void)
{
    size_t len;
    const uint8_t *t = acpi_table("HPET", &len);
    if (!t || len < TABLE_MIN_LEN)
        return false;
    uint64_t addr;
    __builtin_memcpy(&addr, t + TABLE_ADDRESS, sizeof addr);
    if (t[TABLE_ADDRESS_SPACE] != 0 || addr == 0 || (addr & 0x3FF) != 0) {
        kprintf("hpet: table names no usable register block (space %u, address 0x%lx)\n",
                t[TABLE_ADDRESS_SPACE], (unsigned long)addr);
        return false;
    }
    regs = paging_map_mmio(addr & ~0xFFFull, 4096);
    if (!regs)
        return false;
    regs = (volatile uint64_t *)((uintptr_t)regs + (addr & 0xFFF));
    uint64_t cap = reg_read(REG_CAP);
    uint64_t period = cap >> 32;
    if (cap == ~0ull || period == 0 || period > MAX_PERIOD_FS) {
        kprintf("hpet: at 0x%lx, period %lu fs out of range: not used\n", (unsigned long)addr,
                (unsigned long)period);
        regs = NULL;
        return false;
    }
    counter_64 = (cap & CAP_COUNT_64) != 0;
    counter_hz = FS_PER_S / period;

    uint64_t config = reg_read(REG_CONFIG);
    if (!(config & CONFIG_ENABLE)) {
        /* No comparator may fire once the counter runs: the kernel routes no HPET interrupt. */
        unsigned timers = (unsigned)((cap >> 8) & 0x1F) + 1;
        for (unsigned n = 0; n < timers; n++)
            reg_write(REG_TIMER_CONFIG(n), reg_read(REG_TIMER_CONFIG(n)) & ~TIMER_INT_ENABLE);
        reg_write(REG_CONFIG, config | CONFIG_ENABLE);
    }
    uint64_t c0 = counter();
    for (int i = 0; i < 1000 && counter() == c0; i++)
        cpu_pause();
    if (counter() == c0) {
        kprintf("hpet: at 0x%lx, the main counter does not run: not used\n", (unsigned long)addr);
        regs = NULL;
        return false;
    }
    phys = addr;
    kprintf("hpet: at 0x%lx, %lu.%03lu MHz, %u-bit counter\n", (unsigned long)addr,
            (unsigned long)(counter_hz / 1000000), (unsigned long)(counter_hz / 1000 % 1000),
            counter_64 ? 64u : 32u);
    return true;
}

bool hpet_present(void)
{
    return phys != 0;
}

uint64_t hpet_phys(void)
{
    return phys;
}

uint64_t hpet_measure_hz(void (*start)(void *ctx), uint64_t (*stop)(void *ctx), void *ctx)
{
    uint64_t window = counter_hz / 1000000u * HPET_CAL_WINDOW_US;
    uint64_t v[HPET_CAL_RUNS];
    for (int i = 0; i < HPET_CAL_RUNS; i++) {
        uint64_t h0 = counter();
        start(ctx);
        uint64_t h1;
        do {
            cpu_pause();
            h1 = counter();
        } while (elapsed(h0, h1) < window);
        uint64_t moved = stop(ctx);
        /* The window is what the HPET saw between its two reads; the counter's own start and
         * stop sit inside it, one register read from each end. */
        v[i] = moved * counter_hz / elapsed(h0, h1);
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) { /* insertion sort */
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
    return v[HPET_CAL_RUNS / 2];
}
