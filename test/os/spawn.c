/* spawn.h */
#include <string.h>

#include <user/scp.h>

#include "spawn.h"

Retcode spawn(const char *name, const char *cls, const char *path, const char *arg1, int suspended,
              uint32_t *task)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t child = {0};
    Retcode r = core_result(kl_core_Task_Create(&cl, name, cls, path, 0, 10, 0, &child, &rc), &rc);
    if (r != rcOk)
        return r;
    *task = child.handle;
    r = spawn_set_env(*task, name, arg1, NULL, 0);
    if (r != rcOk || suspended)
        return r;
    return core_result(kl_core_Task_Resume(&cl, core_handle_arg(*task), &rc), &rc);
}

Retcode spawn_set_env(uint32_t task, const char *argv0, const char *arg1, const char *conn_name,
                      uint32_t conn_handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_MEDIUM);
    kl_core_Types_Retcode rc = rcFail;
    _Alignas(8) uint8_t blob[256];
    struct scp_builder b;
    size_t len = 0;
    scp_init(&b, blob, sizeof blob, 0, 0);
    scp_arg(&b, argv0);
    if (arg1)
        scp_arg(&b, arg1);
    if (conn_name)
        scp_conn(&b, conn_name, conn_handle);
    Retcode r = scp_finish(&b, &len);
    if (r != rcOk)
        return r;
    return core_result(kl_core_Task_SetEnv(&cl, core_handle_arg(task),
                                           (struct idl_seq){.data = blob, .count = (uint32_t)len},
                                           &rc),
                       &rc);
}

Retcode spawn_wait(uint32_t task, uint32_t msec, kl_core_Task_TaskExitReason *why,
                   struct kl_core_Task_TaskExitInfo *info)
{
    for (uint32_t waited = 0;; waited += 10) {
        CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        memset(info, 0, sizeof *info);
        Retcode r =
            core_result(kl_core_Task_GetExitInfo(&cl, core_handle_arg(task), why, info, &rc), &rc);
        if (r != rcResourceBusy)
            return r;
        if (waited >= msec)
            return rcTimeout;
        core_thread_sleep(10);
    }
}
