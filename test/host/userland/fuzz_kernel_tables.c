/*
 * libFuzzer target for the kernel's process list and per-class counts as the status server
 * reads them (userland/ipc/task_table_parse.c, security_table_parse.c): any bytes end in a
 * table whose records all lie inside the input and keep the promises the parsers make (names
 * NUL-ended, states known, no more denials than decisions), or in rcBadFormat.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <user/security_table.h>
#include <user/task_table.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct task_table t;
    static struct security_table s;
    if (task_table_parse(data, size, &t) == rcOk) {
        if (t.count > BASTION_TASK_TABLE_MAX || t.total < t.count ||
            size != sizeof(struct bastion_task_table_header) +
                        (size_t)t.count * sizeof(struct bastion_task_record))
            __builtin_trap();
        for (uint32_t i = 0; i < t.count; i++)
            if (t.rec[i].state >= BASTION_TASK_STATES ||
                strnlen(t.rec[i].name, sizeof t.rec[i].name) == sizeof t.rec[i].name ||
                strnlen(t.rec[i].class_name, sizeof t.rec[i].class_name) ==
                    sizeof t.rec[i].class_name)
                __builtin_trap();
    }
    if (security_table_parse(data, size, &s) == rcOk) {
        if (s.count > BASTION_SECURITY_TABLE_MAX || s.denials > s.decisions)
            __builtin_trap();
        for (uint32_t i = 0; i < s.count; i++)
            if (s.rec[i].denials > s.rec[i].decisions ||
                strnlen(s.rec[i].class_name, sizeof s.rec[i].class_name) ==
                    sizeof s.rec[i].class_name)
                __builtin_trap();
    }
    return 0;
}
