/*
 * bench/linux/bench.c: the Linux baseline of the benchmark, run as /init of an initramfs.
 *
 * Booted under QEMU TCG with -icount shift=0, the guest's rdtsc advances one tick per executed
 * instruction, so every number printed here is a path length in instructions (plus whatever the
 * timer interrupt adds when it happens to land inside a sample: the median and the minimum
 * filter that out). Each operation is the Linux counterpart of one Bastion benchmark; see
 * docs/benchmarks.md for what exactly each one times.
 *
 * Output, one line per operation, parsed by bench/report/report.py and by test/bench:
 *   BENCH <name> median=<ticks> min=<ticks> n=<samples>
 * framed by "BENCH-BEGIN linux <release> iters=<n>" and "BENCH-END linux". A failed operation
 * prints "BENCH-ERROR <name> <reason>" instead of its BENCH line.
 *
 * Environment (from the kernel command line: words with '=' that the kernel does not know
 * become init's environment): BENCH_ITERS=<n> (default 1000) scales every operation's sample
 * count. As PID 1 the program powers the machine off at the end; run from a shell it just exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init_console.h"

#define EXEC_TARGET "/exit0"
#define PAGE 4096
#define ONE_MIB (1024 * 1024)

static uint64_t *samples; /* one slot per timed iteration of the current operation */
static int max_samples;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    /* Under TCG instructions retire in order: no fence is needed to keep rdtsc in place. */
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts s[0..n) and prints the BENCH line. The median is the lower middle sample, so it is
 * always a tick count that was actually measured. */
static void report(const char *name, uint64_t *s, int n)
{
    qsort(s, (size_t)n, sizeof s[0], cmp_u64);
    printf("BENCH %s median=%llu min=%llu n=%d\n", name, (unsigned long long)s[(n - 1) / 2],
           (unsigned long long)s[0], n);
    fflush(stdout);
}

static void fail(const char *name, const char *what)
{
    printf("BENCH-ERROR %s %s: %s\n", name, what, strerror(errno));
    fflush(stdout);
}

/* Warm-up iterations run the same code untimed: first-touch page faults, lazy binding of
 * caches (pthread stacks, slab objects) happen there and not in the samples. */
static int warmup_of(int n)
{
    return n / 10 < 2 ? 2 : n / 10;
}

/* --- null system call: getpid through syscall(), so glibc cannot answer from a cache ------ */
static void bench_null_syscall(int n)
{
    for (int i = -warmup_of(n); i < n; i++) {
        uint64_t t0 = rdtsc();
        syscall(SYS_getpid);
        uint64_t t1 = rdtsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report("null_syscall", samples, n);
}

/* --- pipe round trip: size bytes to a child process and the same back --------------------- */
static int read_full(int fd, char *buf, size_t len)
{
    while (len > 0) {
        ssize_t r = read(fd, buf, len);
        if (r <= 0)
            return -1;
        buf += r;
        len -= (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t r = write(fd, buf, len);
        if (r <= 0)
            return -1;
        buf += r;
        len -= (size_t)r;
    }
    return 0;
}

static void bench_pipe_rtt(const char *name, int n, size_t size)
{
    static char buf[PAGE];
    int to_child[2], to_parent[2];
    int total = warmup_of(n) + n;

    if (pipe(to_child) < 0 || pipe(to_parent) < 0) {
        fail(name, "pipe");
        return;
    }
    memset(buf, 0x5a, sizeof buf);
    pid_t pid = fork();
    if (pid < 0) {
        fail(name, "fork");
        return;
    }
    if (pid == 0) {
        /* The echo side: inherits the CPU pinning, so both ends share one CPU. */
        for (int i = 0; i < total; i++)
            if (read_full(to_child[0], buf, size) < 0 || write_full(to_parent[1], buf, size) < 0)
                _exit(1);
        _exit(0);
    }
    int ok = 1;
    for (int i = -warmup_of(n); i < n; i++) {
        uint64_t t0 = rdtsc();
        if (write_full(to_child[1], buf, size) < 0 || read_full(to_parent[0], buf, size) < 0) {
            ok = 0;
            break;
        }
        uint64_t t1 = rdtsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    int st = 0;
    waitpid(pid, &st, 0);
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
    if (!ok || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fail(name, "echo child");
        return;
    }
    report(name, samples, n);
}

/* --- futex round trip between two single-threaded processes over a shared page ------------ */
static long futex(uint32_t *w, int op, uint32_t val)
{
    /* Not FUTEX_PRIVATE_FLAG: the word is shared between two address spaces. */
    return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

/* The protocol of Bastion's futex_rtt (userland/bench/bench_futex.h, docs/benchmarks.md), word
 * for word: the shared page holds the turn word (0: the child's turn to wait, 1: the parent has
 * pinged) and one "waits" flag per side. A waiter sets its flag before every FUTEX_WAIT (which
 * sleeps only while the turn word still holds the value it saw) and clears it after; a waker
 * stores the new turn value and calls FUTEX_WAKE only when the other side's flag is set. The
 * sequentially consistent store of each side before its load of the other's word means no
 * wake-up is lost. */
/* Word 1 is Bastion's stop word; the child here counts the rounds instead. */
enum { TURN, CHILD_WAITS = 2, PARENT_WAITS = 3 };

static void futex_wait_while(uint32_t *w, uint32_t *waits, uint32_t val)
{
    while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == val) {
        __atomic_store_n(waits, 1, __ATOMIC_SEQ_CST);
        futex(w, FUTEX_WAIT, val);
        __atomic_store_n(waits, 0, __ATOMIC_RELAXED);
    }
}

static void futex_set(uint32_t *w, uint32_t *waits, uint32_t val)
{
    __atomic_store_n(w, val, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(waits, __ATOMIC_SEQ_CST) != 0)
        futex(w, FUTEX_WAKE, 1);
}

static void bench_futex_rtt(int n)
{
    int total = warmup_of(n) + n;
    uint32_t *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED) {
        fail("futex_rtt", "mmap");
        return;
    }
    w[TURN] = w[CHILD_WAITS] = w[PARENT_WAITS] = 0;
    pid_t pid = fork();
    if (pid < 0) {
        fail("futex_rtt", "fork");
        return;
    }
    if (pid == 0) {
        for (int i = 0; i < total; i++) {
            futex_wait_while(&w[TURN], &w[CHILD_WAITS], 0);
            futex_set(&w[TURN], &w[PARENT_WAITS], 0);
        }
        _exit(0);
    }
    for (int i = -warmup_of(n); i < n; i++) {
        uint64_t t0 = rdtsc();
        futex_set(&w[TURN], &w[CHILD_WAITS], 1);
        futex_wait_while(&w[TURN], &w[PARENT_WAITS], 1);
        uint64_t t1 = rdtsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    int st = 0;
    waitpid(pid, &st, 0);
    munmap(w, PAGE);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fail("futex_rtt", "peer");
        return;
    }
    report("futex_rtt", samples, n);
}

/* --- thread create, exit, join ------------------------------------------------------------- */
static void *thread_body(void *arg)
{
    return arg;
}

static void bench_thread_create(int n)
{
    for (int i = -warmup_of(n); i < n; i++) {
        pthread_t t;
        uint64_t t0 = rdtsc();
        int rc = pthread_create(&t, NULL, thread_body, NULL);
        if (rc == 0)
            rc = pthread_join(t, NULL);
        uint64_t t1 = rdtsc();
        if (rc != 0) {
            errno = rc;
            fail("thread_create", "pthread_create/join");
            return;
        }
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report("thread_create", samples, n);
}

/* --- fork+exit+wait, and fork+exec+exit+wait of a tiny static program ---------------------- */
static void bench_fork(const char *name, int n, int do_exec)
{
    char *argv[] = {(char *)EXEC_TARGET, NULL};
    char *envp[] = {NULL};
    for (int i = -warmup_of(n); i < n; i++) {
        int st = 0;
        uint64_t t0 = rdtsc();
        pid_t pid = fork();
        if (pid == 0) {
            if (do_exec)
                execve(EXEC_TARGET, argv, envp);
            _exit(do_exec ? 127 : 0);
        }
        if (pid < 0 || waitpid(pid, &st, 0) != pid) {
            fail(name, "fork/waitpid");
            return;
        }
        uint64_t t1 = rdtsc();
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            errno = ENOEXEC;
            fail(name, "child status");
            return;
        }
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(name, samples, n);
}

/* --- anonymous memory: map, touch every page (one fault each), unmap ----------------------- */
static void bench_mmap(const char *name, int n, size_t len)
{
    for (int i = -warmup_of(n); i < n; i++) {
        uint64_t t0 = rdtsc();
        volatile char *p =
            mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            fail(name, "mmap");
            return;
        }
        for (size_t off = 0; off < len; off += PAGE)
            p[off] = 1;
        munmap((void *)p, len);
        uint64_t t1 = rdtsc();
        if (i >= 0)
            samples[i] = t1 - t0;
    }
    report(name, samples, n);
}

static int scaled(int n, int num, int den)
{
    long v = (long)n * num / den;
    return v < 3 ? 3 : (int)v;
}

int main(void)
{
    uint64_t boot_ticks = rdtsc(); /* ticks since CPU reset: firmware + kernel boot + exec */
    init_console();

    int n = 1000;
    const char *e = getenv("BENCH_ITERS");
    if (e && atoi(e) > 0)
        n = atoi(e);

    /* One CPU for everything: the round trips then measure a full switch each way, as they
     * will on Bastion, instead of two CPUs spinning in parallel. */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);

    max_samples = scaled(n, 10, 1);
    samples = calloc((size_t)max_samples, sizeof *samples);
    if (!samples) {
        printf("BENCH-ERROR all calloc: out of memory\n");
        return 1;
    }

    struct utsname u;
    uname(&u);
    printf("BENCH-BEGIN linux %s iters=%d\n", u.release, n);
    printf("BENCH boot_to_init median=%llu min=%llu n=1\n", (unsigned long long)boot_ticks,
           (unsigned long long)boot_ticks);
    fflush(stdout);

    bench_null_syscall(scaled(n, 10, 1));
    bench_pipe_rtt("pipe_rtt", n, 1);
    bench_pipe_rtt("pipe_rtt_4k", n, PAGE);
    bench_futex_rtt(n);
    bench_thread_create(n);
    bench_fork("fork_exit_wait", scaled(n, 1, 4), 0);
    bench_fork("fork_exec_wait", scaled(n, 1, 4), 1);
    bench_mmap("mmap_page", n, PAGE);
    bench_mmap("mmap_1m", scaled(n, 1, 10), ONE_MIB);

    printf("BENCH-END linux\n");
    fflush(stdout);
    if (getpid() == 1) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return 0;
}
