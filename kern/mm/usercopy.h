/*
 * Copying between the kernel and user memory. The only way kernel code touches user memory.
 *
 * A range must lie entirely in the user half ([ASPACE_USER_LO, ASPACE_USER_HI), checked before
 * any access, so a user pointer can never make the kernel read or write kernel memory). An
 * access to a page that is not committed or not permitted faults; the page-fault handler first
 * tries to back a committed page (demand fault), and otherwise resumes the copy at its fixup,
 * so the call returns rcInvalidArgument instead of crashing. With SMAP the copy opens the user
 * window (stac) only around the copy instructions themselves. The stac and clac are plain
 * instructions at every copy, without a test of the CPU's features: each is listed in section
 * .smap_sites, and on a CPU without SMAP (where both are #UD) usercopy_smap_sites_patch() turns
 * them into 3-byte NOPs at boot, while the kernel text is still writable.
 *
 * The copies are inline: every IPC call and answer makes two to four of them, and out of line
 * each paid a call, a frame and a second call to the copy routine. Each inlined copy leaves its
 * two string instructions and their fixup in section .usercopy_fixups (collected by the linker
 * script); usercopy_fixup_for() finds them for the page-fault handler.
 *
 * Callable with interrupts on or off; with them off, a fault on a page that is committed but
 * not yet backed may fail (rcInvalidArgument) when the address space is busy.
 */
#ifndef BASTION_MM_USERCOPY_H
#define BASTION_MM_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#include "arch/x86_64/cpu.h"
#include "mm/aspace.h"

/* One copy instruction that may fault on user memory, and where the copy resumes then. */
struct usercopy_fixup {
    uint64_t insn;
    uint64_t fixup;
};

/*
 * Copies n bytes, eight at a time with `rep movsq` and the last n % 8 with `rep movsb` (QEMU's
 * icount, the benchmarks' clock, counts every iteration). Returns false if either faulted: the
 * page-fault handler resumes at label 3 with `failed` still 1. The range checks and the SMAP
 * window are the caller's.
 */
static inline __attribute__((always_inline)) bool usercopy_bytes(void *dst, const void *src,
                                                                 size_t n)
{
    uint64_t failed, words = n >> 3;
    __asm__ volatile("mov $1, %k[failed]\n\t"
                     "1: rep movsq\n\t"
                     "mov %[tail], %%rcx\n\t"
                     "2: rep movsb\n\t"
                     "xor %k[failed], %k[failed]\n\t"
                     "3:\n\t"
                     ".pushsection .usercopy_fixups, \"a\"\n\t"
                     ".balign 8\n\t"
                     ".quad 1b, 3b, 2b, 3b\n\t"
                     ".popsection"
                     : [failed] "=&r"(failed), "+D"(dst), "+S"(src), "+c"(words)
                     : [tail] "r"(n & 7)
                     : "memory");
    return failed == 0;
}

/* One SMAP window instruction (stac or clac, 3 bytes each), its address listed in section
 * .smap_sites for usercopy_smap_sites_patch(). */
#define USERCOPY_SMAP_SITE(insn)                           \
    __asm__ volatile("1: " insn "\n\t"                     \
                     ".pushsection .smap_sites, \"a\"\n\t" \
                     ".balign 8\n\t"                       \
                     ".quad 1b\n\t"                        \
                     ".popsection" ::                      \
                         : "memory")

/* A test of cpu_features.smap before and after the copy cost every copy seven instructions
 * (two loads, tests and branches out to the stac and clac and back); patched at boot, none. */
static inline __attribute__((always_inline)) Retcode usercopy_window(void *dst, const void *src,
                                                                     size_t n)
{
    USERCOPY_SMAP_SITE("stac");
    bool ok = usercopy_bytes(dst, src, n);
    USERCOPY_SMAP_SITE("clac");
    return ok ? rcOk : rcInvalidArgument;
}

/* On a CPU without SMAP, every copy's stac and clac become NOPs; with SMAP nothing changes.
 * Called once, on the boot CPU, after cpu_detect_features and before paging_init makes the
 * kernel text read-only (the boot page tables map it writable), before any user copy and
 * before the other CPUs start. Panics if a listed site is not a stac or clac. */
void usercopy_smap_sites_patch(void);

static inline __attribute__((always_inline)) Retcode copy_from_user(void *dst, uint64_t usrc,
                                                                    size_t n)
{
    if (n == 0)
        return rcOk;
    if (!dst || !aspace_user_range_ok(usrc, n))
        return rcInvalidArgument;
    return usercopy_window(dst, (const void *)usrc, n);
}

static inline __attribute__((always_inline)) Retcode copy_to_user(uint64_t udst, const void *src,
                                                                  size_t n)
{
    if (n == 0)
        return rcOk;
    if (!src || !aspace_user_range_ok(udst, n))
        return rcInvalidArgument;
    return usercopy_window((void *)udst, src, n);
}

/* Copies a NUL-terminated string of at most cap - 1 characters plus the NUL; *len gets its
 * length. rcBufferTooSmall if no NUL within cap bytes. */
Retcode strncpy_from_user(char *dst, uint64_t usrc, size_t cap, size_t *len);

/* For the page-fault handler: where a faulting copy instruction at rip resumes, or 0 if rip is
 * not one. */
uint64_t usercopy_fixup_for(uint64_t rip);

#endif
