; user_return(struct trap_frame *frame): restores every register from frame (a user-mode
; frame: CS and SS have RPL 3), swaps GS back to the user's, and IRETs. Called with interrupts
; off; frame must lie at the top of the thread's kernel stack (the stack is abandoned).

%include "arch/x86_64/trap_frame.inc"

bits 64
section .text
global user_return

user_return:
    mov rsp, rdi
    POP_GPRS
    add rsp, 16                         ; vector and error code
    swapgs
    iretq
