/*
 * The security monitor's decisions counted per class, as the kernel publishes them to user mode:
 * a read-only file of kl.core.FS at BASTION_SECURITY_TABLE_PATH, a snapshot taken when the file
 * is opened. Every event the security hook decides (request, response, error, execute,
 * security) is counted once, under the class of the process that caused it (the source of the
 * request; for the kernel's own events, none). Reading it gives no access to anything.
 *
 * Layout: one header, then `count` records of `record_size` bytes each, in the order the
 * classes were first seen. `decisions` and `denials` in the header are the totals over every
 * event (also those of classes past BASTION_SECURITY_TABLE_MAX and the kernel's own), so the
 * records may sum to less. Readers check magic, version, record_size and the exact size.
 */
#ifndef BASTION_SECURITY_TABLE_H
#define BASTION_SECURITY_TABLE_H

#include <stdint.h>

#define BASTION_SECURITY_TABLE_PATH "/.kernel/security"
#define BASTION_SECURITY_TABLE_MAGIC 0x43455342u /* "BSEC" read as little-endian bytes */
#define BASTION_SECURITY_TABLE_VERSION 1u
#define BASTION_SECURITY_TABLE_MAX 256u  /* classes at most */
#define BASTION_SECURITY_CLASS_SIZE 128u /* = the kernel's PROCESS_CLASS_MAX + 1 */

struct bastion_security_table_header {
    uint32_t magic;
    uint32_t version;
    uint32_t count;
    uint32_t record_size;
    uint64_t decisions; /* every event decided since boot */
    uint64_t denials;   /* of them, denied */
};

struct bastion_security_record {
    char class_name[BASTION_SECURITY_CLASS_SIZE]; /* ends in a NUL within the field */
    uint64_t decisions;
    uint64_t denials;
};

_Static_assert(sizeof(struct bastion_security_table_header) == 32, "header layout");
_Static_assert(sizeof(struct bastion_security_record) == 144, "record layout");

#endif
