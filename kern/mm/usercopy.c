/* The user copies' fault fixups, and the string copy (see usercopy.h). */
#include "mm/usercopy.h"

/* The linker script collects every inlined copy's entries between these two symbols. */
extern const struct usercopy_fixup __usercopy_fixups_start[], __usercopy_fixups_end[];

uint64_t usercopy_fixup_for(uint64_t rip)
{
    /* A linear search: only a fault inside a copy (a bad user pointer) gets here, and the table
     * has two entries per copy site. */
    for (const struct usercopy_fixup *f = __usercopy_fixups_start; f < __usercopy_fixups_end; f++)
        if (f->insn == rip)
            return f->fixup;
    return 0;
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
