/*
 * The CPU vectors lent to device interrupts: a bitmap over IRQ_VECTOR_FIRST..IRQ_VECTOR_LAST.
 * Pure (no lock): irq.c holds its own lock around it. The range lies above the 8259s'
 * (0x20..0x2F) and the IOAPIC's fixed GSI vectors (0x30..0x47, boot self-test only) and below
 * the kernel's own (TLB shootdown, reschedule, timer, LAPIC error and spurious: 0xF0 and up),
 * so a driver's interrupt can never arrive on a vector the kernel handles itself.
 */
#ifndef BASTION_DEV_IRQ_VECTOR_H
#define BASTION_DEV_IRQ_VECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define IRQ_VECTOR_FIRST 0x50u
#define IRQ_VECTOR_LAST 0xDFu
#define IRQ_VECTOR_COUNT (IRQ_VECTOR_LAST - IRQ_VECTOR_FIRST + 1u)

struct irq_vectors {
    uint64_t used[4]; /* bit v: vector v is taken */
};

/* The lowest free vector, now taken. rcResourceBusy: every vector of the range is taken. */
Retcode irq_vector_alloc(struct irq_vectors *v, uint8_t *out);

/* Gives vector back. rcInvalidArgument: outside the range, or not taken. */
Retcode irq_vector_free(struct irq_vectors *v, uint8_t vector);

bool irq_vector_in_use(const struct irq_vectors *v, uint8_t vector);

#endif
