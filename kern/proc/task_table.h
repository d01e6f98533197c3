/*
 * The processes the kernel runs, published as the kernel file BASTION_TASK_TABLE_PATH
 * (<bastion/task_table.h>): a snapshot written into the caller's buffer, taken under the
 * process list's lock so that every record is one live process of one instant.
 */
#ifndef BASTION_PROC_TASK_TABLE_H
#define BASTION_PROC_TASK_TABLE_H

#include <stddef.h>

/* Writes the file (header and records) into buf; returns its size, 0 when cap is too small for
 * the header. Processes past cap or BASTION_TASK_TABLE_MAX are counted in `total` only. */
size_t task_table_fill(void *buf, size_t cap);

/* The file's largest size. */
size_t task_table_file_max(void);

#endif
