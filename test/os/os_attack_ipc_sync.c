/*
 * os_attack_ipc_sync (class ostest.AttackIpcSync): the abuse the danger text of
 * kl.core.IPC.CreateSyncObject names, "allows the kernel memory to be used up by creating a
 * multitude of objects within it", by a plausible untrusted program that may interrupt its own
 * IPC (test/os/policy/ostest.psl grants it the three IPC methods, Handle.Close, its console and
 * its bystander, nothing else):
 *
 *   CreateSyncObject in a loop of 4096: it stops at the per-process bound, IPC_SYNC_MAX (32)
 *   objects, with rcTooManySyncObjects, long before the loop's end (each object is charged to
 *   the attacker's own kernel-memory account too, so its quota would stop it before anyone
 *   else's). Setting all of them interrupts only the attacker's own waits: the probe server
 *   (another process) still answers once they are cleared. Closing them gives the count back.
 */
#include <stdio.h>

#include <user/core.h>

#include "ipc_sync_calls.h"
#include "ostest.h"

#define TRIES 4096u
#define IPC_SYNC_MAX 32u /* kern/ipc/interrupt.h */

static uint32_t handles[TRIES];

static Retcode make(uint32_t *h)
{
    idl_handle_t s;
    Retcode r = ipc_sync_create(&s);
    *h = r == rcOk ? s.handle : 0;
    return r;
}

static bool multitude(void)
{
    Retcode last = rcOk;
    uint32_t n = ot_exhaust_quiet(make, handles, TRIES, &last);
    printf("os_attack_ipc_sync: %u sync objects made, then %s\n", n, retcode_name(last));
    bool ok = OT_EQ(n, IPC_SYNC_MAX);
    ok &= OT_RC(last, rcTooManySyncObjects);
    /* Set every one of them: only this process's own waits are interrupted. */
    bool set = true;
    for (uint32_t i = 0; i < n; i++)
        set &= ipc_sync_set(handles[i]) == rcOk;
    ok &= OT_TRUE(set);
    bool cleared = true;
    for (uint32_t i = 0; i < n; i++)
        cleared &= ipc_sync_clear(handles[i]) == rcOk;
    ok &= OT_TRUE(cleared);
    ot_close_handles(handles, n);
    /* The count came back with the handles: one more can be made, and closed. */
    uint32_t again = 0;
    ok &= OT_RC(make(&again), rcOk);
    ot_close_handles(&again, 1);
    return ok;
}

int main(void)
{
    ot_begin("os_attack_ipc_sync");
    bool ok = multitude();
    ot_attack("kl.core.IPC.CreateSyncObject", ok && ot_bystander_served());
    return ot_end();
}
