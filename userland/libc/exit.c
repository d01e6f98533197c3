/* Process exit: Task.Exit ends every thread of the process. */
#include <stdio.h>
#include <stdlib.h>

#include <user/core.h>

void exit(int status)
{
    Retcode r = core_task_exit(status);
    /* Task.Exit returned: it was refused (by policy, say). End at least this thread, then stop
     * in a way the kernel reports as this process's fault. */
    printf("exit(%d): Task.Exit failed: %s\n", status, retcode_name(r));
    core_thread_exit(status);
    for (;;)
        __builtin_trap();
}

void abort(void)
{
    printf("abort() called\n");
    exit(134);
}
