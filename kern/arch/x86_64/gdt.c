/* Per-CPU GDT construction and loading. */
#include "arch/x86_64/gdt.h"

#include "arch/x86_64/percpu.h"

/* Descriptor bits (SDM vol. 3, 3.4.5): present, DPL, S (code/data), type, L (64-bit code). */
#define SEG_P (1ull << 47)
#define SEG_S (1ull << 44)
#define SEG_CODE (1ull << 43)
#define SEG_RW (1ull << 41) /* readable code / writable data */
#define SEG_L (1ull << 53)
#define SEG_DPL(n) ((uint64_t)(n) << 45)
#define SEG_TSS_AVAILABLE (0x9ull << 40)

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

void gdt_init_cpu(struct percpu *p)
{
    uint64_t *g = p->gdt;
    g[0] = 0;
    g[1] = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_L | SEG_DPL(0);
    g[2] = SEG_P | SEG_S | SEG_RW | SEG_DPL(0);
    g[3] = SEG_P | SEG_S | SEG_RW | SEG_DPL(3);
    g[4] = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_L | SEG_DPL(3);
    uint64_t base = (uint64_t)&p->tss;
    uint64_t limit = TSS_SEGMENT_LIMIT; /* the TSS, the I/O bitmap and its 0xFF byte */
    g[5] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | SEG_TSS_AVAILABLE | SEG_P |
           (((base >> 24) & 0xFF) << 56);
    g[6] = base >> 32;

    struct gdt_pointer ptr = {sizeof(p->gdt) - 1, (uint64_t)g};
    __asm__ volatile("lgdt %0\n\t"
                     /* Reload CS with a far return to the next instruction. */
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "ltr %w3\n\t"
                     :
                     : "m"(ptr), "i"((uint64_t)GDT_KERNEL_CODE), "r"((uint16_t)GDT_KERNEL_DATA),
                       "r"((uint16_t)GDT_TSS)
                     : "rax", "memory");
}
