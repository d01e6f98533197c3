/*
 * Global Descriptor Table: one per CPU (each needs its own TSS descriptor, since a TSS that is
 * loaded is marked busy). Layout is fixed by SYSCALL/SYSRET, which derive selectors from STAR:
 *   0x08 kernel code, 0x10 kernel data  (STAR[47:32] = 0x08)
 *   0x18 user data,   0x20 user code    (STAR[63:48] = 0x10; SYSRET adds 8 and 16, RPL 3)
 *   0x28 TSS (16 bytes)
 */
#ifndef BASTION_ARCH_X86_64_GDT_H
#define BASTION_ARCH_X86_64_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA (0x18 | 3)
#define GDT_USER_CODE (0x20 | 3)
#define GDT_TSS 0x28
#define GDT_ENTRIES 7

struct percpu;

/* Builds p->gdt (with p's TSS), loads it, reloads every segment register and the task register.
 * Runs on the CPU that owns p. GS base is reset by the reload: percpu code sets it afterwards. */
void gdt_init_cpu(struct percpu *p);

#endif
