; AP start-up trampoline: real mode -> protected mode -> long mode -> the kernel's ap_entry().
;
; smp.c copies the bytes between ap_trampoline_start and ap_trampoline_end to physical 0x8000
; (TRAMP_BASE; pmm keeps everything below 1 MiB reserved) and sends a SIPI with vector 0x08,
; which starts the AP in real mode at CS:IP = 0x0800:0000. Nothing here runs at the address it
; was linked at, so every address is computed as TRAMP_BASE + offset (the ABS macro).
;
; smp.c fills the parameter block at TRAMP_BASE + TRAMP_PARAMS before the SIPIs; its layout is
; struct ap_boot_params in smp.c and must match the P_* offsets below. Every AP starts here at
; once: each takes the next arrival slot from P_NEXT (lock xadd) and that slot's stack top from
; the array at P_STACKS; a slot at or past P_NSLOTS has no stack and halts here for good.
; smp.c also builds the temporary page tables P_PML4 points to: the first 2 MiB identity-mapped
; (this code keeps running after paging is on) plus the kernel half copied from the kernel's
; PML4 (the stacks, their array and ap_entry are there). ap_entry() switches to the kernel's own
; CR3 first thing.
;
; Invariant: this code never touches the stack until it has its slot's, and it enters
; C with interrupts off, RBP = 0 (the backtrace ends here) and RSP 16-byte aligned minus the
; fake return address, as the SysV ABI expects at a function's first instruction.

%define TRAMP_BASE   0x8000
%define TRAMP_PARAMS 0xF00
%define P_PML4       (TRAMP_BASE + TRAMP_PARAMS + 0)
%define P_EFER       (TRAMP_BASE + TRAMP_PARAMS + 8)
%define P_STACKS     (TRAMP_BASE + TRAMP_PARAMS + 16)
%define P_ENTRY      (TRAMP_BASE + TRAMP_PARAMS + 24)
%define P_NEXT       (TRAMP_BASE + TRAMP_PARAMS + 32)
%define P_NSLOTS     (TRAMP_BASE + TRAMP_PARAMS + 36)

%define ABS(x) (TRAMP_BASE + (x) - ap_trampoline_start)

%define CR0_PE  (1 << 0)
%define CR0_WP  (1 << 16)
%define CR0_PG  (1 << 31)
%define CR4_PAE (1 << 5)
%define MSR_EFER 0xC0000080

%define SEL_CODE32 0x08
%define SEL_DATA   0x10
%define SEL_CODE64 0x18

; Read-only data of the kernel image: copied, never executed where it is linked.
section .rodata

global ap_trampoline_start
global ap_trampoline_end

bits 16
ap_trampoline_start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    lgdt [ABS(tramp_gdtr)]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword SEL_CODE32:ABS(.pm32)

bits 32
.pm32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    ; PAE, then EFER.LME (and NXE, as the BSP has it: the kernel's tables use NX bits, which
    ; are reserved bits without NXE), then paging: the order long mode requires.
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [P_PML4]
    mov cr3, eax
    mov ecx, MSR_EFER
    mov eax, [P_EFER]
    mov edx, [P_EFER + 4]
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    jmp SEL_CODE64:ABS(.lm64)

bits 64
.lm64:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov eax, 1
    lock xadd [P_NEXT], eax     ; eax = this AP's arrival slot
    cmp eax, [P_NSLOTS]
    jae .no_slot
    mov rbx, [P_STACKS]
    mov rsp, [rbx + rax * 8]
    mov edi, eax                ; ap_entry(slot)
    mov rax, [P_ENTRY]
    xor ebp, ebp
    push rbp                    ; fake return address 0: ap_entry never returns
    jmp rax

.no_slot:                       ; more APs than stacks: never run on a stack not ours
    cli
    hlt
    jmp .no_slot

align 8
tramp_gdt:
    dq 0                        ; null
    dq 0x00CF9A000000FFFF       ; 0x08: 32-bit code, base 0, 4 GiB
    dq 0x00CF92000000FFFF       ; 0x10: data, base 0, 4 GiB
    dq 0x00AF9A000000FFFF       ; 0x18: 64-bit code (L=1, D=0)
tramp_gdt_end:

tramp_gdtr:
    dw tramp_gdt_end - tramp_gdt - 1
    dd ABS(tramp_gdt)

ap_trampoline_end:
