/* The 82540EM's hardware side: reset, MAC address, descriptor rings (e1000.h). */
#include <string.h>

#include <bastion/dma.h>
#include <bastion/vmm.h>
#include <user/core.h>

#include "e1000.h"
#include "kl/core/IO.idl.h"

#define RING_BYTES (E1000_RX_DESCS * 16u) /* each ring: 512 bytes, both in one page */
#define RESET_WAIT_MS 100u

static uint32_t rd(const struct e1000 *d, uint32_t off)
{
    return d->regs[off / 4];
}

static void wr(struct e1000 *d, uint32_t off, uint32_t v)
{
    /* Descriptor stores before the register store that hands them over: x86 keeps stores in
     * order, the compiler must too. */
    __asm__ volatile("" ::: "memory");
    d->regs[off / 4] = v;
}

/* BAR0 as Einit registered it for us: mapped uncached, read-write. */
static Retcode map_registers(struct e1000 *d, uint32_t regs)
{
    CORE_CLIENT(cl, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t mapping = {0};
    kl_core_Types_VirtAddr va = 0;
    Retcode r =
        core_result(kl_core_IO_MapMem(&cl, core_handle_arg(regs),
                                      BASTION_VMM_READ | BASTION_VMM_WRITE, 0, &va, &mapping, &rc),
                    &rc);
    d->mmio = regs;
    d->mapping = mapping.handle;
    d->regs = r == rcOk ? (volatile uint32_t *)(uintptr_t)va : 0;
    return r;
}

/* Reset: every register to its default, interrupts masked, then the link up. */
static Retcode reset(struct e1000 *d)
{
    wr(d, E1000_IMC, E1000_INT_ALL);
    wr(d, E1000_CTRL, rd(d, E1000_CTRL) | E1000_CTRL_RST);
    uint32_t waited = 0;
    while (rd(d, E1000_CTRL) & E1000_CTRL_RST) {
        if (waited++ >= RESET_WAIT_MS)
            return rcTimeout;
        core_thread_sleep(1);
    }
    wr(d, E1000_IMC, E1000_INT_ALL);
    (void)rd(d, E1000_ICR);
    wr(d, E1000_CTRL, rd(d, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE);
    return rcOk;
}

/* Receive address 0 holds the MAC address the EEPROM gave at reset. */
static Retcode read_mac(struct e1000 *d)
{
    uint32_t lo = rd(d, E1000_RAL0), hi = rd(d, E1000_RAH0);
    if (!(hi & E1000_RAH_AV))
        return rcNoHardware;
    d->mac = lo | (uint64_t)(hi & 0xFFFFu) << 32;
    return d->mac != 0 ? rcOk : rcNoHardware;
}

static void setup_rx(struct e1000 *d)
{
    d->rx = (volatile struct e1000_rx_desc *)d->rings.cpu;
    for (uint32_t i = 0; i < E1000_RX_DESCS; i++)
        d->rx[i] = (struct e1000_rx_desc){.addr = dma_area_dev(&d->rx_buffers, i * E1000_BUF_SIZE)};
    for (uint32_t i = 0; i < E1000_MTA_WORDS; i++)
        wr(d, E1000_MTA + 4 * i, 0);
    uint64_t base = dma_area_dev(&d->rings, 0);
    wr(d, E1000_RDBAL, (uint32_t)base);
    wr(d, E1000_RDBAH, (uint32_t)(base >> 32));
    wr(d, E1000_RDLEN, RING_BYTES);
    wr(d, E1000_RDH, 0);
    wr(d, E1000_RDT, E1000_RX_DESCS - 1); /* every descriptor but one is the device's */
    d->rx_next = 0;
    wr(d, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
}

static void setup_tx(struct e1000 *d)
{
    d->tx = (volatile struct e1000_tx_desc *)(d->rings.cpu + RING_BYTES);
    for (uint32_t i = 0; i < E1000_TX_DESCS; i++)
        d->tx[i] = (struct e1000_tx_desc){.addr = dma_area_dev(&d->tx_buffers, i * E1000_BUF_SIZE),
                                          .status = E1000_TXD_DD};
    uint64_t base = dma_area_dev(&d->rings, RING_BYTES);
    wr(d, E1000_TDBAL, (uint32_t)base);
    wr(d, E1000_TDBAH, (uint32_t)(base >> 32));
    wr(d, E1000_TDLEN, RING_BYTES);
    wr(d, E1000_TDH, 0);
    wr(d, E1000_TDT, 0);
    d->tx_tail = d->tx_clean = 0;
    wr(d, E1000_TIPG, E1000_TIPG_COPPER);
    wr(d, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT | E1000_TCTL_COLD);
}

Retcode e1000_start(struct e1000 *d, const struct nic_device *dev)
{
    *d = (struct e1000){0};
    Retcode r = map_registers(d, dev->regs);
    if (r != rcOk)
        return r;
    /* An absent or other device reads all ones or nonsense: the reset bit would never clear,
     * or the status register would have its reserved high bits set. */
    if (rd(d, E1000_STATUS) == 0xFFFFFFFFu)
        return rcNoHardware;
    if ((r = reset(d)) != rcOk || (r = read_mac(d)) != rcOk)
        return r;
    /* Rings: read and written by the device. Receive buffers: written only. Transmit buffers:
     * read only. The IOMMU mapping of each grants exactly that. */
    if ((r = dma_area_open(&d->rings, DMA_AREA_PAGE, BASTION_DMA_BIDIRECTIONAL)) != rcOk ||
        (r = dma_area_open(&d->rx_buffers, E1000_RX_DESCS * E1000_BUF_SIZE,
                           BASTION_DMA_FROM_DEVICE)) != rcOk ||
        (r = dma_area_open(&d->tx_buffers, E1000_TX_DESCS * E1000_BUF_SIZE,
                           BASTION_DMA_TO_DEVICE)) != rcOk)
        return r;
    setup_rx(d);
    setup_tx(d);
    (void)rd(d, E1000_MPC);
    (void)rd(d, E1000_RUC);
    (void)rd(d, E1000_ROC);
    wr(d, E1000_IMS,
       E1000_INT_RXT0 | E1000_INT_RXO | E1000_INT_RXDMT0 | E1000_INT_LSC | E1000_INT_TXDW);
    return rcOk;
}

uint32_t e1000_interrupt_causes(struct e1000 *d)
{
    return rd(d, E1000_ICR);
}

bool e1000_link_up(const struct e1000 *d)
{
    return (rd(d, E1000_STATUS) & E1000_STATUS_LU) != 0;
}

/* The descriptor at rx_next is the device's again: it may fill it. */
static void give_back(struct e1000 *d)
{
    d->rx[d->rx_next].status = 0;
    wr(d, E1000_RDT, d->rx_next);
    d->rx_next = (d->rx_next + 1) % E1000_RX_DESCS;
}

bool e1000_rx_peek(struct e1000 *d, const uint8_t **frame, uint32_t *length)
{
    for (;;) {
        volatile struct e1000_rx_desc *rx = &d->rx[d->rx_next];
        if (!(rx->status & E1000_RXD_DD))
            return false;
        __asm__ volatile("" ::: "memory"); /* status before the rest of the descriptor */
        uint32_t len = rx->length;
        /* Longer than FrameMax (a VLAN tag, or up to the 1522 bytes the device lets through):
         * net.Nic promises the stack at most that, and lwIP takes no tagged frames. */
        if (rx->errors == 0 && (rx->status & E1000_RXD_EOP) && len >= net_Nic_FrameMin &&
            len <= net_Nic_FrameMax) {
            *frame = d->rx_buffers.cpu + d->rx_next * E1000_BUF_SIZE;
            *length = len;
            return true;
        }
        d->counters.rxErrors++;
        give_back(d);
    }
}

void e1000_rx_next(struct e1000 *d)
{
    d->counters.rxFrames++;
    d->counters.rxBytes += d->rx[d->rx_next].length;
    give_back(d);
}

Retcode e1000_tx(struct e1000 *d, const uint8_t *frame, uint32_t length)
{
    e1000_account(d);
    uint32_t next = (d->tx_tail + 1) % E1000_TX_DESCS;
    if (next == d->tx_clean) { /* one descriptor stays empty: head == tail means empty */
        d->counters.txDrops++;
        return rcResourceBusy;
    }
    memcpy(d->tx_buffers.cpu + d->tx_tail * E1000_BUF_SIZE, frame, length);
    volatile struct e1000_tx_desc *tx = &d->tx[d->tx_tail];
    tx->length = (uint16_t)length;
    tx->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    tx->status = 0;
    d->tx_len[d->tx_tail] = (uint16_t)length;
    d->tx_tail = next;
    wr(d, E1000_TDT, next);
    return rcOk;
}

void e1000_account(struct e1000 *d)
{
    while (d->tx_clean != d->tx_tail && (d->tx[d->tx_clean].status & E1000_TXD_DD)) {
        d->counters.txFrames++;
        d->counters.txBytes += d->tx_len[d->tx_clean];
        d->tx_clean = (d->tx_clean + 1) % E1000_TX_DESCS;
    }
    d->counters.rxDrops += rd(d, E1000_MPC);
    /* Frames the device refused for their length never reach a descriptor: its own counts. */
    d->counters.rxErrors += rd(d, E1000_RUC) + rd(d, E1000_ROC);
}
