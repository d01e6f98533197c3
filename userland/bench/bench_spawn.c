/* bench_spawn: SetEnv and Resume of a created process (bench_spawn.h). */
#include "bench_spawn.h"

#include <user/scp.h>

Retcode bench_spawn_start(struct idl_client *cl, uint32_t child, const char *arg0,
                          uint64_t kernel_memory, uint64_t ram)
{
    kl_core_Types_Retcode rc = rcFail;
    _Alignas(8) uint8_t blob[64];
    struct scp_builder b;
    size_t len = 0;
    scp_init(&b, blob, sizeof blob, kernel_memory, ram);
    scp_arg(&b, arg0);
    Retcode r = scp_finish(&b, &len);
    if (r == rcOk)
        r = core_result(kl_core_Task_SetEnv(cl, core_handle_arg(child),
                                            (struct idl_seq){.data = blob, .count = (uint32_t)len},
                                            &rc),
                        &rc);
    if (r == rcOk)
        r = core_result(kl_core_Task_Resume(cl, core_handle_arg(child), &rc), &rc);
    return r;
}
