/*
 * Thread-local storage of user programs: the x86-64 ELF TLS layout (variant II) Bastion uses,
 * shared by the loaders' checks (kern/elf/elf_load_plan.c), the C runtime that builds each
 * thread's block (userland/libc/tls.c) and host tests.
 *
 * A static executable's PT_TLS segment is the template: p_filesz bytes of initial values
 * (.tdata) at p_vaddr + bias, followed by p_memsz - p_filesz zero bytes (.tbss). Each thread
 * gets its own block, and the thread pointer (the FS base, set by kl.core.Thread.SetTls) points
 * just past it:
 *
 *     lower addresses                                                higher addresses
 *     | pad | .tdata copy | .tbss zeroes | (up to the round-up) | TCB: self, ...  |
 *           ^ tp - bastion_tls_offset(memsz, align)            ^ tp (%fs:0 == tp)
 *
 *   - the block starts at tp - round_up(p_memsz, p_align): the offset the static linker puts
 *     into every local-exec and initial-exec access (`mov %fs:-N, ...`), so a variable at
 *     offset o in the template is at tp - round_up(p_memsz, p_align) + o;
 *   - tp is aligned to p_align (at least 16): with the offset a multiple of p_align, the
 *     variables start p_align-aligned and each keeps its own alignment;
 *   - at tp the thread control block (struct bastion_tcb): its first word is tp itself, as the
 *     x86-64 ABI requires (initial-exec code reads `mov %fs:0, %rax` and adds the offset).
 * Only the first word of the TCB is ABI; the rest is the C runtime's own and may change.
 *
 * Limits checked by the loaders before a program runs (a named Retcode each, retcode.h):
 * p_align 0, 1 or a power of two up to BASTION_TLS_ALIGN_MAX (rcTlsAlignment); p_memsz up to
 * BASTION_TLS_SIZE_MAX (rcTlsTooLarge); p_filesz <= p_memsz (rcTlsFileSize); the template's
 * bytes inside the file bytes of one PT_LOAD (rcTlsOutsideImage); one PT_TLS (rcTlsDuplicate).
 *
 * Freestanding: only <stdint.h>.
 */
#ifndef BASTION_TLS_H
#define BASTION_TLS_H

#include <stdint.h>

#define BASTION_TLS_ALIGN_MAX 4096u          /* a page: larger alignments are refused */
#define BASTION_TLS_SIZE_MAX (1024u * 1024u) /* bytes of a thread's TLS variables */
#define BASTION_TLS_MIN_ALIGN 16u            /* tp's alignment when p_align is smaller */

/* The thread control block at the thread pointer. */
struct bastion_tcb {
    uint64_t self;  /* == the thread pointer: %fs:0 (ABI) */
    uint64_t block; /* the C runtime's: the allocation that holds block and TCB */
    uint64_t magic; /* the C runtime's: BASTION_TCB_MAGIC while the block is its own */
    uint64_t start_fn, start_arg; /* the C runtime's: a new thread's function and argument */
    uint64_t reserved[3];         /* 0 */
};
_Static_assert(sizeof(struct bastion_tcb) == 64, "the TCB is one cache line");

#define BASTION_TCB_MAGIC 0x424354544e4f4954ull /* "TIONTTCB": a block the C runtime made */

/* The thread pointer's alignment: p_align, at least BASTION_TLS_MIN_ALIGN. */
static inline uint64_t bastion_tls_tp_align(uint64_t p_align)
{
    return p_align < BASTION_TLS_MIN_ALIGN ? BASTION_TLS_MIN_ALIGN : p_align;
}

/* Bytes from the start of a thread's TLS variables to the thread pointer: round_up(p_memsz,
 * p_align), p_align 0 counting as 1; exactly what the static linker subtracts (binutils'
 * elf_x86_64_tpoff), so it must not be rounded further. For p_memsz <= BASTION_TLS_SIZE_MAX
 * and an accepted alignment it does not wrap. */
static inline uint64_t bastion_tls_offset(uint64_t p_memsz, uint64_t p_align)
{
    uint64_t a = p_align == 0 ? 1 : p_align;
    return (p_memsz + a - 1) & ~(a - 1);
}

#endif
