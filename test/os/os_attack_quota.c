/*
 * os_attack_quota: an untrusted program that may start children (class ostest.AttackQuota, its
 * own rules in test/os/policy/ostest.psl; init.yaml: kernel memory 512 KiB, RAM 8 MiB) tries
 * to hold more than it was given:
 *   Task.Create   a flat crowd of children, then a chain in which every child asks for more
 *                 than its parent has (each child's limits are carved out of its creator's);
 *   Task.SetEnv   start-up data with huge limits for a child;
 *   Thread.Create threads that end but whose objects it keeps by their handles;
 *   Handle.Copy   copies until the quota, with and without its kernel memory lent to a child.
 * Each is stopped with rcQuotaExceeded, the probe server (another process) still answers after
 * each, and once the children have ended the attacker's quota is back where it started
 * (measured by how large a limit Task.SetEnv can give a gauge child).
 *
 * Modes (argv[1]): none: the attacker; "chain <depth>": a link of the chain (exit code: the depth
 * the chain reached below it, or a negative failure); "alloc": commits 256 KiB blocks until
 * refused (exit 0 if refused before its 2 MiB limit, as SetEnv set it); "idle": sleeps until
 * terminated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/scp.h>
#include <user/start.h>
#include <user/thread.h>
#include <user/vmm.h>

#include "ostest.h"
#include "spawn.h"

#define SELF_CLASS "ostest.AttackQuota"
#define SELF_PATH "os_attack_quota"
#define OWN_KMEM (512ull * 1024)     /* test/os/init.yaml */
#define OWN_RAM (8ull * 1024 * 1024) /* test/os/init.yaml */
#define HUGE_LIMIT (1ull << 62)
/* Bisections stop here: twice our own limits, more than any child of ours can be given. */
#define GRANT_TOP(which) ((which) == 0 ? 2 * OWN_KMEM : 2 * OWN_RAM)
#define MAX_CHILDREN 64
#define MAX_THREADS 2048
#define MAX_HANDLES 4096

#define CL(ep, cap)                             \
    CORE_CLIENT(cl, kl_core_Core_EP_##ep, cap); \
    kl_core_Types_Retcode rc __attribute__((unused)) = rcFail
#define H(v) core_handle_arg(v)

static uint32_t name_seq;

/* ---- core calls ------------------------------------------------------------------------- */

static Retcode task_create(const char *prefix, uint32_t *task)
{
    char name[48];
    snprintf(name, sizeof name, "%s-%u", prefix, ++name_seq);
    CL(task_Task, CORE_MSG_MEDIUM);
    idl_handle_t child = {0};
    Retcode r = core_result(
        kl_core_Task_Create(&cl, name, SELF_CLASS, SELF_PATH, 0, 10, 0, &child, &rc), &rc);
    *task = r == rcOk ? child.handle : kl_core_Types_InvalidHandleValue;
    return r;
}

/* Task.SetEnv with these limits (0: keep) and argv = {"aq", a1, a2}. */
static Retcode set_env(uint32_t task, uint64_t kmem, uint64_t ram, const char *a1, const char *a2)
{
    CL(task_Task, CORE_MSG_MEDIUM);
    _Alignas(8) uint8_t blob[256];
    struct scp_builder b;
    size_t len = 0;
    scp_init(&b, blob, sizeof blob, kmem, ram);
    scp_arg(&b, "aq");
    if (a1)
        scp_arg(&b, a1);
    if (a2)
        scp_arg(&b, a2);
    Retcode r = scp_finish(&b, &len);
    if (r != rcOk)
        return r;
    return core_result(kl_core_Task_SetEnv(&cl, H(task),
                                           (struct idl_seq){.data = blob, .count = (uint32_t)len},
                                           &rc),
                       &rc);
}

static Retcode resume(uint32_t task)
{
    CL(task_Task, CORE_MSG_SMALL);
    return core_result(kl_core_Task_Resume(&cl, H(task), &rc), &rc);
}

static Retcode close_handle(uint32_t h)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    return core_result(kl_core_Handle_Close(&cl, H(h), &rc), &rc);
}

/* Ends a child and drops our handle to it. */
static void end_child(uint32_t task)
{
    CL(task_Task, CORE_MSG_SMALL);
    (void)core_result(kl_core_Task_Terminate(&cl, H(task), &rc), &rc);
    (void)close_handle(task);
}

static Retcode copy_core(uint32_t *out)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    idl_handle_t h = {0};
    Retcode r = core_result(
        kl_core_Handle_Copy(&cl, H(core_handle()), 0, H(kl_core_Types_InvalidHandleValue), &h, &rc),
        &rc);
    *out = h.handle;
    return r;
}

/* ---- the bystander and the quota gauge ---------------------------------------------------- */


/* The gauge: a child made at the start and never started, kept small. How much we have left
 * is how far Task.SetEnv can raise the gauge's limit (a bisection: SetEnv refuses with
 * rcQuotaExceeded exactly what we have not got); it is cut back at once. Both are synchronous,
 * unlike the reaper, which returns an ended child's quota shortly after the end. */
#define GAUGE_KMEM (64ull * 1024)
#define GAUGE_RAM (1024ull * 1024)
static uint32_t gauge;

static uint64_t grant_max(uint32_t task, int which);

/* The largest limit of one kind (0: kernel memory, 1: RAM) a child could be given now: the
 * gauge's own plus what we have left. */
static uint64_t grantable(int which)
{
    uint64_t lo = grant_max(gauge, which);
    (void)set_env(gauge, which == 0 ? GAUGE_KMEM : 0, which == 1 ? GAUGE_RAM : 0, NULL, NULL);
    return lo;
}

static uint64_t base_kmem, base_ram;

/* After the children ended and were reaped, the quota is back (the gauge's own object and
 * slab rounding aside). Polls: the reaper gives it back shortly after the ends. */
static bool quota_back(const char *after)
{
    uint64_t k = 0, r = 0;
    for (int i = 0; i < 40; i++) {
        k = grantable(0);
        r = grantable(1);
        if (k + 16 * 1024 >= base_kmem && r + 128 * 1024 >= base_ram)
            return OT_TRUE(true);
        core_thread_sleep(50);
    }
    printf("os_attack_quota: after %s: %llu KiB kernel memory, %llu KiB RAM grantable, %llu and "
           "%llu before\n",
           after, (unsigned long long)(k >> 10), (unsigned long long)(r >> 10),
           (unsigned long long)(base_kmem >> 10), (unsigned long long)(base_ram >> 10));
    return OT_TRUE(false);
}

/* ---- Task.Create ------------------------------------------------------------------------ */

/* A link of the chain: makes the next child, which asks for more than this one has (refused),
 * then runs it with the half of what is left that Task.Create lends. Exit code: the depth the
 * chain reached, or -(line) for a check that failed. */
static int chain_link(int depth)
{
    uint32_t next;
    char prefix[24];
    snprintf(prefix, sizeof prefix, "AQ-link%d", depth); /* task names are unique */
    Retcode r = task_create(prefix, &next);
    if (r == rcQuotaExceeded)
        return depth; /* nothing left to carve a child from: the chain ends here */
    if (r != rcOk) {
        printf("os_attack_quota: link %d: Task.Create: %s\n", depth, retcode_name(r));
        return -__LINE__;
    }
    int result = depth;
    char arg[16];
    snprintf(arg, sizeof arg, "%d", depth + 1);
    if (set_env(next, HUGE_LIMIT, 0, NULL, NULL) != rcQuotaExceeded ||
        set_env(next, 0, HUGE_LIMIT, NULL, NULL) != rcQuotaExceeded ||
        set_env(next, OWN_KMEM, 0, NULL, NULL) != rcQuotaExceeded ||
        set_env(next, 0, OWN_RAM, NULL, NULL) != rcQuotaExceeded)
        result = -__LINE__;
    else if ((r = set_env(next, 0, 0, "chain", arg)) == rcOk && (r = resume(next)) == rcOk) {
        int32_t code = 0;
        r = ot_exit_code(next, 30000, &code);
        result = r == rcOk ? code : -__LINE__;
    } else if (r != rcQuotaExceeded) {
        printf("os_attack_quota: link %d: starting the next: %s\n", depth, retcode_name(r));
        result = -__LINE__; /* anything but "no quota left" is a failure */
    }
    end_child(next);
    return result;
}

static void attack_task_create(void)
{
    bool ok = true;
    /* A crowd: children made and loaded but not started, each lent half of what is left. */
    uint32_t kids[MAX_CHILDREN];
    int n = 0;
    Retcode r = rcOk;
    while (n < MAX_CHILDREN && (r = task_create("AQ-crowd", &kids[n])) == rcOk)
        n++;
    ok &= OT_RC(r, rcQuotaExceeded);
    /* 8 MiB halved each time runs out after a handful of loadable children; fresh accounts of
     * their own would let hundreds be loaded. */
    ok &= OT_TRUE(n >= 1 && n <= 16);
    printf("os_attack_quota: Task.Create stopped after %d children: %s\n", n, retcode_name(r));
    ok &= ot_bystander_served();
    for (int i = 0; i < n; i++)
        end_child(kids[i]);
    ok &= quota_back("the crowd");

    /* A chain: every link asks its child for more than it has itself. */
    uint32_t first;
    if (OT_RC(task_create("AQ-chain", &first), rcOk)) {
        ok &= OT_RC(set_env(first, HUGE_LIMIT, HUGE_LIMIT, NULL, NULL), rcQuotaExceeded);
        ok &= OT_RC(set_env(first, 0, 0, "chain", "1"), rcOk);
        ok &= OT_RC(resume(first), rcOk);
        int32_t depth = 0;
        ok &= OT_RC(ot_exit_code(first, 60000, &depth), rcOk);
        printf("os_attack_quota: the chain of children stopped at depth %d\n", (int)depth);
        ok &= OT_TRUE(depth >= 2 && depth <= 32);
        end_child(first);
    } else {
        ok = false;
    }
    ok &= ot_bystander_served();
    ok &= quota_back("the chain");
    if (ok)
        ot_attack("kl.core.Task.Create", true);
}

/* ---- Task.SetEnv ------------------------------------------------------------------------ */

static int alloc_child(void)
{
    enum { BLOCK = 256 * 1024 };
    uint64_t total = 0, va = 0;
    Retcode r;
    while (
        (r = core_vmm_allocate(0, BLOCK, BASTION_VMM_COMMIT | BASTION_VMM_READ | BASTION_VMM_WRITE,
                               &va)) == rcOk) {
        ((volatile uint8_t *)(uintptr_t)va)[BLOCK - 1] = 1;
        total += BLOCK;
        if (total > 64ull * 1024 * 1024)
            break;
    }
    return r == rcQuotaExceeded && total < 2ull * 1024 * 1024 ? 0 : 1;
}

static void attack_set_env(void)
{
    bool ok = true;
    uint32_t t;
    if (!OT_RC(task_create("AQ-env", &t), rcOk))
        return;
    ok &= OT_RC(set_env(t, HUGE_LIMIT, 0, NULL, NULL), rcQuotaExceeded);
    ok &= OT_RC(set_env(t, 0, HUGE_LIMIT, NULL, NULL), rcQuotaExceeded);
    ok &= OT_RC(set_env(t, UINT64_MAX, UINT64_MAX, NULL, NULL), rcQuotaExceeded);
    /* Exactly our own limits: more than we have left, since we hold some of it. */
    ok &= OT_RC(set_env(t, OWN_KMEM, 0, NULL, NULL), rcQuotaExceeded);
    ok &= OT_RC(set_env(t, 0, OWN_RAM, NULL, NULL), rcQuotaExceeded);
    ok &= ot_bystander_served();
    /* What it may have, it gets, and no more: 2 MiB of RAM, enforced in the child. */
    ok &= OT_RC(set_env(t, 0, 2ull * 1024 * 1024, "alloc", NULL), rcOk);
    ok &= OT_RC(resume(t), rcOk);
    int32_t code = -1;
    ok &= OT_RC(ot_exit_code(t, 20000, &code), rcOk);
    ok &= OT_EQ(code, 0);
    end_child(t);
    ok &= quota_back("SetEnv");
    if (ok)
        ot_attack("kl.core.Task.SetEnv", true);
}

/* ---- Thread.Create ---------------------------------------------------------------------- */

static struct thread threads[MAX_THREADS];

static int returns3(void *arg)
{
    (void)arg;
    return 3;
}

static void attack_thread_create(void)
{
    bool ok = true;
    int n = 0, code = 0;
    Retcode r = rcOk;
    /* Threads that end at once, their objects kept by our handles. */
    while (n < MAX_THREADS &&
           (r = thread_create(&threads[n], returns3, NULL, THREAD_PRIO_DEFAULT, 0)) == rcOk) {
        (void)thread_join(&threads[n], 5000, &code);
        n++;
    }
    ok &= OT_RC(r, rcQuotaExceeded);
    /* A kept ended thread holds its object only: its 16 KiB kernel stack and FPU area went
     * back when it left its CPU, so far more than 32 fit in 512 KiB (with the stacks, fewer
     * than 32 would, and a program keeping exit codes would run out of quota). */
    ok &= OT_TRUE((uint64_t)n * 16 * 1024 > OWN_KMEM);
    ok &= ot_bystander_served();
    for (int i = 0; i < n; i++)
        ok &= close_handle(threads[i].handle) == rcOk;
    printf("os_attack_quota: Thread.Create stopped after %d ended threads kept: %s\n", n,
           retcode_name(r));
    /* Given back: create, join and close forever within the same quota. */
    int rounds = 0;
    for (; rounds < 300; rounds++) {
        if (thread_create(&threads[0], returns3, NULL, THREAD_PRIO_DEFAULT, 0) != rcOk)
            break;
        Retcode j = thread_join(&threads[0], 5000, &code);
        (void)close_handle(threads[0].handle);
        if (j != rcOk || code != 3)
            break;
    }
    ok &= OT_EQ(rounds, 300);
    ok &= ot_bystander_served();
    if (ok)
        ot_attack("kl.core.Thread.Create", true);
}

/* ---- Handle.Copy ------------------------------------------------------------------------ */

static uint32_t handles[MAX_HANDLES];


/* Copies our core handle until refused; closes them all again. */
static int copy_until_refused(Retcode *why)
{
    uint32_t n = ot_exhaust_quiet(copy_core, handles, MAX_HANDLES, why);
    ot_close_handles(handles, n);
    return (int)n;
}

/* Makes `task`'s limit of one kind (0: kernel memory, 1: RAM) the largest Task.SetEnv grants
 * (bisection: SetEnv refuses with rcQuotaExceeded exactly what we have not got) and returns it. */
static uint64_t grant_max(uint32_t task, int which)
{
    uint64_t lo = 0, hi = GRANT_TOP(which);
    while (hi - lo > 4096) {
        uint64_t mid = lo + (hi - lo) / 2;
        Retcode r = set_env(task, which == 0 ? mid : 0, which == 1 ? mid : 0, NULL, NULL);
        if (r == rcQuotaExceeded)
            hi = mid;
        else
            lo = mid; /* granted, or below what the child holds already (rcOutOfRange) */
    }
    if (lo != 0)
        (void)set_env(task, which == 0 ? lo : 0, which == 1 ? lo : 0, NULL, NULL);
    return lo;
}

static void attack_handle_copy(void)
{
    bool ok = true;
    Retcode r = rcOk;
    /* Lend a child all the kernel memory we can: our copies stop within the slots our table
     * already has, since the child's limit is carved out of ours, not a new one. */
    uint32_t t;
    int lending = MAX_HANDLES;
    if (OT_RC(task_create("AQ-lend", &t), rcOk)) {
        uint64_t lent = grant_max(t, 0); /* all we have: nothing is left for a new chunk */
        lending = copy_until_refused(&r);
        ok &= OT_RC(r, rcQuotaExceeded);
        ok &= ot_bystander_served();
        end_child(t);
        ok &= quota_back("lending");
        /* Printed only now: with no kernel memory left, even printf's call could be refused. */
        printf("os_attack_quota: Handle.Copy stopped after %d copies with %llu KiB lent to a "
               "child\n",
               lending, (unsigned long long)(lent >> 10));
    } else {
        ok = false;
    }
    /* Alone: up to the handle limit (the table's chunks are charged as it grows). */
    int alone = copy_until_refused(&r);
    ok &= OT_RC(r, rcQuotaExceeded);
    printf("os_attack_quota: Handle.Copy stopped after %d copies alone\n", alone);
    ok &= OT_TRUE(alone > 32 && alone < MAX_HANDLES);
    ok &= OT_TRUE(lending < alone / 2);
    ok &= ot_bystander_served();
    if (ok)
        ot_attack("kl.core.Handle.Copy", true);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "chain") == 0)
        return chain_link(atoi(argv[2]));
    if (argc > 1 && strcmp(argv[1], "alloc") == 0)
        return alloc_child();
    ot_begin("os_attack_quota");
    if (!ot_bystander_served())
        return ot_end();
    if (!OT_RC(task_create("AQ-gauge", &gauge), rcOk) ||
        !OT_RC(set_env(gauge, GAUGE_KMEM, GAUGE_RAM, NULL, NULL), rcOk))
        return ot_end();
    base_kmem = grantable(0);
    base_ram = grantable(1);
    printf("os_attack_quota: a child can be given up to %llu KiB of kernel memory, %llu KiB of "
           "RAM\n",
           (unsigned long long)(base_kmem >> 10), (unsigned long long)(base_ram >> 10));
    OT_TRUE(base_kmem > 0 && base_kmem < OWN_KMEM);
    OT_TRUE(base_ram > 0 && base_ram < OWN_RAM);
    /* A call's record (its request and room for a small answer) is charged to the caller while
     * the call lasts, and kept as the thread's spare after: round trips leave nothing behind.
     * A record kept per call would take ~100 KiB here, far past the gauge's rounding. */
    bool served = true;
    for (int i = 0; i < 200 && served; i++)
        served = ot_bystander_served();
    uint64_t after = grantable(0);
    if (!OT_TRUE(served && after + 16 * 1024 >= base_kmem))
        printf("os_attack_quota: after 200 calls %llu KiB kernel memory grantable, %llu before\n",
               (unsigned long long)(after >> 10), (unsigned long long)(base_kmem >> 10));
    attack_task_create();
    attack_set_env();
    attack_handle_copy();
    attack_thread_create(); /* last: the thread it ends with stays charged until the next one */
    return ot_end();
}
