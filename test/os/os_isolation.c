/*
 * os_isolation: a process that touches memory it does not own (the kernel's, page zero, an
 * unmapped address, its own code, its stack as code) or executes an invalid instruction is
 * killed alone, with the fault recorded; the process that started it (this one) keeps running
 * and can start the next. The kernel also logs each fault with the process name.
 */
#include <stdio.h>

#include <user/core.h>

#include "ostest.h"
#include "spawn.h"

struct crash {
    const char *arg;
    uint32_t vector; /* 14 page fault, 6 invalid opcode */
    uint64_t address; /* expected CR2, or 0 to skip the check */
};

int main(void)
{
    ot_begin("os_isolation");
    static const struct crash crashes[] = {
        { "kernel", 14, 0xFFFF800000100000ull },
        { "null", 14, 0 },
        { "other", 14, 0x00007F0000000000ull },
        { "write", 14, 0 },
        { "exec", 14, 0 },
        { "ud", 6, 0 },
    };
    for (unsigned i = 0; i < sizeof crashes / sizeof crashes[0]; i++) {
        const struct crash *c = &crashes[i];
        char name[32];
        snprintf(name, sizeof name, "Crash-%s", c->arg);
        uint32_t task = 0;
        if (!OT_RC(spawn(name, "ostest.Crash", "os_crash", c->arg, 0, &task), rcOk))
            continue;
        kl_core_Task_TaskExitReason why = 99;
        struct kl_core_Task_TaskExitInfo info;
        if (!OT_RC(spawn_wait(task, 5000, &why, &info), rcOk))
            continue;
        if (!ot_check(why == kl_core_Task_TaskExitException, __LINE__, name, "ended with reason %u, status %d",
                      (unsigned)why, (int)info.u.exitCode))
            continue;
        ot_check(info.u.fault.vector == c->vector, __LINE__, name, "vector %u, expected %u",
                 (unsigned)info.u.fault.vector, (unsigned)c->vector);
        if (c->address)
            ot_check(info.u.fault.address == c->address, __LINE__, name, "address %#llx",
                     (unsigned long long)info.u.fault.address);
        printf("os_isolation: %s was killed alone: vector %u at %#llx, ip %#llx\n", name,
               (unsigned)info.u.fault.vector, (unsigned long long)info.u.fault.address,
               (unsigned long long)info.u.fault.ip);
    }
    /* And we are still here to say so. */
    OT_RC(core_thread_sleep(1), rcOk);
    return ot_end();
}
