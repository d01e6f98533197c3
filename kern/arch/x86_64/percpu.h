/*
 * Per-CPU data, reached through the GS base. Two ways in: PERCPU(field) reads or writes one
 * field with one %gs-relative instruction (the paths of every system call and switch use it),
 * and this_cpu() gives the struct's own address, read from %gs:0, for code that wants a
 * pointer. Each CPU has its own GDT, TSS and IST stacks.
 *
 * Invariants: `self` stays at offset 0 (this_cpu() and assembly depend on it); GS base of a CPU
 * points at its struct percpu while in the kernel (user mode entry will swapgs).
 */
#ifndef BASTION_ARCH_X86_64_PERCPU_H
#define BASTION_ARCH_X86_64_PERCPU_H

#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/tss.h"

struct cpu_sched;

/* Upper bound on CPUs; percpu_init_ap() refuses indexes at or above it. */
#define MAX_CPUS 32

struct percpu {
    struct percpu *self; /* offset 0: this_cpu() */
    unsigned index;      /* 0 = BSP, then 1.. in start order */
    uint32_t apic_id;
    uint64_t kernel_stack_top; /* for the syscall entry (later issues) */
    uint64_t user_rsp_scratch; /* for the syscall entry (later issues) */
    void *current_thread;      /* the thread this CPU runs: thread_current() */
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss tss __attribute__((aligned(16)));
    /* Right after the TSS, inside its segment: the I/O permission bitmap and its 0xFF end. */
    uint8_t io_bitmap[TSS_IOMAP_BYTES + 1];
    uint64_t io_loaded_version;    /* which process bitmap io_bitmap holds (dev/ioperm.c), 0 none */
    uint32_t io_loaded_span;       /* bytes from the start that may hold a zero bit */
    uint8_t *ist_stack[IST_COUNT]; /* bottoms; IST n uses ist_stack[n-1] .. + IST_STACK_SIZE */
    /* Idle time, TSC-exact (arch/x86_64/idle_time.h): the TSC when the idle loop halted, 0 while
     * not halted; and the ticks of every halt that has ended (written by this CPU only). */
    uint64_t halt_tsc;
    uint64_t idle_tsc;
    /* The scheduler's state of this CPU (sched/sched.c), set when the scheduler first meets
     * the CPU; NULL before. */
    struct cpu_sched *sched;
    uint64_t syscalls; /* system calls entered on this CPU (written by this CPU only) */
};

_Static_assert(__builtin_offsetof(struct percpu, self) == 0, "this_cpu() reads %gs:0");
_Static_assert(__builtin_offsetof(struct percpu, io_bitmap) ==
                   __builtin_offsetof(struct percpu, tss) + TSS_IOMAP_OFFSET,
               "the I/O bitmap follows the TSS, where iomap_base points");

/*
 * A field of the running CPU's struct percpu as an lvalue of the %gs segment: `PERCPU(index)` is
 * one `mov %gs:8`. (Addressed by the field's offset, not through a null struct pointer, which
 * the undefined-behaviour checker would rightly refuse.) It is ordinary memory to the compiler,
 * so a value read through it may be kept in a register only until the next call or barrier: a
 * thread changes CPU only inside context_switch (a call), or, in a kernel-preemptible thread, at
 * an interrupt, where the same holds for any value read through this_cpu(). A field that names
 * the running thread (current_thread) is the same on every CPU the thread runs on.
 */
#define PERCPU(field) \
    (*(__typeof__(((struct percpu *)0)->field) __seg_gs *)__builtin_offsetof(struct percpu, field))

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

/* The stack of the next interrupt from user mode on this CPU: the TSS's rsp0, 4 bytes into the
 * packed TSS, so stored through a type aligned as it is. */
typedef uint64_t percpu_u64_at4 __attribute__((aligned(4)));
_Static_assert((__builtin_offsetof(struct percpu, tss) + __builtin_offsetof(struct tss, rsp)) % 4 ==
                   0,
               "percpu_set_rsp0's store is 4-aligned");
static inline void percpu_set_rsp0(uint64_t top)
{
    *(percpu_u64_at4 __seg_gs *)(__builtin_offsetof(struct percpu, tss) +
                                 __builtin_offsetof(struct tss, rsp)) = top;
}

/* Sets up the BSP (index 0, APIC id from CPUID): GDT, TSS with IST stacks, GS base. The first
 * thing kmain does after the console, so that every exception after it is reported on a
 * valid stack. The IDT is loaded separately (idt_init(), idt_load()). */
void percpu_init_bsp(void);

/* Runs ON an application processor, early in its C entry, after the memory code is up (and not
 * on two APs at once: the page allocator is used): allocates its IST stacks, fills its struct
 * percpu, loads its GDT/TSS, sets GS base, loads the IDT and enables SMEP/SMAP/UMIP on it.
 * Returns the struct, or NULL if index is 0 or >= MAX_CPUS, was already used, or the IST
 * stacks could not be allocated. */
struct percpu *percpu_init_ap(unsigned index, uint32_t apic_id);

/* The struct of CPU `index`, or NULL if that CPU has not been set up. */
struct percpu *percpu_get(unsigned index);

/* Number of CPUs set up so far (BSP included). */
unsigned percpu_count(void);

#endif
