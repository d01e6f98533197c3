/* The user copies' fault fixups, and the string copy (see usercopy.h). */
#include "mm/usercopy.h"

#include "lib/kprintf.h"
#include "panic.h"

/* The linker script collects every inlined copy's entries between these two symbols. */
extern const struct usercopy_fixup __usercopy_fixups_start[], __usercopy_fixups_end[];

/* Every copy's stac and clac (usercopy.h), collected by the linker script likewise. */
extern const uint64_t __smap_sites_start[], __smap_sites_end[];

void usercopy_smap_sites_patch(void)
{
    if (cpu_features.smap)
        return;
    unsigned n = 0;
    for (const uint64_t *site = __smap_sites_start; site < __smap_sites_end; site++, n++) {
        volatile uint8_t *insn = (volatile uint8_t *)(uintptr_t)*site;
        /* stac is 0F 01 CB, clac 0F 01 CA; 0F 1F 00 is `nopl (%rax)`, of the same length. */
        if (insn[0] != 0x0F || insn[1] != 0x01 || (insn[2] != 0xCB && insn[2] != 0xCA))
            panic("usercopy: SMAP site %p is %02x %02x %02x, not stac or clac", (void *)insn,
                  insn[0], insn[1], insn[2]);
        insn[1] = 0x1F;
        insn[2] = 0x00;
    }
    kprintf("usercopy: no SMAP: %u stac/clac sites made NOPs\n", n);
}

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
