/*
 * x86-64 CPU primitives: CPUID, MSRs, control registers, port I/O, interrupts, halting, and
 * the feature set detected once at boot (cpu_detect_features()).
 *
 * All inline helpers are safe on any CPU (the SMAP window's stac and clac are in mm/usercopy.h).
 */
#ifndef BASTION_ARCH_X86_64_CPU_H
#define BASTION_ARCH_X86_64_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* Control register bits used by the kernel. */
#define CR0_WP (1ull << 16)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_UMIP (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

/* Model-specific registers. */
#define MSR_APIC_BASE 0x0000001Bu
#define MSR_EFER 0xC0000080u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_SFMASK 0xC0000084u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define EFER_SCE (1ull << 0)
#define EFER_NXE (1ull << 11)

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_AC (1ull << 18)

struct cpu_features {
    bool nx;
    bool smep;
    bool smap;
    bool umip;
    bool pcid;
    bool pge;
    bool rdrand;
    bool rdseed;
    bool x2apic;
    bool tsc_deadline;
    bool invariant_tsc;
    bool fsgsbase;
    bool gbpages; /* 1 GiB pages */
    uint8_t phys_addr_bits;
    uint8_t virt_addr_bits;
    char vendor[13];
    char brand[49];
};

/* Filled by cpu_detect_features() on the BSP; all CPUs of a machine are assumed alike. */
extern struct cpu_features cpu_features;

/* Reads CPUID once into cpu_features. Called by the BSP before anything else reads it. */
void cpu_detect_features(void);

/* Enables the protections the CPU offers on the calling CPU (SMEP, SMAP, UMIP, CR0.WP).
 * CR4 is per CPU: every AP calls this too (percpu_init_ap() does). */
void cpu_enable_protections(void);

/* Prints one line naming the CPU and the features found. */
void cpu_print_features(void);

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b, uint32_t *c,
                         uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(subleaf));
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#define CPU_CR_ACCESSORS(n)                                      \
    static inline uint64_t read_cr##n(void)                      \
    {                                                            \
        uint64_t v;                                              \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));        \
        return v;                                                \
    }                                                            \
    static inline void write_cr##n(uint64_t v)                   \
    {                                                            \
        __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); \
    }
CPU_CR_ACCESSORS(0)
CPU_CR_ACCESSORS(2)
CPU_CR_ACCESSORS(3)
CPU_CR_ACCESSORS(4)
#undef CPU_CR_ACCESSORS

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
/* A write to an unused port: about 1 us, for devices that need a pause between accesses. */
static inline void io_wait(void)
{
    outb(0x80, 0);
}

static inline uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}
static inline void cli(void)
{
    __asm__ volatile("cli" ::: "memory");
}
static inline void sti(void)
{
    __asm__ volatile("sti" ::: "memory");
}
static inline void cpu_pause(void)
{
    __asm__ volatile("pause" ::: "memory");
}
static inline void cpu_halt(void)
{
    __asm__ volatile("hlt" ::: "memory");
}
static inline bool irqs_enabled(void)
{
    return (read_rflags() & RFLAGS_IF) != 0;
}

/* Saves and disables interrupts; cpu_irq_restore() puts back the saved state. */
static inline uint64_t cpu_irq_save(void)
{
    uint64_t f = read_rflags();
    cli();
    return f;
}
static inline void cpu_irq_restore(uint64_t flags)
{
    if (flags & RFLAGS_IF)
        sti();
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void invlpg(uintptr_t va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}


/* Interrupts off, halt forever: the end of a panic and of a CPU with nothing left to do. */
noreturn void cpu_halt_forever(void);

/* The idle CPU's loop, cpu_idle_forever, is in arch/x86_64/idle_time.h: it counts its halts. */

#endif
