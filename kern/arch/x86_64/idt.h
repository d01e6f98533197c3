/*
 * Interrupt Descriptor Table: one table shared by all CPUs, 256 gates, each pointing at a stub
 * in traps.asm that saves a struct trap_frame and calls trap_dispatch().
 *
 * Vectors 0-31 are CPU exceptions (exceptions.c reports them and panics unless a handler set
 * with exception_set_handler() resolves the fault). Vectors 32-255 go to the handler set with
 * idt_set_irq_handler(); one without a handler is reported once as unexpected and ignored.
 * Gates are interrupt gates (IF cleared on entry), DPL 0 except vector 3 (int3), and
 * #DF / NMI / #MC run on their IST stacks.
 */
#ifndef BASTION_ARCH_X86_64_IDT_H
#define BASTION_ARCH_X86_64_IDT_H

#include <stdbool.h>
#include <stdint.h>

/* Registers saved on entry, in the order traps.asm pushes them (lowest address first). */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rdi, rsi, rbp, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code; /* 0 for vectors without one */
    /* Pushed by the CPU. */
    uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "traps.asm pushes 22 quadwords");

typedef void (*irq_handler_fn)(struct trap_frame *frame);

/* Fills the IDT (once, on the BSP, before idt_load()). */
void idt_init(void);

/* Loads the IDT on the calling CPU (BSP and every AP). */
void idt_load(void);

/* Routes vector (32..255) to fn; fn == NULL removes the route. Vectors below 32 are ignored
 * (use exception_set_handler()). The handler runs with interrupts off and sends its own EOI. */
void idt_set_irq_handler(uint8_t vector, irq_handler_fn fn);

/* A handler for exception `vector` (0..31) that returns true when it resolved the fault (the
 * instruction is retried or the frame was changed), false to fall through to the report and
 * panic. Used later for page faults of user processes and user-copy fixups. */
typedef bool (*exception_handler_fn)(struct trap_frame *frame);
void exception_set_handler(uint8_t vector, exception_handler_fn fn);

/* Called from traps.asm with the saved frame. */
void trap_dispatch(struct trap_frame *frame);

/* Called from trap_dispatch() for vectors 0..31 (exceptions.c). */
void exception_dispatch(struct trap_frame *frame);

/* True if the frame was saved while the CPU ran in user mode. */
static inline bool trap_from_user(const struct trap_frame *f)
{
    return (f->cs & 3) != 0;
}

#endif
