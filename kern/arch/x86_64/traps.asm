; Interrupt and exception entry stubs: one per vector, all ending in trap_common, which saves
; the general registers as a struct trap_frame (idt.h) and calls trap_dispatch(frame).
;
; Invariants: the frame layout matches struct trap_frame; RSP is 16-byte aligned at the call
; (the CPU aligns before pushing its 5 quadwords; 2 + 15 more make 22, an even count);
; GS base is the kernel's while trap_dispatch runs, so this_cpu() works in handlers.
;
; Two ways to get the kernel's GS:
;   trap_common    - for ordinary vectors, which cannot interrupt the few instructions between a
;                    swapgs and the iretq/sysret that follows it (interrupts are off there):
;                    swap exactly when the saved CS is a user selector.
;   trap_paranoid  - for NMI, #DF and #MC, which can strike anywhere, including in that window
;                    where CS is the kernel's but GS base is still (or again) the user's: decide
;                    from the GS base MSR itself (kernel addresses are negative), and undo the
;                    swap on the way out only if one was made.

%define MSR_GS_BASE 0xC0000101
%define CPU_FEATURES_SMAP 2             ; offsetof(struct cpu_features, smap) (idt.c asserts)

; RFLAGS.AC cleared on every entry (the CPU keeps it through an interrupt gate): it may be set by
; user mode, or by the kernel inside a user copy's SMAP window, and neither may carry into the
; handler, which would then reach user memory unchecked. IRETQ restores the interrupted AC. A
; kernel that runs with AC clear everywhere but inside those windows never switches threads
; with it set, so the context switch does not save RFLAGS (context.asm). Only with SMAP:
; CLAC is #UD without it.
%macro CLEAR_AC 0
    cmp byte [rel cpu_features + CPU_FEATURES_SMAP], 0
    je %%done
    clac
%%done:
%endmacro

bits 64
section .text

extern trap_dispatch
extern cpu_features
global trap_stub_table

; Vectors whose exceptions push an error code (SDM vol. 3, table 6-1).
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%define IS_PARANOID(v) ((v) == 2 || (v) == 8 || (v) == 18)

%macro TRAP_STUB 1
trap_stub_%1:
%if HAS_ERROR(%1) == 0
    push qword 0
%endif
    push qword %1
%if IS_PARANOID(%1)
    jmp trap_paranoid
%else
    jmp trap_common
%endif
%endmacro

%include "arch/x86_64/trap_frame.inc"

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
    PUSH_GPRS
    cld
    CLEAR_AC
    mov rdi, rsp
    call trap_dispatch
    POP_GPRS
    test qword [rsp + 24], 3
    jz .kernel_exit
    swapgs
.kernel_exit:
    add rsp, 16                         ; vector and error code
    iretq

trap_paranoid:
    PUSH_GPRS
    mov ecx, MSR_GS_BASE
    rdmsr
    xor ebx, ebx                        ; RBX (preserved by the call): 1 if we swapped
    test edx, edx                       ; high half negative: a kernel address, keep it
    js .gs_ready
    swapgs
    mov ebx, 1
.gs_ready:
    cld
    CLEAR_AC
    mov rdi, rsp
    call trap_dispatch
    test ebx, ebx
    jz .gs_restored
    swapgs
.gs_restored:
    POP_GPRS
    add rsp, 16
    iretq

section .rodata
align 8
trap_stub_table:
%assign v 0
%rep 256
    dq trap_stub_ %+ v
%assign v v + 1
%endrep
