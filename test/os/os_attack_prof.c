/*
 * os_attack_prof (class ostest.AttackProf): the abuses the danger texts of kl.core.Profiler
 * name, by a program that may profile itself (the Sampling methods, LoadSegInfo for tasks it
 * holds, test/os/policy/ostest.psl) but created no process and holds no other task's handle:
 *
 *   SamplingRead  "gets the addresses and names of functions of other processes": it asks to
 *                 list every pid from 1 to 256 but its own (each rcNotProfilable or rcNotFound,
 *                 never rcOk), lists itself, samples while it spins, and reads: every record
 *                 of the container is its own pid's;
 *   LoadSegInfo   "allows the kernel memory to be used up by creating a multitude of objects":
 *                 a thousand registrations on handle values it guessed and one on its own
 *                 thread's handle, each rcBadHandle: no task's segments without its handle.
 *
 * After each, the probe server (another process) must still answer.
 */
#include <stdio.h>

#include <bastion/profiler.h>
#include <user/core.h>

#include "ostest.h"
#include "prof_calls.h"

#define PID_TRIES 256u
#define HANDLE_GUESSES 1000u

static struct bastion_prof_record recs[128];

static void spin_user_ms(uint64_t ms)
{
    uint64_t c[1];
    uint32_t n;
    if (ot_counters("time.monotonic_ns", c, 1, &n) != rcOk || n != 1)
        return;
    uint64_t end = c[0] + ms * 1000000ull;
    volatile uint64_t x = 0;
    do {
        for (unsigned i = 0; i < 200000; i++) /* user code between the clock reads */
            x++;
        if (ot_counters("time.monotonic_ns", c, 1, &n) != rcOk || n != 1)
            return;
    } while (c[0] < end);
}

static bool sample_others(void)
{
    uint32_t self = 0;
    bool ok = OT_RC(prof_own_pid(&self), rcOk);
    unsigned listed = 0, refused = 0;
    for (uint32_t pid = 1; pid <= PID_TRIES; pid++) {
        if (pid == self)
            continue;
        Retcode r = prof_add_pid(pid);
        listed += r == rcOk;
        refused += r == rcNotProfilable;
    }
    printf("os_attack_prof: %u of %u other pids refused as not profilable, %u listed\n", refused,
           PID_TRIES - 1, listed);
    ok &= OT_EQ(listed, 0);
    ok &= OT_TRUE(refused > 0); /* the system's processes exist: refused, not merely absent */
    ok &= OT_RC(prof_add_pid(self), rcOk);
    ok &= OT_RC(prof_start(0, ~0ull, sizeof recs), rcOk);
    /* Spins in user mode until one of its own samples came, for at most about 10 s: the other
     * processes of the image sample nothing into this container whatever runs meanwhile. */
    unsigned own = 0, foreign = 0;
    uint64_t got = 0;
    for (int i = 0; i < 20 && own == 0; i++) {
        spin_user_ms(300);
        Retcode r = prof_read(recs, sizeof recs, 200, &got);
        if (r == rcTimeout)
            continue;
        if (r != rcOk)
            break;
        for (uint64_t k = 0; k < got / sizeof recs[0]; k++) {
            own += recs[k].pid == self;
            foreign += recs[k].pid != self;
        }
    }
    ok &= OT_RC(prof_stop(), rcOk);
    printf("os_attack_prof: read %u records of its own, %u of others\n", own, foreign);
    ok &= OT_EQ(foreign, 0);
    ok &= OT_TRUE(own > 0); /* sampling worked: the container is not merely empty */
    return ok;
}

static bool segments_of_others(void)
{
    bool ok = true;
    unsigned bad_handle = 0, made = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < HANDLE_GUESSES; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t guess = i < 64 ? i : (uint32_t)x;
        Retcode r = prof_load_seg(guess, 0x400000, 0x1000, 0, 5, NULL, 0);
        made += r == rcOk;
        bad_handle += r == rcBadHandle;
    }
    printf("os_attack_prof: %u of %u guessed task handles refused (rcBadHandle), %u registered\n",
           bad_handle, HANDLE_GUESSES, made);
    ok &= OT_EQ(made, 0);
    ok &= OT_EQ(bad_handle, HANDLE_GUESSES);
    CORE_CLIENT(tc, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t thread = {0};
    if (OT_RC(core_result(kl_core_Thread_OpenCurrent(&tc, &thread, &rc), &rc), rcOk)) {
        ok &= OT_RC(prof_load_seg(thread.handle, 0x400000, 0x1000, 0, 5, NULL, 0), rcBadHandle);
        ot_close_handles(&thread.handle, 1);
    } else {
        ok = false;
    }
    return ok;
}

int main(void)
{
    ot_begin("os_attack_prof");
    bool ok = sample_others();
    ot_attack("kl.core.Profiler.SamplingRead", ok && ot_bystander_served());
    ok = segments_of_others();
    ot_attack("kl.core.Profiler.LoadSegInfo", ok && ot_bystander_served());
    return ot_end();
}
