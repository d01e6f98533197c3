/*
 * Self-tests of user mode (selftest=user): address spaces, demand-committed pages, user copies,
 * system calls from ring 3, fatal user faults, preemption and termination of a user busy loop,
 * the zeroed rest of a page the loader fills in part.
 */
#ifdef BASTION_TEST_HOOKS

#include "selftest/check.h"

#include <bastion/syscall.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/tsc.h"
#include "lib/string.h"
#include "mm/aspace.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/usercopy.h"
#include "proc/thread.h"
#include "sched/sched.h"

/* 1. Ring 3: SYS_NULL loop, unknown number, demand-committed data page, fatal fault. */
static const uint8_t user_code[] = {
    0x0f, 0x31,                       /* rdtsc */
    0x89, 0x47,     0x10,             /* mov [rdi + 16], eax */
    0x89, 0x57,     0x14,             /* mov [rdi + 20], edx */
    0xbb, 0xe8,     0x03, 0x00, 0x00, /* mov ebx, 1000 */
    0xb8, SYS_NULL, 0,    0,    0,    /* loop: mov eax, SYS_NULL */
    0x0f, 0x05,                       /* syscall */
    0x48, 0x85,     0xc0,             /* test rax, rax */
    0x75, 0x1e,                       /* jnz bad */
    0x48, 0xff,     0x07,             /* inc qword [rdi] */
    0xff, 0xcb,                       /* dec ebx */
    0x75, 0xed,                       /* jnz loop */
    0x0f, 0x31,                       /* rdtsc */
    0x89, 0x47,     0x18,             /* mov [rdi + 24], eax */
    0x89, 0x57,     0x1c,             /* mov [rdi + 28], edx */
    0xb8, 0x63,     0x00, 0x00, 0x00, /* mov eax, 99 */
    0x0f, 0x05,                       /* syscall */
    0x48, 0x89,     0x47, 0x08,       /* mov [rdi + 8], rax */
    0x31, 0xc0,                       /* xor eax, eax */
    0x88, 0x00,                       /* mov [rax], al: fatal page fault at 0 */
    0x0f, 0x0b,                       /* bad: ud2 */
};

static uint64_t read_user_u64(struct aspace *as, uint64_t va)
{
    uint64_t pa, flags;
    if (paging_query(aspace_root(as), va, &pa, &flags) != rcOk)
        return ~0ull;
    return *(uint64_t *)phys_to_virt(pa);
}

static void test_user_mode(void)
{
    struct aspace *as;
    CHECK(aspace_create(NULL, NULL, &as) == rcOk, "aspace_create");
    uint64_t code = 0, data = 0, stack = 0;
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &code) == rcOk, "rese"
                                                                                              "rve "
                                                                                              "cod"
                                                                                              "e");
    CHECK(aspace_reserve(as, 0, 8192, BASTION_VMM_READ | BASTION_VMM_WRITE, &data) == rcOk, "reserv"
                                                                                            "e "
                                                                                            "data");
    CHECK(aspace_reserve(as, 0, 16384, BASTION_VMM_READ | BASTION_VMM_WRITE, &stack) == rcOk, "rese"
                                                                                              "rve "
                                                                                              "stac"
                                                                                              "k");
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_WRITE | BASTION_VMM_EXECUTE,
                         &code) == rcWxViolation,
          "W+X refused");
    CHECK(aspace_write(as, code, user_code, sizeof user_code) == rcOk, "write code");
    CHECK(aspace_commit(as, data, 8192) == rcOk, "commit data");
    CHECK(aspace_commit(as, stack, 16384) == rcOk, "commit stack");
    CHECK(aspace_resident_pages(as) == 1, "only the code page is backed before the run (%lu)",
          (unsigned long)aspace_resident_pages(as));
    struct aspace_info info;
    CHECK(aspace_query(as, data + 4096, &info) == rcOk && info.base == data &&
              info.state == VR_COMMITTED,
          "query data region");

    /* Copy helpers, from a kernel thread borrowing the space. */
    struct thread *self = thread_current();
    struct aspace *saved = self->aspace;
    uint64_t f = cpu_irq_save();
    self->aspace = as;
    aspace_switch(as);
    cpu_irq_restore(f);
    uint64_t v = 0x1234;
    CHECK(copy_to_user(data + 16, &v, 8) == rcOk, "copy_to_user to a committed page (demand "
                                                  "fault)");
    uint64_t back = 0;
    CHECK(copy_from_user(&back, data + 16, 8) == rcOk && back == 0x1234, "copy_from_user back");
    CHECK(copy_from_user(&back, stack - 4096 * 16, 8) == rcInvalidArgument || stack < 4096 * 17,
          "copy_from_user of an unreserved page");
    CHECK(copy_from_user(&back, 0xFFFF800000000000ull, 8) == rcInvalidArgument, "copy_from_user of "
                                                                                "kernel memory");
    CHECK(copy_to_user(code, &v, 8) == rcInvalidArgument, "copy_to_user into read-only code");
    /* The same fault in the byte-wise tail of a copy (its `rep movsb`), alone and after
     * whole words. */
    CHECK(copy_to_user(code, &v, 3) == rcInvalidArgument, "a 3-byte copy_to_user into read-only "
                                                          "code");
    uint8_t eleven[11] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, got[11] = {0};
    CHECK(copy_to_user(data + 100, eleven, sizeof eleven) == rcOk &&
              copy_from_user(got, data + 100, sizeof got) == rcOk &&
              memcmp(got, eleven, sizeof got) == 0,
          "an 11-byte copy (a word and a 3-byte tail) both ways");
    v = 0;
    CHECK(copy_to_user(data + 16, &v, 8) == rcOk, "reset");
    f = cpu_irq_save();
    self->aspace = saved;
    aspace_switch(saved);
    cpu_irq_restore(f);

    uint64_t calls_before = syscall_count();
    struct thread *t;
    Retcode rc =
        thread_create_user_in(NULL, as, code, data, stack + 16384, THREAD_PRIO_DEFAULT, &t);
    CHECK(rc == rcOk, "thread_create_user_in: %s", retcode_name(rc));
    if (rc != rcOk)
        return;
    thread_start(t);
    int64_t exit_code = 0;
    rc = thread_wait(t, 30000 * MS, &exit_code);
    CHECK(rc == rcOk && exit_code == -1, "user thread killed by its fault: %s, code %ld",
          retcode_name(rc), (long)exit_code);
    thread_unref(t);
    uint64_t counter = read_user_u64(as, data);
    uint64_t bad = read_user_u64(as, data + 8);
    CHECK(counter == 1000, "1000 SYS_NULL calls returned rcOk in ring 3 (counter %lu)",
          (unsigned long)counter);
    CHECK((int64_t)bad == rcNotSupported, "unknown system call returned %ld", (long)(int64_t)bad);
    CHECK(syscall_count() - calls_before >= 1001, "system calls counted");
    uint64_t t0 = read_user_u64(as, data + 16), t1 = read_user_u64(as, data + 24);
    CHECK(t1 > t0, "TSC read in user mode");
    kprintf("selftest user: SYS_NULL round trip %lu TSC ticks (mean of 1000, from ring 3)\n",
            (unsigned long)((t1 - t0) / 1000));

    CHECK(aspace_decommit(as, data, 8192) == rcOk, "decommit data");
    CHECK(read_user_u64(as, data) == ~0ull, "decommitted page unmapped");
    CHECK(aspace_free(as, data, 8192) == rcOk, "free data");
    CHECK(aspace_query(as, data, &info) == rcOk && info.state == VR_FREE, "freed range is free");
    CHECK(aspace_commit(as, data, 4096) == rcNotFound, "commit of a freed range");
    uint64_t free_before = pmm_free_pages();
    aspace_destroy(as);
    CHECK(pmm_free_pages() > free_before, "destroy returned pages");
}

/* 2. A user busy loop is preempted by kernel threads on its CPU and can be terminated while it
 * runs; an invalid instruction kills only its thread. */
static const uint8_t user_spin[] = {0xeb, 0xfe}; /* jmp $ */
static const uint8_t user_ud[] = {0x0f, 0x0b};   /* ud2 */

struct ticker {
    volatile unsigned runs;
};

static void ticker_fn(void *arg)
{
    struct ticker *k = arg;
    for (unsigned i = 0; i < 5; i++) {
        sched_sleep_ns(5 * MS);
        k->runs++;
    }
    thread_exit(0);
}

static void test_user_preempt_terminate(void)
{
    struct aspace *as;
    CHECK(aspace_create(NULL, NULL, &as) == rcOk, "aspace_create");
    uint64_t spin = 0, ud = 0, stack = 0;
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &spin) == rcOk, "rese"
                                                                                              "rv"
                                                                                              "e");
    CHECK(aspace_reserve(as, 0, 4096, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &ud) == rcOk, "reserv"
                                                                                            "e");
    CHECK(aspace_reserve(as, 0, 8192, BASTION_VMM_READ | BASTION_VMM_WRITE, &stack) == rcOk, "reser"
                                                                                             "ve");
    CHECK(aspace_write(as, spin, user_spin, sizeof user_spin) == rcOk, "write spin");
    CHECK(aspace_write(as, ud, user_ud, sizeof user_ud) == rcOk, "write ud2");
    CHECK(aspace_commit(as, stack, 8192) == rcOk, "commit stack");
    unsigned cpu = percpu_count() > 2 ? 2 : 0;

    struct thread *t;
    CHECK(thread_create_user_in(NULL, as, spin, 0, stack + 8192, 1, &t) == rcOk, "create spinner");
    t->affinity = 1ull << cpu;
    thread_start(t);
    struct ticker k = {0};
    struct thread *kt = selftest_spawn("ticker", ticker_fn, &k, 20, 1ull << cpu, SCHED_NORMAL);
    CHECK(kt && selftest_join(kt) == 0 && k.runs == 5,
          "kernel thread ran beside a user busy loop (%u)", k.runs);
    for (unsigned tries = 0; tries < 100 && t->ticks_run == 0; tries++)
        sched_sleep_ns(100 * MS); /* a tick must find it running sooner or later */
    CHECK(t->state == THREAD_RUNNING || t->state == THREAD_READY, "spinner still alive (%d)",
          t->state);
    CHECK(t->ticks_run > 0, "spinner got CPU time");
    CHECK(thread_terminate(t, 5) == rcOk, "terminate");
    int64_t code = 0;
    Retcode rc = thread_wait(t, 30000 * MS, &code);
    CHECK(rc == rcOk && code == 5, "terminated spinner: %s, code %ld", retcode_name(rc),
          (long)code);
    thread_unref(t);

    CHECK(thread_create_user_in(NULL, as, ud, 0, stack + 8192, THREAD_PRIO_DEFAULT, &t) == rcOk,
          "create ud2");
    thread_start(t);
    rc = thread_wait(t, 30000 * MS, &code);
    CHECK(rc == rcOk && code == -1, "ud2 killed its thread: %s, code %ld", retcode_name(rc),
          (long)code);
    thread_unref(t);
    aspace_destroy(as);
}

/* 3. A page aspace_write fills in part (a segment's last page, the start block) gets a frame of
 * which only the written bytes are not zeroed first: the rest must read zero though the frame
 * comes back dirty from the hot list (its last freed frames are taken first). */
static bool only_bytes_at(uint64_t pa, size_t off, const char *bytes, size_t n)
{
    const uint8_t *p = phys_to_virt(pa);
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (i >= off && i < off + n ? p[i] != (uint8_t)bytes[i - off] : p[i] != 0)
            return false;
    return true;
}

static void test_partial_write_zeroes_rest(void)
{
    uint64_t dirty[8];
    for (unsigned i = 0; i < 8; i++) {
        dirty[i] = pmm_alloc(0);
        CHECK(dirty[i] != 0, "a frame to dirty");
        memset(phys_to_virt(dirty[i]), 0xa5, PAGE_SIZE);
    }
    for (unsigned i = 0; i < 8; i++)
        pmm_free(dirty[i], 0);
    struct aspace *as;
    uint64_t data = 0, pa, flags;
    static const char msg[] = "partly written";
    CHECK(aspace_create(NULL, NULL, &as) == rcOk, "aspace_create");
    CHECK(aspace_reserve(as, 0, 3 * PAGE_SIZE, BASTION_VMM_READ | BASTION_VMM_WRITE, &data) == rcOk,
          "reserve data");
    /* Inside a page, at its start, at its end. */
    CHECK(aspace_write(as, data + 100, msg, sizeof msg) == rcOk, "write inside a page");
    CHECK(aspace_write(as, data + PAGE_SIZE, msg, sizeof msg) == rcOk, "write at a page's start");
    CHECK(aspace_write(as, data + 3 * PAGE_SIZE - sizeof msg, msg, sizeof msg) == rcOk, "write at "
                                                                                        "a page's "
                                                                                        "end");
    CHECK(paging_query(aspace_root(as), data, &pa, &flags) == rcOk &&
              only_bytes_at(pa, 100, msg, sizeof msg),
          "the rest of a page written inside is zero");
    CHECK(paging_query(aspace_root(as), data + PAGE_SIZE, &pa, &flags) == rcOk &&
              only_bytes_at(pa, 0, msg, sizeof msg),
          "the rest of a page written at its start is zero");
    CHECK(paging_query(aspace_root(as), data + 2 * PAGE_SIZE, &pa, &flags) == rcOk &&
              only_bytes_at(pa, PAGE_SIZE - sizeof msg, msg, sizeof msg),
          "the rest of a page written at its end is zero");
    aspace_destroy(as);
}

void selftest_user(void)
{
    test_user_mode();
    test_partial_write_zeroes_rest();
    test_user_preempt_terminate();
}

#endif
