/*
 * The boot ROMFS: the GRUB module named "romfs" (grub.cfg: module2 <file> romfs), mounted at
 * boot and listed on the console. A missing or corrupt module is fatal: the kernel cannot
 * start user space without it, and the panic names the module and what is wrong with it.
 */
#include "boot/multiboot2.h"
#include "boot/params.h"
#include "fs/romfs.h"
#include "fs/romfs_volume.h"
#include "lib/kprintf.h"
#include "mm/paging.h"
#include "panic.h"

#define ROMFS_MODULE "romfs"
#define LIST_DEPTH 8

static struct romfs g_romfs;
static bool g_mounted;

static void list_dir(const struct romfs_entry *dir, const char *path, unsigned depth,
                     unsigned *files)
{
    struct romfs_dir it;
    struct romfs_entry e;
    Retcode rc = romfs_opendir(&g_romfs, dir, &it);
    while (rc == rcOk && (rc = romfs_readdir(&it, &e)) == rcOk) {
        if (e.name[0] == '.' && (e.name[1] == 0 || (e.name[1] == '.' && e.name[2] == 0)))
            continue;
        kprintf("romfs:   %s%s%s  %s, %u bytes%s\n", path, e.name, e.type == ROMFS_DIR ? "/" : "",
                romfs_type_name(e.type), e.size, e.exec ? ", executable" : "");
        if (e.type == ROMFS_DIR) {
            if (depth + 1 >= LIST_DEPTH) {
                kprintf("romfs:   (deeper directories not listed)\n");
                continue;
            }
            char sub[128];
            ksnprintf(sub, sizeof sub, "%s%s/", path, e.name);
            list_dir(&e, sub, depth + 1, files);
        } else {
            (*files)++;
        }
    }
    if (rc != rcNotFound)
        panic("romfs: GRUB module \"%s\" is corrupt: %s (%s at offset %#x)", ROMFS_MODULE,
              retcode_name(rc), g_romfs.error ? g_romfs.error : "?", g_romfs.error_offset);
}

/* Reads a file through romfs_read and prints its first line: proof at boot that the read path
 * works on the real image. The file is the kernel parameter romfs.cat, or /hello.txt. */
static void show_file(void)
{
    const char *path = kparam_get("romfs.cat");
    bool asked = path != NULL && path[0] != 0;
    if (!asked)
        path = "/hello.txt";
    struct romfs_entry e;
    Retcode rc = romfs_lookup(&g_romfs, path, &e);
    if (rc != rcOk) {
        if (asked)
            kprintf("romfs: %s: %s\n", path, retcode_name(rc));
        return;
    }
    char line[81];
    size_t got = 0;
    rc = romfs_read(&g_romfs, &e, 0, line, sizeof line - 1, &got);
    if (rc != rcOk) {
        kprintf("romfs: %s: %s\n", path, retcode_name(rc));
        return;
    }
    size_t n = 0;
    while (n < got && line[n] != '\n' && line[n] != 0)
        n++;
    line[n] = 0;
    kprintf("romfs: %s (%u bytes) reads: \"%s\"\n", path, e.size, line);
}

void romfs_boot(const struct boot_info *bi)
{
    const struct boot_module *m = boot_find_module(bi, ROMFS_MODULE);
    if (m == NULL)
        panic("romfs: no GRUB module named \"%s\" (grub.cfg needs: module2 <image> %s)",
              ROMFS_MODULE, ROMFS_MODULE);
    Retcode rc = romfs_mount(&g_romfs, phys_to_virt(m->start), (size_t)(m->end - m->start));
    if (rc != rcOk)
        panic("romfs: GRUB module \"%s\" at %#lx-%#lx is corrupt: %s (%s at offset %#x)",
              ROMFS_MODULE, m->start, m->end, retcode_name(rc), g_romfs.error ? g_romfs.error : "?",
              g_romfs.error_offset);
    kprintf("romfs: module \"%s\" at %#lx, volume \"%s\", %u bytes:\n", ROMFS_MODULE, m->start,
            g_romfs.volume, g_romfs.size);
    /* The loader maps programs' read-only pages in place only from page-aligned frames
     * (kern/proc/loader.c); the multiboot2 header asks GRUB for page-aligned modules. */
    if (m->start % ROMFS_PAGE != 0)
        kprintf("romfs: the module is not page-aligned: programs' pages are copied, not shared\n");
    /* Checked whole once (the module is never written): later lookups, every program's start
     * among them, read the headers without summing them again (romfs.h, `checked`). A module
     * that fails is still served, each header checked as it is read, as before the whole
     * check existed; the listing below panics if the corruption is where it looks. */
    rc = romfs_check(&g_romfs);
    if (rc != rcOk || !g_romfs.checked)
        kprintf("romfs: not checked whole (%s%s%s): headers checked at each read\n",
                retcode_name(rc), g_romfs.error ? ", " : "", g_romfs.error ? g_romfs.error : "");
    struct romfs_entry root;
    (void)romfs_root(&g_romfs, &root);
    unsigned files = 0;
    list_dir(&root, "/", 0, &files);
    kprintf("romfs: %u files\n", files);
    g_mounted = true;
    romfs_volume_boot(&g_romfs);
    show_file();
}

struct romfs *romfs_boot_fs(void)
{
    return g_mounted ? &g_romfs : NULL;
}
