/* The CPU vectors lent to device interrupts (see irq_vector.h). */
#include "dev/irq_vector.h"

bool irq_vector_in_use(const struct irq_vectors *v, uint8_t vector)
{
    return (v->used[vector / 64] >> (vector % 64)) & 1u;
}

Retcode irq_vector_alloc(struct irq_vectors *v, uint8_t *out)
{
    for (unsigned vec = IRQ_VECTOR_FIRST; vec <= IRQ_VECTOR_LAST; vec++) {
        if (!irq_vector_in_use(v, (uint8_t)vec)) {
            v->used[vec / 64] |= 1ull << (vec % 64);
            *out = (uint8_t)vec;
            return rcOk;
        }
    }
    return rcResourceBusy;
}

Retcode irq_vector_free(struct irq_vectors *v, uint8_t vector)
{
    if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST || !irq_vector_in_use(v, vector))
        return rcInvalidArgument;
    v->used[vector / 64] &= ~(1ull << (vector % 64));
    return rcOk;
}
