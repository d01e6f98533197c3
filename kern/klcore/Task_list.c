/*
 * Kl.core.Task.GetTasksList: the live processes, for any program the policy lets ask.
 *
 * pids[i] is a process's pid; strings holds, for each process in the order of pids, five
 * NUL-terminated fields: its name, its class, its ROMFS path ("" for an empty process), its
 * state ("created", "running", "frozen", "exiting") and its creator's pid in decimal ("0": the
 * kernel started it).
 *
 * Bounded and charged to the caller: both sequences are written into the call's scratch buffer
 * (TASK_LIST_SCRATCH bytes, allocated on the caller's kernel-memory account by core_call and
 * freed when the reply is out), at most kl_core_Task_TaskListMax processes and
 * TaskListStringsMax bytes; a list that does not fit is cut at a whole process and answered
 * with rcBufferTooSmall. Nothing outlives the call, so asking again and again holds nothing.
 *
 * notice: the kernel raises no event for a change of the list, so the handle is the invalid one;
 * a caller watches one process's end with a kl.core.Notice receiver subscribed to its task
 * handle (or Task.GetExitInfo).
 */
#include "klcore/Task.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "proc/process.h"

struct list_fill {
    char *strings;
    uint32_t used, cap;
    kl_core_Types_Pid *pids;
    uint32_t count;
    bool cut; /* a process did not fit */
};

static const char *state_name(const struct process *p)
{
    switch (__atomic_load_n(&p->state, __ATOMIC_RELAXED)) {
    case PROC_CREATED:
        return "created";
    case PROC_RUNNING:
        return __atomic_load_n(&p->frozen, __ATOMIC_RELAXED) ? "frozen" : "running";
    default:
        return "exiting";
    }
}

/* Appends s and its NUL; false (nothing kept beyond `used`) if it does not fit. */
static bool put(struct list_fill *f, uint32_t *at, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > f->cap - *at)
        return false;
    memcpy(f->strings + *at, s, n);
    *at += (uint32_t)n;
    return true;
}

static void add_one(const struct process *p, void *arg)
{
    struct list_fill *f = arg;
    if (f->cut || __atomic_load_n(&p->state, __ATOMIC_RELAXED) == PROC_DEAD)
        return;
    if (f->count == kl_core_Task_TaskListMax) {
        f->cut = true;
        return;
    }
    char parent[12];
    ksnprintf(parent, sizeof parent, "%u", (unsigned)p->parent_pid);
    uint32_t at = f->used;
    if (!put(f, &at, p->name) || !put(f, &at, p->class_name) || !put(f, &at, p->path) ||
        !put(f, &at, state_name(p)) || !put(f, &at, parent)) {
        f->cut = true;
        return;
    }
    f->used = at;
    f->pids[f->count++] = p->pid;
}

Retcode task_GetTasksList(void *ctx, idl_handle_t *notice, struct idl_seq *strings,
                          struct idl_seq *pids, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    notice->handle = HANDLE_INVALID;
    notice->rights = 0;
    strings->data = NULL;
    strings->count = 0;
    pids->data = NULL;
    pids->count = 0;
    if (c->scratch == NULL || c->scratch_size < TASK_LIST_SCRATCH) {
        *rc = rcOutOfMemory;
        return rcOk;
    }
    struct list_fill f = {
        .strings = c->scratch,
        .cap = kl_core_Task_TaskListStringsMax,
        .pids = (kl_core_Types_Pid *)((char *)c->scratch + kl_core_Task_TaskListStringsMax),
    };
    process_list_visit(add_one, &f);
    strings->data = f.strings;
    strings->count = f.used;
    pids->data = f.pids;
    pids->count = f.count;
    *rc = f.cut ? rcBufferTooSmall : rcOk;
    return rcOk;
}
