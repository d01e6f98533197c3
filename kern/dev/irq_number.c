/* Decoding IO.RegisterIrq's interrupt number (see irq_number.h and <bastion/irq.h>). */
#include "dev/irq_number.h"

#include <bastion/irq.h>

Retcode irq_number_decode(uint32_t number, struct irq_name *out)
{
    *out = (struct irq_name){0};
    if (number & BASTION_IRQ_MSI_FLAG) {
        if (number & BASTION_IRQ_MSI_RESERVED)
            return rcInvalidArgument;
        /* One vector per function: a number for message 1.. names nothing the kernel gives. */
        if ((number & 0xFFu) != 0)
            return rcOutOfRange;
        out->kind = IRQ_KIND_MSI;
        out->bdf = (uint16_t)(number >> 8);
        return rcOk;
    }
    if (number > BASTION_IRQ_GSI_MAX)
        return rcOutOfRange;
    out->kind = IRQ_KIND_INTX;
    out->gsi = number;
    return rcOk;
}
