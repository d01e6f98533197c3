/* Copy-in / copy-out with fault fixup and SMAP (see usercopy.h). */
#include "mm/usercopy.h"

#include "arch/x86_64/cpu.h"
#include "mm/aspace.h"

extern uint64_t usercopy_raw(void *dst, const void *src, size_t n);
extern char usercopy_insn[], usercopy_tail_insn[], usercopy_fault[];

bool usercopy_is_fault_rip(uint64_t rip)
{
    return rip == (uint64_t)usercopy_insn || rip == (uint64_t)usercopy_tail_insn;
}
uint64_t usercopy_fixup_rip(void)
{
    return (uint64_t)usercopy_fault;
}

static bool user_range_ok(uint64_t u, size_t n)
{
    return u >= ASPACE_USER_LO && u < ASPACE_USER_HI && n <= ASPACE_USER_HI - u;
}

static Retcode copy(void *dst, const void *src, size_t n)
{
    bool smap = cpu_features.smap;
    if (smap)
        stac();
    uint64_t failed = usercopy_raw(dst, src, n);
    if (smap)
        clac();
    return failed ? rcInvalidArgument : rcOk;
}

Retcode copy_from_user(void *dst, uint64_t usrc, size_t n)
{
    if (n == 0)
        return rcOk;
    if (!dst || !user_range_ok(usrc, n))
        return rcInvalidArgument;
    return copy(dst, (const void *)usrc, n);
}

Retcode copy_to_user(uint64_t udst, const void *src, size_t n)
{
    if (n == 0)
        return rcOk;
    if (!src || !user_range_ok(udst, n))
        return rcInvalidArgument;
    return copy((void *)udst, src, n);
}

Retcode strncpy_from_user(char *dst, uint64_t usrc, size_t cap, size_t *len)
{
    if (!dst || cap == 0)
        return rcInvalidArgument;
    /* Byte by byte up to the end of each page is not needed for correctness: copying a byte
     * at a time keeps the fault exactly at the first inaccessible byte. */
    for (size_t i = 0; i < cap; i++) {
        char c;
        Retcode rc = copy_from_user(&c, usrc + i, 1);
        if (rc != rcOk)
            return rc;
        dst[i] = c;
        if (c == 0) {
            if (len)
                *len = i;
            return rcOk;
        }
    }
    dst[cap - 1] = 0;
    return rcBufferTooSmall;
}
