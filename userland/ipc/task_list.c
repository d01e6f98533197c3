/* kl.core.Task.GetTasksList read and walked (<user/task_list.h>). */
#include <string.h>

#include <user/core.h>
#include <user/task_list.h>

Retcode task_list_read(struct task_list *l)
{
    _Static_assert(TASK_LIST_MAX == kl_core_Task_TaskListMax, "TaskListMax");
    _Static_assert(TASK_LIST_STRINGS_MAX == kl_core_Task_TaskListStringsMax, "TaskListStringsMax");
    _Alignas(8) uint8_t request[CORE_MSG_SMALL];
    struct idl_client cl = {.call = core_transport,
                            .endpoint_id = kl_core_Core_EP_task_Task,
                            .req_buf = request,
                            .req_cap = sizeof request,
                            .res_buf = l->response,
                            .res_cap = sizeof l->response};
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t notice = {kl_core_Types_InvalidHandleValue, 0};
    struct idl_seq s = {0}, p = {0};
    Retcode r = core_result(kl_core_Task_GetTasksList(&cl, &notice, &s, &p, &rc), &rc);
    l->used = l->count = 0;
    l->cut = r == rcBufferTooSmall;
    if (r == rcOk || r == rcBufferTooSmall) {
        l->used = s.count < TASK_LIST_STRINGS_MAX ? (uint32_t)s.count : TASK_LIST_STRINGS_MAX;
        memcpy(l->strings, s.data, l->used);
        l->count = p.count < TASK_LIST_MAX ? (uint32_t)p.count : TASK_LIST_MAX;
        memcpy(l->pids, p.data, l->count * sizeof l->pids[0]);
    }
    l->strings[l->used] = 0;
    return r;
}

bool task_list_next(const struct task_list *l, struct task_list_cursor *c,
                    struct task_list_entry *e)
{
    if (c->index >= l->count || c->off >= l->used)
        return false;
    const char *f[TASK_LIST_FIELDS];
    for (uint32_t k = 0; k < TASK_LIST_FIELDS; k++) {
        if (c->off >= l->used) /* the strings ended inside this process */
            return false;
        f[k] = &l->strings[c->off];
        c->off += (uint32_t)strnlen(f[k], l->used - c->off) + 1;
        if (c->off > l->used)
            c->off = l->used;
    }
    uint32_t creator = 0;
    for (const char *d = f[4]; *d >= '0' && *d <= '9'; d++)
        creator = creator * 10 + (uint32_t)(*d - '0');
    *e = (struct task_list_entry){.pid = l->pids[c->index],
                                  .name = f[0],
                                  .class_name = f[1],
                                  .path = f[2],
                                  .state = f[3],
                                  .creator = creator};
    c->index++;
    return true;
}

uint32_t task_list_pid_of(const struct task_list *l, const char *name)
{
    struct task_list_cursor c = {0, 0};
    struct task_list_entry e;
    while (task_list_next(l, &c, &e))
        if (strcmp(e.name, name) == 0 && strcmp(e.state, "exiting") != 0)
            return e.pid;
    return 0;
}
