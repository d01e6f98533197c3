/* IDT construction, loading and interrupt routing. */
#include "arch/x86_64/idt.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idle_time.h"
#include "arch/x86_64/tss.h"
#include "lib/kprintf.h"
#include "panic.h"
#include "prof/kcov.h"
#include "proc/thread.h"

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");
_Static_assert(__builtin_offsetof(struct cpu_features, smap) == 2, "traps.asm: CPU_FEATURES_SMAP");

#define GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3 0x60

/* Stub addresses, one per vector (traps.asm). */
extern const uint64_t trap_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[256];
static volatile bool unexpected_reported[256];

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist, uint8_t attr)
{
    idt[vector] = (struct idt_gate){
        .offset_low = handler & 0xFFFF,
        .selector = GDT_KERNEL_CODE,
        .ist = ist,
        .type_attr = attr,
        .offset_mid = (handler >> 16) & 0xFFFF,
        .offset_high = handler >> 32,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, trap_stub_table[v], 0, GATE_INTERRUPT);
    set_gate(2, trap_stub_table[2], IST_NMI, GATE_INTERRUPT);
    set_gate(3, trap_stub_table[3], 0, GATE_INTERRUPT | GATE_DPL3);
    set_gate(8, trap_stub_table[8], IST_DOUBLE_FAULT, GATE_INTERRUPT);
    set_gate(18, trap_stub_table[18], IST_MACHINE_CHECK, GATE_INTERRUPT);
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ptr) : "memory");
}

void idt_set_irq_handler(uint8_t vector, irq_handler_fn fn)
{
    if (vector < 32)
        return;
    __atomic_store_n(&irq_handlers[vector], fn, __ATOMIC_RELEASE);
}

static void irq_dispatch(struct trap_frame *frame)
{
    uint64_t v = frame->vector;
    irq_handler_fn fn = __atomic_load_n(&irq_handlers[v], __ATOMIC_ACQUIRE);
    if (fn) {
        fn(frame);
        return;
    }
    /* No EOI is sent: a vector nobody routed is either spurious (needs none) or a
     * misconfiguration that the message should make visible once. */
    if (!unexpected_reported[v]) {
        unexpected_reported[v] = true;
        kprintf("idt: unexpected interrupt on vector %lu (no handler), ignored\n", v);
    }
}

/* The coverage kernel counts, per thread, the interrupt handlers it is inside, so
 * that its coverage holds its own system calls only (prof/kcov.h); this function itself calls
 * no coverage hook, which would run before the count. The count is the thread's, not the
 * CPU's: a handler may switch to another thread and come back here on it later. */
KCOV_NO_TRACE void trap_dispatch(struct trap_frame *frame)
{
    uint64_t v = frame->vector;
#ifdef BASTION_LOCK_CHECKS
    /* Every entry clears RFLAGS.AC (traps.asm, CLEAR_AC), whatever user mode or a user copy's
     * SMAP window left in it; the context switch relies on that (context.asm), so the checking
     * kernels verify it on every trap. */
    if (cpu_features.smap && (read_rflags() & RFLAGS_AC))
        panic("trap: vector %lu entered with RFLAGS.AC set", v);
#endif
#ifdef BASTION_KCOV
    /* Device and IPI interrupts only: an exception below 32 (a page fault in a user copy) is
     * part of the thread's own system call. */
    struct thread *t = NULL;
    if (v >= 32) {
        /* this_cpu()->current_thread, by its instruction: a helper kept out of line would call
         * the coverage hook before the count (prof/kcov_trace.c). */
        struct percpu *c;
        __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
        t = c->current_thread;
    }
    if (t != NULL)
        t->irq_depth++;
#endif
    idle_time_end(); /* a halted CPU is busy from the trap that woke it */
    if (v < 32)
        exception_dispatch(frame);
    else
        irq_dispatch(frame);
#ifdef BASTION_KCOV
    if (t != NULL)
        t->irq_depth--;
#endif
}
