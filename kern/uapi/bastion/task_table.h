/*
 * The processes the kernel runs, as it publishes them to user mode: a read-only file of
 * kl.core.FS at BASTION_TASK_TABLE_PATH, a snapshot taken when the file is opened (each Open
 * sees the list of that moment; Read never changes under a reader). A status page or a tool
 * reads it when its policy grants FS.Open of that path; it names processes and classes, no
 * handle or address, and gives no access to any process.
 *
 * Layout: one header, then `count` records of `record_size` bytes each, newest process first.
 * Readers must check magic, version and record_size and that the file holds exactly
 * header + count * record_size bytes. `total` is how many processes the kernel had: more than
 * `count` when the table was full (BASTION_TASK_TABLE_MAX). Names end in a NUL within their
 * field.
 */
#ifndef BASTION_TASK_TABLE_H
#define BASTION_TASK_TABLE_H

#include <stdint.h>

#define BASTION_TASK_TABLE_PATH "/.kernel/tasks"
#define BASTION_TASK_TABLE_MAGIC 0x4b534154u /* "TASK" read as little-endian bytes */
#define BASTION_TASK_TABLE_VERSION 1u
#define BASTION_TASK_TABLE_MAX 128u  /* records at most */
#define BASTION_TASK_NAME_SIZE 64u   /* = the kernel's PROCESS_NAME_MAX + 1 */
#define BASTION_TASK_CLASS_SIZE 128u /* = PROCESS_CLASS_MAX + 1 */

/* A record's state: the kernel's process states. */
#define BASTION_TASK_CREATED 0u /* made, its first thread not started yet */
#define BASTION_TASK_RUNNING 1u
#define BASTION_TASK_EXITING 2u /* ending: its threads are being stopped */
#define BASTION_TASK_DEAD 3u    /* ended, not yet torn down */
#define BASTION_TASK_STATES 4u

struct bastion_task_table_header {
    uint32_t magic;
    uint32_t version;
    uint32_t count;
    uint32_t record_size;
    uint32_t total;
    uint32_t reserved;
};

struct bastion_task_record {
    uint32_t pid;
    uint32_t parent; /* the creator's pid; 0: the kernel started it */
    uint32_t state;  /* BASTION_TASK_* */
    uint32_t threads;
    char name[BASTION_TASK_NAME_SIZE];
    char class_name[BASTION_TASK_CLASS_SIZE];
};

_Static_assert(sizeof(struct bastion_task_table_header) == 24, "header layout");
_Static_assert(sizeof(struct bastion_task_record) == 208, "record layout");

#endif
