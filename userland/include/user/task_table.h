/*
 * The kernel's process list (<bastion/task_table.h>) read through kl.core.FS and checked. A
 * status page uses it; its policy grants FS.Open/Read/Close of BASTION_TASK_TABLE_PATH.
 */
#ifndef USER_TASK_TABLE_H
#define USER_TASK_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/task_table.h>

#define TASK_TABLE_FILE_MAX                     \
    (sizeof(struct bastion_task_table_header) + \
     BASTION_TASK_TABLE_MAX * sizeof(struct bastion_task_record))

struct task_table {
    uint32_t count;
    uint32_t total; /* processes the kernel had (more than count: the file was full) */
    struct bastion_task_record rec[BASTION_TASK_TABLE_MAX];
};

/* Reads and checks the file into *t. Errors: kernel_file_read's, task_table_parse's. */
Retcode task_table_read(struct task_table *t);

/*
 * Checks bytes already read (host tests, fuzzing): rcBadFormat unless magic, version and
 * record size are this library's, the size is exactly header + count records, count is at most
 * BASTION_TASK_TABLE_MAX and total at least count, and every record has a known state and
 * names that end in a NUL within their field. Nothing of a refused file reaches *t.
 */
Retcode task_table_parse(const void *data, size_t len, struct task_table *t);

/* "created", "running", "exiting", "dead"; "?" for anything else. */
const char *task_state_name(uint32_t state);

#endif
