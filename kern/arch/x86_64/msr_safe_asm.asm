; Fault-safe RDMSR and WRMSR: msr_read_safe(msr, out) and msr_write_safe(msr, value) return 0,
; or 1 when the CPU raised #GP (a register this CPU model does not have, a reserved bit set).
; The #GP handler moves RIP from the faulting instruction (msr_safe_rdmsr_insn,
; msr_safe_wrmsr_insn) to msr_safe_fault (msr_safe.c); neither function touches the stack
; before that instruction, so msr_safe_fault returns straight to the caller.

bits 64
section .text
global msr_read_safe
global msr_write_safe
global msr_safe_rdmsr_insn
global msr_safe_wrmsr_insn
global msr_safe_fault

; int msr_read_safe(uint32_t msr [edi], uint64_t *out [rsi])
msr_read_safe:
    mov ecx, edi
msr_safe_rdmsr_insn:
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov [rsi], rax
    xor eax, eax
    ret

; int msr_write_safe(uint32_t msr [edi], uint64_t value [rsi])
msr_write_safe:
    mov ecx, edi
    mov eax, esi
    mov rdx, rsi
    shr rdx, 32
msr_safe_wrmsr_insn:
    wrmsr
    xor eax, eax
    ret

msr_safe_fault:
    mov eax, 1
    ret
