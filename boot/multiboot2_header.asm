; Multiboot2 header: tells GRUB how to load the kernel (Multiboot2 specification, section 3.1).
;
; Invariants: the header must lie 8-byte aligned within the first 32 KiB of the ELF file, which
; the linker script guarantees by putting .multiboot2 first in the first loaded section. Every
; tag is 8-byte aligned. The checksum makes magic + arch + length + checksum == 0 (mod 2^32).

%define MB2_MAGIC        0xE85250D6
%define MB2_ARCH_I386    0             ; "i386 protected mode": GRUB enters 32-bit code, paging off
%define KERNEL_VMA       0xFFFFFFFF80000000

extern _start

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header_start:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header_start
    dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))

    ; Entry address tag (type 3): the physical address of the 32-bit entry. The ELF entry is
    ; physical too, but this tag makes the choice explicit for every loader.
    align 8
    dw 3, 0
    dd 12
    dd _start - KERNEL_VMA

    ; Module alignment tag (type 6): modules (the ROMFS) start on a page boundary, so the
    ; memory code can map and reserve them in whole pages.
    align 8
    dw 6, 0
    dd 8

    ; End tag.
    align 8
    dw 0, 0
    dd 8
mb2_header_end:
