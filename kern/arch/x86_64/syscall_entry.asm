; SYSCALL entry and SYSRET/IRET exit (see syscall.h).
;
; On entry: RCX = user RIP, R11 = user RFLAGS, RSP = user stack, GS = user GS, interrupts off
; (SFMASK clears IF). The frame built here has the layout of struct trap_frame (idt.h), so the
; kernel sees a system call and an interrupt from user mode the same way, and a new thread's
; IRET frame (usermode.asm) sits at the same place at the top of the kernel stack.

bits 64
section .text

global syscall_entry
extern syscall_dispatch
extern user_return

%include "arch/x86_64/trap_frame.inc"

%define PERCPU_KSTACK_TOP 16            ; struct percpu.kernel_stack_top (syscall.c asserts)
%define PERCPU_USER_RSP 24              ; struct percpu.user_rsp_scratch
%define USER_CS (0x20 | 3)
%define USER_SS (0x18 | 3)
%define SYSCALL_VECTOR 0x100            ; frame.vector of a system call (no IDT vector has it)

; Frame offsets after the 15 general registers are pushed.
%define F_RIP (17 * 8)
%define F_RFLAGS (19 * 8)
%define F_RSP (20 * 8)

syscall_entry:
    swapgs
    mov [gs:PERCPU_USER_RSP], rsp
    mov rsp, [gs:PERCPU_KSTACK_TOP]
    push qword USER_SS
    push qword [gs:PERCPU_USER_RSP]
    push r11
    push qword USER_CS
    push rcx
    push qword 0                        ; error code
    push qword SYSCALL_VECTOR
    PUSH_GPRS
    cld
    sti
    mov rdi, rsp
    call syscall_dispatch               ; returns with interrupts off
    ; SYSRET only to a canonical user address (bits 63..47 clear).
    mov rcx, [rsp + F_RIP]
    shr rcx, 47
    jnz .iret
    pop r15
    pop r14
    pop r13
    pop r12
    add rsp, 8                          ; r11: gets RFLAGS below
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rbp
    pop rdx
    add rsp, 8                          ; rcx: gets RIP below
    pop rbx
    pop rax
    ; rsp -> vector, error, rip, cs, rflags, rsp, ss
    mov rcx, [rsp + 16]
    mov r11, [rsp + 32]
    mov rsp, [rsp + 40]
    swapgs
    o64 sysret
.iret:
    mov rdi, rsp
    jmp user_return
