/* Starting a child process from a test (Task.Create, SetEnv, Resume) and watching it end. */
#ifndef OSTEST_SPAWN_H
#define OSTEST_SPAWN_H

#include <stdint.h>

#include <user/core.h>

/* Creates `path` as task `name` of class `cls` with argv = {name, arg1 (if not NULL)}, and
 * resumes it unless `suspended`. */
Retcode spawn(const char *name, const char *cls, const char *path, const char *arg1, int suspended,
              uint32_t *task);
/* Task.SetEnv of a created, not yet started task: argv = {argv0, arg1 (if not NULL)} and, with
 * conn_name, one named handle (a value in the child's table, e.g. from Task.TransferHandle). */
Retcode spawn_set_env(uint32_t task, const char *argv0, const char *arg1, const char *conn_name,
                      uint32_t conn_handle);
/* Polls Task.GetExitInfo until the task ended or msec passed (rcTimeout). */
Retcode spawn_wait(uint32_t task, uint32_t msec, kl_core_Task_TaskExitReason *why,
                   struct kl_core_Task_TaskExitInfo *info);

#endif
