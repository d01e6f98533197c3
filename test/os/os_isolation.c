/*
 * os_isolation: a process that touches memory it does not own (the kernel's, page zero, an
 * unmapped address, its own code, its stack as code) or executes an invalid instruction is
 * killed alone, with the fault recorded; the process that started it (this one) keeps running
 * and can start the next. The kernel also logs each fault with the process name. And a process
 * that reads, at the same virtual address, where this one keeps a secret never sees it. And
 * RFLAGS.AC set in user mode does not reach the kernel's interrupt handlers (below).
 */
#include <stdio.h>

#include <user/core.h>
#include <user/scp.h>
#include <user/start.h>

#include "ostest.h"
#include "spawn.h"

#define RFLAGS_AC (1ull << 18)

static uint64_t rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Spins for ms milliseconds with RFLAGS.AC set (user mode may set it: CR0.AM is clear, so it
 * checks nothing here). The CPU keeps AC through an interrupt gate, and the kernel would run
 * its timer handler, and the switch the tick may make, with SMAP off; every kernel entry
 * clears it (traps.asm), and the checking kernels that run these tests panic on a trap entered
 * with AC set, so surviving the ticks (100 a second, every CPU) is the test. Returns whether AC
 * was still set at the end: each return to user mode gives it back. */
static bool spin_with_ac(uint64_t ms)
{
    uint64_t per_ms = start_tsc_per_ms();
    __asm__ volatile("pushfq; orq %0, (%%rsp); popfq" ::"r"(RFLAGS_AC) : "cc", "memory");
    uint64_t t0 = tsc();
    while (tsc() - t0 < ms * per_ms)
        __asm__ volatile("pause");
    bool kept = (rflags() & RFLAGS_AC) != 0;
    __asm__ volatile("pushfq; andq %0, (%%rsp); popfq" ::"r"(~RFLAGS_AC) : "cc", "memory");
    return kept;
}

struct crash {
    const char *arg;
    uint32_t vector;  /* 14 page fault, 6 invalid opcode */
    uint64_t address; /* expected CR2, or 0 to skip the check */
};

int main(void)
{
    ot_begin("os_isolation");
    static const struct crash crashes[] = {
        {"kernel", 14, 0xFFFF800000100000ull},
        {"null", 14, 0},
        {"other", 14, 0x00007F0000000000ull},
        {"write", 14, 0},
        {"exec", 14, 0},
        {"ud", 6, 0},
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
        if (!ot_check(why == kl_core_Task_TaskExitException, __LINE__, name,
                      "ended with reason %u, status %d", (unsigned)why, (int)info.u.exitCode))
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
    /* Another process reading where our secret lives sees a fault or its own memory. */
    static volatile uint64_t secret = 0x5EC7E75EC7E75EC7ull;
    char addr[32];
    snprintf(addr, sizeof addr, "%llx", (unsigned long long)(uintptr_t)&secret);
    uint32_t peeker = 0;
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, kl_core_Task_TaskEnvMax + CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t child = {0};
    if (OT_RC(core_result(kl_core_Task_Create(&cl, "Crash-peek", "ostest.Crash", "os_crash", 0, 10,
                                              0, &child, &rc),
                          &rc),
              rcOk)) {
        peeker = child.handle;
        _Alignas(8) uint8_t blob[256];
        struct scp_builder b;
        size_t len = 0;
        scp_init(&b, blob, sizeof blob, 0, 0);
        scp_arg(&b, "Crash-peek");
        scp_arg(&b, "peek");
        scp_arg(&b, addr);
        OT_RC(scp_finish(&b, &len), rcOk);
        OT_RC(core_result(
                  kl_core_Task_SetEnv(&cl, core_handle_arg(peeker),
                                      (struct idl_seq){.data = blob, .count = (uint32_t)len}, &rc),
                  &rc),
              rcOk);
        OT_RC(core_result(kl_core_Task_Resume(&cl, core_handle_arg(peeker), &rc), &rc), rcOk);
        kl_core_Task_TaskExitReason why = 99;
        struct kl_core_Task_TaskExitInfo info;
        if (OT_RC(spawn_wait(peeker, 5000, &why, &info), rcOk)) {
            ot_check(why == kl_core_Task_TaskExitException ||
                         (why == kl_core_Task_TaskExitNormal && info.u.exitCode == 99),
                     __LINE__, "Crash-peek", "reason %u, status %d (66: it read our secret)",
                     (unsigned)why, (int)info.u.exitCode);
            printf("os_isolation: Crash-peek read %s in its own space: %s\n", addr,
                   why == kl_core_Task_TaskExitException ? "killed (unmapped there)"
                                                         : "its own bytes, not ours");
        }
    }
    OT_EQ(secret, 0x5EC7E75EC7E75EC7ull);

    /* Five ticks or more taken from user mode with AC set. */
    OT_TRUE(start_tsc_per_ms() != 0);
    OT_TRUE(spin_with_ac(60));
    OT_TRUE((rflags() & RFLAGS_AC) == 0);
    printf("os_isolation: 60 ms in user mode with RFLAGS.AC set: the kernel's handlers ran "
           "without it\n");

    /* And we are still here to say so. */
    OT_RC(core_thread_sleep(1), rcOk);
    return ot_end();
}
