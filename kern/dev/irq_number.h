/*
 * Decoding IO.RegisterIrq's interrupt number (<bastion/irq.h>) into what it names: an INTx GSI
 * or a PCI function's MSI. Pure: the decoding checks only the number's own form; whether the
 * GSI or function exists, and whether a driver may have it, is irq.c's business.
 */
#ifndef BASTION_DEV_IRQ_NUMBER_H
#define BASTION_DEV_IRQ_NUMBER_H

#include <stdint.h>

#include <bastion/retcode.h>

enum irq_kind {
    IRQ_KIND_INTX = 1, /* a legacy INTx line through the IOAPIC, named by its GSI */
    IRQ_KIND_MSI,      /* a function's message-signalled interrupt */
};

struct irq_name {
    enum irq_kind kind;
    uint32_t gsi;  /* IRQ_KIND_INTX */
    uint16_t bdf;  /* IRQ_KIND_MSI */
    uint8_t index; /* IRQ_KIND_MSI: the message, always 0 once decoded */
};

/*
 * Errors: rcInvalidArgument (an MSI number with reserved bits 24..30 set); rcOutOfRange (an
 * INTx number above BASTION_IRQ_GSI_MAX, or an MSI message other than 0).
 */
Retcode irq_number_decode(uint32_t number, struct irq_name *out);

#endif
