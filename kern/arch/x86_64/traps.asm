; Interrupt and exception entry stubs: one per vector, all ending in trap_common, which saves
; the general registers as a struct trap_frame (idt.h) and calls trap_dispatch(frame).
;
; Invariants: the frame layout matches struct trap_frame; RSP is 16-byte aligned at the call
; (the CPU aligns before pushing its 5 quadwords; 2 + 15 more make 22, an even count);
; GS is swapped when the interrupted code ran in user mode, so this_cpu() works in handlers.

bits 64
section .text

extern trap_dispatch
global trap_stub_table

; Vectors whose exceptions push an error code (SDM vol. 3, table 6-1).
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%macro TRAP_STUB 1
trap_stub_%1:
%if HAS_ERROR(%1) == 0
    push qword 0
%endif
    push qword %1
    jmp trap_common
%endmacro

%assign v 0
%rep 256
    TRAP_STUB v
%assign v v + 1
%endrep

trap_common:
    ; [rsp] = vector, [rsp+8] = error, [rsp+16] = rip, [rsp+24] = cs
    test qword [rsp + 24], 3
    jz .kernel_entry
    swapgs
.kernel_entry:
    push rax
    push rbx
    push rcx
    push rdx
    push rbp
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp
    call trap_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rbp
    pop rdx
    pop rcx
    pop rbx
    pop rax
    test qword [rsp + 24], 3
    jz .kernel_exit
    swapgs
.kernel_exit:
    add rsp, 16                         ; vector and error code
    iretq

section .rodata
align 8
trap_stub_table:
%assign v 0
%rep 256
    dq trap_stub_ %+ v
%assign v v + 1
%endrep
