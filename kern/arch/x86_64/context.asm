; Kernel context switch and the first instructions of every new thread.
;
; context_switch(uint64_t *save_rsp, uint64_t new_rsp): pushes the callee-saved registers on
; the current kernel stack, stores RSP in *save_rsp, loads new_rsp, pops the next thread's
; callee-saved registers and returns into it. Everything else is caller-saved by the C ABI, so
; this is the whole kernel context. Called by sched.c with interrupts off and the scheduler
; lock held; the thread it returns into releases the lock (sched_switch_tail or its own
; schedule() caller).
;
; RFLAGS is not part of it: every switch runs with IF clear (under sched_lock, taken with
; interrupts off), DF clear (every entry clears it) and, with SMAP, AC clear (SFMASK clears it
; on a system call, traps.asm on every other entry, and the kernel sets it only around the copy
; instructions of a user copy, which never switch), so every thread is switched out, and back
; in, with the same RFLAGS. Without SMAP an interrupt from user mode may leave AC set (there is
; no CLAC), which the next thread then carries in kernel mode: it has no effect at CPL 0, and
; the return to user mode restores each thread's own RFLAGS.
;
; A new thread's stack (thread.c) holds, from low to high: r15 r14 r13 r12 rbx rbp, then the
; address of thread_trampoline; r12 = entry function, r13 = its argument. The trampoline is
; reached by `ret` with RSP 16-byte aligned.

bits 64
section .text

global context_switch
global thread_trampoline
extern sched_switch_tail
extern thread_exit

context_switch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

thread_trampoline:
    call sched_switch_tail          ; release the scheduler lock, interrupts on
    mov rdi, r13
    call r12
    xor edi, edi
    call thread_exit                ; entry returned: exit code 0
    ud2
