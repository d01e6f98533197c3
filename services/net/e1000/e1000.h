/*
 * The 82540EM's hardware side: its registers mapped from BAR0, its receive and transmit
 * descriptor rings and frame buffers in the driver's DMA memory, and what the device counted.
 * Not thread-safe: the caller (nic.c) holds its lock around every call after e1000_start.
 *
 * Receive: RX_DESCS descriptors, each with its own 2 KiB buffer that never changes. The
 * device fills descriptors from the head; the driver takes them in order (rx_next), and hands
 * a descriptor back by moving the tail (RDT) onto it. Transmit: TX_DESCS descriptors, each
 * with its own 2 KiB buffer; the driver copies a frame into the buffer at the tail and moves
 * the tail (TDT); a descriptor is free again once the device set its DD bit.
 */
#ifndef NET_E1000_E1000_H
#define NET_E1000_E1000_H

#include <stdbool.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "device.h"
#include "dma.h"
#include "e1000_regs.h"
#include "net/Nic.idl.h"

#define E1000_RX_DESCS 32u /* ring lengths: multiples of 8 (128-byte ring sizes) */
#define E1000_TX_DESCS 32u
#define E1000_BUF_SIZE 2048u

struct e1000 {
    volatile uint32_t *regs;
    uint32_t mmio, mapping;     /* IO.RegisterMmio's resource, IO.MapMem's mapping */
    struct dma_area rings;      /* both descriptor rings: the device reads and writes them */
    struct dma_area rx_buffers; /* the device only writes them */
    struct dma_area tx_buffers; /* the device only reads them */
    volatile struct e1000_rx_desc *rx;
    volatile struct e1000_tx_desc *tx;
    uint32_t rx_next;  /* the next receive descriptor the device will fill */
    uint32_t tx_tail;  /* the next transmit descriptor the driver fills */
    uint32_t tx_clean; /* the oldest transmit descriptor not yet seen done */
    uint16_t tx_len[E1000_TX_DESCS];
    uint64_t mac; /* byte 0 of the address in bits 0..7 */
    struct net_Nic_Counters counters;
};

/* Maps the registers of dev, resets the device, reads its MAC address, sets up both rings in
 * new DMA areas and turns receive, transmit and interrupts on. The first failing step's code:
 * the kernel's for registering and mapping, rcNoHardware when BAR0 does not answer like an
 * 82540EM, rcTimeout when the reset does not finish. */
Retcode e1000_start(struct e1000 *d, const struct nic_device *dev);

/* Reads and so clears the interrupt causes (E1000_INT_*). */
uint32_t e1000_interrupt_causes(struct e1000 *d);

bool e1000_link_up(const struct e1000 *d);

/* The next received frame, if the device finished one: its bytes (in the driver's DMA buffer)
 * and length. Frames the device marked bad, and frames outside FrameMin..FrameMax, are counted
 * (rxErrors) and given back on the way.
 * false when none is ready. The frame stays valid until e1000_rx_next. */
bool e1000_rx_peek(struct e1000 *d, const uint8_t **frame, uint32_t *length);
/* Gives the frame e1000_rx_peek returned back to the device and counts it. */
void e1000_rx_next(struct e1000 *d);

/* Copies a frame (FrameMin..FrameMax bytes, checked by the caller) into the next transmit
 * buffer and starts it: rcResourceBusy (counted in txDrops) when the ring is full. */
Retcode e1000_tx(struct e1000 *d, const uint8_t *frame, uint32_t length);

/* Counts the transmit descriptors the device finished, the frames it missed for want of a
 * receive descriptor (the MPC register) and those it refused for their length (RUC, ROC:
 * receive errors). */
void e1000_account(struct e1000 *d);

#endif
