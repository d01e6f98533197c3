/*
 * os_fuzz: the in-OS kernel fuzzer. Several threads make random core calls (any endpoint and
 * method of kl.core.Core, the request built from the method's generated description so that
 * most calls pass validation and reach the handler, now and then mutated) and raw system calls
 * (any number, handles, pointers that are unmapped, in the kernel half, non-canonical,
 * misaligned or crossing into an unmapped page, any lengths). The main thread meanwhile calls a
 * bystander server (os_probe_server) every few milliseconds: it must be served throughout.
 *
 * Arguments: [--name N] [--seed S] [--calls N] [--threads T] [--seconds S]; the kernel parameters
 * fuzz.calls and fuzz.seconds (HAL.GetEnv, set by scripts/fuzz) override them, and fuzz.seed
 * is added to the seed.
 * N names the result line. --calls 0 runs until --seconds have passed. The same seed makes the same choices on each
 * thread (the interleaving of threads is the scheduler's).
 *
 * The fuzzer must not end itself by what it asks (that would prove nothing about the kernel):
 * guard() below skips Task.Exit, Thread.Exit, Thread.Suspend and PM.Request (power-off, reboot)
 * and PM.SetCpusOnline (taking CPUs away from the whole image), ending or re-prioritising its
 * own threads, closing, revoking or moving the handles it lives on, and any VMM change to a
 * range that is not inside its own arena; sleeps and waits (Notice.GetEvent's, CM.Connect's and
 * Listen's, Profiler.SamplingRead's too) are cut to a few milliseconds, and raw calls always carry
 * a timeout and never write into memory the fuzzer uses (nor do SamplingRead and KcovStop).
 *
 * Kernel coverage (--kcov count|guided, only on the coverage kernel kernel-kcov.elf;
 * docs/coverage.md): every worker makes core calls only, each between KcovStart and KcovStop,
 * and adds the kernel PCs it reached to one shared set (fuzz_kcov.c). `count` makes the random
 * calls above and only counts; `guided` keeps each request that reached a PC never seen before
 * in the worker's corpus and, most of the time, runs a kept request again, mutated (its bytes,
 * or the same method with new arguments) instead of a new random one. Both print
 * "<name>: kernel coverage: N PCs, M inputs kept". The Kcov methods themselves are never
 * fuzzed in this mode (a fuzzed KcovStop or KcovFree would end the fuzzer's own collection).
 *
 * Result: "<argv[0]>: N passed, M failed", with the calls made and calls per second before it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/syscall.h>
#include <user/thread.h>
#include <user/vmm.h>

#include "fuzz_kcov.h"
#include "fuzz_msg.h"
#include "kcov_calls.h"
#include "ostest.h"
#include "ostest/ProbeServer.edl.h"

#define MSG_CAP 8192u
#define MAX_WORKERS 8u
#define ARENA_SIZE (64ull << 20)
#define ARENA_KEEP (1ull << 20) /* the committed start of the arena: never changed by a fuzz call */
#define USER_TOP 0x0000800000000000ull
#define ZONE_SIZE (128u << 10)
#define JUNK_AT (64u << 10) /* the junk half of a worker's zone */

/* ---- shared state (written by main before the workers start, read-only after) ---- */

static const char *result_name = "os_fuzz";
static uint64_t seed = 1, target_calls = 20000, seconds_limit;
static uint32_t nworkers = 3;
static uint32_t core, probe_handle;
static uint64_t arena_lo, arena_hi; /* the fuzzer's own reserved range: VMM changes go here */
static uint64_t ticks_per_ms = 1;
static uint64_t start_tsc, deadline_tsc;
static uint32_t essential[MAX_WORKERS + 4];
static uint32_t nessential;
static uint32_t protected_tid[MAX_WORKERS + 1];
static uint32_t nprotected;

/* Kernel coverage mode (--kcov): 0 off, KCOV_COUNT random calls counted, KCOV_GUIDED guided. */
enum { KCOV_OFF, KCOV_COUNT, KCOV_GUIDED };
static int kcov_mode;
#define KCOV_POINTS 4096u /* PCs a call: more are dropped by the kernel (docs/coverage.md) */
static volatile uint64_t inputs_kept;

static volatile uint64_t calls_made, calls_core, calls_raw, calls_ptr, calls_skipped;
static volatile int stop;
static volatile int go; /* set once every worker's handle and tid are known */

struct worker {
    struct thread th;
    struct fz_rng rng;
    struct fz_pools pools;
    uint64_t cross;  /* a committed page whose next page is unmapped */
    uint64_t zone;   /* this worker's 128 KiB of the arena's committed MiB:
                                         * 64 KiB for requests, 64 KiB of random bytes (junk) */
    uint64_t jcross; /* like cross, full of random bytes */
    _Alignas(8) uint8_t req[MSG_CAP];
    _Alignas(8) uint8_t res[MSG_CAP];
    /* What it is doing now, for the report of a worker that does not end: the kind of call
     * ('c' core, 'r' raw, 'p' pointer), and the system-call number or the request's endpoint
     * and method. Written by the worker, read by main only after a join timed out. */
    volatile char doing;
    volatile uint64_t doing_a, doing_b;
    volatile uint64_t calls;
    uint64_t pcs[KCOV_POINTS]; /* one call's kernel PCs (kcov mode) */
    struct fz_corpus corpus;   /* inputs that reached new PCs (guided mode) */
};
static struct worker workers[MAX_WORKERS];

int main(int argc, char **argv);

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static uint64_t elapsed_ms(void)
{
    return (rdtsc() - start_tsc) / ticks_per_ms;
}

/* ---- what the fuzzer must not do to itself ---- */

static bool is_essential(uint32_t h)
{
    for (uint32_t i = 0; i < nessential; i++)
        if (essential[i] == h)
            return true;
    return false;
}

/* The handle's thread is one the fuzzer runs on (asked of the kernel: copies have other values). */
static bool is_own_thread(uint32_t h)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    struct kl_core_Thread_ThreadInfo info;
    kl_core_Types_Retcode rc = rcFail;
    if (core_result(kl_core_Thread_GetInfo(&cl, core_handle_arg(h), &info, &rc), &rc) != rcOk)
        return false;
    for (uint32_t i = 0; i < nprotected; i++)
        if (protected_tid[i] == info.tid)
            return true;
    return false;
}

/* A VMM range the fuzzer may change: inside its arena past the first ARENA_KEEP bytes (the
 * workers' zones live there), or one the kernel must refuse whatever
 * it is (starts in the kernel half or past the canonical hole, or wraps around). */
static bool range_ok(uint64_t va, uint64_t size)
{
    if (va >= USER_TOP || va + size < va)
        return true;
    return va >= arena_lo + ARENA_KEEP && va + size <= arena_hi;
}

static const struct idl_method_desc *method_of(uint32_t ep, uint32_t mid)
{
    if (ep >= kl_core_Core_ENDPOINT_COUNT)
        return NULL;
    const struct idl_interface_desc *i = kl_core_Core_endpoints[ep].iface;
    for (uint32_t k = 0; i != NULL && k < i->nmethods; k++)
        if (idl_iface_methods(i)[k].id == mid)
            return &idl_iface_methods(i)[k];
    return NULL;
}

static void clamp_ms(uint8_t *msg, const struct idl_method_desc *m, const char *name)
{
    const struct idl_param_desc *p = fz_param(m, name);
    if (p != NULL)
        fz_write_plain(msg, p, 1 + fz_read_plain(msg, p) % 5);
}

/* The entry of the threads random Thread.Create calls start (the C library's trampoline is
 * private to it): context is the C function, context2 its argument, as in thread.c. */
__asm__(".text\n"
        ".type fz_thread_entry, @function\n"
        "fz_thread_entry:\n"
        "    mov 8(%rsp), %rsi\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call fz_thread_start\n"
        "    ud2\n"
        ".size fz_thread_entry, . - fz_thread_entry\n");
extern const char fz_thread_entry[] __attribute__((visibility("hidden")));

__attribute__((noreturn, used)) void fz_thread_start(thread_fn fn, void *arg)
{
    thread_exit(fn(arg));
}

static int fz_child_thread(void *arg)
{
    return (int)(uintptr_t)arg;
}

/* Returns false when msg (len bytes, about to go to the kernel handle) must not be sent;
 * may also make it harmless in place (short timeouts, a thread entry that exists). A message
 * that does not validate is always sent: the kernel refuses it with the same validator. */
static bool guard(uint8_t *msg, size_t len)
{
    if (len < IDL_HEADER_SIZE)
        return true;
    uint32_t ep, mid;
    memcpy(&ep, msg, 4);
    memcpy(&mid, msg + 4, 4);
    if (kcov_mode != KCOV_OFF && ep == kl_core_Core_EP_profiler_Profiler &&
        (mid == kl_core_Profiler_KcovAlloc_MID || mid == kl_core_Profiler_KcovStart_MID ||
         mid == kl_core_Profiler_KcovStop_MID || mid == kl_core_Profiler_KcovFree_MID))
        return false;
    const struct idl_method_desc *m = method_of(ep, mid);
    if (m == NULL || idl_validate(m, IDL_PART_REQUEST, msg, len) != IDL_OK)
        return true;
    const struct idl_param_desc *p;
    switch (ep) {
    case kl_core_Core_EP_task_Task:
        if (mid == kl_core_Task_Exit_MID)
            return false;
        if (mid == kl_core_Task_TransferHandle_MID && (p = fz_param(m, "srcHandle")) != NULL &&
            is_essential(fz_read_handle(msg, p)))
            return false;
        return true;
    case kl_core_Core_EP_thread_Thread:
        switch (mid) {
        case kl_core_Thread_Exit_MID:
        case kl_core_Thread_Suspend_MID:
            return false;
        case kl_core_Thread_Terminate_MID:
            return !is_own_thread(fz_read_handle(msg, fz_param(m, "thread")));
        case kl_core_Thread_SetPriority_MID: {
            /* Out-of-range values stay (the kernel must refuse them); a real-time priority on
             * a thread of its own would let the fuzzer starve the bystander it checks. */
            p = fz_param(m, "priority");
            uint64_t prio = fz_read_plain(msg, p);
            if (prio > THREAD_PRIO_DEFAULT && prio <= THREAD_PRIO_MAX)
                fz_write_plain(msg, p, THREAD_PRIO_DEFAULT);
            return true;
        }
        case kl_core_Thread_SetSchedPolicy_MID: {
            /* The same for the classes: a real-time class keeps only the real-time bandwidth's
             * 50 ms a second for everything else, which would starve the bystander check;
             * unknown classes stay (the kernel must refuse them). */
            p = fz_param(m, "policy");
            uint64_t pol = fz_read_plain(msg, p);
            if (pol == kl_core_Types_SchedPolicyFifo || pol == kl_core_Types_SchedPolicyRoundRobin)
                fz_write_plain(msg, p, kl_core_Types_SchedPolicyTimeshare);
            p = fz_param(m, "priority");
            uint64_t prio = fz_read_plain(msg, p);
            if (prio > THREAD_PRIO_DEFAULT && prio <= THREAD_PRIO_MAX)
                fz_write_plain(msg, p, THREAD_PRIO_DEFAULT);
            return true;
        }
        case kl_core_Thread_Create_MID:
            fz_write_plain(msg, fz_param(m, "routine"), (uint64_t)(uintptr_t)fz_thread_entry);
            fz_write_plain(msg, fz_param(m, "context"), (uint64_t)(uintptr_t)fz_child_thread);
            p = fz_param(m, "priority");
            if (fz_read_plain(msg, p) > THREAD_PRIO_DEFAULT &&
                fz_read_plain(msg, p) <= THREAD_PRIO_MAX)
                fz_write_plain(msg, p, THREAD_PRIO_DEFAULT);
            return true;
        case kl_core_Thread_Sleep_MID:
            clamp_ms(msg, m, "mdelay");
            return true;
        case kl_core_Thread_Wait_MID:
            clamp_ms(msg, m, "msec");
            return true;
        default:
            return true;
        }
    case kl_core_Core_EP_sync_Sync:
        if (mid == kl_core_Sync_Wait_MID)
            clamp_ms(msg, m, "delay");
        return true;
    case kl_core_Core_EP_ipc_IPC:
        /* SetInterrupt breaks every blocking Call of this process, the bystander's pings
         * (rcInterrupted) included: the fuzzer's own doing, not the kernel's fault. */
        return mid != kl_core_IPC_SetInterrupt_MID;
    case kl_core_Core_EP_notice_Notice:
        /* A receiver of its own that nothing raises on would hold a worker for ever. */
        if (mid == kl_core_Notice_GetEvent_MID)
            clamp_ms(msg, m, "mdelay");
        return true;
    case kl_core_Core_EP_handle_Handle:
        if (mid == kl_core_Handle_Close_MID || mid == kl_core_Handle_Revoke_MID ||
            mid == kl_core_Handle_RevokeSubtree_MID)
            return !is_essential(fz_read_handle(msg, fz_param(m, "handle")));
        return true;
    case kl_core_Core_EP_vmm_VMM:
        if (mid == kl_core_VMM_Free_MID || mid == kl_core_VMM_Decommit_MID ||
            mid == kl_core_VMM_Protect_MID || mid == kl_core_VMM_Commit_MID)
            return range_ok(fz_read_plain(msg, fz_param(m, "va")),
                            fz_read_plain(msg, fz_param(m, "size")));
        return true;
    case kl_core_Core_EP_hal_HAL:
        if (mid == kl_core_HAL_DebugWrite_MID) {
            /* Random bytes on the console would bury the log (and could start a line the
             * boot test reads): the kernel still checks the request, with nothing to print. */
            p = fz_param(m, "data");
            if (p == NULL)
                return false;
            uint32_t zero = 0;
            memcpy(msg + IDL_HEADER_SIZE + p->offset + 4, &zero, 4);
        }
        return true;
    case kl_core_Core_EP_cm_CM:
        /* A Connect or Listen nobody answers waits its whole msecs. */
        if (mid == kl_core_CM_Connect_MID || mid == kl_core_CM_Listen_MID)
            clamp_ms(msg, m, "msecs");
        return true;
    case kl_core_Core_EP_profiler_Profiler:
        /* SamplingRead waits for records up to its timeout, and it and KcovStop write where
         * they are told: never into the memory the fuzzer runs on. */
        if (mid == kl_core_Profiler_SamplingRead_MID) {
            clamp_ms(msg, m, "timeout");
            return range_ok(fz_read_plain(msg, fz_param(m, "unsafeBuffer")),
                            fz_read_plain(msg, fz_param(m, "size")));
        }
        if (mid == kl_core_Profiler_KcovStop_MID) {
            uint64_t n = fz_read_plain(msg, fz_param(m, "maxPoints"));
            return n < (1ull << 40) && range_ok(fz_read_plain(msg, fz_param(m, "points")), n * 8);
        }
        return true;
    case kl_core_Core_EP_pm_PM:
        /* Power-off and reboot would end the run (the kernel does what it is asked; the
         * policy is what stops a program that should not), and so could taking CPUs away. */
        return mid != kl_core_PM_Request_MID && mid != kl_core_PM_SetCpusOnline_MID;
    default:
        return true;
    }
}

/* ---- the three kinds of call ---- */

static const uint32_t served_eps[] = {
    kl_core_Core_EP_vmm_VMM,   kl_core_Core_EP_thread_Thread, kl_core_Core_EP_handle_Handle,
    kl_core_Core_EP_task_Task, kl_core_Core_EP_sync_Sync,     kl_core_Core_EP_fs_FS,
    kl_core_Core_EP_hal_HAL,   kl_core_Core_EP_audit_Audit,
};

/* Points the string parameter `name` of the request in buf (len bytes, method m) at a copy of
 * text appended to its arena, when the method's arena bound allows; returns the new length. */
static size_t set_string(uint8_t *buf, size_t len, size_t cap, const struct idl_method_desc *m,
                         const char *name, const char *text)
{
    const struct idl_param_desc *p = fz_param(m, name);
    struct idl_header h;
    memcpy(&h, buf, sizeof h);
    size_t n = strlen(text) + 1;
    size_t arena_at = IDL_HEADER_SIZE + ((h.fixed_size + 7u) & ~7u) + 8u * h.handle_count;
    if (p == NULL || p->kind != IDL_KIND_STRING || len != arena_at + h.arena_size ||
        h.arena_size + n > m->part[IDL_PART_REQUEST].arena_max || len + n > cap)
        return len;
    memcpy(buf + len, text, n);
    uint32_t desc[2] = {h.arena_size, (uint32_t)n};
    memcpy(buf + IDL_HEADER_SIZE + p->offset, desc, sizeof desc);
    h.arena_size += (uint32_t)n;
    memcpy(buf, &h, sizeof h);
    return len + n;
}

/* A core request in w->req; returns its length. */
static size_t make_core_request(struct worker *w)
{
    struct fz_rng *r = &w->rng;
    uint32_t ep = fz_chance(r, 85)
                      ? served_eps[fz_below(r, sizeof served_eps / sizeof served_eps[0])]
                      : fz_below(r, kl_core_Core_ENDPOINT_COUNT + 2);
    size_t len = 0;
    const struct idl_interface_desc *i =
        ep < kl_core_Core_ENDPOINT_COUNT ? kl_core_Core_endpoints[ep].iface : NULL;
    if (i != NULL && i->nmethods != 0 && fz_chance(r, 97)) {
        const struct idl_method_desc *m = &idl_iface_methods(i)[fz_below(r, i->nmethods)];
        len = fz_gen_request(r, &w->pools, ep, m, w->req, sizeof w->req);
        /* Now and then a process from a program that exists, so that creation (ELF load,
         * address space, handles) and its undoing are fuzzed too, not only the refusals. */
        if (len != 0 && ep == kl_core_Core_EP_task_Task && m->id == kl_core_Task_Create_MID &&
            fz_chance(r, 40))
            len = set_string(w->req, len, sizeof w->req, m, "path", "os_probe_server");
    }
    if (len == 0) { /* an endpoint or method that does not exist */
        memset(w->req, 0, IDL_HEADER_SIZE);
        uint32_t mid = fz_below(r, 40);
        memcpy(w->req, &ep, 4);
        memcpy(w->req + 4, &mid, 4);
        len = IDL_HEADER_SIZE + fz_below(r, 64);
    }
    if (fz_chance(r, 12))
        len = fz_mutate(r, w->req, len, sizeof w->req);
    return len;
}

/* Learns from an answer: handles go to the pool, VMM.Allocate's region to the addresses. What
 * the pools cannot keep is given back (closed, freed), so that the run's own use of its quota
 * stays level and a rise in it points at the kernel. */
static void learn(struct worker *w, size_t res_len)
{
    fz_harvest_handles(&w->rng, &w->pools, w->res, res_len);
    for (uint32_t i = 0; i < w->pools.ndropped; i++)
        if (!is_essential(w->pools.dropped[i]))
            ot_close_handles(&w->pools.dropped[i], 1);
    w->pools.ndropped = 0;
    uint32_t ep, mid;
    memcpy(&ep, w->req, 4);
    memcpy(&mid, w->req + 4, 4);
    if (ep == kl_core_Core_EP_vmm_VMM && mid == kl_core_VMM_Allocate_MID &&
        res_len >= IDL_HEADER_SIZE + 8) {
        uint64_t va;
        memcpy(&va, w->res + IDL_HEADER_SIZE, 8);
        if (va == 0)
            return;
        if (w->pools.naddrs < FZ_ADDR_MAX)
            w->pools.addr[w->pools.naddrs++] = va;
        else { /* the size asked, rounded up to whole pages as the kernel reserved it */
            uint64_t size = fz_read_plain(w->req, fz_param(method_of(ep, mid), "size"));
            (void)core_vmm_free(va, (size + 4095) & ~4095ull);
        }
    }
}

static uint32_t pick_timeout(struct fz_rng *r)
{
    return 1 + fz_below(r, 20);
}

static void core_fuzz(struct worker *w)
{
    size_t len = make_core_request(w);
    if (!guard(w->req, len)) {
        __atomic_add_fetch(&calls_skipped, 1, __ATOMIC_RELAXED);
        return;
    }
    size_t cap = fz_chance(&w->rng, 85) ? sizeof w->res : fz_below(&w->rng, sizeof w->res);
    size_t res_len = 0;
    w->doing = 'c';
    Retcode rc = sys_call(core, w->req, len, w->res, cap, &res_len, pick_timeout(&w->rng));
    if (rc == rcOk)
        learn(w, res_len);
    __atomic_add_fetch(&calls_core, 1, __ATOMIC_RELAXED);
}

/* Memory the kernel may be asked to write into: none of it is memory the fuzzer lives on. */
static uint64_t pick_out_ptr(struct worker *w)
{
    struct fz_rng *r = &w->rng;
    switch (fz_below(r, 10)) {
    case 0:
        return 0;
    case 1:
        return 0x1000; /* unmapped, low */
    case 2:
        return 0xffffffff80000000ull + fz_below(r, 1u << 20); /* kernel image */
    case 3:
        return 0xffff800000000000ull +
               ((uint64_t)fz_below(r, 1u << 20) << 12); /* kernel direct map */
    case 4:
        return USER_TOP + fz_below(r, 4096); /* non-canonical */
    case 5:
        return 0x8000000000000000ull; /* non-canonical */
    case 6:
        return (uint64_t)(uintptr_t)main; /* read-only text */
    case 7:
        return w->cross + 4096 - fz_below(r, 256); /* crosses into an unmapped page */
    case 8:
        return w->zone + fz_below(r, ZONE_SIZE - 4096); /* its arena zone, misaligned too */
    default:
        return (uint64_t)(uintptr_t)w->res + fz_below(r, 8);
    }
}

/* Memory the kernel is asked to read as a message in a raw call. Only random bytes, never a
 * place that holds (parts of) requests guard() passed: a raw call on a copy of the kernel handle
 * could otherwise send a mixture of two such requests that no guard ever saw. */
static uint64_t pick_in_ptr(struct worker *w)
{
    struct fz_rng *r = &w->rng;
    switch (fz_below(r, 8)) {
    case 0:
        return w->jcross + 4096 - fz_below(r, 256); /* crosses into an unmapped page */
    case 1:
        return w->zone + JUNK_AT + fz_below(r, 4096); /* random bytes, misaligned too */
    case 2:
        return w->zone + JUNK_AT + 8 * fz_below(r, 512);
    default: {
        uint64_t p = pick_out_ptr(w);
        /* the unreadable and read-only places of pick_out_ptr (not its writable ones) */
        return (p >= w->zone && p < w->zone + ZONE_SIZE) ||
                       (p >= w->cross && p < w->cross + 4096) ||
                       (p >= (uint64_t)(uintptr_t)w->res &&
                        p < (uint64_t)(uintptr_t)w->res + sizeof w->res)
                   ? w->zone + JUNK_AT
                   : p;
    }
    }
}

static uint64_t pick_len(struct fz_rng *r)
{
    static const uint64_t edge[] = {
        0,    1, 23, 24, 25, 4095, 4096, 8192, 65536, 65537, 1u << 20, 0x7fffffffull, 0xffffffffull,
        ~0ull};
    return fz_chance(r, 50) ? edge[fz_below(r, sizeof edge / sizeof edge[0])] : fz_below(r, 9000);
}

/* A raw system call: any number, registers from the pointer, length and handle pools. Nothing
 * the kernel writes lands in memory the fuzzer uses, and every wait is bounded. */
static void raw_fuzz(struct worker *w)
{
    struct fz_rng *r = &w->rng;
    uint64_t nr = fz_chance(r, 80)   ? fz_below(r, SYS_COUNT)
                  : fz_chance(r, 50) ? fz_below(r, 64)
                                     : fz_next(r);
    uint64_t a0 = fz_chance(r, 30) ? fz_next(r) : fz_pick_handle(r, &w->pools);
    uint64_t a1 = pick_in_ptr(w), a2 = pick_len(r), a3 = fz_next(r), a4 = pick_len(r),
             a5 = fz_next(r);
    switch (nr) {
    case SYS_CALL:
        /* On the kernel handle the request is whatever lies at a1: the last answer, this
         * worker's arena zone (requests guard() passed), or memory the kernel cannot read;
         * never another worker's memory, which could be half of a different request. */
        a3 = pick_out_ptr(w);
        a5 = pick_timeout(r);
        break;
    case SYS_RECV:
        a1 = pick_out_ptr(w);
        a3 = pick_timeout(r);
        break;
    case SYS_REPLY:
        a0 = fz_chance(r, 50) ? fz_below(r, 1024) : fz_next(r); /* a token */
        break;
    case SYS_REPLY_RECV:
        a0 = fz_chance(r, 50) ? fz_below(r, 1024) : fz_next(r);
        a1 = pick_out_ptr(w);
        a3 = fz_pick_handle(r, &w->pools);
        a5 = pick_timeout(r);
        break;
    default:
        break;
    }
    w->doing = 'r';
    w->doing_a = nr;
    w->doing_b = a0;
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    uint64_t rax = nr, rdx = a2;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "D"(a0), "S"(a1)
                     : "rcx", "r11", "memory");
    __atomic_add_fetch(&calls_raw, 1, __ATOMIC_RELAXED);
}

/* A core request that passed guard(), sent from a place the kernel cannot fully read, or with
 * its answer going to a place the kernel cannot write, or with a length that lies. */
static void pointer_fuzz(struct worker *w)
{
    struct fz_rng *r = &w->rng;
    size_t len = make_core_request(w);
    if (!guard(w->req, len)) {
        __atomic_add_fetch(&calls_skipped, 1, __ATOMIC_RELAXED);
        return;
    }
    uint64_t req = (uint64_t)(uintptr_t)w->req;
    uint64_t send_len = len;
    w->doing = 'p';
    switch (fz_below(r, 4)) {
    case 0: { /* straddles into the unmapped page after w->cross */
        size_t keep = fz_below(r, (uint32_t)(len < USER_PAGE_SIZE ? len : USER_PAGE_SIZE) + 1);
        memcpy((void *)(uintptr_t)(w->cross + 4096 - keep), w->req, keep);
        req = w->cross + 4096 - keep;
        break;
    }
    case 1: /* a length that is not the message's */
        send_len = pick_len(r);
        if (send_len > sizeof w->req)
            send_len = len + fz_below(r, 16); /* stays within the buffer: only the kernel reads */
        /* A message guard() let through because it did not validate may validate at another
         * length (a Thread.Suspend of the worker itself, which nobody would resume): the guard
         * judges what is sent. */
        if (!guard(w->req, send_len)) {
            __atomic_add_fetch(&calls_skipped, 1, __ATOMIC_RELAXED);
            return;
        }
        break;
    case 2: /* misaligned copy in the arena */
        req = w->zone + 1 + fz_below(r, 4000);
        memcpy((void *)(uintptr_t)req, w->req, len);
        break;
    default:
        break;
    }
    size_t res_len;
    (void)sys_call(core, (const void *)(uintptr_t)req, send_len, (void *)(uintptr_t)pick_out_ptr(w),
                   pick_len(r), &res_len, pick_timeout(r));
    __atomic_add_fetch(&calls_ptr, 1, __ATOMIC_RELAXED);
}

/* Guided mode's next input: most of the time a kept one, mutated: its bytes (fz_mutate), or the
 * same endpoint and method with new arguments; otherwise a new random request. */
static size_t make_guided_request(struct worker *w)
{
    struct fz_rng *r = &w->rng;
    size_t len = fz_chance(r, 80) ? fz_corpus_pick(r, &w->corpus, w->req, sizeof w->req) : 0;
    if (len == 0)
        return make_core_request(w);
    uint32_t ep, mid;
    memcpy(&ep, w->req, 4);
    memcpy(&mid, w->req + 4, 4);
    const struct idl_method_desc *m = method_of(ep, mid);
    size_t fresh = 0;
    if (m != NULL && fz_chance(r, 50))
        fresh = fz_gen_request(r, &w->pools, ep, m, w->req, sizeof w->req);
    return fresh != 0 ? fresh : fz_mutate(r, w->req, len, sizeof w->req);
}

/* One core call between KcovStart and KcovStop; its PCs go to the shared set, and in guided
 * mode a request that reached a new PC is kept. */
static void kcov_fuzz(struct worker *w)
{
    size_t len = kcov_mode == KCOV_GUIDED ? make_guided_request(w) : make_core_request(w);
    if (!guard(w->req, len)) {
        __atomic_add_fetch(&calls_skipped, 1, __ATOMIC_RELAXED);
        return;
    }
    size_t res_len = 0;
    uint64_t npcs = 0;
    w->doing = 'k';
    uint32_t ep = 0, mid = 0;
    memcpy(&ep, w->req, 4);
    memcpy(&mid, w->req + 4, 4);
    w->doing_a = ep; /* the call's endpoint and method, for a worker that does not end */
    w->doing_b = mid;
    if (kcov_start() != rcOk)
        return;
    Retcode rc =
        sys_call(core, w->req, len, w->res, sizeof w->res, &res_len, pick_timeout(&w->rng));
    if (kcov_stop(w->pcs, KCOV_POINTS, &npcs) != rcOk)
        npcs = 0;
    if (rc == rcOk)
        learn(w, res_len);
    __atomic_add_fetch(&calls_core, 1, __ATOMIC_RELAXED);
    if (fz_pcset_add(w->pcs, npcs) != 0 && kcov_mode == KCOV_GUIDED &&
        fz_corpus_keep(&w->rng, &w->corpus, w->req, len))
        __atomic_add_fetch(&inputs_kept, 1, __ATOMIC_RELAXED);
}

static int worker_main(void *arg)
{
    struct worker *w = arg;
    while (!go)
        core_thread_sleep(1);
    for (uint64_t n = 0; !stop; n++) {
        uint64_t c = __atomic_add_fetch(&calls_made, 1, __ATOMIC_RELAXED);
        if (target_calls != 0 && c > target_calls)
            break;
        if ((n & 63) == 0 && deadline_tsc != 0 && rdtsc() > deadline_tsc)
            break;
        uint32_t k = fz_below(&w->rng, 100);
        w->calls++;
        if (kcov_mode != KCOV_OFF)
            kcov_fuzz(w);
        else if (k < 65)
            core_fuzz(w);
        else if (k < 88)
            raw_fuzz(w);
        else
            pointer_fuzz(w);
        w->doing = 0;
    }
    stop = 1;
    return 0;
}

/* ---- set-up ---- */

static uint64_t param_u64(const char *name, uint64_t dflt)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    const char *value = NULL;
    kl_core_Types_Retcode rc = rcFail;
    if (core_result(kl_core_HAL_GetEnv(&cl, name, &value, &rc), &rc) != rcOk || value == NULL ||
        value[0] == 0)
        return dflt;
    return strtoul(value, NULL, 0);
}

static Retcode vmm_call_allocate(uint64_t addr, uint64_t size, uint32_t flags, uint64_t *va)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_VMM_Allocate(&cl, addr, size, flags, va, &rc), &rc);
}

static Retcode vmm_call_free(uint64_t va, uint64_t size)
{
    CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    return core_result(kl_core_VMM_Free(&cl, va, size, &rc), &rc);
}

static uint32_t own_tid(uint32_t *handle)
{
    CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {0};
    struct kl_core_Thread_ThreadInfo info = {0};
    if (core_result(kl_core_Thread_OpenCurrent(&cl, &h, &rc), &rc) != rcOk)
        return 0;
    *handle = h.handle;
    CORE_CLIENT(cl2, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
    (void)core_result(kl_core_Thread_GetInfo(&cl2, h, &info, &rc), &rc);
    return info.tid;
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        uint64_t v = strtoul(argv[i + 1], NULL, 0);
        if (strcmp(argv[i], "--seed") == 0)
            seed = v;
        else if (strcmp(argv[i], "--calls") == 0)
            target_calls = v;
        else if (strcmp(argv[i], "--threads") == 0)
            nworkers = v < 1 ? 1 : v > MAX_WORKERS ? MAX_WORKERS : (uint32_t)v;
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds_limit = v;
        else if (strcmp(argv[i], "--name") == 0)
            result_name = argv[i + 1];
        else if (strcmp(argv[i], "--kcov") == 0)
            kcov_mode = strcmp(argv[i + 1], "guided") == 0  ? KCOV_GUIDED
                        : strcmp(argv[i + 1], "count") == 0 ? KCOV_COUNT
                                                            : KCOV_OFF;
    }
    /* fuzz.seed S makes each fuzzer's seed S + its own --seed, so two fuzzers never share one. */
    seed += param_u64("fuzz.seed", 0);
    target_calls = param_u64("fuzz.calls", target_calls);
    seconds_limit = param_u64("fuzz.seconds", seconds_limit);
    if (target_calls == 0 && seconds_limit == 0)
        seconds_limit = 10;
}

/* The bystander: one Echo round trip; *ms is how long it took. */
/* This process's own counters (Profiler.GetCounters "task.": RAM, kernel memory, page tables,
 * regions; zeros if refused): the progress line shows them, so a run that creeps toward its quota
 * says so, and what grows, long before a call is refused for it. */
static void own_counters(uint64_t v[4])
{
    uint32_t n = 0;
    memset(v, 0, 4 * sizeof *v);
    (void)ot_counters("task.", v, 4, &n);
}

static bool ping(struct idl_client *cl, uint32_t i, uint64_t *ms)
{
    uint8_t data[16];
    for (uint32_t k = 0; k < sizeof data; k++)
        data[k] = (uint8_t)(i + k);
    struct idl_seq back = {0};
    uint64_t served = 0, t0 = rdtsc();
    Retcode r =
        ostest_Probe_Echo(cl, (struct idl_seq){.data = data, .count = sizeof data}, &back, &served);
    *ms = (rdtsc() - t0) / ticks_per_ms;
    bool ok = r == rcOk && back.count == sizeof data && memcmp(back.data, data, sizeof data) == 0;
    /* A refused ping names its code (the first few): the count alone does not say whose fault. */
    static unsigned told;
    if (!ok && told < 5) {
        told++;
        printf("%s: bystander call %u not served: %s, %u bytes back\n", result_name, i,
               retcode_name(r), (unsigned)back.count);
    }
    return ok;
}

int main(int argc, char **argv)
{
    core = core_handle();
    parse_args(argc, argv);
    const char *name = result_name;
    ot_begin(name);

    /* TSC ticks per millisecond, for calls per second and the bystander's latency. */
    ticks_per_ms = start_tsc_per_ms();

    static _Alignas(8) uint8_t preq[512], pres[512];
    struct ipc_channel ch;
    struct idl_client pcl;
    if (!OT_RC(ipc_connect(&ch, "probe"), rcOk))
        return ot_end();
    ch.timeout_ms = 5000; /* a bystander that takes longer than this counts as not served */
    probe_handle = ch.handle;
    ipc_client_init(&pcl, &ch, ostest_ProbeServer_EP_probe, preq, sizeof preq, pres, sizeof pres);
    uint64_t ms;
    OT_TRUE(ping(&pcl, 0, &ms)); /* served before the fuzzing starts */

    if (!OT_RC(vmm_call_allocate(0, ARENA_SIZE, BASTION_VMM_READ | BASTION_VMM_WRITE, &arena_lo),
               rcOk))
        return ot_end();
    arena_hi = arena_lo + ARENA_SIZE;
    /* The first MiB of the arena is committed (the pointer tests copy requests there). */
    {
        CORE_CLIENT(cl, kl_core_Core_EP_vmm_VMM, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        if (!OT_RC(core_result(kl_core_VMM_Commit(&cl, arena_lo, ARENA_KEEP, 0, &rc), &rc), rcOk))
            return ot_end();
    }

    uint32_t main_thread = 0;
    protected_tid[nprotected++] = own_tid(&main_thread);
    essential[nessential++] = core;
    essential[nessential++] = probe_handle;
    essential[nessential++] = main_thread;

    for (uint32_t i = 0; i < nworkers; i++) {
        struct worker *w = &workers[i];
        w->rng.s = seed * 0x100000001b3ull + i;
        uint64_t two = 0, jtwo = 0;
        if (!OT_RC(vmm_call_allocate(0, 2 * USER_PAGE_SIZE,
                                     BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_COMMIT,
                                     &two),
                   rcOk) ||
            !OT_RC(vmm_call_free(two + USER_PAGE_SIZE, USER_PAGE_SIZE), rcOk) ||
            !OT_RC(vmm_call_allocate(0, 2 * USER_PAGE_SIZE,
                                     BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_COMMIT,
                                     &jtwo),
                   rcOk) ||
            !OT_RC(vmm_call_free(jtwo + USER_PAGE_SIZE, USER_PAGE_SIZE), rcOk))
            return ot_end();
        w->cross = two;
        w->jcross = jtwo;
        w->zone = arena_lo + (uint64_t)i * ZONE_SIZE;
        for (uint64_t k = 0; k < ZONE_SIZE - JUNK_AT; k += 8) {
            uint64_t v = fz_next(&w->rng);
            memcpy((void *)(uintptr_t)(w->zone + JUNK_AT + k), &v, 8);
        }
        for (uint64_t k = 0; k < USER_PAGE_SIZE; k += 8) {
            uint64_t v = fz_next(&w->rng);
            memcpy((void *)(uintptr_t)(w->jcross + k), &v, 8);
        }
        uint64_t addrs[] = {arena_lo,
                            arena_lo + (1u << 20),
                            arena_lo + (1u << 20) - 8,
                            arena_hi - USER_PAGE_SIZE,
                            two + USER_PAGE_SIZE - 4,
                            two + USER_PAGE_SIZE,
                            0x1000,
                            0xffffffff80000000ull,
                            0xffff800000000000ull,
                            USER_TOP,
                            (uint64_t)(uintptr_t)main,
                            (uint64_t)(uintptr_t)w->res};
        for (uint32_t k = 0; k < sizeof addrs / sizeof addrs[0]; k++)
            w->pools.addr[w->pools.naddrs++] = addrs[k];
        fz_pool_add_handle(&w->rng, &w->pools, core);
        fz_pool_add_handle(&w->rng, &w->pools, probe_handle);
        fz_pool_add_handle(&w->rng, &w->pools, main_thread);
    }

    /* One coverage buffer per worker; without one (not the coverage kernel) kcov mode is over. */
    if (kcov_mode != KCOV_OFF && !OT_RC(kcov_alloc(nworkers, KCOV_POINTS), rcOk))
        return ot_end();
    printf("%s: seed %llu, %u threads, %llu calls%s%llu s\n", name, (unsigned long long)seed,
           nworkers, (unsigned long long)target_calls, target_calls ? " or " : ", ",
           (unsigned long long)seconds_limit);
    start_tsc = rdtsc();
    deadline_tsc = seconds_limit ? start_tsc + seconds_limit * 1000 * ticks_per_ms : 0;
    /* Workers are created with their thread handles and tids known before any fuzzing (their
     * handles are essential, their threads protected), then released together. */
    stop = 0;
    uint32_t started = 0;
    for (uint32_t i = 0; i < nworkers; i++)
        if (OT_RC(thread_create(&workers[i].th, worker_main, &workers[i], THREAD_PRIO_DEFAULT, 0),
                  rcOk)) {
            protected_tid[nprotected++] = workers[i].th.tid;
            essential[nessential++] = workers[i].th.handle;
            started++;
        }
    /* Where everything is, so that a fault address in the kernel's log can be placed. */
    printf("%s: main tid %u, arena %#llx-%#llx\n", name, protected_tid[0],
           (unsigned long long)arena_lo, (unsigned long long)arena_hi);
    for (uint32_t i = 0; i < started; i++) {
        CORE_CLIENT(cl, kl_core_Core_EP_thread_Thread, CORE_MSG_SMALL);
        struct kl_core_Thread_ThreadInfo info = {0};
        kl_core_Types_Retcode rc = rcFail;
        (void)kl_core_Thread_GetInfo(&cl, core_handle_arg(workers[i].th.handle), &info, &rc);
        printf("%s: worker tid %u, stack %#llx+%#llx, cross %#llx, jcross %#llx\n", name,
               workers[i].th.tid, (unsigned long long)info.stackBase,
               (unsigned long long)info.stackSize, (unsigned long long)workers[i].cross,
               (unsigned long long)workers[i].jcross);
    }
    go = 1;

    uint64_t pings = 0, pings_ok = 0, slowest = 0, last_report = 0;
    while (!stop) {
        if (ping(&pcl, (uint32_t)pings, &ms))
            pings_ok++;
        pings++;
        if (ms > slowest)
            slowest = ms;
        core_thread_sleep(10);
        uint64_t now = elapsed_ms();
        if (now - last_report >= 5000) {
            last_report = now;
            uint64_t own[4];
            own_counters(own);
            printf("%s: %llu calls, %llu calls/s; own RAM %llu KiB, kernel memory %llu KiB, "
                   "%llu page tables, %llu regions\n",
                   name, (unsigned long long)calls_made,
                   (unsigned long long)(calls_made * 1000 / (now ? now : 1)),
                   (unsigned long long)(own[0] / 1024), (unsigned long long)(own[1] / 1024),
                   (unsigned long long)own[2], (unsigned long long)own[3]);
            if (kcov_mode != KCOV_OFF)
                printf("%s: kernel coverage so far: %llu PCs, %llu inputs kept\n", name,
                       (unsigned long long)fz_pcset_count(), (unsigned long long)inputs_kept);
        }
    }
    for (uint32_t i = 0; i < nworkers; i++) {
        int code = -1;
        if (!OT_RC(thread_join(&workers[i].th, 30000, &code), rcOk)) {
            struct worker *w = &workers[i];
            uint32_t ep = 0, mid = 0;
            memcpy(&ep, w->req, 4);
            memcpy(&mid, w->req + 4, 4);
            printf("%s: worker %u (tid %llu) did not end after %llu calls: in a %c call "
                   "(%llx %llx), its last request endpoint %u method %u\n",
                   name, i, (unsigned long long)w->th.tid, (unsigned long long)w->calls,
                   w->doing ? w->doing : '-', (unsigned long long)w->doing_a,
                   (unsigned long long)w->doing_b, ep, mid);
        }
    }
    uint64_t took = elapsed_ms();
    uint64_t made = calls_core + calls_raw + calls_ptr;
    printf("%s: seed %llu: %llu calls (%llu core, %llu raw, %llu pointer; %llu skipped to stay "
           "alive) in %llu ms, "
           "%llu calls/s\n",
           name, (unsigned long long)seed, (unsigned long long)made, (unsigned long long)calls_core,
           (unsigned long long)calls_raw, (unsigned long long)calls_ptr,
           (unsigned long long)calls_skipped, (unsigned long long)took,
           (unsigned long long)(made * 1000 / (took ? took : 1)));
    if (kcov_mode != KCOV_OFF) {
        printf("%s: kernel coverage: %llu PCs, %llu inputs kept\n", name,
               (unsigned long long)fz_pcset_count(), (unsigned long long)inputs_kept);
        OT_TRUE(fz_pcset_count() > 0);
        OT_RC(kcov_free(), rcOk);
    }
    OT_EQ(started, nworkers);
    if (target_calls != 0 && seconds_limit == 0)
        OT_TRUE(made + calls_skipped >= target_calls);

    /* The bystander, after all of it. */
    for (uint32_t i = 0; i < 3; i++) {
        if (ping(&pcl, (uint32_t)pings, &ms))
            pings_ok++;
        pings++;
    }
    printf("%s: bystander served %llu of %llu calls, slowest %llu ms\n", name,
           (unsigned long long)pings_ok, (unsigned long long)pings, (unsigned long long)slowest);
    OT_EQ(pings_ok, pings);
    return ot_end();
}
