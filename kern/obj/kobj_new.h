/*
 * Allocating a kernel object charged to a process: the kobj_init protocol of obj/kobj.h in one
 * call (charge the account, then take the memory, then initialise the header), so that every
 * object type follows it the same way and reaching the limit is rcQuotaExceeded, not a panic.
 */
#ifndef BASTION_PROC_KOBJ_NEW_H
#define BASTION_PROC_KOBJ_NEW_H

#include <stddef.h>

#include "obj/kobj.h"

/*
 * A zeroed object of `size` bytes whose first member is a struct kobj, initialised with `ops`
 * and one reference, charged to `acct` (NULL: the kernel). Free it only through kobj_unref; the
 * type's destroy hook calls kobj_free_mem(). Errors: rcQuotaExceeded, rcOutOfMemory, kobj_init's.
 */
Retcode kobj_new(size_t size, const struct kobj_ops *ops, struct kmem_account *acct, void **out);

/* Frees the memory of an object made by kobj_new (from its destroy hook). */
void kobj_free_mem(void *obj);

#endif
