/*
 * os_child: the child process os_core starts. Argument:
 *   gift  use the handle os_core transferred under the name "gift" (a copy of os_core's kernel
 *         handle) for a core call of its own; exit 0 if that works, else 3;
 *   wait  sleep until terminated;
 *   sched exit with its initial thread's scheduling as Thread.GetSchedPolicy reports it:
 *         policy * 1000000 + priority * 10000 + the RR quantum in ms (os_task_build reads it
 *         back through Task.GetExitInfo); 1 if it cannot ask.
 */
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "gift";
    if (strcmp(what, "wait") == 0) {
        for (;;)
            core_thread_sleep(1000);
    }
    if (strcmp(what, "sched") == 0) {
        CORE_CLIENT(tc, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        idl_handle_t self = {0};
        if (core_result(kl_core_Thread_OpenCurrent(&tc, &self, &rc), &rc) != rcOk)
            return 1;
        kl_core_Types_SchedPolicy policy = 0;
        kl_core_Types_Priority prio = 0;
        struct kl_core_Types_SchedParam param = {0};
        if (core_result(kl_core_Thread_GetSchedPolicy(&tc, core_handle_arg(self.handle), &policy,
                                                      &prio, &param, &rc),
                        &rc) != rcOk)
            return 1;
        uint32_t ms =
            policy == kl_core_Types_SchedPolicyRoundRobin ? param.u.roundRobin.quantum : 0;
        return (int)(policy * 1000000u + prio * 10000u + ms);
    }
    struct ipc_channel ch;
    if (ipc_connect(&ch, "gift") != rcOk)
        return 2;
    static _Alignas(8) uint8_t req[CORE_MSG_MEDIUM], res[CORE_MSG_MEDIUM];
    struct idl_client cl;
    ipc_client_init(&cl, &ch, kl_core_Core_EP_hal_HAL, req, sizeof req, res, sizeof res);
    static const char msg[] = "os_child: a core call through a transferred handle\n";
    kl_core_Types_Retcode rc = rcFail;
    Retcode r = core_result(
        kl_core_HAL_DebugWrite(&cl, (struct idl_seq){.data = msg, .count = sizeof msg - 1}, &rc),
        &rc);
    return r == rcOk ? 0 : 3;
}
