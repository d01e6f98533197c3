; The user-copy primitive: usercopy_raw(dst, src, n) copies n bytes with one `rep movsb`
; and returns 0, or 1 if the copy faulted: the page-fault handler moves RIP from
; usercopy_insn to usercopy_fault (mm/usercopy.c). Callers do the range checks and stac/clac.

bits 64
section .text
global usercopy_raw
global usercopy_insn
global usercopy_fault

usercopy_raw:
    mov rcx, rdx
usercopy_insn:
    rep movsb
    xor eax, eax
    ret
usercopy_fault:
    mov eax, 1
    ret
