/*
 * The kernel's process list and per-class decision counts read through kl.core.FS
 * (user/task_table.h, user/security_table.h): the whole file into one buffer, then checked as
 * a whole before any record is used.
 */
#include <user/kernel_file.h>
#include <user/security_table.h>
#include <user/task_table.h>

Retcode task_table_read(struct task_table *t)
{
    static _Alignas(8) uint8_t file[TASK_TABLE_FILE_MAX];
    size_t len = 0;
    t->count = t->total = 0;
    Retcode r = kernel_file_read(BASTION_TASK_TABLE_PATH, file, sizeof file, &len);
    return r == rcOk ? task_table_parse(file, len, t) : r;
}

Retcode security_table_read(struct security_table *t)
{
    static _Alignas(8) uint8_t file[SECURITY_TABLE_FILE_MAX];
    size_t len = 0;
    t->count = 0;
    Retcode r = kernel_file_read(BASTION_SECURITY_TABLE_PATH, file, sizeof file, &len);
    return r == rcOk ? security_table_parse(file, len, t) : r;
}
