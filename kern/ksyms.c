/* Address-to-name lookup over the generated, address-sorted ksyms table. */
#include "ksyms.h"

#include "lib/kprintf.h"
#include "lib/string.h"

extern char __text_start[], __text_end[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end || ksyms_count == 0)
        return NULL;
    /* Binary search for the last entry with entries[i].addr <= addr. */
    uint64_t lo = 0, hi = ksyms_count;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksyms_entries[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    const struct ksym_entry *e = &ksyms_entries[lo];
    if (e->addr > addr)
        return NULL;
    if (offset)
        *offset = addr - e->addr;
    return ksyms_names + e->name;
}

char *ksyms_format(uint64_t addr, char *buf, size_t size)
{
    uint64_t off = 0;
    const char *name = ksyms_lookup(addr, &off);
    if (name)
        ksnprintf(buf, size, "%s+0x%lx", name, off);
    else
        ksnprintf(buf, size, "?");
    return buf;
}

uint64_t ksyms_address(const char *name)
{
    for (uint64_t i = 0; i < ksyms_count; i++)
        if (strcmp(ksyms_names + ksyms_entries[i].name, name) == 0)
            return ksyms_entries[i].addr;
    return 0;
}
