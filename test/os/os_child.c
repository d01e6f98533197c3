/*
 * os_child: the child process os_core starts. Argument:
 *   gift  use the handle os_core transferred under the name "gift" (a copy of os_core's kernel
 *         handle) for a core call of its own; exit 0 if that works, else 3;
 *   wait  sleep until terminated.
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
