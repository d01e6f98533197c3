/*
 * The 64-bit Task State Segment: its stack pointers and the I/O permission bitmap. rsp0 is the
 * stack the CPU switches to on an interrupt from user mode; ist[] are the Interrupt Stack
 * Table entries that IDT gates name to get a known-good stack whatever the state of the
 * interrupted one (double fault after a stack overflow, NMI at any instant, machine check).
 *
 * The I/O permission bitmap (one bit per port, 0 = allowed in user mode) follows the TSS in
 * struct percpu, inside the TSS segment's limit, with the terminating 0xFF byte the CPU reads
 * past the last port. iomap_base selects it: TSS_IOMAP_OFFSET when the running process holds
 * ports (dev/ioperm.c copies that process's bitmap in), TSS_IOMAP_NONE (beyond the limit: every
 * port denied, #GP) for every other process.
 */
#ifndef BASTION_ARCH_X86_64_TSS_H
#define BASTION_ARCH_X86_64_TSS_H

#include <stdint.h>

/* IST slots (1-based, as IDT gates name them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

/* Size of each IST stack. */
#define IST_STACK_SIZE (8 * 1024)

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7]; /* ist[0] is IST1 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base; /* TSS_IOMAP_OFFSET or TSS_IOMAP_NONE */
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "the CPU defines a 104-byte 64-bit TSS");

#define TSS_IOMAP_BYTES 8192u                                  /* 65536 ports, one bit each */
#define TSS_IOMAP_OFFSET 104u                                  /* the bitmap right after the TSS */
#define TSS_SEGMENT_LIMIT (TSS_IOMAP_OFFSET + TSS_IOMAP_BYTES) /* + the 0xFF byte, inclusive */
#define TSS_IOMAP_NONE 0xFFFFu /* past the limit: no bitmap, all ports denied */

struct percpu;

/* Fills p->tss: IST stack tops from p->ist_stack[]; the bitmap all ones (every port denied)
 * and not selected. */
void tss_init(struct percpu *p);

/* The stack of the next interrupt or exception from user mode on a CPU is its tss.rsp[0],
 * which the scheduler sets at every switch (percpu_set_rsp0, one store). */

#endif
