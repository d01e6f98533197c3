/*
 * The kernel's process list checked (user/task_table.h): no system calls, so the host tests,
 * the fuzzer and the status page's host build run it as the status server does on Bastion.
 */
#include <string.h>

#include <user/task_table.h>

static int name_ends(const char *field, size_t size)
{
    return memchr(field, '\0', size) != NULL;
}

Retcode task_table_parse(const void *data, size_t len, struct task_table *t)
{
    struct bastion_task_table_header h;
    t->count = t->total = 0;
    if (len < sizeof h)
        return rcBadFormat;
    memcpy(&h, data, sizeof h);
    if (h.magic != BASTION_TASK_TABLE_MAGIC || h.version != BASTION_TASK_TABLE_VERSION ||
        h.record_size != sizeof(struct bastion_task_record) || h.count > BASTION_TASK_TABLE_MAX ||
        h.total < h.count || len != sizeof h + (size_t)h.count * sizeof(struct bastion_task_record))
        return rcBadFormat;
    const uint8_t *rec = (const uint8_t *)data + sizeof h;
    for (uint32_t i = 0; i < h.count; i++) {
        struct bastion_task_record r;
        memcpy(&r, rec + i * sizeof r, sizeof r);
        if (r.state >= BASTION_TASK_STATES || !name_ends(r.name, sizeof r.name) ||
            !name_ends(r.class_name, sizeof r.class_name))
            return rcBadFormat;
    }
    memcpy(t->rec, rec, h.count * sizeof(struct bastion_task_record));
    t->count = h.count;
    t->total = h.total;
    return rcOk;
}

const char *task_state_name(uint32_t state)
{
    static const char *const names[BASTION_TASK_STATES] = {"created", "running", "exiting", "dead"};
    return state < BASTION_TASK_STATES ? names[state] : "?";
}
