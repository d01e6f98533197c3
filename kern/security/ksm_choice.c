/* Which monitor the kernel starts (ksm_choice.h). */
#include "security/ksm_choice.h"

#include "lib/string.h"

bool ksm_choice_listed(const char *list, size_t len, const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (list == NULL || n == 0)
        return false;
    size_t at = 0;
    while (at < len) {
        size_t end = at;
        while (end < len && list[end] != '\n')
            end++;
        size_t line = end - at;
        if (line != 0 && list[at + line - 1] == '\r')
            line--;
        if (line == n && memcmp(list + at, name, n) == 0)
            return true;
        at = end + 1;
    }
    return false;
}

#ifdef BASTION_KERNEL
#include "boot/params.h"
#include "fs/romfs.h"
#include "lib/kprintf.h"

const char *ksm_choose_program(void)
{
    const char *asked = kparam_get("ksm");
    if (asked == NULL || asked[0] == 0)
        return KSM_DEFAULT_PROGRAM;
    struct romfs *fs = romfs_boot_fs();
    struct romfs_entry e;
    if (fs != NULL && romfs_lookup(fs, KSM_CHOICES_FILE, &e) == rcOk && e.type == ROMFS_FILE) {
        const char *list = romfs_data(fs, &e);
        if (ksm_choice_listed(list, e.size, asked))
            return asked;
        kprintf("security: ksm=%s ignored: not one of this image's monitors (%s); starting "
                "\"%s\"\n",
                asked, KSM_CHOICES_FILE, KSM_DEFAULT_PROGRAM);
        return KSM_DEFAULT_PROGRAM;
    }
    kprintf("security: ksm=%s ignored: this image's monitor is fixed; starting \"%s\"\n", asked,
            KSM_DEFAULT_PROGRAM);
    return KSM_DEFAULT_PROGRAM;
}
#endif
