/*
 * The Intel 82540EM (QEMU's "e1000") as its driver sees it: register offsets in BAR0, their
 * bits, and the legacy receive and transmit descriptors the device reads and writes in DMA
 * memory. Only what the driver uses is named (Intel's PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual, section 13 for registers, 3.2 and 3.3 for
 * descriptors).
 */
#ifndef E1000_REGS_H
#define E1000_REGS_H

#include <stdint.h>

#define E1000_VENDOR_DEVICE 0x100e8086u /* PCI id: Intel 82540EM */
#define E1000_BAR0_SIZE 0x20000u        /* 128 KiB of memory-mapped registers */

/* General */
#define E1000_CTRL 0x0000u
#define E1000_CTRL_ASDE (1u << 5) /* auto-speed detection */
#define E1000_CTRL_SLU (1u << 6)  /* set link up */
#define E1000_CTRL_RST (1u << 26) /* device reset; reads 1 until the reset is done */
#define E1000_STATUS 0x0008u
#define E1000_STATUS_LU (1u << 1) /* link up */

/* Interrupts: the cause register is cleared by reading it. */
#define E1000_ICR 0x00C0u
#define E1000_IMS 0x00D0u          /* mask set: causes that interrupt */
#define E1000_IMC 0x00D8u          /* mask clear */
#define E1000_INT_TXDW (1u << 0)   /* a transmit descriptor was written back */
#define E1000_INT_LSC (1u << 2)    /* link status changed */
#define E1000_INT_RXDMT0 (1u << 4) /* few free receive descriptors left */
#define E1000_INT_RXO (1u << 6)    /* receive overrun */
#define E1000_INT_RXT0 (1u << 7)   /* receive timer: a frame arrived */
#define E1000_INT_ALL 0xFFFFFFFFu

/* Receive */
#define E1000_RCTL 0x0100u
#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_BAM (1u << 15)   /* accept broadcast frames (ARP needs them) */
#define E1000_RCTL_SECRC (1u << 26) /* strip the Ethernet CRC */
/* Buffer size bits 16..17 = 00 with BSEX clear: 2048-byte receive buffers. */
#define E1000_RDBAL 0x2800u
#define E1000_RDBAH 0x2804u
#define E1000_RDLEN 0x2808u
#define E1000_RDH 0x2810u
#define E1000_RDT 0x2818u

/* Transmit */
#define E1000_TCTL 0x0400u
#define E1000_TCTL_EN (1u << 1)
#define E1000_TCTL_PSP (1u << 3)      /* pad short frames to 64 bytes */
#define E1000_TCTL_CT (0x10u << 4)    /* collision threshold (IEEE 802.3 value) */
#define E1000_TCTL_COLD (0x40u << 12) /* collision distance, full duplex */
#define E1000_TIPG 0x0410u
#define E1000_TIPG_COPPER (10u | 8u << 10 | 6u << 20) /* inter-packet gap for copper links */
#define E1000_TDBAL 0x3800u
#define E1000_TDBAH 0x3804u
#define E1000_TDLEN 0x3808u
#define E1000_TDH 0x3810u
#define E1000_TDT 0x3818u

/* Statistics (cleared by reading) and addresses */
#define E1000_MPC 0x4010u /* missed packets: no receive descriptor was free */
#define E1000_RUC 0x40A4u /* receive undersize: frames shorter than 64 bytes, refused */
#define E1000_ROC 0x40ACu /* receive oversize: frames longer than 1522 bytes, refused */
#define E1000_MTA 0x5200u /* multicast table: 128 words */
#define E1000_MTA_WORDS 128u
#define E1000_RAL0 0x5400u      /* receive address 0, low 32 bits */
#define E1000_RAH0 0x5404u      /* receive address 0, high 16 bits and flags */
#define E1000_RAH_AV (1u << 31) /* address valid */

/* Receive descriptor: the device writes length, status and errors when it has filled addr. */
struct e1000_rx_desc {
    uint64_t addr;
    uint16_t length;
    uint16_t checksum;
    uint8_t status;
    uint8_t errors;
    uint16_t special;
};
#define E1000_RXD_DD (1u << 0)  /* descriptor done */
#define E1000_RXD_EOP (1u << 1) /* end of packet: the frame fits in this one buffer */

/* Legacy transmit descriptor: the device sets DD in status once it has sent the buffer. */
struct e1000_tx_desc {
    uint64_t addr;
    uint16_t length;
    uint8_t cso;
    uint8_t cmd;
    uint8_t status;
    uint8_t css;
    uint16_t special;
};
#define E1000_TXD_CMD_EOP (1u << 0)  /* last buffer of the frame */
#define E1000_TXD_CMD_IFCS (1u << 1) /* the device appends the CRC */
#define E1000_TXD_CMD_RS (1u << 3)   /* report status: set DD when done */
#define E1000_TXD_DD (1u << 0)

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "receive descriptor layout");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "transmit descriptor layout");

#endif
