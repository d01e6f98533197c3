/*
 * os_core: the core methods a program needs first (memory, threads, handles, processes,
 * synchronisation, HAL, files), through the generated proxies, with their error paths: VMM,
 * Thread, Handle, Task, Sync, HAL, FS, and one method the kernel does not serve (a named
 * refusal). Runs as task "CoreTest" from ROMFS "os_core".
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bastion/startblock.h>
#include <user/core.h>
#include <user/pci_table.h>
#include <user/scp.h>
#include <user/start.h>
#include <user/thread.h>
#include <user/vmm.h>

#include "ostest.h"
#include <bastion/rights.h>
#include "spawn.h"

#define BAD_HANDLE 0xFFF0u
#define KERNEL_VA 0xFFFF800000100000ull
#define MAYBE_UNUSED __attribute__((unused))

/* Declares `cl` for endpoint ep and the method's rc. */
#define CL(ep, cap)                             \
    CORE_CLIENT(cl, kl_core_Core_EP_##ep, cap); \
    kl_core_Types_Retcode rc MAYBE_UNUSED = rcFail
#define H(v) core_handle_arg(v)

/* ---- VMM ---------------------------------------------------------------------------------- */

static Retcode query(uint64_t va, struct kl_core_VMM_VmPageInfo *info, uint32_t *count)
{
    CL(vmm_VMM, CORE_MSG_SMALL);
    struct idl_seq out = {0};
    Retcode r = core_result(kl_core_VMM_Query(&cl, va, &out, &rc), &rc);
    *count = out.count;
    if (r == rcOk && out.count == 1)
        memcpy(info, out.data, sizeof *info);
    return r;
}

static void vmm(void)
{
    uint64_t va = 0;
    const uint32_t rw = BASTION_VMM_READ | BASTION_VMM_WRITE;
    if (!OT_RC(core_vmm_allocate(0, 8192, BASTION_VMM_COMMIT | rw, &va), rcOk))
        return;
    OT_TRUE(va != 0 && va % USER_PAGE_SIZE == 0);
    ((volatile uint8_t *)(uintptr_t)va)[8191] = 5;
    OT_FAILS(core_vmm_allocate(0, 0, BASTION_VMM_COMMIT | rw, NULL));            /* empty */
    OT_FAILS(core_vmm_allocate(0x1001, 4096, BASTION_VMM_COMMIT | rw, NULL));    /* misaligned */
    OT_FAILS(core_vmm_allocate(KERNEL_VA, 4096, BASTION_VMM_COMMIT | rw, NULL)); /* kernel half */
    OT_FAILS(core_vmm_allocate(
        0, 4096, BASTION_VMM_COMMIT | BASTION_VMM_WRITE | BASTION_VMM_EXECUTE, NULL)); /* W+X */

    struct kl_core_VMM_VmPageInfo info;
    memset(&info, 0, sizeof info);
    uint32_t n = 0;
    if (OT_RC(query(va, &info, &n), rcOk) && OT_EQ(n, 1)) {
        OT_EQ(info.state, kl_core_VMM_VmPageCommitted);
        OT_EQ(info.base, va);
        OT_EQ(info.size, 8192);
    }
    OT_RC(core_vmm_protect(va, 4096, BASTION_VMM_READ), rcOk);
    if (OT_RC(query(va, &info, &n), rcOk) && n == 1)
        OT_EQ(info.flags & (BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_EXECUTE),
              BASTION_VMM_READ);
    OT_FAILS(core_vmm_protect(va, 4096, BASTION_VMM_WRITE | BASTION_VMM_EXECUTE));
    OT_RC(core_vmm_decommit(va + 4096, 4096), rcOk);
    if (OT_RC(query(va + 4096, &info, &n), rcOk) && n == 1)
        OT_EQ(info.state, kl_core_VMM_VmPageReserved);
    OT_RC(core_vmm_commit(va + 4096, 4096), rcOk);
    OT_EQ(((volatile uint8_t *)(uintptr_t)va)[8191], 0); /* decommitted pages come back zeroed */
    OT_FAILS(core_vmm_commit(0x10000, 4096));            /* no region there */
    OT_FAILS(core_vmm_decommit(KERNEL_VA, 4096));
    OT_RC(core_vmm_free(va, 8192), rcOk);
    OT_TRUE(query(va, &info, &n) != rcOk || n == 0 || info.state == kl_core_VMM_VmPageFree);
    OT_FAILS(core_vmm_free(va, 8192)); /* twice */
}

/* ---- Thread ------------------------------------------------------------------------------- */

static volatile uint32_t progress;

static int suspender(void *arg)
{
    (void)arg;
    CL(thread_Thread, CORE_MSG_SMALL);
    progress = 1;
    Retcode r = core_result(kl_core_Thread_Suspend(&cl, &rc), &rc);
    progress = r == rcOk ? 2 : 3;
    return 11;
}

__attribute__((noreturn)) static int forever(void *arg)
{
    (void)arg;
    for (;;)
        core_thread_sleep(1000);
}

static int returns7(void *arg)
{
    (void)arg;
    return 7;
}

static uint64_t tls_block[4];

/* Stack placement (ASLR): each thread parks with the address of one of its locals published. */
static volatile uint64_t stack_sp[2];
static volatile int stacks_go;

static int stack_parker(void *arg)
{
    volatile int local = 0;
    stack_sp[(uintptr_t)arg] = (uint64_t)(uintptr_t)&local;
    while (!stacks_go)
        core_thread_sleep(1);
    return local;
}

/* Two Thread.Create stacks: each a committed region with a reserved, inaccessible guard page
 * right below it, and not where "lowest free address" would put them, next to each other at a
 * fixed distance (64 KiB + guard): random places in a 1 TiB window are megabytes apart. */
static void thread_stacks(void)
{
    struct thread t[2];
    bool made[2] = {false, false};
    stack_sp[0] = stack_sp[1] = 0;
    stacks_go = 0;
    for (uintptr_t i = 0; i < 2; i++)
        made[i] =
            OT_RC(thread_create(&t[i], stack_parker, (void *)i, THREAD_PRIO_DEFAULT, 0), rcOk);
    for (int i = 0; i < 500 && made[0] && made[1] && (stack_sp[0] == 0 || stack_sp[1] == 0); i++)
        core_thread_sleep(2);
    uint64_t base[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        struct kl_core_VMM_VmPageInfo info;
        uint32_t n = 0;
        if (!made[i] || !OT_TRUE(stack_sp[i] != 0))
            continue;
        if (OT_RC(query(stack_sp[i], &info, &n), rcOk) && OT_EQ(n, 1)) {
            OT_EQ(info.state, kl_core_VMM_VmPageCommitted);
            OT_EQ(info.size, THREAD_STACK_DEFAULT);
            base[i] = info.base;
        }
        if (base[i] != 0 && OT_RC(query(base[i] - USER_PAGE_SIZE, &info, &n), rcOk) &&
            OT_EQ(n, 1)) {
            OT_EQ(info.state, kl_core_VMM_VmPageReserved); /* the guard */
            OT_EQ(info.flags & (BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_EXECUTE), 0);
            OT_EQ(info.base + info.size, base[i]);
        }
    }
    if (base[0] != 0 && base[1] != 0) {
        uint64_t d = base[0] > base[1] ? base[0] - base[1] : base[1] - base[0];
        const uint64_t span = THREAD_STACK_DEFAULT + USER_PAGE_SIZE;
        if (!OT_TRUE(d > 16 * span))
            printf("os_core: thread stacks at %lx and %lx, %lu bytes apart\n",
                   (unsigned long)base[0], (unsigned long)base[1], (unsigned long)d);
    }
    stacks_go = 1;
    int code = -1;
    for (int i = 0; i < 2; i++)
        if (made[i])
            OT_RC(thread_join(&t[i], 5000, &code), rcOk);
}

/* A process gets back what a thread held once the thread has ended: its kernel-memory charge
 * and its stack. 200 create/join/close rounds would need about 4 MiB of kernel memory and
 * 13 MiB of stacks at once otherwise, more than this process's limits. */
static void thread_churn(void)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    int rounds = 0, code = -1;
    for (; rounds < 200; rounds++) {
        struct thread t;
        if (thread_create(&t, returns7, NULL, THREAD_PRIO_DEFAULT, 0) != rcOk)
            break;
        Retcode joined = thread_join(&t, 5000, &code);
        (void)core_result(kl_core_Handle_Close(&cl, H(t.handle), &rc), &rc);
        if (joined != rcOk || code != 7)
            break;
    }
    OT_EQ(rounds, 200);
}

static void thread(void)
{
    CL(thread_Thread, CORE_MSG_SMALL);
    struct thread t;
    int code = 0;
    if (OT_RC(thread_create(&t, returns7, NULL, THREAD_PRIO_DEFAULT, 0), rcOk)) {
        OT_RC(thread_join(&t, 5000, &code), rcOk); /* Exit through the trampoline, Wait */
        OT_EQ(code, 7);
    }
    OT_FAILS(thread_create(&t, returns7, NULL, 99, 0)); /* priority out of range */
    thread_stacks();
    thread_churn();

    idl_handle_t self = {0};
    if (OT_RC(core_result(kl_core_Thread_OpenCurrent(&cl, &self, &rc), &rc), rcOk)) {
        struct kl_core_Thread_ThreadInfo info;
        if (OT_RC(core_result(kl_core_Thread_GetInfo(&cl, self, &info, &rc), &rc), rcOk)) {
            OT_TRUE(info.tid != 0);
            OT_TRUE(info.stackSize > 0);
            uint64_t sp = (uint64_t)(uintptr_t)&info;
            OT_TRUE(sp >= info.stackBase && sp < info.stackBase + info.stackSize);
        }
        OT_RC(core_result(kl_core_Thread_SetPriority(&cl, self, 12, &rc), &rc), rcOk);
        OT_FAILS(core_result(kl_core_Thread_SetPriority(&cl, self, 99, &rc), &rc));
        OT_RC(core_result(kl_core_Thread_SetPriority(&cl, self, THREAD_PRIO_DEFAULT, &rc), &rc),
              rcOk);
    }
    struct kl_core_Thread_ThreadInfo info;
    OT_FAILS(core_result(kl_core_Thread_GetInfo(&cl, H(BAD_HANDLE), &info, &rc), &rc));

    tls_block[0] = (uint64_t)(uintptr_t)tls_block; /* the ABI's self pointer at %fs:0 */
    tls_block[1] = 0x7e57c0de;
    if (OT_RC(core_result(kl_core_Thread_SetTls(&cl, (uint64_t)(uintptr_t)tls_block, &rc), &rc),
              rcOk)) {
        uint64_t v;
        __asm__ volatile("movq %%fs:8, %0" : "=r"(v));
        OT_EQ(v, 0x7e57c0de);
    }
    OT_FAILS(core_result(kl_core_Thread_SetTls(&cl, KERNEL_VA, &rc), &rc));
    OT_RC(core_result(kl_core_Thread_Sleep(&cl, 5, &rc), &rc), rcOk);

    /* Suspend (itself) and Resume (by us). */
    progress = 0;
    if (OT_RC(thread_create(&t, suspender, NULL, THREAD_PRIO_DEFAULT, 0), rcOk)) {
        for (int i = 0; i < 100 && progress == 0; i++)
            core_thread_sleep(5);
        core_thread_sleep(20);
        OT_EQ(progress, 1); /* still suspended */
        OT_RC(core_result(kl_core_Thread_Resume(&cl, H(t.handle), &rc), &rc), rcOk);
        OT_RC(thread_join(&t, 5000, &code), rcOk);
        OT_EQ(progress, 2);
        OT_EQ(code, 11);
    }
    OT_FAILS(core_result(kl_core_Thread_Resume(&cl, H(BAD_HANDLE), &rc), &rc));

    /* Wait with a timeout, then Terminate with a code. */
    if (OT_RC(thread_create(&t, forever, NULL, THREAD_PRIO_DEFAULT, 0), rcOk)) {
        OT_RC(thread_join(&t, 20, &code), rcTimeout);
        OT_RC(core_result(kl_core_Thread_Terminate(&cl, H(t.handle), 5, &rc), &rc), rcOk);
        OT_RC(thread_join(&t, 5000, &code), rcOk);
        OT_EQ(code, 5);
    }
    OT_FAILS(core_result(kl_core_Thread_Terminate(&cl, H(BAD_HANDLE), 5, &rc), &rc));
    OT_FAILS(thread_join(&(struct thread){.handle = BAD_HANDLE}, 10, &code));
}

/* ---- Handle ------------------------------------------------------------------------------- */

static Retcode copy(uint32_t from, uint32_t rights, uint32_t *out)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    idl_handle_t h = {0};
    Retcode r = core_result(
        kl_core_Handle_Copy(&cl, H(from), rights, H(kl_core_Types_InvalidHandleValue), &h, &rc),
        &rc);
    *out = h.handle;
    return r;
}

static Retcode sid(uint32_t h, uint64_t *out)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Sid s = 0;
    Retcode r = core_result(kl_core_Handle_GetSidByHandle(&cl, H(h), &s, &rc), &rc);
    *out = s;
    return r;
}

static void handle(void)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    uint32_t a = 0, b = 0, c = 0;
    uint64_t s0 = 0, s1 = 0;
    OT_RC(sid(core_handle(), &s0), rcOk);
    if (OT_RC(copy(core_handle(), HR_KERNEL_FULL, &a), rcOk)) {
        OT_RC(sid(a, &s1), rcOk);
        OT_EQ(s1, s0); /* one object, one SID */
        OT_RC(core_result(kl_core_Handle_Close(&cl, H(a), &rc), &rc), rcOk);
        OT_FAILS(core_result(kl_core_Handle_Close(&cl, H(a), &rc), &rc)); /* closed twice */
    }
    OT_RC(copy(core_handle(), 0xFFFFFFFFu, &a), rcAccessDenied); /* rights never grow */
    if (OT_RC(copy(core_handle(), HR_IPC_CALL, &a), rcOk)) {
        OT_RC(copy(a, HR_IPC_CALL, &b), rcAccessDenied); /* it lost HR_DUPLICATE */
        OT_RC(core_result(kl_core_Handle_Close(&cl, H(a), &rc), &rc), rcOk);
    }
    OT_FAILS(copy(BAD_HANDLE, 0, &a));
    OT_FAILS(sid(BAD_HANDLE, &s1));

    /* Revoke: a copy, and a copy of the copy; revoking the first cuts off the second. */
    if (OT_RC(copy(core_handle(), HR_KERNEL_FULL, &a), rcOk) &&
        OT_RC(copy(a, HR_KERNEL_FULL, &b), rcOk)) {
        OT_RC(core_result(kl_core_Handle_Revoke(&cl, H(a), &rc), &rc), rcOk);
        OT_FAILS(sid(b, &s1));
        OT_FAILS(sid(a, &s1)); /* Revoke closes the handle itself too */
        core_result(kl_core_Handle_Close(&cl, H(b), &rc), &rc);
    }
    /* RevokeSubtree: the descendants go, the handle stays. */
    if (OT_RC(copy(core_handle(), HR_KERNEL_FULL, &a), rcOk) &&
        OT_RC(copy(a, HR_KERNEL_FULL, &b), rcOk) && OT_RC(copy(b, HR_KERNEL_FULL, &c), rcOk)) {
        OT_RC(core_result(
                  kl_core_Handle_RevokeSubtree(&cl, H(a), H(kl_core_Types_InvalidHandleValue), &rc),
                  &rc),
              rcOk);
        OT_RC(sid(a, &s1), rcOk);
        OT_FAILS(sid(b, &s1));
        OT_FAILS(sid(c, &s1));
        core_result(kl_core_Handle_Close(&cl, H(b), &rc), &rc);
        core_result(kl_core_Handle_Close(&cl, H(c), &rc), &rc);
        OT_RC(core_result(kl_core_Handle_Close(&cl, H(a), &rc), &rc), rcOk);
    }
    OT_FAILS(core_result(kl_core_Handle_Revoke(&cl, H(BAD_HANDLE), &rc), &rc));
    /* The process's own kernel handle still works after all that. */
    OT_RC(sid(core_handle(), &s1), rcOk);
}

/* ---- Task --------------------------------------------------------------------------------- */

static void task(void)
{
    CL(task_Task, kl_core_Task_TaskEnvMax + CORE_MSG_SMALL);
    const char *s = NULL;
    if (OT_RC(core_result(kl_core_Task_GetName(&cl, &s, &rc), &rc), rcOk))
        OT_TRUE(strcmp(s, "CoreTest") == 0);
    if (OT_RC(core_result(kl_core_Task_GetPath(&cl, &s, &rc), &rc), rcOk))
        OT_TRUE(strstr(s, "os_core") != NULL);

    idl_handle_t child = {0};
    OT_RC(core_result(kl_core_Task_Create(&cl, "Nobody", "ostest.Child", "no_such_file", 0, 10, 0,
                                          &child, &rc),
                      &rc),
          rcNotFound);
    OT_FAILS(core_result(
        kl_core_Task_Create(&cl, "", "ostest.Child", "os_child", 0, 10, 0, &child, &rc), &rc));
    /* Names appear in kernel console lines: a control byte in one could forge a kernel line. */
    OT_RC(core_result(kl_core_Task_Create(&cl, "Bad\nkss: denied", "ostest.Child", "os_child", 0,
                                          10, 0, &child, &rc),
                      &rc),
          rcInvalidArgument);
    OT_RC(core_result(kl_core_Task_Create(&cl, "Bad\rName", "ostest.Child", "os_child", 0, 10, 0,
                                          &child, &rc),
                      &rc),
          rcInvalidArgument);

    /* A child that uses a handle we transfer into it. */
    if (OT_RC(core_result(kl_core_Task_Create(&cl, "Child1", "ostest.Child", "os_child", 0, 10, 0,
                                              &child, &rc),
                          &rc),
              rcOk)) {
        uint32_t task = child.handle;
        kl_core_Types_Pid pid = 0, own = 0;
        OT_RC(core_result(kl_core_Task_GetPid(&cl, H(task), &pid, &rc), &rc), rcOk);
        OT_TRUE(pid != 0);
        OT_RC(core_result(kl_core_Task_GetPid(&cl, H(kl_core_Types_InvalidHandleValue), &own, &rc),
                          &rc),
              rcOk);
        OT_TRUE(own != 0 && own != pid); /* InvalidHandleValue: the caller's own pid */
        uint32_t mine = 0;
        kl_core_Types_HandleValue theirs = kl_core_Types_InvalidHandleValue;
        if (OT_RC(copy(core_handle(), HR_KERNEL_FULL, &mine), rcOk))
            OT_RC(core_result(kl_core_Task_TransferHandle(&cl, H(task), H(mine),
                                                          H(kl_core_Types_InvalidHandleValue),
                                                          HR_IPC_CALL, &theirs, &rc),
                              &rc),
                  rcOk);
        static const uint8_t junk[40] = {1, 2, 3};
        OT_RC(core_result(kl_core_Task_SetEnv(&cl, H(task),
                                              (struct idl_seq){.data = junk, .count = sizeof junk},
                                              &rc),
                          &rc),
              rcBadFormat);
        _Alignas(8) uint8_t blob[256];
        struct scp_builder b;
        size_t len = 0;
        scp_init(&b, blob, sizeof blob, 0, 0);
        scp_arg(&b, "Child1");
        scp_arg(&b, "gift");
        scp_conn(&b, "gift", theirs);
        OT_RC(scp_finish(&b, &len), rcOk);
        OT_RC(core_result(
                  kl_core_Task_SetEnv(&cl, H(task),
                                      (struct idl_seq){.data = blob, .count = (uint32_t)len}, &rc),
                  &rc),
              rcOk);
        OT_RC(core_result(kl_core_Task_Resume(&cl, H(task), &rc), &rc), rcOk);
        OT_FAILS(core_result(kl_core_Task_Resume(&cl, H(task), &rc), &rc)); /* already running */
        OT_FAILS(core_result(
            kl_core_Task_SetEnv(&cl, H(task),
                                (struct idl_seq){.data = blob, .count = (uint32_t)len}, &rc),
            &rc)); /* too late */
        kl_core_Task_TaskExitReason why = 99;
        struct kl_core_Task_TaskExitInfo info;
        if (OT_RC(spawn_wait(task, 5000, &why, &info), rcOk)) {
            OT_EQ(why, kl_core_Task_TaskExitNormal);
            OT_EQ(info.u.exitCode, 0); /* 0: its core call through "gift" worked */
        }
    }
    /* Terminate a child that would run forever. */
    uint32_t t2 = 0;
    if (OT_RC(spawn("Child2", "ostest.Child", "os_child", "wait", 0, &t2), rcOk)) {
        kl_core_Task_TaskExitReason why = 99;
        struct kl_core_Task_TaskExitInfo info;
        OT_RC(spawn_wait(t2, 50, &why, &info), rcTimeout); /* still running */
        OT_RC(core_result(kl_core_Task_Terminate(&cl, H(t2), &rc), &rc), rcOk);
        if (OT_RC(spawn_wait(t2, 5000, &why, &info), rcOk))
            OT_EQ(why, kl_core_Task_TaskExitTerminated);
    }
    OT_FAILS(core_result(kl_core_Task_Terminate(&cl, H(BAD_HANDLE), &rc), &rc));
    kl_core_Types_Pid pid;
    OT_FAILS(core_result(kl_core_Task_GetPid(&cl, H(BAD_HANDLE), &pid, &rc), &rc));
}

/* ---- Sync --------------------------------------------------------------------------------- */

static uint32_t futex_word;

static int futex_waiter(void *arg)
{
    (void)arg;
    progress = 1;
    Retcode r = core_sync_wait(&futex_word, 0, kl_core_Types_InfiniteTimeout);
    return r == rcOk ? 1 : 2;
}

static void sync(void)
{
    uint32_t woken = 99;
    futex_word = 0;
    OT_RC(core_sync_wait(&futex_word, 0, 20), rcTimeout);
    OT_RC(core_sync_wait(&futex_word, 1, 1000), rcResourceBusy); /* value differs: no wait */
    OT_RC(core_sync_wake(&futex_word, 1, &woken), rcOk);
    OT_EQ(woken, 0);
    OT_FAILS(core_sync_wait((const volatile uint32_t *)(uintptr_t)KERNEL_VA, 0, 10));
    OT_FAILS(core_sync_wait((const volatile uint32_t *)(uintptr_t)((uintptr_t)&futex_word + 1), 0,
                            10)); /* misaligned */

    struct thread t;
    progress = 0;
    if (OT_RC(thread_create(&t, futex_waiter, NULL, THREAD_PRIO_DEFAULT, 0), rcOk)) {
        while (progress == 0)
            core_thread_sleep(2);
        core_thread_sleep(20);
        __atomic_store_n(&futex_word, 1, __ATOMIC_RELEASE);
        OT_RC(core_sync_wake(&futex_word, 1, &woken), rcOk);
        OT_EQ(woken, 1);
        int code = 0;
        OT_RC(thread_join(&t, 5000, &code), rcOk);
        OT_EQ(code, 1);
    }
}

/* ---- HAL and FS --------------------------------------------------------------------------- */

static void hal(void)
{
    CL(hal_HAL, CORE_MSG_MEDIUM);
    static const char msg[] = "os_core: HAL.DebugWrite works\n";
    OT_RC(core_debug_write(msg, sizeof msg - 1), rcOk);
    OT_RC(core_result(kl_core_HAL_DebugWrite(&cl, (struct idl_seq){.data = msg, .count = 0}, &rc),
                      &rc),
          rcOk);
    const char *value = NULL;
    /* Only the allow-listed parameters are answered (kern/klcore/HAL.c): an allowed one that is
     * not set is rcNotFound, anything else rcAccessDenied, set or not. */
    OT_RC(core_result(kl_core_HAL_GetEnv(&cl, "bench.nomon", &value, &rc), &rc), rcNotFound);
    OT_RC(core_result(kl_core_HAL_GetEnv(&cl, "no.such.parameter", &value, &rc), &rc),
          rcAccessDenied);
    /* Entropy: exactly the bytes asked for, two draws differ, more than EntropyMax refused. */
    struct idl_seq a = {0}, b = {0};
    uint8_t first[32] = {0};
    OT_RC(core_result(kl_core_HAL_GetEntropy(&cl, &a, 32, &rc), &rc), rcOk);
    OT_EQ(a.count, 32);
    if (a.count == 32)
        memcpy(first, a.data, 32);
    OT_RC(core_result(kl_core_HAL_GetEntropy(&cl, &b, 32, &rc), &rc), rcOk);
    OT_TRUE(b.count == 32 && memcmp(first, b.data, 32) != 0);
    OT_RC(core_result(kl_core_HAL_GetEntropy(&cl, &a, 5, &rc), &rc), rcOk);
    OT_EQ(a.count, 5);
    OT_RC(core_result(kl_core_HAL_GetEntropy(&cl, &a, 0, &rc), &rc), rcOk);
    OT_EQ(a.count, 0);
    OT_RC(core_result(kl_core_HAL_GetEntropy(&cl, &a, kl_core_HAL_EntropyMax + 1, &rc), &rc),
          rcOutOfRange);
    /* A register the kernel does not lend (CR0 is no MSR of its list): a named refusal, never
     * success. */
    uint64_t v;
    Retcode r = core_result(kl_core_HAL_GetPrivReg(&cl, "cr0", &v, &rc), &rc);
    OT_RC(r, rcUnknownRegister);
}

static Retcode fs_open(const char *name, uint32_t *h)
{
    CL(fs_FS, CORE_MSG_SMALL);
    idl_handle_t out = {0};
    Retcode r = core_result(kl_core_FS_Open(&cl, name, &out, &rc), &rc);
    *h = out.handle;
    return r;
}

static void fs(void)
{
    CL(fs_FS, CORE_MSG_LARGE);
    uint32_t count = 0;
    OT_RC(core_result(kl_core_FS_Count(&cl, &count, &rc), &rc), rcOk);
    OT_TRUE(count >= 2);
    kl_core_Types_Size fs_size = 0;
    OT_RC(core_result(kl_core_FS_GetFsSize(&cl, &fs_size, &rc), &rc), rcOk);
    OT_TRUE(fs_size > 0);
    const char *name = NULL;
    kl_core_FS_FileId id;
    OT_RC(core_result(kl_core_FS_GetInfo(&cl, 0, 64, &name, &id, &rc), &rc), rcOk);
    OT_FAILS(core_result(kl_core_FS_GetInfo(&cl, count + 10, 64, &name, &id, &rc), &rc));

    uint32_t h = 0;
    Retcode r = fs_open("hello.txt", &h);
    if (r == rcNotFound)
        r = fs_open("/hello.txt", &h);
    if (OT_RC(r, rcOk)) {
        static const char text[] = "hello from the Bastion ROMFS\n";
        kl_core_Types_Size size = 0;
        OT_RC(core_result(kl_core_FS_GetSize(&cl, H(h), &size, &rc), &rc), rcOk);
        OT_EQ(size, sizeof text - 1);
        uint32_t got = 0;
        struct idl_seq data = {0};
        if (OT_RC(core_result(kl_core_FS_Read(&cl, H(h), 0, &got, &data, &rc), &rc), rcOk)) {
            OT_EQ(got, sizeof text - 1);
            OT_TRUE(data.count >= got && memcmp(data.data, text, sizeof text - 1) == 0);
        }
        Retcode past = core_result(kl_core_FS_Read(&cl, H(h), 1000, &got, &data, &rc), &rc);
        OT_TRUE(past != rcOk || got == 0); /* past the end: nothing */
        OT_RC(core_result(kl_core_FS_GetId(&cl, H(h), &id, &rc), &rc), rcOk);
        OT_RC(core_result(kl_core_FS_Close(&cl, H(h), &rc), &rc), rcOk);
        OT_FAILS(core_result(kl_core_FS_Close(&cl, H(h), &rc), &rc));
    }
    OT_RC(fs_open("no/such/file", &h), rcNotFound);
    OT_FAILS(core_result(kl_core_FS_GetSize(&cl, H(BAD_HANDLE), &fs_size, &rc), &rc));

    /* A file the kernel makes: the PCI table, by its exact path only, read like any other. */
    if (OT_RC(fs_open(BASTION_PCI_TABLE_PATH, &h), rcOk)) {
        kl_core_Types_Size size = 0;
        OT_RC(core_result(kl_core_FS_GetSize(&cl, H(h), &size, &rc), &rc), rcOk);
        OT_TRUE(size > sizeof(struct bastion_pci_table_header) &&
                (size - sizeof(struct bastion_pci_table_header)) %
                        sizeof(struct bastion_pci_record) ==
                    0);
        uint32_t got = 0;
        struct idl_seq data = {0};
        struct bastion_pci_table_header th = {0};
        if (OT_RC(core_result(kl_core_FS_Read(&cl, H(h), 0, &got, &data, &rc), &rc), rcOk) &&
            OT_TRUE(got >= sizeof th && data.count >= got)) {
            memcpy(&th, data.data, sizeof th);
            OT_EQ(th.magic, BASTION_PCI_TABLE_MAGIC);
            OT_EQ(sizeof th + (uint64_t)th.count * th.record_size, size);
        }
        OT_RC(core_result(kl_core_FS_GetId(&cl, H(h), &id, &rc), &rc), rcOk);
        OT_TRUE(id >> 63); /* never a ROMFS file's id */
        OT_RC(core_result(kl_core_FS_Close(&cl, H(h), &rc), &rc), rcOk);
    }
    struct pci_table *pci = malloc(sizeof *pci);
    if (OT_TRUE(pci != NULL)) {
        OT_RC(pci_table_read(pci), rcOk);
        OT_TRUE(pci->count > 0); /* the host bridge at least */
        free(pci);
    }
    OT_RC(fs_open(BASTION_PCI_TABLE_PATH "/x", &h), rcNotFound);
    OT_RC(fs_open("/.kernel", &h), rcNotFound);
}

int main(void)
{
    ot_begin("os_core");
    vmm();
    thread();
    handle();
    task();
    sync();
    hal();
    fs();
    /* Last: FreeSelfEnv releases the start-up data (argv and envp are not used after this). */
    {
        CL(task_Task, CORE_MSG_SMALL);
        OT_RC(core_result(kl_core_Task_FreeSelfEnv(&cl, &rc), &rc), rcOk);
    }
    /* Exit: the process ends with Task.Exit from exit() via main's return (Einit reports it). */
    return ot_end();
}
