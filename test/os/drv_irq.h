/*
 * What the interrupt tests of the drivers image share (drv_irq.c, drv_attack_irq.c): QEMU's edu
 * device (docs/specs/edu.rst in QEMU) and the numbers that name its interrupts.
 *
 * edu raises its interrupt when a value is written to its raise register (0x60: the value is
 * ORed into the interrupt status, 0x24) and when a factorial finishes with status bit 0x80 set;
 * writing the status bits to the acknowledge register (0x64) clears them. Without MSI it drives
 * INTA, level-triggered, until the status is zero again; with MSI enabled it sends one message
 * per raise.
 */
#ifndef DRV_IRQ_H
#define DRV_IRQ_H

#include <stdint.h>

#include <bastion/retcode.h>

#define EDU_ID 0x00
#define EDU_FACT 0x08
#define EDU_STATUS 0x20
#define EDU_STATUS_FACT_IRQ 0x80u
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_FACT_IRQ_VALUE 0x1u /* what a finished factorial ORs into the interrupt status */
#define EDU_BAR0_SIZE (1u << 20)

/* Where the edu function is, as the drivers image's QEMU machine places it (test/os/drivers.yaml
 * passes the same numbers as arguments, and the policy names them). */
struct edu {
    uint32_t gsi;  /* its INTx line */
    uint16_t bdf;  /* bus << 8 | device << 3 | function */
    uint64_t bar0; /* physical address of its registers */
    volatile uint32_t *regs;
    uint32_t mmio, mapping; /* IO.RegisterMmio's resource, IO.MapMem's mapping */
};

/* Parses "GSI,BDF,BAR0" (C numbers) into e. */
Retcode edu_parse(const char *arg, struct edu *e);
/* IO.RegisterMmio + IO.MapMem of BAR0; e->regs points at it. */
Retcode edu_map(struct edu *e);
/* edu_map, retried while another driver holds the registers (rcResourceBusy), msec at most. */
Retcode edu_map_when_free(struct edu *e, uint32_t msec);
/* Closes both handles: the registers are unmapped and free for the next driver. */
void edu_unmap(struct edu *e);

static inline uint32_t edu_read(const struct edu *e, unsigned off)
{
    return e->regs[off / 4];
}

static inline void edu_write(const struct edu *e, unsigned off, uint32_t v)
{
    e->regs[off / 4] = v;
}

/* The kl.core.IO interrupt methods, folded with core_result. */
Retcode uirq_register(uint32_t irq, uint32_t *h);
Retcode uirq_attach(uint32_t h, uint32_t *delivery);
Retcode uirq_detach(uint32_t h);
Retcode uirq_enable(uint32_t h);
Retcode uirq_disable(uint32_t h);
Retcode uirq_thread_detach(void);
/* Recv on a delivery handle: rcOk when the interrupt fired, rcIrqDetached, rcTimeout, ... */
Retcode uirq_wait(uint32_t delivery, uint32_t timeout_ms);

#endif
