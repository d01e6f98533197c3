/*
 * The 64-bit Task State Segment: only its stack pointers matter in long mode. rsp0 is the
 * stack the CPU switches to on an interrupt from user mode; ist[] are the Interrupt Stack
 * Table entries that IDT gates name to get a known-good stack whatever the state of the
 * interrupted one (double fault after a stack overflow, NMI at any instant, machine check).
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
    uint16_t iomap_base; /* = sizeof(struct tss): no I/O permission bitmap, all ports denied */
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "the CPU defines a 104-byte 64-bit TSS");

struct percpu;

/* Fills p->tss: IST stack tops from p->ist_stack[], no I/O bitmap. */
void tss_init(struct percpu *p);

/* Sets the stack used on the next interrupt or exception from user mode on this CPU. */
void tss_set_rsp0(uint64_t rsp0);

#endif
