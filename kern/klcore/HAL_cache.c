/*
 * kl.core.HAL.FlushCache: writes back and invalidates the cache lines of a range of the
 * caller's memory (CLFLUSHOPT where the CPU has it, else CLFLUSH), or, with va 0 and size 0,
 * the whole cache (WBINVD).
 *
 * A range: at most FLUSH_RANGE_MAX bytes (rcOutOfRange past it, or when va + size wraps), all
 * in the caller's user half (rcInvalidArgument for a kernel address) and every page in one of
 * its regions (rcNotFound otherwise). The lines are flushed through the kernel's direct map of
 * the pages the range resolves to, with the caller's space locked (mm/aspace.h): x86 caches
 * are tagged by physical address, so this is the same flush, and it cannot fault whatever the
 * caller's other threads unmap meanwhile. Pages not backed yet have nothing cached: skipped.
 * The cache type does not change what x86 does: CLFLUSH removes the line from every cache of
 * the coherence domain, instruction caches included.
 *
 * The whole cache: WBINVD stalls the CPU that runs it while every dirty line goes to memory
 * (milliseconds on a large cache, with interrupts held off), so a process calling it in a loop
 * would take that CPU from everyone. Two things bound it: the policy (a solution grants
 * FlushCache to the drivers that need it, and can tell range flushes from whole-cache ones by
 * `message.size`), and a per-process rate limit here, at most FLUSH_ALL_PER_SECOND whole-cache
 * flushes per second per process (rcRateLimited for the others). WBINVD acts on the caches of
 * the CPU that runs it and the caches that CPU shares; another CPU's private caches are not
 * flushed (the kernel has no cross-CPU call yet).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "klcore/HAL.h"
#include "klcore/klcore.h"
#include "mm/aspace.h"
#include "proc/process.h"

#define FLUSH_RANGE_MAX (1024u * 1024u) /* bytes of one range flush: the lock is held meanwhile */
#define FLUSH_ALL_PER_SECOND 100u

#define CPUID1_EDX_CLFSH (1u << 19)
#define CPUID7_EBX_CLFLUSHOPT (1u << 23)

enum flush_insn { FLUSH_UNKNOWN = 0, FLUSH_CLFLUSHOPT, FLUSH_CLFLUSH, FLUSH_NONE };

struct flush_how {
    enum flush_insn insn;
    uint32_t line; /* bytes */
};

/* CPUID once; every CPU of the machine is assumed alike (arch/x86_64/cpu.h). A race between
 * two first callers writes the same values. */
static struct flush_how flush_how(void)
{
    static struct flush_how how;
    if (__atomic_load_n(&how.insn, __ATOMIC_ACQUIRE) != FLUSH_UNKNOWN)
        return how;
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    struct flush_how h = {FLUSH_NONE, ((b >> 8) & 0xff) * 8};
    if (d & CPUID1_EDX_CLFSH) {
        h.insn = FLUSH_CLFLUSH;
        uint32_t max;
        cpuid(0, 0, &max, &b, &c, &d);
        if (max >= 7) {
            cpuid(7, 0, &a, &b, &c, &d);
            if (b & CPUID7_EBX_CLFLUSHOPT)
                h.insn = FLUSH_CLFLUSHOPT;
        }
    }
    if (h.line == 0)
        h.line = 64;
    how.line = h.line;
    __atomic_store_n(&how.insn, h.insn, __ATOMIC_RELEASE);
    return h;
}

static void flush_piece(void *kva, size_t len, void *arg)
{
    const struct flush_how *h = arg;
    uintptr_t a = (uintptr_t)kva & ~(uintptr_t)(h->line - 1), end = (uintptr_t)kva + len;
    for (; a < end; a += h->line) {
        if (h->insn == FLUSH_CLFLUSHOPT)
            __asm__ volatile("clflushopt (%0)" ::"r"(a) : "memory");
        else
            __asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
    }
}

/* True when p may flush the whole cache now; takes its slot. */
static bool flush_all_allowed(struct process *p)
{
    uint64_t now = tsc_read(), interval = tsc_hz() / FLUSH_ALL_PER_SECOND;
    uint64_t last = __atomic_load_n(&p->flush_all_tsc, __ATOMIC_RELAXED);
    if (last != 0 && now - last < interval)
        return false;
    return __atomic_compare_exchange_n(&p->flush_all_tsc, &last, now, false, __ATOMIC_RELAXED,
                                       __ATOMIC_RELAXED);
}

static Retcode flush(struct process *p, kl_core_HAL_CacheType type, uint64_t va, uint64_t size)
{
    if (type != kl_core_HAL_CacheData && type != kl_core_HAL_CacheInstruction &&
        type != kl_core_HAL_CacheUnified)
        return rcInvalidArgument;
    if (size == 0) {
        if (va != 0)
            return rcInvalidArgument;
        if (!flush_all_allowed(p))
            return rcRateLimited;
        __asm__ volatile("wbinvd" ::: "memory");
        return rcOk;
    }
    if (size > FLUSH_RANGE_MAX || va + size < va)
        return rcOutOfRange;
    struct flush_how h = flush_how();
    if (h.insn == FLUSH_NONE)
        return rcNotSupported;
    Retcode rc = aspace_each_resident(p->as, va, size, flush_piece, &h);
    /* CLFLUSHOPT is ordered only by a fence; the caller's next step (starting a device's DMA)
     * must see memory written back. */
    __asm__ volatile("mfence" ::: "memory");
    return rc;
}

Retcode hal_flush_cache(void *ctx, kl_core_HAL_CacheType type, kl_core_Types_VirtAddr va,
                        kl_core_Types_Size size, kl_core_Types_Retcode *rc)
{
    struct core_ctx *c = ctx;
    *rc = flush(c->proc, type, va, size);
    return rcOk;
}
