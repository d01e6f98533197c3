; user_return(struct trap_frame *frame): restores every register from frame (a user-mode
; frame: CS and SS have RPL 3), swaps GS back to the user's, and IRETs. Called with interrupts
; off; frame must lie at the top of the thread's kernel stack (the stack is abandoned).

bits 64
section .text
global user_return

user_return:
    mov rsp, rdi
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
    add rsp, 16                         ; vector and error code
    swapgs
    iretq
