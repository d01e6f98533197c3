; The user-copy primitive: usercopy_raw(dst, src, n) copies n bytes, eight at a time with
; `rep movsq` and the last n % 8 with `rep movsb`, and returns 0, or 1 if the copy faulted: the
; page-fault handler moves RIP from either string instruction (usercopy_insn, usercopy_tail_insn)
; to usercopy_fault (mm/usercopy.c). Callers do the range checks and stac/clac.
; (Eight bytes per iteration: QEMU's icount, the benchmarks' clock, counts every iteration.)

bits 64
section .text
global usercopy_raw
global usercopy_insn
global usercopy_tail_insn
global usercopy_fault

usercopy_raw:
    mov rcx, rdx
    shr rcx, 3
usercopy_insn:
    rep movsq
    mov rcx, rdx
    and rcx, 7
usercopy_tail_insn:
    rep movsb
    xor eax, eax
    ret
usercopy_fault:
    mov eax, 1
    ret
