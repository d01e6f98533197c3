; 32-bit entry from GRUB (Multiboot2), switch to long mode, jump to the higher half, call kmain.
;
; State on entry (Multiboot2 spec 3.3): 32-bit protected mode, paging off, interrupts off,
; EAX = 0x36D76289, EBX = physical address of the boot information. No stack, no valid GDT
; we can rely on for reloading segments.
;
; The whole kernel is linked at KERNEL_VMA + physical address, so until paging is on, every
; address of a kernel symbol must be converted with PHYS(sym).
;
; Early page tables (the contract with the memory code, which replaces them in paging_init()):
;   - 2 MiB pages only; one page directory covering physical 0 .. 1 GiB;
;   - mapped twice: identity (PML4[0]) and at KERNEL_VMA (PML4[511], PDPT[510]);
;   - 2 MiB pages at or above the end of the kernel image are NX when the CPU has NX;
;   - EFER.NXE is set (if NX exists) before paging is enabled, CR0.WP is set.

%define KERNEL_VMA   0xFFFFFFFF80000000
%define PHYS(x)      ((x) - KERNEL_VMA)

%define MB2_BOOTLOADER_MAGIC 0x36D76289

%define PTE_P        (1 << 0)
%define PTE_W        (1 << 1)
%define PTE_PS       (1 << 7)
%define PTE_NX_HI    (1 << 31)         ; bit 63 of an entry, seen as bit 31 of its high dword

%define CR0_PE       (1 << 0)
%define CR0_WP       (1 << 16)
%define CR0_PG       (1 << 31)
%define CR4_PAE      (1 << 5)
%define MSR_EFER     0xC0000080
%define EFER_LME     (1 << 8)
%define EFER_NXE     (1 << 11)

%define COM1         0x3F8

extern kmain
extern __bss_start, __bss_end, __boot_stack_top, __kernel_phys_end

global _start
global boot_pml4
global boot_mb2_magic, boot_mb2_info

; ---------------------------------------------------------------------------------------------
section .boot.data progbits alloc write noexec align=16
; These live in .data, not .bss: they are written before .bss is cleared.
boot_mb2_magic:  dd 0
boot_mb2_info:   dd 0
boot_nx_hi:      dd 0                  ; PTE_NX_HI if the CPU has NX, else 0
; The TSC at the kernel's second instruction: where the boot benchmark starts counting
; (docs/benchmarks.md). Processes see it in their start block (boot_tsc).
global boot_tsc0
align 8
boot_tsc0:       dq 0

; A minimal 64-bit GDT used only to enter long mode; gdt_init() installs the real one.
align 16
boot_gdt:
    dq 0
    dq 0x00209A0000000000              ; 0x08: 64-bit code, DPL 0, present
    dq 0x0000920000000000              ; 0x10: data, writable, present
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dd PHYS(boot_gdt)

msg_no_long_mode: db "PANIC: this CPU has no long mode (x86-64); Bastion cannot run", 13, 10, 0

; ---------------------------------------------------------------------------------------------
section .bss.boot_page_tables nobits alloc write noexec align=4096
boot_pml4:       resb 4096
boot_pdpt_low:   resb 4096
boot_pdpt_high:  resb 4096
boot_pd:         resb 4096

; ---------------------------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite align=16
bits 32
_start:
    mov esi, eax                       ; rdtsc takes EAX: keep the multiboot2 magic
    rdtsc
    mov [PHYS(boot_tsc0)], eax
    mov [PHYS(boot_tsc0) + 4], edx
    mov eax, esi
    cli
    cld
    mov [PHYS(boot_mb2_magic)], eax
    mov [PHYS(boot_mb2_info)], ebx

    ; Clear .bss (boot stack and page tables included). GRUB zeroes it as well when it loads
    ; the ELF, but the kernel must not depend on one loader's courtesy.
    mov edi, PHYS(__bss_start)
    mov ecx, PHYS(__bss_end)
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

    mov esp, PHYS(__boot_stack_top)
    xor ebp, ebp

    call check_long_mode
    call build_page_tables

    ; PAE, then EFER.LME (+NXE), then paging: the order the SDM (vol. 3, 10.8.5) requires.
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, PHYS(boot_pml4)
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    cmp dword [PHYS(boot_nx_hi)], 0
    je .no_nx
    or eax, EFER_NXE
.no_nx:
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP | CR0_PE
    mov cr0, eax

    lgdt [PHYS(boot_gdt_ptr)]
    push dword 0x08
    push dword PHYS(long_mode_low)
    retf

; Fails with a serial message when CPUID lacks the long-mode bit; records NX support.
check_long_mode:
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .fail
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29                  ; LM
    jz .fail
    test edx, 1 << 20                  ; NX
    jz .done
    mov dword [PHYS(boot_nx_hi)], PTE_NX_HI
.done:
    ret
.fail:
    mov esi, PHYS(msg_no_long_mode)
    call serial_puts32
.halt:
    hlt
    jmp .halt

; serial_puts32: ESI = NUL-terminated string. COM1 is polled without initialisation beyond what
; the firmware and GRUB (which drove it as its terminal) left behind.
serial_puts32:
.next:
    lodsb
    test al, al
    jz .out
    mov bl, al
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov dx, COM1
    mov al, bl
    out dx, al
    jmp .next
.out:
    ret

build_page_tables:
    ; PML4[0] and PML4[511]
    mov eax, PHYS(boot_pdpt_low)
    or eax, PTE_P | PTE_W
    mov [PHYS(boot_pml4)], eax
    mov eax, PHYS(boot_pdpt_high)
    or eax, PTE_P | PTE_W
    mov [PHYS(boot_pml4) + 511 * 8], eax
    ; PDPT_low[0] and PDPT_high[510] share the one page directory.
    mov eax, PHYS(boot_pd)
    or eax, PTE_P | PTE_W
    mov [PHYS(boot_pdpt_low)], eax
    mov [PHYS(boot_pdpt_high) + 510 * 8], eax
    ; 512 x 2 MiB pages; NX from the first 2 MiB page past the kernel image.
    mov edx, PHYS(__kernel_phys_end)
    add edx, 0x1FFFFF
    and edx, ~0x1FFFFF
    xor ecx, ecx
    mov edi, PHYS(boot_pd)
.entry:
    mov eax, ecx
    shl eax, 21
    mov ebx, 0
    cmp eax, edx
    jb .exec
    mov ebx, [PHYS(boot_nx_hi)]
.exec:
    or eax, PTE_P | PTE_W | PTE_PS
    mov [edi + ecx * 8], eax
    mov [edi + ecx * 8 + 4], ebx
    inc ecx
    cmp ecx, 512
    jb .entry
    ret

; ---------------------------------------------------------------------------------------------
bits 64
long_mode_low:
    ; Still running at the identity-mapped address; jump to the linked (higher-half) address.
    mov rax, long_mode_high
    jmp rax

section .text
long_mode_high:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, __boot_stack_top
    xor ebp, ebp                       ; terminates the frame-pointer chain for backtraces
    mov edi, [rel boot_mb2_magic]
    mov esi, [rel boot_mb2_info]       ; zero-extends: the info is below 4 GiB
    call kmain
.hang:
    cli
    hlt
    jmp .hang
long_mode_high_end:

; ---------------------------------------------------------------------------------------------
; Call-frame information (DWARF .debug_frame, written out by hand since NASM has no CFI
; directives) saying that long_mode_high has no caller: debuggers then end a backtrace at
; kmain <- long_mode_high instead of unwinding into whatever lies above the boot stack.
section .debug_frame progbits noalloc noexec nowrite align=8
cie:
    dd cie_end - cie_id                 ; length
cie_id:
    dd 0xFFFFFFFF                       ; CIE id (.debug_frame)
    db 1                                ; version
    db 0                                ; augmentation ""
    db 1                                ; code alignment factor (ULEB128)
    db 0x78                             ; data alignment factor -8 (SLEB128)
    db 16                               ; return address register: RIP
    db 0x0C, 7, 8                       ; DW_CFA_def_cfa: RSP + 8
    db 0x90, 1                          ; DW_CFA_offset: RIP at CFA - 8
    align 8, db 0                       ; DW_CFA_nop padding
cie_end:
fde:
    dd fde_end - fde_cie                ; length
fde_cie:
    dd cie                              ; CIE pointer (offset in .debug_frame)
    dq long_mode_high                   ; initial location
    dq long_mode_high_end - long_mode_high ; address range
    db 0x07, 16                         ; DW_CFA_undefined: RIP (no caller)
    align 8, db 0
fde_end:
