/*
 * The published process list (task_table.h). Each record is read from its process under the
 * list lock only: pid, names and parent are fixed once the process is on the list; state and
 * thread count are read as atomics (they may change a moment later; the file is a snapshot).
 */
#include "proc/task_table.h"

#include <stdint.h>

#include <bastion/task_table.h>

#include "lib/string.h"
#include "proc/process.h"

_Static_assert(PROCESS_NAME_MAX + 1 == BASTION_TASK_NAME_SIZE, "a task name fits its field");
_Static_assert(PROCESS_CLASS_MAX + 1 == BASTION_TASK_CLASS_SIZE, "a class name fits its field");

struct fill {
    struct bastion_task_table_header h;
    uint8_t *out;
    size_t room; /* records that fit */
};

static uint32_t state_of(const struct process *p)
{
    switch (__atomic_load_n(&p->state, __ATOMIC_RELAXED)) {
    case PROC_CREATED:
        return BASTION_TASK_CREATED;
    case PROC_RUNNING:
        return BASTION_TASK_RUNNING;
    case PROC_EXITING:
        return BASTION_TASK_EXITING;
    default:
        return BASTION_TASK_DEAD;
    }
}

static void visit(const struct process *p, void *arg)
{
    struct fill *f = arg;
    f->h.total++;
    if (f->h.count >= f->room || f->h.count >= BASTION_TASK_TABLE_MAX)
        return;
    struct bastion_task_record r;
    memset(&r, 0, sizeof r);
    r.pid = p->pid;
    r.parent = p->parent_pid;
    r.state = state_of(p);
    r.threads = __atomic_load_n(&p->nthreads, __ATOMIC_RELAXED);
    memcpy(r.name, p->name, strnlen(p->name, PROCESS_NAME_MAX));
    memcpy(r.class_name, p->class_name, strnlen(p->class_name, PROCESS_CLASS_MAX));
    memcpy(f->out + f->h.count * sizeof r, &r, sizeof r);
    f->h.count++;
}

size_t task_table_file_max(void)
{
    return sizeof(struct bastion_task_table_header) +
           BASTION_TASK_TABLE_MAX * sizeof(struct bastion_task_record);
}

size_t task_table_fill(void *buf, size_t cap)
{
    struct fill f = {
        .h = {.magic = BASTION_TASK_TABLE_MAGIC,
              .version = BASTION_TASK_TABLE_VERSION,
              .record_size = sizeof(struct bastion_task_record)},
    };
    if (cap < sizeof f.h)
        return 0;
    f.out = (uint8_t *)buf + sizeof f.h;
    f.room = (cap - sizeof f.h) / sizeof(struct bastion_task_record);
    process_list_visit(visit, &f);
    memcpy(buf, &f.h, sizeof f.h);
    return sizeof f.h + f.h.count * sizeof(struct bastion_task_record);
}
