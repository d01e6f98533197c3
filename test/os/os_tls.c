/*
 * os_tls (class ostest.Tls): thread-local storage of a user program, end to end. The program
 * has a PT_TLS segment (the variables below), which Einit's loader checks and accepts; crt0
 * builds the main thread's block and libc one per thread (<user/tls.h>, layout in
 * <bastion/tls.h>). It checks:
 *
 *   - the main thread sees the initial values (.tdata) and zeroes (.tbss), a 64-byte aligned
 *     variable is 64-byte aligned, and every variable lies in [tp - offset, tp);
 *   - %fs:0 holds the thread pointer itself (the ABI's self pointer, which `&var` reads);
 *   - threads each get their own copy: each starts from the template (not from what the main
 *     thread wrote), writes its own values, waits for the others to write theirs, and finds its
 *     own unchanged; the main thread's copy is untouched by theirs;
 *   - no block is leaked: after many create/join rounds only the main thread's block is live;
 *   - Thread.SetTls to a kernel-half or non-canonical address is refused with rcInvalidArgument
 *     and leaves the thread's own TLS in place, and a bystander (the probe server, another
 *     process) is still served afterwards.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/thread.h>
#include <user/tls.h>

#include "ostest.h"

#define NTHREADS 4u
#define ROUNDS 64u
#define KERNEL_VA 0xFFFF800000100000ull     /* the kernel half */
#define NON_CANONICAL 0x0000800000000000ull /* the first address past the user half */
#define NON_CANONICAL_HIGH 0x8000000000000000ull

static __thread uint64_t tdata_u64 = 0x1122334455667788ull;
static __thread char tdata_str[16] = "tls-template";
static __thread int tbss_int;
static _Thread_local uint8_t tbss_bytes[300];
static __thread _Alignas(64) uint64_t aligned64[4] = {1, 2, 3, 4};
static __thread _Alignas(64) uint32_t aligned64_bss;

/* Threads meet here so that each writes before any checks. */
static volatile uint32_t written;

static uint64_t fs0(void)
{
    uint64_t v;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(v));
    return v;
}

/* Bit per check that failed; 0 when the copy is the template's. */
static int template_values(void)
{
    int bad = 0;
    if (tdata_u64 != 0x1122334455667788ull)
        bad |= 1;
    if (strcmp(tdata_str, "tls-template") != 0)
        bad |= 2;
    if (tbss_int != 0 || aligned64_bss != 0)
        bad |= 4;
    for (unsigned i = 0; i < sizeof tbss_bytes; i++)
        if (tbss_bytes[i] != 0)
            bad |= 8;
    for (unsigned i = 0; i < 4; i++)
        if (aligned64[i] != i + 1)
            bad |= 16;
    if ((uintptr_t)&aligned64 % 64 != 0 || (uintptr_t)&aligned64_bss % 64 != 0)
        bad |= 32;
    uint64_t tp = fs0();
    struct tls_template t;
    if (!tls_template(&t)) {
        bad |= 64;
    } else {
        uint64_t lo = tp - bastion_tls_offset(t.mem_size, t.align);
        uint64_t vars[6] = {(uintptr_t)&tdata_u64, (uintptr_t)tdata_str, (uintptr_t)&tbss_int,
                            (uintptr_t)tbss_bytes, (uintptr_t)aligned64, (uintptr_t)&aligned64_bss};
        for (int i = 0; i < 6; i++)
            if (vars[i] < lo || vars[i] >= tp)
                bad |= 128;
    }
    /* The self pointer: %fs:0 is the TCB's address, which is the FS base. */
    if (tls_current() == NULL || tls_current()->self != tp || tp % 64 != 0)
        bad |= 256;
    return bad;
}

static int worker(void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    int bad = template_values(); /* a fresh copy, not the main thread's */
    tdata_u64 = 0xabc0 + id;
    tbss_int = (int)id * 10;
    aligned64[0] = id << 32;
    aligned64_bss = (uint32_t)id;
    tbss_bytes[id] = (uint8_t)id;
    snprintf(tdata_str, sizeof tdata_str, "thread %u", (unsigned)id);
    __atomic_add_fetch(&written, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 1000 && __atomic_load_n(&written, __ATOMIC_SEQ_CST) < NTHREADS; i++)
        core_thread_sleep(2);
    char want[16];
    snprintf(want, sizeof want, "thread %u", (unsigned)id);
    if (tdata_u64 != 0xabc0 + id || tbss_int != (int)id * 10 || aligned64[0] != id << 32 ||
        aligned64_bss != (uint32_t)id || tbss_bytes[id] != (uint8_t)id ||
        strcmp(tdata_str, want) != 0)
        bad |= 512;
    return bad;
}

static int nothing(void *arg)
{
    tbss_int = (int)(uintptr_t)arg; /* touches its block */
    return 0;
}

static void threads_own_copies(void)
{
    /* The main thread writes its own copy first: no thread may start from it. */
    tdata_u64 = 0xdeadbeefull;
    tbss_int = -1;
    strcpy(tdata_str, "main");
    struct thread t[NTHREADS];
    bool started[NTHREADS] = {false};
    written = 0;
    for (uint32_t i = 0; i < NTHREADS; i++)
        started[i] = OT_RC(
            thread_create(&t[i], worker, (void *)(uintptr_t)(i + 1), THREAD_PRIO_DEFAULT, 0), rcOk);
    for (uint32_t i = 0; i < NTHREADS; i++) {
        int code = -1;
        if (started[i] && OT_RC(thread_join(&t[i], 10000, &code), rcOk))
            OT_EQ(code, 0);
    }
    OT_EQ(tdata_u64, 0xdeadbeefull);
    OT_EQ(tbss_int, -1);
    OT_TRUE(strcmp(tdata_str, "main") == 0);
    OT_EQ(aligned64[0], 1);
    OT_EQ(aligned64_bss, 0);
}

static void no_leak(void)
{
    OT_EQ(tls_blocks_live(), 1); /* the main thread's */
    uint32_t ok = 0;
    for (uint32_t i = 0; i < ROUNDS; i++) {
        struct thread t;
        int code = -1;
        if (thread_create(&t, nothing, (void *)(uintptr_t)i, THREAD_PRIO_DEFAULT, 0) == rcOk &&
            thread_join(&t, 10000, &code) == rcOk && code == 0)
            ok++;
    }
    OT_EQ(ok, ROUNDS);
    OT_EQ(tls_blocks_live(), 1);
}

static Retcode set_tls(uint64_t va)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_Thread_SetTls(&cl, va, &rc), &rc);
}

static void set_tls_outside_user_half(void)
{
    uint64_t tp = fs0();
    bool ok = OT_RC(set_tls(KERNEL_VA), rcInvalidArgument);
    ok &= OT_RC(set_tls(NON_CANONICAL), rcInvalidArgument);
    ok &= OT_RC(set_tls(NON_CANONICAL_HIGH), rcInvalidArgument);
    /* Nothing changed: the same block, the same values. */
    ok &= OT_EQ(fs0(), tp);
    ok &= OT_EQ(tdata_u64, 0xdeadbeefull);
    ok &= ot_bystander_served();
    if (ok)
        printf("os_tls: Thread.SetTls outside the user half: refused, own TLS kept, bystander "
               "served\n");
}

int main(void)
{
    ot_begin("os_tls");
    int bad = template_values();
    if (!OT_EQ(bad, 0))
        printf("os_tls: main thread's TLS: failed checks 0x%x\n", (unsigned)bad);
    threads_own_copies();
    no_leak();
    set_tls_outside_user_half();
    return ot_end();
}
