/* The current ROMFS volume and its replacement (contract in romfs_volume.h). */
#include "fs/romfs_volume.h"

#include "arch/x86_64/spinlock.h"
#include "lib/kprintf.h"
#include "mm/slab.h"
#include "mm/usercopy.h"
#include "obj/account.h"

static struct spinlock volume_lock = SPINLOCK_INIT(LOCK_LEVEL_ROMFS_VOLUME);
static struct romfs_volume boot_volume;
static struct romfs_volume *current; /* volume_lock */

void romfs_volume_boot(struct romfs *boot)
{
    boot_volume.fs = *boot;
    boot_volume.refs = 2; /* the current volume's, and one never given back: not freed */
    uint64_t f = spin_lock_irqsave(&volume_lock);
    current = &boot_volume;
    spin_unlock_irqrestore(&volume_lock, f);
}

struct romfs_volume *romfs_get(void)
{
    uint64_t f = spin_lock_irqsave(&volume_lock);
    struct romfs_volume *v = current;
    if (v != NULL)
        __atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
    spin_unlock_irqrestore(&volume_lock, f);
    return v;
}

void romfs_put(struct romfs_volume *v)
{
    if (v == NULL || __atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    /* Only a replaced volume reaches 0: the current one holds a reference. */
    struct kmem_account *acct = v->acct;
    kfree_charged(v->image, acct);
    kfree_charged(v, acct);
    kmem_account_put(acct);
}

Retcode romfs_change(uint64_t base, uint64_t size, struct kmem_account *acct)
{
    if (size == 0)
        return rcInvalidArgument;
    if (size > ROMFS_CHANGE_MAX)
        return rcOutOfRange;
    Retcode rc = kmem_account_get(acct);
    if (rc != rcOk)
        return rc;
    struct romfs_volume *v = kmalloc_charged(sizeof *v, acct, &rc);
    void *image = v != NULL ? kmalloc_charged(size, acct, &rc) : NULL;
    if (image != NULL)
        rc = copy_from_user(image, base, size);
    if (rc == rcOk) {
        rc = romfs_mount(&v->fs, image, size);
        if (rc == rcOk)
            rc = romfs_check(&v->fs);
        if (rc != rcOk)
            kprintf("romfs: Change refused: %s (%s at offset %#x)\n", retcode_name(rc),
                    v->fs.error ? v->fs.error : "?", v->fs.error_offset);
    }
    if (rc != rcOk) {
        kfree_charged(image, acct);
        kfree_charged(v, acct);
        kmem_account_put(acct);
        return rc;
    }
    v->refs = 1;
    v->acct = acct;
    v->image = image;
    uint64_t f = spin_lock_irqsave(&volume_lock);
    struct romfs_volume *old = current;
    current = v;
    spin_unlock_irqrestore(&volume_lock, f);
    kprintf("romfs: volume \"%s\" (%u bytes) replaces the file system\n", v->fs.volume, v->fs.size);
    romfs_put(old);
    return rcOk;
}
