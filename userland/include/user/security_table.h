/*
 * The monitor's decisions per class (<bastion/security_table.h>) read through kl.core.FS and
 * checked. A status page uses it; its policy grants FS.Open/Read/Close of
 * BASTION_SECURITY_TABLE_PATH.
 */
#ifndef USER_SECURITY_TABLE_H
#define USER_SECURITY_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/security_table.h>

#define SECURITY_TABLE_FILE_MAX                     \
    (sizeof(struct bastion_security_table_header) + \
     BASTION_SECURITY_TABLE_MAX * sizeof(struct bastion_security_record))

struct security_table {
    uint32_t count;
    uint64_t decisions, denials; /* totals over every event */
    struct bastion_security_record rec[BASTION_SECURITY_TABLE_MAX];
};

/* Reads and checks the file into *t. Errors: kernel_file_read's, security_table_parse's. */
Retcode security_table_read(struct security_table *t);

/*
 * Checks bytes already read (host tests, fuzzing): rcBadFormat unless magic, version and
 * record size are this library's, the size is exactly header + count records, count is at most
 * BASTION_SECURITY_TABLE_MAX, every class name ends in a NUL within its field and no record
 * (nor the totals) has more denials than decisions. Nothing of a refused file reaches *t.
 */
Retcode security_table_parse(const void *data, size_t len, struct security_table *t);

#endif
