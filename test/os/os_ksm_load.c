/*
 * os_ksm_load: the KSM's decisions under load from several processes. test/os/init.yaml
 * starts four copies at once (class ostest.KsmLoad, tasks KsmLoad1..4); each makes a few hundred
 * core calls whose verdict depends on a message field (test/os/policy/ostest.psl):
 *   VMM.Allocate  granted for 0 < size <= 64 KiB (assert), denied above;
 *   Sync.Wake     denied for nThreads > 4 (deny with a condition), granted for 1..4.
 * Each process draws granted and denied calls in its own pseudo-random order and with sizes of
 * its own, so a KSM that mixed up concurrent requests (deciding one process's message for
 * another, or handing a verdict to the wrong caller) gives some call the wrong answer. Every
 * result must be exactly rcOk (granted and served) or rcSecurityDisallow (denied); granted
 * regions are freed again.
 *
 * Arguments: <id 1..4> <calls>. Result name: os_ksm_load<id>. Every denial is a console line
 * from the kernel, so the call counts in init.yaml keep the total to a few hundred.
 *
 * CPUs: each process pins itself to CPU id-1 with Thread.SetAffinity, so the four decide on
 * four CPUs at once (the KSM has a receiver per CPU); every call checks it still runs there
 * (CPUID's initial APIC ID, as in os_cpus).
 */
#include <stdio.h>
#include <stdlib.h>

#include <user/core.h>
#include <user/vmm.h>

#include "ostest.h"

#define LIMIT (64u * 1024u) /* ostest.KsmLoad's VMM.Allocate limit in ostest.psl */
#define WAKE_MAX 4u         /* ostest.KsmLoad's Sync.Wake limit */
#define MAX_PRINTED 10u     /* wrong verdicts printed one by one; the rest only counted */

static uint64_t cpus_seen;
static unsigned wrong, granted, denied;

/* One call's outcome against the policy's verdict. Wrong ones count as failed checks; only the
 * first MAX_PRINTED print a line, so a broken KSM cannot flood the console. */
static void verdict(bool want_grant, Retcode r, const char *what, uint64_t value, unsigned i)
{
    Retcode want = want_grant ? rcOk : rcSecurityDisallow;
    if (r == want) {
        ot_check(true, __LINE__, what, NULL);
        if (want_grant)
            granted++;
        else
            denied++;
        return;
    }
    if (++wrong <= MAX_PRINTED)
        ot_check(false, __LINE__, what, "call %u (%llu) returned %s, expected %s", i,
                 (unsigned long long)value, retcode_name(r), retcode_name(want));
}

/* Asks to run on CPU `cpu` only (and reads the mask back). */
static Retcode pin(unsigned cpu)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t self;
    Retcode r = core_result(kl_core_Thread_OpenCurrent(&cl, &self, &rc), &rc);
    if (r != rcOk)
        return r;
    r = core_result(kl_core_Thread_SetAffinity(&cl, self, 1ull << cpu, &rc), &rc);
    kl_core_Types_CpuMask mask = 0;
    if (r == rcOk &&
        OT_RC(core_result(kl_core_Thread_GetAffinity(&cl, self, &mask, &rc), &rc), rcOk))
        OT_EQ(mask, 1ull << cpu);
    /* No CPU of the mask is online: refused, the old mask stays. */
    OT_RC(core_result(kl_core_Thread_SetAffinity(&cl, self, 0, &rc), &rc), rcInvalidArgument);
    return r;
}

int main(int argc, char **argv)
{
    static char name[32];
    long id = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
    long calls = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    if (id < 1 || id > 32)
        id = 1;
    snprintf(name, sizeof name, "os_ksm_load%ld", id);
    ot_begin(name);

    Retcode pinned = pin((unsigned)(id - 1));
    OT_RC(pinned, rcOk);
    /* Let Einit start the siblings (they are next to each other in init.yaml), so the calls
     * below overlap theirs. */
    OT_RC(core_thread_sleep(100), rcOk);

    /* Sizes of this process's own: just inside the limit (process 1 exactly at it) and just
     * past it, so no two processes send the same granted or denied size. */
    const uint64_t small = LIMIT - (uint64_t)(id - 1) * USER_PAGE_SIZE;
    const uint64_t big = LIMIT + (uint64_t)id * USER_PAGE_SIZE;
    static volatile uint32_t word; /* nobody waits on it: a granted Wake wakes 0 threads */
    uint32_t seed = 0x9e3779b9u * (uint32_t)id;

    for (long i = 0; i < calls; i++) {
        seed = seed * 1664525u + 1013904223u; /* LCG: each process its own order */
        bool grant = (seed >> 16 & 1) != 0;
        uint32_t c = ot_cpu_now();
        if (c < 64)
            cpus_seen |= 1ull << c;
        if (i % 4 == 3) {
            /* Sync.Wake: 1..4 granted, 5..8 denied. */
            uint32_t n = (uint32_t)(seed >> 20 & 3) + 1 + (grant ? 0 : WAKE_MAX);
            uint32_t woken = 99;
            Retcode r = core_sync_wake(&word, n, &woken);
            verdict(grant, r, "Sync.Wake decided by nThreads", n, (unsigned)i);
            if (grant && r == rcOk && woken != 0)
                OT_EQ(woken, 0);
        } else {
            /* VMM.Allocate (reserve only: costs no RAM), then VMM.Free of what was granted. */
            uint64_t size = grant ? small : big, va = 0;
            Retcode r = core_vmm_allocate(0, size, BASTION_VMM_READ | BASTION_VMM_WRITE, &va);
            verdict(grant, r, "VMM.Allocate decided by size", size, (unsigned)i);
            if (r == rcOk && !OT_RC(core_vmm_free(va, size), rcOk))
                break;
        }
    }
    if (wrong > MAX_PRINTED)
        ot_check(false, __LINE__, "wrong verdicts", "%u more not printed", wrong - MAX_PRINTED);
    /* Both verdicts happened (the draw is fixed per id, so this is not luck). */
    OT_TRUE(granted > 0);
    OT_TRUE(denied > 0);
    OT_EQ(cpus_seen, 1ull << (id - 1));
    printf("%s: %u granted, %u denied as the policy says; ran on CPU mask %#llx\n", name, granted,
           denied, (unsigned long long)cpus_seen);
    return ot_end();
}
