/*
 * Device interrupts lent to user-mode drivers (kl.core.IO RegisterIrq, AttachIrq, DetachIrq,
 * EnableIrq, DisableIrq; docs/drivers.md "## Interrupts").
 *
 * What a driver may have: an interrupt of a PCI function, named by the number of
 * <bastion/irq.h>: the function's legacy INTx line (its GSI, routed through the IOAPIC) or the
 * function's MSI (one vector). Never the kernel's own: the timer, the UARTs, the other legacy
 * ISA lines, IPIs and every vector outside the lent range (dev/irq_vector.h).
 *
 * A line: irq_claim() makes the caller its one owner (first owner wins, until irq_release),
 * takes a vector and routes the interrupt to the boot CPU, masked. One thread at a time may be
 * attached (irq_attach, which unmasks). When the interrupt fires the kernel masks it (IOAPIC
 * redirection mask; MSI mask bit, or MSI enable off where the function has no mask bits), marks
 * it pending and wakes the attached thread if it waits (irq_wait). It stays masked until the
 * driver's irq_set_masked(false) (EnableIrq): an interrupt storm costs at most one wake-up per
 * EnableIrq, at the pace of the handler thread, which the scheduler treats like any other
 * thread of its class (it is NOT made real-time: docs/scheduler.md).
 *
 * Detaching: irq_request_detach (IO.DetachIrq) detaches a waiting thread at once, its wait
 * ending with rcIrqDetached, and a running one at its next irq_wait; irq_detach_thread
 * (Thread.DetachIrq) detaches the caller; a thread that ends is detached (irq_thread_exit).
 * Detaching masks the line.
 *
 * Lock: irq_lock (LOCK_LEVEL_IRQ_LINE), taken with interrupts off, also by the interrupt
 * handler; under it only sched_lock, ioapic_lock and the PCI configuration lock.
 */
#ifndef BASTION_DEV_IRQ_H
#define BASTION_DEV_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

struct irq_line;
struct thread;

/* Most interrupts lent at the same time. */
#define IRQ_LINES_MAX 32

/*
 * Makes the interrupt named `number` the caller's, masked. Errors, one per way the number can be
 * wrong: rcInvalidArgument (reserved bits), rcOutOfRange (an INTx number above 255, an MSI
 * message other than 0), rcNotFound (no PCI function has this GSI as its INTx line, or no
 * function at this BDF, or the function has no INTx pin), rcAccessDenied (the kernel keeps this
 * interrupt: the timer's, the UARTs', another legacy ISA line's), rcNotSupported (the function
 * has no MSI capability), rcNoHardware (an INTx line and no IOAPIC serves it), rcAlreadyExists
 * (registered already: first owner wins), rcResourceBusy (no vector or line slot left).
 */
Retcode irq_claim(uint32_t number, struct irq_line **out);

/* Gives the interrupt back: detaches its thread (whose wait ends with rcIrqDetached), masks
 * it, turns a function's MSI off and frees the vector. Any context that may take irq_lock. */
void irq_release(struct irq_line *l);

/* The number it was claimed with; how many times it fired. */
uint32_t irq_number(const struct irq_line *l);
uint64_t irq_fired_count(const struct irq_line *l);

/* Attaches t and unmasks. `delivery` names the delivery object (irq_detach_delivery). Errors:
 * rcResourceBusy (another thread is attached to it, or t is attached to an interrupt). */
Retcode irq_attach(struct irq_line *l, struct thread *t, const void *delivery);

/*
 * The attached thread t waits for the interrupt: rcOk when it fired (it is masked now), at once
 * if it fired since the last wait; rcIrqDetached when it was asked to detach (it is detached
 * now); rcTimeout after timeout_ns (0: none); rcPeerClosed when t is terminated;
 * rcAccessDenied when t is not the attached thread.
 */
Retcode irq_wait(struct irq_line *l, struct thread *t, uint64_t timeout_ns);

/* IO.DetachIrq: see above. rcNotFound: no thread is attached. */
Retcode irq_request_detach(struct irq_line *l);

/* Thread.DetachIrq: detaches t from its interrupt. rcNotFound: t is attached to none. */
Retcode irq_detach_thread(struct thread *t);

/* The delivery object is gone: detach the thread it was made for, if still attached by it. */
void irq_detach_delivery(struct irq_line *l, const void *delivery);

/* Thread exit (proc/thread.c): detaches t if it is attached. */
void irq_thread_exit(struct thread *t);

/* EnableIrq (masked = false) and DisableIrq (masked = true). */
void irq_set_masked(struct irq_line *l, bool masked);

#endif
